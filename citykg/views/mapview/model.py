"""The map's model: the focus city, its partner cities with coordinates, one line per partnership (with its
kind, dates and status) and the partners that cannot be drawn for lack of coordinates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from citykg.errors import UsageError
from citykg.views.network import projection_of
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, select
from citykg.views.style import kind_rank

WIDTH, HEIGHT = 1200, 680
FONTS = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"
WORDS = {
    "de": {
        "title": "{city} und seine Partnerstädte",
        "as_of": "Stand {year}",
        "missing": "ohne Koordinaten: {names}",
        "credit": "Karte: Natural Earth (gemeinfrei), Equal-Earth-Projektion",
        "dormant": "ruhend",
        "ended": "beendet",
    },
    "en": {
        "title": "{city} and its partner cities",
        "as_of": "as of {year}",
        "missing": "no coordinates: {names}",
        "credit": "Map: Natural Earth (public domain), Equal Earth projection",
        "dormant": "dormant",
        "ended": "ended",
    },
}


@dataclass
class Line:
    id: int
    partner: str
    kind: str
    data: dict[str, Any]
    bend: float = 0.0


@dataclass
class MapModel:
    proj: Projection
    focus: str
    partners: list[str]
    lines: list[Line]
    missing: list[str]
    year: int | None
    kinds: list[str] = field(default_factory=list)


def _active(data: dict[str, Any], year: int | None) -> bool:
    if year is None:
        return True
    y0, y1 = data["y0"], data["y1"]
    return y0 is not None and y0 <= year and (y1 is None or year <= y1)


def map_model(source: Graph | Projection, options: ViewOptions, *, all_years: bool = False) -> MapModel:
    """The focus city, its partners (with coordinates or not) and the partnerships to draw."""
    proj = projection_of(source)
    proj = select(proj, focus=options.focus, kinds=options.kinds)
    focus = proj.focus
    if focus is None or focus not in proj.graph:
        raise UsageError("the map needs a focus city", hint="give --focus IRI (e.g. city/dortmund)")
    graph = proj.graph
    if "lat" not in graph.nodes[focus]:
        raise UsageError(
            f"{proj.label(focus, options.lang)} has no coordinates (geo:lat, geo:long)", hint="add them to the data"
        )
    year = None if all_years else options.as_of
    lines: list[Line] = []
    for u, v, k, d in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[3]["y0"] or 0, e[2])):
        if d["type"] != "partnership" or focus not in (u, v) or not _active(d, year):
            continue
        lines.append(Line(len(lines), v if u == focus else u, d["group"], {**d, "key": k}))
    partners = sorted({line.partner for line in lines}, key=lambda n: proj.label(n, options.lang))
    missing = [p for p in partners if "lat" not in graph.nodes[p]]
    per_partner: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        per_partner[line.partner].append(line)
    for group in per_partner.values():
        for index, line in enumerate(group):
            line.bend = 0.16 + 0.16 * index
    kinds = sorted({line.kind for line in lines}, key=lambda g: (kind_rank(g, proj.broader), g))
    return MapModel(proj, focus, partners, lines, missing, year, kinds)


def best_kind(model: MapModel, partner: str, year: int | None) -> str | None:
    found = [
        (line.data.get("status") == "ended" and year is None, kind_rank(line.kind, model.proj.broader), line.kind)
        for line in model.lines
        if line.partner == partner and _active(line.data, year)
    ]
    return min(found)[2] if found else None
