"""The map drawn as SVG: the world outline (Equal Earth), the partnership lines, markers and labels that do not
overlap, a legend and the credit (static for slides and prints, interactive inside the page)."""

from __future__ import annotations

import math
from typing import Any

from rdflib import Graph

from citykg.views.geo import Frame, equal_earth, fit_box, projected_outline
from citykg.views.i18n import STATUS_LABELS, UI
from citykg.views.labels import place_labels
from citykg.views.mapview.model import FONTS, HEIGHT, WIDTH, WORDS, MapModel, best_kind, map_model
from citykg.views.network import _group_label
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection
from citykg.views.render import text
from citykg.views.style import kind_colour


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

    # markers, then labels placed where they overlap no marker and no other label (citykg.views.labels)
    marks: list[str] = []
    order = [
        model.focus,
        *sorted((p for p in model.partners if p not in model.missing), key=lambda n: graph.nodes[n]["long"]),
    ]
    positions = {n: frame.lonlat(graph.nodes[n]["long"], graph.nodes[n]["lat"]) for n in order}
    markers = [(x - 7, y - 7, x + 7, y + 7) for x, y in positions.values()]
    for number, n in enumerate(order):
        x, y = positions[n]
        name = proj.label(n, lang)
        data_attr = f' data-city="{number}"' if interactive else ""
        if n == model.focus:
            marks.append(
                f'<polygon points="{_star(x, y, 11)}" fill="#D55E00" stroke="#7a3300" stroke-width="1"{data_attr}>'
                f"<title>{text(name)}</title></polygon>"
            )
        else:
            kind = best_kind(model, n, model.year)
            colour = kind_colour(kind, proj.broader) if kind else "#9E9E9E"
            marks.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{colour}" stroke="#ffffff" '
                f'stroke-width="1.5"{data_attr}>'
                f"<title>{text(name)}</title></circle>"
            )
    items = [(*positions[n], proj.label(n, lang), 15 if n == model.focus else 13, n == model.focus) for n in order]
    labels: list[str] = []
    leaders: list[str] = []
    for number, (n, place) in enumerate(zip(order, place_labels(items, (0, 0, map_w, map_h), markers), strict=True)):
        size, weight = (15, "700") if n == model.focus else (13, "500")
        if place.leader:
            x1, y1, x2, y2 = place.leader
            leader_attr = f' data-leader="{number}"' if interactive else ""
            leaders.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{leader_attr}/>')
        labels.append(
            f'<text x="{place.x:.1f}" y="{place.y:.1f}" text-anchor="{place.anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="#1f2328" stroke="#ffffff" stroke-width="3" paint-order="stroke"'
            + (f' data-label="{number}"' if interactive else "")
            + f">{text(proj.label(n, lang))}</text>"
        )
    out.append('<g class="leaders" stroke="#5f6b76" stroke-width="0.8">' + "".join(leaders) + "</g>")
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
