"""The timeline: partnerships (with their milestones and dormant spans), memberships and engagements,
posts, awards and other events over the years (since 1960 by default), as SVG and as an HTML page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from rdflib import Graph

from citykg.analytics import relation_label
from citykg.views.i18n import CONFIDENCE_LABELS, GROUP_LABELS, LANGUAGES, STATUS_LABELS, UI
from citykg.views.network import _group_label, selection
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, fraction_of, today_year
from citykg.views.render import page, script_json, text
from citykg.views.style import CLASS_STYLE, GROUP_COLOURS, kind_colour, kind_rank

WIDTH = 1200
FONTS = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"
LABEL_W = 300
ROW_H = 22
SECTION_H = 30
AXIS_H = 34

SECTIONS = {
    "partnerships": {"de": "Partnerschaften", "en": "Partnerships"},
    "memberships": {"de": "Mitgliedschaften und Engagements", "en": "Memberships and engagements"},
    "posts": {"de": "Ämter", "en": "Posts"},
    "awards": {"de": "Auszeichnungen", "en": "Awards"},
    "events": {"de": "Weitere Ereignisse", "en": "Other events"},
}
WORDS = {
    "de": {"title": "Zeitleiste: {city}", "undated": "ohne Datum", "today": "heute", "events": "Ereignisse"},
    "en": {"title": "Timeline: {city}", "undated": "undated", "today": "today", "events": "Events"},
}


@dataclass
class Item:
    id: int
    kind: str  # bar | point
    start: float | None
    end: float | None
    colour: str
    label: dict[str, str]
    data: dict[str, Any]
    dormant_from: float | None = None
    open_end: bool = False


@dataclass
class Row:
    section: str
    label: dict[str, str]
    items: list[Item] = field(default_factory=list)
    sort: tuple = ()


@dataclass
class TimelineModel:
    proj: Projection
    focus: str | None
    since: int
    until: int
    rows: list[Row]
    items: list[Item]


def timeline_model(source: Graph | Projection, options: ViewOptions) -> TimelineModel:
    proj = selection(source, options)
    graph, focus = proj.graph, proj.focus
    since, until = options.since, options.until or today_year()
    items: list[Item] = []

    def item(
        kind: str,
        start: str | None,
        end: str | None,
        colour: str,
        label: dict[str, str],
        data: dict[str, Any],
        **extra: Any,
    ) -> Item:
        made = Item(len(items), kind, fraction_of(start), fraction_of(end), colour, label, data, **extra)
        items.append(made)
        return made

    def period_end(end: str | None) -> float | None:
        value = fraction_of(end)
        if value is None or not end:
            return None
        length = len(end.strip())
        return value + (1.0 if length == 4 else 1 / 12 if length == 7 else 1 / 365)

    rows: dict[tuple[str, str], Row] = {}

    def row(section: str, key: str, label: dict[str, str]) -> Row:
        if (section, key) not in rows:
            rows[(section, key)] = Row(section, label)
        return rows[(section, key)]

    milestone_events: set[str] = set()
    for u, v, _, d in graph.edges(keys=True, data=True):
        kind = d["type"]
        if kind == "partnership":
            partner = v if u == focus else u if v == focus else None
            key = partner or f"{u}|{v}"
            label = (
                proj.labels(partner)
                if partner
                else {lang: f"{proj.label(u, lang)} – {proj.label(v, lang)}" for lang in LANGUAGES}
            )
            r = row("partnerships", key, label)
            made = item(
                "bar",
                d["start"],
                d["end"],
                kind_colour(d["group"], proj.broader),
                {lang: relation_label(proj, d, lang) for lang in LANGUAGES},
                d,
                dormant_from=float(d["dormant_from"]) if d.get("dormant_from") else None,
            )
            made.end = period_end(d["end"])
            made.open_end = made.end is None and d.get("status") != "ended"
            r.items.append(made)
            r.sort = min(r.sort or (9999.0,), (made.start or 9999.0,))
        elif kind in ("membership", "engagement"):
            key = f"{u}|{v}|{kind}"
            label = (
                proj.labels(v)
                if u == focus
                else {lang: f"{proj.label(u, lang)} – {proj.label(v, lang)}" for lang in LANGUAGES}
            )
            r = row("memberships", key, label)
            made = item(
                "bar",
                d["start"],
                d["end"],
                GROUP_COLOURS[d["group"]],
                {lang: relation_label(proj, d, lang) for lang in LANGUAGES},
                d,
            )
            made.end = period_end(d["end"])
            made.open_end = made.end is None and d.get("status") != "ended"
            if kind == "engagement" and d["start"] and not d["end"]:
                made.kind = "point"
            r.items.append(made)
            r.sort = (made.start or 9999.0, proj.label(v, "en"))
        elif kind == "tenure":
            r = row("posts", f"{u}|{v}", {lang: f"{proj.label(u, lang)} – {proj.label(v, lang)}" for lang in LANGUAGES})
            made = item(
                "bar",
                d["start"],
                d["end"],
                GROUP_COLOURS["tenure"],
                {lang: relation_label(proj, d, lang) for lang in LANGUAGES},
                d,
            )
            made.end = period_end(d["end"])
            made.open_end = made.end is None and d.get("status") != "ended"
            r.items.append(made)
            r.sort = (made.start or 9999.0,)
        elif kind == "conferral":
            label = {
                lang: f"{proj.label(v, lang)}" + ("" if u == focus else f" ({proj.label(u, lang)})")
                for lang in LANGUAGES
            }
            r = row("awards", d["rel"] or f"{u}|{v}", label)
            made = item("point", d["start"], None, CLASS_STYLE["award"][0], label, d)
            r.items.append(made)
            r.sort = (made.start or 9999.0,)
        elif kind == "milestone":
            milestone_events.add(u)

    # milestones on their partnership's row
    for u, v, _, d in graph.edges(keys=True, data=True):
        if d["type"] != "milestone":
            continue
        key = v
        target = rows.get(("partnerships", key))
        if target is None:
            continue
        event = graph.nodes[u]
        target.items.append(
            item(
                "point",
                event.get("start"),
                None,
                "#333333",
                proj.labels(u),
                {**d, "event": u, "start": event.get("start")},
            )
        )

    # other events: lanes in one block
    lanes: list[float] = []
    event_rows: list[Row] = []
    for node, attrs in sorted(graph.nodes(data=True), key=lambda n: (fraction_of(n[1].get("start")) or 0, n[0])):
        if attrs.get("base_cls") != "event" or node in milestone_events or not attrs.get("start"):
            continue
        start = fraction_of(attrs["start"])
        if start is None or start < since:
            continue
        lane = next((i for i, last in enumerate(lanes) if start - last > 0.9), None)
        if lane is None:
            lanes.append(start)
            lane = len(lanes) - 1
            event_rows.append(
                Row("events", {lang: WORDS[lang]["events"] if lane == 0 else "" for lang in LANGUAGES}, sort=(lane,))
            )
        lanes[lane] = start
        event_rows[lane].items.append(
            item(
                "point",
                attrs["start"],
                attrs.get("end"),
                CLASS_STYLE["event"][0],
                proj.labels(node),
                {"event": node, "start": attrs["start"], "end": attrs.get("end"), "rel": node, "type": "event"},
            )
        )

    ordered: list[Row] = []
    for section in ("partnerships", "memberships", "posts", "awards"):
        chosen = [r for (s, _), r in rows.items() if s == section]
        # rows wholly before the window are left out
        chosen = [
            r
            for r in chosen
            if any((i.end or i.start or since) >= since or i.open_end or i.start is None for i in r.items)
        ]
        if section == "partnerships":
            chosen.sort(
                key=lambda r: (
                    r.sort,
                    min(kind_rank(i.data.get("group", ""), proj.broader) for i in r.items if i.kind == "bar"),
                    r.label.get("en", ""),
                )
            )
        else:
            chosen.sort(key=lambda r: (r.sort, r.label.get("en", "")))
        ordered.extend(chosen)
    ordered.extend(event_rows)
    return TimelineModel(proj, focus, since, until, ordered, items)


# --------------------------------------------------------------------------------------------------------


def timeline_svg(source: Graph | Projection, options: ViewOptions | None = None, *, width: int = WIDTH) -> str:
    """A static SVG timeline in ``options.lang`` (since ``options.since``, default 1960)."""
    options = options or ViewOptions()
    return _svg(timeline_model(source, options), options.lang, width, interactive=False)


def _svg(model: TimelineModel, lang: str, width: int, *, interactive: bool) -> str:
    proj, words = model.proj, WORDS[lang]
    x0, x1 = LABEL_W + 10, width - 20
    span = (model.until + 1) - model.since
    scale = (x1 - x0) / span

    def x(value: float) -> float:
        return x0 + (min(max(value, model.since), model.until + 1) - model.since) * scale

    sections = []
    for r in model.rows:
        if not sections or sections[-1][0] != r.section:
            sections.append((r.section, []))
        sections[-1][1].append(r)
    height = 48 + AXIS_H + sum(SECTION_H + ROW_H * len(rs) for _, rs in sections) + 94
    out: list[str] = []
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="citykg-timeline" lang="{lang}" '
        f'font-family="{FONTS}">'
    )
    city = proj.label(model.focus, lang) if model.focus else ""
    title = words["title"].format(city=city).rstrip(": ")
    out.append(f"<title>{text(title)}</title>")
    out.append(
        f'<defs><pattern id="dormant-{lang}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff" fill-opacity="0.55"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="3"/>'
        "</pattern></defs>"
    )
    out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    out.append(f'<text x="16" y="30" font-size="20" font-weight="700" fill="#1f2328">{text(title)}</text>')

    top = 48
    # axis and grid
    grid_bottom = height - 84
    out.append('<g class="axis" font-size="11" fill="#5f6b76">')
    first_tick = model.since - model.since % 5
    for year in range(first_tick, model.until + 2, 5):
        if year < model.since:
            continue
        gx = x(year)
        major = year % 10 == 0
        out.append(
            f'<line x1="{gx:.1f}" y1="{top + AXIS_H - 6}" x2="{gx:.1f}" y2="{grid_bottom}" '
            f'stroke="{"#dfe3e8" if major else "#eef1f4"}"/>'
        )
        if major:
            out.append(f'<text x="{gx:.1f}" y="{top + AXIS_H - 12}" text-anchor="middle">{year}</text>')
    now = x(today_year() + (__import__("datetime").date.today().timetuple().tm_yday - 1) / 365)
    out.append(
        f'<line x1="{now:.1f}" y1="{top + AXIS_H - 6}" x2="{now:.1f}" y2="{grid_bottom}" stroke="#D55E00" '
        'stroke-dasharray="3 3"/>'
    )
    out.append(
        f'<text x="{now:.1f}" y="{grid_bottom + 14}" text-anchor="middle" fill="#D55E00">{text(words["today"])}</text>'
    )
    out.append("</g>")

    y = top + AXIS_H
    for section, section_rows in sections:
        out.append(
            f'<text x="16" y="{y + 20}" font-size="13" font-weight="700" fill="#5f6b76" letter-spacing="0.5">'
            f"{text(SECTIONS[section][lang].upper())}</text>"
        )
        out.append(f'<line x1="16" y1="{y + 26}" x2="{x1}" y2="{y + 26}" stroke="#d6dbe0"/>')
        y += SECTION_H
        for number, r in enumerate(section_rows):
            if number % 2 == 1:
                out.append(f'<rect x="10" y="{y}" width="{x1 - 10}" height="{ROW_H}" fill="#f7f8fa"/>')
            label = r.label.get(lang) or ""
            if label:
                shown = label if len(label) <= 40 else label[:39] + "…"
                out.append(
                    f'<text x="{LABEL_W}" y="{y + 15}" text-anchor="end" font-size="12.5" fill="#1f2328" '
                    'class="row-label">'
                    f"<title>{text(label)}</title>{text(shown)}</text>"
                )
            for it in sorted(r.items, key=lambda i: (i.kind == "point", i.start or 0)):
                out.append(_item_svg(it, y, x, lang, model, interactive))
            y += ROW_H
    out.append(_legend(model, lang, height - 40, width - 40))
    out.append("</svg>")
    return "".join(out)


def _legend(model: TimelineModel, lang: str, y: float, width: float) -> str:
    """One line of legend: partnership kinds, other bars, points, the dormant hatching."""
    proj = model.proj
    kinds = sorted(
        {i.data.get("group") for r in model.rows if r.section == "partnerships" for i in r.items if i.kind == "bar"},
        key=lambda g: (kind_rank(str(g), proj.broader), str(g)),
    )
    entries: list[tuple[str, str]] = [
        (f"bar:{kind_colour(str(k), proj.broader)}", _group_label(proj, str(k), lang)) for k in kinds
    ]
    sections = {r.section for r in model.rows}
    if "memberships" in sections:
        entries.append((f"bar:{GROUP_COLOURS['membership']}", GROUP_LABELS["membership"][lang]))
        entries.append((f"bar:{GROUP_COLOURS['engagement']}", GROUP_LABELS["engagement"][lang]))
    if "posts" in sections:
        entries.append((f"bar:{GROUP_COLOURS['tenure']}", GROUP_LABELS["tenure"][lang]))
    entries.append(("hatch", UI[lang]["dormant"]))
    entries.append(("dot:#333333", GROUP_LABELS["milestone"][lang]))
    if "events" in sections:
        entries.append((f"dot:{CLASS_STYLE['event'][0]}", SECTIONS["events"][lang]))
    out = [f'<g class="legend" font-size="11.5" fill="#1f2328" transform="translate(16 {y})">']
    x, line = 0.0, 0
    for symbol, label in entries:
        kind, _, colour = symbol.partition(":")
        step = 44 + 7.0 * len(label)
        if x and x + step > width:
            x, line = 0.0, line + 1
            out.append(f'<g transform="translate(0 {18 * line})">')
        elif line:
            out.append(f'<g transform="translate(0 {18 * line})">')
        if kind == "bar":
            out.append(f'<rect x="{x:.1f}" y="-9" width="22" height="10" rx="2" fill="{colour}"/>')
        elif kind == "hatch":
            out.append(f'<rect x="{x:.1f}" y="-9" width="22" height="10" rx="2" fill="#0050A0"/>')
            out.append(f'<rect x="{x:.1f}" y="-9" width="22" height="10" fill="url(#dormant-{lang})"/>')
        else:
            out.append(f'<circle cx="{x + 11:.1f}" cy="-4" r="3.6" fill="{colour}"/>')
        out.append(f'<text x="{x + 28:.1f}" y="0">{text(label)}</text>')
        if line:
            out.append("</g>")
        x += step
    out.append("</g>")
    return "".join(out)


def _item_svg(it: Item, y: float, x, lang: str, model: TimelineModel, interactive: bool) -> str:
    words = WORDS[lang]
    data_attr = f' data-item="{it.id}"' if interactive else ""
    title = it.label.get(lang, "")
    when = _period_text(it, lang)
    tip = f"<title>{text(title + (' – ' + when if when else ''))}</title>"
    if it.start is None:
        return (
            f'<g{data_attr}><circle cx="{x(model.since) + 6:.1f}" cy="{y + ROW_H / 2}" r="4" fill="#ffffff" '
            f'stroke="{it.colour}" stroke-width="2"/><text x="{x(model.since) + 16:.1f}" y="{y + 15}" '
            f'font-size="11" fill="#5f6b76">{text(words["undated"])}</text>{tip}</g>'
        )
    if it.kind == "point" or it.start == it.end:
        if it.start < model.since or it.start > model.until + 1:
            return ""
        cx = x(it.start)
        if it.colour == CLASS_STYLE["award"][0]:
            size = 6
            points = (
                f"{cx:.1f},{y + 11 - size} {cx + size:.1f},{y + 11} {cx:.1f},{y + 11 + size} {cx - size:.1f},{y + 11}"
            )
            shape = f'<polygon points="{points}" fill="{it.colour}" stroke="#7a6000"/>'
            year = text(str(it.data.get("start", ""))[:4])
            label = f'<text x="{cx + 10:.1f}" y="{y + 15}" font-size="11" fill="#1f2328">{year}</text>'
            return f"<g{data_attr}>{shape}{label}{tip}</g>"
        return (
            f'<circle cx="{cx:.1f}" cy="{y + ROW_H / 2}" r="3.6" fill="{it.colour}" stroke="#ffffff" '
            f'stroke-width="1"{data_attr}>{tip}</circle>'
        )
    start = it.start
    end = it.end if it.end is not None else model.until + 1
    if end < model.since:
        return ""
    bx0, bx1 = x(start), max(x(end), x(start) + 3)
    parts = [
        f'<rect x="{bx0:.1f}" y="{y + 5}" width="{bx1 - bx0:.1f}" height="{ROW_H - 10}" rx="3" fill="{it.colour}"'
        + (' fill-opacity="0.55"' if it.data.get("status") == "ended" else "")
        + "/>"
    ]
    if it.dormant_from is not None and it.dormant_from <= end:
        dx = x(it.dormant_from)
        parts.append(
            f'<rect x="{dx:.1f}" y="{y + 5}" width="{max(bx1 - dx, 2):.1f}" height="{ROW_H - 10}" '
            f'fill="url(#dormant-{lang})"/>'
        )
    if start < model.since:
        parts.append(
            f'<path d="M{bx0 - 1:.1f} {y + 5} l-6 {(ROW_H - 10) / 2} l6 {(ROW_H - 10) / 2}z" fill="{it.colour}"/>'
        )
    if it.open_end:
        parts.append(f'<path d="M{bx1:.1f} {y + 5} l7 {(ROW_H - 10) / 2} l-7 {(ROW_H - 10) / 2}z" fill="{it.colour}"/>')
    return f"<g{data_attr}>" + "".join(parts) + tip + "</g>"


def _period_text(it: Item, lang: str) -> str:
    ui = UI[lang]
    start, end = it.data.get("start"), it.data.get("end")
    parts = []
    if start and end and start != end:
        parts.append(f"{start} – {end}")
    elif start and it.kind == "point":
        parts.append(str(start))
    elif start:
        parts.append(f"{ui['since']} {start}")
    else:
        parts.append(ui["undated"])
    status = it.data.get("status")
    if status in ("dormant", "ended"):
        parts.append(STATUS_LABELS[status][lang])
    if it.data.get("dormant_from"):
        parts.append(f"{ui['dormant_from']} {it.data['dormant_from']}")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------------------


def timeline_html(source: Graph | Projection, options: ViewOptions | None = None) -> str:
    """The timeline page: both languages, tooltips and details with sources."""
    options = options or ViewOptions()
    model = timeline_model(source, options)
    proj = model.proj
    svgs = {lang: Markup(_svg(model, lang, WIDTH, interactive=True)) for lang in LANGUAGES}
    sources: dict[str, int] = {}
    source_list: list[dict[str, Any]] = []
    cites: list[dict[str, Any]] = []

    def cites_of(rel: str | None) -> list[int]:
        out = []
        for cite in proj.citations.get(rel or "", []):
            if cite.source not in sources:
                sources[cite.source] = len(source_list)
                source_list.append({"iri": cite.source, "url": cite.url, "t": cite.title or proj.labels(cite.source)})
            cites.append(
                {
                    "s": sources[cite.source],
                    "q": cite.quote,
                    "ql": cite.quote_lang,
                    "n": cite.comment,
                    "cf": cite.confidence,
                }
            )
            out.append(len(cites) - 1)
        return out

    row_of: dict[int, dict[str, str]] = {}
    for r in model.rows:
        for it in r.items:
            row_of[it.id] = r.label
    data = {
        "lang": options.lang,
        "title": {
            lang: WORDS[lang]["title"].format(city=proj.label(model.focus, lang) if model.focus else "").rstrip(": ")
            for lang in LANGUAGES
        },
        "items": [
            {
                "id": it.id,
                "l": it.label,
                "row": row_of.get(it.id),
                "p": {lang: _period_text(it, lang) for lang in LANGUAGES},
                "rel": it.data.get("rel"),
                "ci": cites_of(it.data.get("event") or it.data.get("rel")),
            }
            for it in model.items
        ],
        "rows": [{"section": r.section, "l": r.label} for r in model.rows],
        "sources": source_list,
        "cites": cites,
        "status": STATUS_LABELS,
        "confidence": CONFIDENCE_LABELS,
        "ui": UI,
        "since": model.since,
        "until": model.until,
    }
    counts: dict[str, int] = defaultdict(int)
    for r in model.rows:
        counts[r.section] += 1
    data["counts"] = dict(counts)
    return page(
        "timeline.html",
        script="timeline.js",
        vis=False,
        lang=options.lang,
        title=data["title"][options.lang],
        data=script_json(data),
        svgs=svgs,
    )


__all__ = ["timeline_html", "timeline_model", "timeline_svg"]
