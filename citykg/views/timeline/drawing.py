"""The timeline drawn as SVG: a row per partnership, membership, post … with its dated items, an axis of
years and a legend (static for documents and prints, interactive inside the page)."""

from __future__ import annotations

from rdflib import Graph

from citykg.views.i18n import GROUP_LABELS, STATUS_LABELS, UI
from citykg.views.network import _group_label
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, today_year
from citykg.views.render import text
from citykg.views.style import CLASS_STYLE, GROUP_COLOURS, kind_colour, kind_rank
from citykg.views.timeline.model import (
    AXIS_H,
    FONTS,
    LABEL_W,
    ROW_H,
    SECTION_H,
    SECTIONS,
    WIDTH,
    WORDS,
    Item,
    TimelineModel,
    timeline_model,
)

#: Row heights a print may use, largest first: a compact row (bars and names keep their size) lets a long
#: timeline fit one A4 page (citykg.views.prints.fits_one_page).
ROW_HEIGHTS = (ROW_H, 20, 18, 16)


def timeline_svg(
    source: Graph | Projection, options: ViewOptions | None = None, *, width: int = WIDTH, row_h: int = ROW_H
) -> str:
    """A static SVG timeline in ``options.lang`` (since ``options.since``, default 1960), rows ``row_h`` high."""
    options = options or ViewOptions()
    return _svg(timeline_model(source, options), options.lang, width, interactive=False, row_h=row_h)


def timeline_print(model: TimelineModel, lang: str, page: str = "a4") -> tuple[str, list[float]]:
    """The SVG to print ``model`` on ``page`` and the y where a page may break: on one page when some row
    height of ROW_HEIGHTS lets it fit (the one that prints largest, the tallest rows among equals), else the
    normal rows cut over several pages (citykg.views.prints)."""
    from citykg.views.prints import one_page_scale

    best: tuple[float, int, str] | None = None
    for row_h in ROW_HEIGHTS:
        svg = _svg(model, lang, WIDTH, interactive=False, row_h=row_h)
        scale = one_page_scale(svg, page)
        if scale is not None and (best is None or scale > best[0] + 1e-9):
            best = (scale, row_h, svg)
    if best is not None:
        return best[2], row_edges(model, best[1])
    return _svg(model, lang, WIDTH, interactive=False), row_edges(model)


def _svg(model: TimelineModel, lang: str, width: int, *, interactive: bool, row_h: int = ROW_H) -> str:
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
    height = 48 + AXIS_H + sum(SECTION_H + row_h * len(rs) for _, rs in sections) + 94
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
                out.append(f'<rect x="10" y="{y}" width="{x1 - 10}" height="{row_h}" fill="#f7f8fa"/>')
            label = r.label.get(lang) or ""
            if label:
                shown = label if len(label) <= 40 else label[:39] + "…"
                out.append(
                    f'<text x="{LABEL_W}" y="{y + row_h // 2 + 4}" text-anchor="end" font-size="12.5" fill="#1f2328" '
                    'class="row-label">'
                    f"<title>{text(label)}</title>{text(shown)}</text>"
                )
            for it in sorted(r.items, key=lambda i: (i.kind == "point", i.start or 0)):
                out.append(_item_svg(it, y, x, lang, model, interactive, row_h))
            y += row_h
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


def _item_svg(it: Item, y: float, x, lang: str, model: TimelineModel, interactive: bool, row_h: int = ROW_H) -> str:
    words = WORDS[lang]
    half, pad = row_h // 2, (row_h - 12) // 2  # the middle of the row; bars are 12 high in every row height
    bar = row_h - 2 * pad
    data_attr = f' data-item="{it.id}"' if interactive else ""
    title = it.label.get(lang, "")
    when = _period_text(it, lang)
    tip = f"<title>{text(title + (' – ' + when if when else ''))}</title>"
    if it.start is None:
        return (
            f'<g{data_attr}><circle cx="{x(model.since) + 6:.1f}" cy="{y + row_h / 2}" r="4" fill="#ffffff" '
            f'stroke="{it.colour}" stroke-width="2"/><text x="{x(model.since) + 16:.1f}" y="{y + half + 4}" '
            f'font-size="11" fill="#5f6b76">{text(words["undated"])}</text>{tip}</g>'
        )
    if it.kind == "point" or it.start == it.end:
        if it.start < model.since or it.start > model.until + 1:
            return ""
        cx = x(it.start)
        if it.colour == CLASS_STYLE["award"][0]:
            size = 6
            points = (
                f"{cx:.1f},{y + half - size} {cx + size:.1f},{y + half} "
                f"{cx:.1f},{y + half + size} {cx - size:.1f},{y + half}"
            )
            shape = f'<polygon points="{points}" fill="{it.colour}" stroke="#7a6000"/>'
            year = text(str(it.data.get("start", ""))[:4])
            label = f'<text x="{cx + 10:.1f}" y="{y + half + 4}" font-size="11" fill="#1f2328">{year}</text>'
            return f"<g{data_attr}>{shape}{label}{tip}</g>"
        return (
            f'<circle cx="{cx:.1f}" cy="{y + row_h / 2}" r="3.6" fill="{it.colour}" stroke="#ffffff" '
            f'stroke-width="1"{data_attr}>{tip}</circle>'
        )
    start = it.start
    end = it.end if it.end is not None else model.until + 1
    if end < model.since:
        return ""
    bx0, bx1 = x(start), max(x(end), x(start) + 3)
    parts = [
        f'<rect x="{bx0:.1f}" y="{y + pad}" width="{bx1 - bx0:.1f}" height="{bar}" rx="3" fill="{it.colour}"'
        + (' fill-opacity="0.55"' if it.data.get("status") == "ended" else "")
        + "/>"
    ]
    if it.dormant_from is not None and it.dormant_from <= end:
        dx = x(it.dormant_from)
        parts.append(
            f'<rect x="{dx:.1f}" y="{y + pad}" width="{max(bx1 - dx, 2):.1f}" height="{bar}" '
            f'fill="url(#dormant-{lang})"/>'
        )
    if start < model.since:
        parts.append(f'<path d="M{bx0 - 1:.1f} {y + pad} l-6 {bar / 2} l6 {bar / 2}z" fill="{it.colour}"/>')
    if it.open_end:
        parts.append(f'<path d="M{bx1:.1f} {y + pad} l7 {bar / 2} l-7 {bar / 2}z" fill="{it.colour}"/>')
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


def row_edges(model: TimelineModel, row_h: int = ROW_H) -> list[float]:
    """The y of every row's and section's top edge in the drawing: where a print may break the page."""
    edges: list[float] = []
    y = 48 + AXIS_H
    section = None
    for r in model.rows:
        if r.section != section:
            section = r.section
            edges.append(y)
            y += SECTION_H
        edges.append(y)
        y += row_h
    edges.append(y)
    return edges
