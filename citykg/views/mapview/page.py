"""The map page: both languages' maps, tooltips, details with sources, filters by kind, year slider, zoom."""

from __future__ import annotations

from rdflib import Graph

from citykg.views.citations import CitationTable
from citykg.views.i18n import CONFIDENCE_LABELS, LANGUAGES, STATUS_LABELS, UI
from citykg.views.mapview.drawing import _svg
from citykg.views.mapview.model import HEIGHT, WIDTH, WORDS, map_model
from citykg.views.network import _group_label
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection
from citykg.views.render import page, script_json
from citykg.views.style import kind_colour, kind_rank


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

    table = CitationTable(proj)

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
                "ci": table.of(line.data.get("rel")),
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
        "sources": table.sources,
        "cites": table.cites,
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
