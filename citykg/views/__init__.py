"""Interactive views of the graph for people who do not write SPARQL: network, map, timeline.

Every function returns a complete, self-contained document (HTML or SVG) that loads nothing from the
network; the server and the command line only call these. See docs/views.md.

    from citykg.views import ViewOptions, network_html, map_html, map_svg, timeline_html, timeline_svg
    html = network_html(dataset, ViewOptions(focus=iri, depth=1, lang="en"))

Names are imported on first use, so ``citykg.views.i18n`` and friends stay light to import.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ViewOptions": "citykg.views.options",
    "Projection": "citykg.views.projection",
    "project": "citykg.views.projection",
    "visible": "citykg.views.projection",
    "network_html": "citykg.views.network",
    "network_data": "citykg.views.network",
    "ego_network_html": "citykg.views.network",
    "selection": "citykg.views.network",
    "map_html": "citykg.views.mapview",
    "map_svg": "citykg.views.mapview",
    "timeline_html": "citykg.views.timeline",
    "timeline_svg": "citykg.views.timeline",
    "svg_to_png": "citykg.views.render",
    "page_csp": "citykg.views.render",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'citykg.views' has no attribute {name!r}")
