"""The timeline: partnerships (with their milestones and dormant spans), memberships and engagements,
posts, awards and other events over the years (since 1960 by default), as SVG and as an HTML page.

``model`` builds the rows, ``drawing`` draws them as SVG, ``page`` makes the HTML page.
"""

from __future__ import annotations

from citykg.views.timeline.drawing import row_edges, timeline_print, timeline_svg
from citykg.views.timeline.model import Item, Row, TimelineModel, timeline_model
from citykg.views.timeline.page import timeline_html

__all__ = [
    "Item",
    "Row",
    "TimelineModel",
    "row_edges",
    "timeline_html",
    "timeline_model",
    "timeline_print",
    "timeline_svg",
]
