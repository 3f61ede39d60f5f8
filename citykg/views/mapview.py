"""The map: the focus city and its partner cities on a bundled world outline, one line per partnership,
coloured by its kind (dashed when dormant, dotted when ended). As static SVG (slides, print) and as an
HTML page (both languages, tooltips, details with sources, filter by kind, year slider, zoom).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from citykg.errors import UsageError
from citykg.views.geo import Frame, equal_earth, fit_box, projected_outline
from citykg.views.i18n import CONFIDENCE_LABELS, LANGUAGES, STATUS_LABELS, UI
from citykg.views.network import _group_label, projection_of
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, select
from citykg.views.render import page, script_json, text
from citykg.views.style import kind_colour, kind_rank

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


# --------------------------------------------------------------------------------------------------------


def map_svg(
    source: Graph | Projection, options: ViewOptions | None = None, *, width: int = WIDTH, height: int = HEIGHT
) -> str:
    """A static SVG map (for slides and print) in ``options.lang``, as of ``options.as_of`` if given."""
    options = options or ViewOptions()
    return _svg(map_model(source, options), options.lang, width, height, interactive=False)


def _curve(a: tuple[float, float], b: tuple[float, float], bend: float) -> tuple[str, tuple[float, float]]:
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    nx_, ny_ = -dy / length, dx / length
    if ny_ > 0:  # bend upwards on the page
        nx_, ny_ = -nx_, -ny_
    cx, cy = (x1 + x2) / 2 + nx_ * bend * length, (y1 + y2) / 2 + ny_ * bend * length
    return f"M{x1:.1f} {y1:.1f}Q{cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}", (cx, cy)


def _star(cx: float, cy: float, r: float) -> str:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + radius * math.cos(angle):.1f},{cy + radius * math.sin(angle):.1f}")
    return " ".join(points)


def _dash(data: dict[str, Any], year: int | None) -> str:
    dormant_from = data.get("dormant_from")
    if data.get("status") == "ended" and year is None:
        return "2 5"
    if (year is None and data.get("status") == "dormant") or (
        dormant_from and year is not None and year >= dormant_from
    ):
        return "9 6"
    return ""


HEADER, FOOTER, SIDE = 48, 30, 270


def _svg(model: MapModel, lang: str, width: int, height: int, *, interactive: bool) -> str:
    """The map: a title band, a legend column on the left, the map, a credit line."""
    proj, graph, words, ui = model.proj, model.proj.graph, WORDS[lang], UI[lang]
    located = [model.focus] + [p for p in model.partners if p not in model.missing]
    points = [equal_earth(graph.nodes[n]["long"], graph.nodes[n]["lat"]) for n in located]
    map_w, map_h = width - SIDE, height - HEADER - FOOTER
    frame = Frame(fit_box(points, map_w / map_h), map_w, map_h)
    land, borders = projected_outline()
    out: list[str] = []
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" class="citykg-map" lang="{lang}" font-family="{FONTS}"'
        + (f' data-origin="{SIDE} {HEADER}"' if interactive else "")
        + ">"
    )
    title = words["title"].format(city=proj.label(model.focus, lang))
    if model.year is not None:
        title += " – " + words["as_of"].format(year=model.year)
    out.append(f"<title>{text(title)}</title>")
    out.append(
        f'<defs><clipPath id="map-area-{lang}"><rect x="0" y="0" width="{map_w}" height="{map_h}"/></clipPath></defs>'
    )
    out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    out.append(f'<g transform="translate({SIDE} {HEADER})"><g clip-path="url(#map-area-{lang})">')
    out.append(f'<rect width="{map_w}" height="{map_h}" fill="#eaf1f6"/>')
    out.append('<g class="viewport">')
    out.append(
        f'<path d="{frame.path(land, closed=True)}" fill="#e3e0d8" fill-rule="evenodd" stroke="#c9c4b8" '
        'stroke-width="0.5"/>'
    )
    out.append(f'<path d="{frame.path(borders, closed=False)}" fill="none" stroke="#ffffff" stroke-width="0.8"/>')

    home = frame.lonlat(graph.nodes[model.focus]["long"], graph.nodes[model.focus]["lat"])
    out.append('<g class="lines" fill="none">')
    for line in model.lines:
        node = graph.nodes[line.partner]
        if "lat" not in node:
            continue
        there = frame.lonlat(node["long"], node["lat"])
        d, _ = _curve(home, there, line.bend)
        colour = kind_colour(line.kind, proj.broader)
        dash = _dash(line.data, model.year)
        label = (
            f"{proj.label(model.focus, lang)} – {proj.label(line.partner, lang)}: {_group_label(proj, line.kind, lang)}"
        )
        when = _period(line.data, lang)
        out.append(
            f'<path d="{d}" stroke="{colour}" stroke-width="2.4" stroke-linecap="round"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + (f' data-line="{line.id}"' if interactive else "")
            + f' opacity="{0.55 if line.data.get("status") == "ended" and model.year is None else 0.9}">'
            + f"<title>{text(label + (' (' + when + ')' if when else ''))}</title></path>"
        )
    out.append("</g>")

    # markers and labels, labels placed where they overlap nothing placed before
    boxes: list[tuple[float, float, float, float]] = []
    marks: list[str] = []
    labels: list[str] = []
    order = [
        model.focus,
        *sorted((p for p in model.partners if p not in model.missing), key=lambda n: graph.nodes[n]["long"]),
    ]
    positions = {n: frame.lonlat(graph.nodes[n]["long"], graph.nodes[n]["lat"]) for n in order}
    for x, y in positions.values():
        boxes.append((x - 7, y - 7, x + 7, y + 7))
    for number, n in enumerate(order):
        x, y = positions[n]
        name = proj.label(n, lang)
        data_attr = f' data-city="{number}"' if interactive else ""
        if n == model.focus:
            marks.append(
                f'<polygon points="{_star(x, y, 11)}" fill="#D55E00" stroke="#7a3300" stroke-width="1"{data_attr}>'
                f"<title>{text(name)}</title></polygon>"
            )
            size = 15
        else:
            kind = best_kind(model, n, model.year)
            colour = kind_colour(kind, proj.broader) if kind else "#9E9E9E"
            marks.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{colour}" stroke="#ffffff" '
                f'stroke-width="1.5"{data_attr}>'
                f"<title>{text(name)}</title></circle>"
            )
            size = 13
        w, h = 0.62 * size * len(name), size
        candidates = [
            (x + 9 * k, y + h * 0.35 + dy, anchor)
            for k, dy in ((1, 0), (1, -9), (1, 9), (2.2, -16), (2.2, 16))
            for anchor in ("start", "end")
        ]
        candidates = [(cx if a == "start" else 2 * x - cx, cy, a) for cx, cy, a in candidates]
        candidates[2:2] = [(x, y - 11, "middle"), (x, y + h + 8, "middle")]
        chosen = candidates[0]
        for cx, cy, anchor in candidates:
            left = cx if anchor == "start" else cx - w if anchor == "end" else cx - w / 2
            box = (left - 2, cy - h, left + w + 2, cy + 3)
            if box[0] < 0 or box[2] > map_w or box[1] < 0 or box[3] > map_h:
                continue
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                chosen = (cx, cy, anchor)
                boxes.append(box)
                break
        cx, cy, anchor = chosen
        weight = "700" if n == model.focus else "500"
        labels.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
            f'fill="#1f2328" stroke="#ffffff" stroke-width="3" paint-order="stroke"'
            + (f' data-label="{number}"' if interactive else "")
            + f">{text(name)}</text>"
        )
    out.append('<g class="marks">' + "".join(marks) + "</g>")
    out.append('<g class="labels">' + "".join(labels) + "</g>")
    out.append("</g></g>")  # viewport, clip
    out.append(f'<rect width="{map_w}" height="{map_h}" fill="none" stroke="#d6dbe0"/></g>')

    # title band, legend column, credit line
    out.append(
        f'<text x="16" y="31" font-size="21" font-weight="700" fill="#1f2328" class="map-title">{text(title)}</text>'
    )
    out.append(f'<g class="legend" transform="translate(16 {HEADER + 8})">')
    y = 16
    out.append(f'<text x="0" y="{y}" font-size="14" font-weight="700" fill="#1f2328">{text(ui["partners"])}</text>')
    for kind in model.kinds:
        colour = kind_colour(kind, proj.broader)
        count = len({line.partner for line in model.lines if line.kind == kind})
        for index, chunk in enumerate(_wrap(f"{_group_label(proj, kind, lang)} ({count})", 26)):
            y += 18 if index else 22
            if index == 0:
                out.append(f'<line x1="0" y1="{y - 4}" x2="30" y2="{y - 4}" stroke="{colour}" stroke-width="3.5"/>')
            out.append(f'<text x="40" y="{y}" font-size="13" fill="#1f2328">{text(chunk)}</text>')
    for label, dash in ((words["dormant"], "9 6"), (words["ended"], "2 5")):
        y += 22
        out.append(
            f'<line x1="0" y1="{y - 4}" x2="30" y2="{y - 4}" stroke="#555" stroke-width="2.4" '
            f'stroke-dasharray="{dash}"/>'
        )
        out.append(f'<text x="40" y="{y}" font-size="13" fill="#1f2328">{text(label)}</text>')
    if model.missing:
        y += 30
        for chunk in _wrap(words["missing"].format(names=", ".join(proj.label(m, lang) for m in model.missing)), 34):
            out.append(f'<text x="0" y="{y}" font-size="12" fill="#5f6b76">{text(chunk)}</text>')
            y += 16
    out.append("</g>")
    out.append(f'<text x="16" y="{height - 10}" font-size="11" fill="#5f6b76">{text(words["credit"])}</text>')
    out.append("</svg>")
    return "".join(out)


def _wrap(value: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in value.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def _period(data: dict[str, Any], lang: str) -> str:
    ui = UI[lang]
    start, end = data.get("start"), data.get("end")
    parts = []
    if start and end:
        parts.append(f"{start} – {end}")
    elif start:
        parts.append(f"{ui['since']} {start}")
    status = data.get("status")
    if status:
        parts.append(STATUS_LABELS.get(status, {}).get(lang, status))
    if data.get("dormant_from"):
        parts.append(f"{ui['dormant_from']} {data['dormant_from']}")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------------------


def map_html(source: Graph | Projection, options: ViewOptions | None = None) -> str:
    """The interactive map page: both languages, tooltips, details with sources, kinds, year, zoom."""
    options = options or ViewOptions()
    model = map_model(source, options, all_years=True)
    proj, graph = model.proj, model.proj.graph
    located = [
        model.focus,
        *sorted((p for p in model.partners if p not in model.missing), key=lambda n: graph.nodes[n]["long"]),
    ]
    svgs = {lang: _svg(model, lang, WIDTH, HEIGHT, interactive=True) for lang in LANGUAGES}

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

    data = {
        "lang": options.lang,
        "title": {lang: WORDS[lang]["title"].format(city=proj.label(model.focus, lang)) for lang in LANGUAGES},
        "years": {
            "min": min((line.data["y0"] for line in model.lines if line.data["y0"]), default=1950),
            "max": max([options.until or 0, *(line.data["y0"] or 0 for line in model.lines)]) or None,
            "initial": options.as_of,
        },
        "cities": [
            {
                "id": i,
                "iri": n,
                "l": proj.labels(n),
                "co": proj.labels(graph.nodes[n]["country"]) if graph.nodes[n].get("country") else None,
                "focus": n == model.focus,
            }
            for i, n in enumerate(located)
        ],
        "partners": [proj.labels(p) for p in model.partners],
        "lines": [
            {
                "id": line.id,
                "city": located.index(line.partner) if line.partner in located else None,
                "k": line.kind,
                "l": proj.labels(line.data["rel"]) if line.data.get("rel") in proj.texts else None,
                "y0": line.data["y0"],
                "y1": line.data["y1"],
                "s": line.data["start"],
                "e": line.data["end"],
                "st": line.data.get("status"),
                "df": line.data.get("dormant_from"),
                "ci": cites_of(line.data.get("rel")),
            }
            for line in model.lines
        ],
        "kinds": [
            {
                "key": k,
                "l": {lang: _group_label(proj, k, lang) for lang in LANGUAGES},
                "color": kind_colour(k, proj.broader),
                "rank": kind_rank(k, proj.broader),
            }
            for k in model.kinds
        ],
        "sources": source_list,
        "cites": cites,
        "status": STATUS_LABELS,
        "confidence": CONFIDENCE_LABELS,
        "ui": UI,
        "link": options.link_template,
        "base": options.base,
    }
    from citykg.views.projection import today_year

    data["years"]["max"] = max(data["years"]["max"] or 0, today_year())
    from markupsafe import Markup

    return page(
        "map.html",
        script="map.js",
        vis=False,
        lang=options.lang,
        title=data["title"][options.lang],
        data=script_json(data),
        svgs={lang: Markup(svg) for lang, svg in svgs.items()},
    )
