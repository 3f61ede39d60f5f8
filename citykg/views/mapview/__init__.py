"""The map: the focus city and its partner cities on a bundled world outline, one line per partnership,
coloured by its kind (dashed when dormant, dotted when ended). As static SVG (slides, print) and as an
HTML page (both languages, tooltips, details with sources, filter by kind, year slider, zoom).

``model`` gathers the partners and lines, ``drawing`` draws the SVG, ``page`` makes the HTML page.
"""

from __future__ import annotations

from citykg.views.mapview.drawing import map_svg
from citykg.views.mapview.model import Line, MapModel, best_kind, map_model
from citykg.views.mapview.page import map_html

__all__ = ["Line", "MapModel", "best_kind", "map_html", "map_model", "map_svg"]
