"""The timeline page: both languages' drawings, tooltips and details with sources."""

from __future__ import annotations

from collections import defaultdict

from markupsafe import Markup
from rdflib import Graph

from citykg.views.citations import CitationTable
from citykg.views.i18n import CONFIDENCE_LABELS, LANGUAGES, STATUS_LABELS, UI
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection
from citykg.views.render import page, script_json
from citykg.views.timeline.drawing import _period_text, _svg
from citykg.views.timeline.model import WIDTH, WORDS, timeline_model

# --------------------------------------------------------------------------------------------------------


def timeline_html(source: Graph | Projection, options: ViewOptions | None = None) -> str:
    """The timeline page: both languages, tooltips and details with sources."""
    options = options or ViewOptions()
    model = timeline_model(source, options)
    proj = model.proj
    svgs = {lang: Markup(_svg(model, lang, WIDTH, interactive=True)) for lang in LANGUAGES}
    table = CitationTable(proj)

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
                "ci": table.of(it.data.get("event") or it.data.get("rel")),
            }
            for it in model.items
        ],
        "rows": [{"section": r.section, "l": r.label} for r in model.rows],
        "sources": table.sources,
        "cites": table.cites,
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
