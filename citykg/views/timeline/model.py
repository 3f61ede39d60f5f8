"""The timeline's model: partnerships (with their milestones and dormant spans), memberships and engagements,
posts, awards and other events as rows of dated items (since 1960 by default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from citykg.analytics import relation_label
from citykg.views.i18n import LANGUAGES
from citykg.views.network import selection
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, fraction_of, today_year
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
