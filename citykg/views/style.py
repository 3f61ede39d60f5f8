"""Colours and shapes: one look per class of node and per kind of relation, shared by network, map and timeline.

Colours follow the Okabe–Ito palette where possible (distinguishable with the common colour-vision
deficiencies); shapes repeat the class, so colour is never the only cue.
"""

from __future__ import annotations

from citykg.projection.words import PARTNER_KINDS as PARTNER_KINDS
from citykg.projection.words import kind_rank as kind_rank

#: vis-network shapes that draw the label below the symbol; the legend shows the same symbol as text.
SYMBOLS = {
    "star": "★",
    "dot": "●",
    "square": "■",
    "diamond": "◆",
    "triangle": "▲",
    "triangleDown": "▼",
    "hexagon": "⬢",
}

CLASS_STYLE: dict[str, tuple[str, str]] = {
    # class: (colour, shape)
    "focus": ("#D55E00", "star"),
    "city": ("#9E9E9E", "dot"),
    "network": ("#6A3D9A", "square"),
    "unbody": ("#00A3C4", "diamond"),
    "organisation": ("#8C6D31", "square"),
    "programme": ("#CC79A7", "hexagon"),
    "person": ("#E69F00", "triangle"),
    "post": ("#A6761D", "triangleDown"),
    "event": ("#EE8866", "dot"),
    "award": ("#C9A100", "star"),
    "sdg": ("#19486A", "hexagon"),
}

KIND_COLOURS: dict[str, str] = {
    "twinning": "#0050A0",
    "intra-german": "#7A9CD6",
    "friendship": "#B4479A",
    "climate": "#009E73",
    "solidarity": "#E07B00",
    "innovation": "#7A5195",
    "project": "#5C8A2E",
}
OTHER_KIND_COLOUR = "#4D4D4D"

GROUP_COLOURS: dict[str, str] = {
    "membership": "#6A3D9A",
    "tenure": "#A6761D",
    "participation": "#E69F00",
    "engagement": "#00A3C4",
    "award": "#C9A100",
    "milestone": "#E8A890",
    "location": "#B0B0B0",
    "organizer": "#B0B0B0",
    "sdg": "#19486A",
    "structure": "#C8C8C8",
    "conflict": "#D62728",
}


def kind_colour(kind: str, broader: dict[str, list[str]] | None = None) -> str:
    """The colour of a partnership kind, or of its nearest broader kind that has one."""
    seen: set[str] = set()
    todo = [kind]
    while todo:
        current = todo.pop(0)
        if current in KIND_COLOURS:
            return KIND_COLOURS[current]
        if current in seen:
            continue
        seen.add(current)
        todo.extend((broader or {}).get(current, []))
    return OTHER_KIND_COLOUR


def class_style(cls: str, broader: dict[str, list[str]] | None = None) -> tuple[str, str]:
    """(colour, vis-network shape) of a node class; ``partner:KIND`` takes the colour of the kind."""
    if cls.startswith("partner:"):
        return kind_colour(cls.split(":", 1)[1], broader), "dot"
    return CLASS_STYLE.get(cls, ("#777777", "dot"))


def group_colour(group: str, broader: dict[str, list[str]] | None = None) -> str:
    if group in GROUP_COLOURS:
        return GROUP_COLOURS[group]
    return kind_colour(group, broader)
