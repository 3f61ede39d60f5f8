"""Label placement for the static drawings (the map): every name where it overlaps no other name and no marker.

Greedy, in the order given (the focus first): a label tries the places next to its marker, then places on
rings further out, joined to the marker by a thin leader line. Widths are estimated generously from the
font size (system sans-serif fonts stay below 0.62 em per character for the names we draw), so the boxes
the browser draws are inside the boxes placed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom

#: Width of a character in em (generous) and the padding around a label, in pixels.
EM_WIDTH, BOLD_EM_WIDTH, PAD = 0.64, 0.68, 2.0
#: Distances of the rings of places further out (pixels from the marker) and directions per ring.
RINGS = (24.0, 38.0, 54.0, 74.0, 98.0, 128.0, 165.0)
DIRECTIONS = 16


@dataclass(frozen=True)
class Placement:
    x: float
    y: float  # the baseline
    anchor: str  # start, middle or end
    box: Box
    leader: tuple[float, float, float, float] | None = None  # from the marker to the label, when it is far


def text_box(x: float, y: float, anchor: str, width: float, size: float) -> Box:
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return (left - PAD, y - size, left + width + PAD, y + 0.3 * size + PAD)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _candidates(x: float, y: float, size: float) -> list[tuple[float, float, str, bool]]:
    """Places for a label of a marker at (x, y): (x, baseline, anchor, needs a leader line)."""
    near = [
        (x + 9 * k, y + size * 0.35 + dy, anchor)
        for k, dy in ((1, 0), (1, -9), (1, 9), (2.2, -16), (2.2, 16))
        for anchor in ("start", "end")
    ]
    places = [(cx if a == "start" else 2 * x - cx, cy, a, False) for cx, cy, a in near]
    places[2:2] = [(x, y - 11, "middle", False), (x, y + size + 8, "middle", False)]
    for radius in RINGS:
        for step in range(DIRECTIONS):
            angle = 2 * math.pi * step / DIRECTIONS
            dx, dy = math.cos(angle), math.sin(angle)
            anchor = "start" if dx > 0.3 else "end" if dx < -0.3 else "middle"
            baseline = y + radius * dy + (size * 0.35 if abs(dy) < 0.7 else size if dy > 0 else 0)
            places.append((x + radius * dx, baseline, anchor, True))
    return places


def place_labels(
    items: list[tuple[float, float, str, float, bool]], bounds: Box, obstacles: list[Box]
) -> list[Placement]:
    """Places for labels ``(x, y, name, font size, bold)`` inside ``bounds``, overlapping none of
    ``obstacles`` (the markers) and no label placed before; a label that finds no free place keeps the
    first place (never seen with the real data; the map's test checks the drawn boxes)."""
    taken = list(obstacles)
    out: list[Placement] = []
    for x, y, name, size, bold in items:
        width = (BOLD_EM_WIDTH if bold else EM_WIDTH) * size * len(name)
        chosen: Placement | None = None
        first: Placement | None = None
        for cx, cy, anchor, far in _candidates(x, y, size):
            box = text_box(cx, cy, anchor, width, size)
            leader = None
            if far:
                # from the marker's edge towards the nearest point of the label's box
                nx_, ny_ = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
                length = math.hypot(nx_ - x, ny_ - y) or 1.0
                leader = (x + 6 * (nx_ - x) / length, y + 6 * (ny_ - y) / length, nx_, ny_)
            place = Placement(cx, cy, anchor, box, leader)
            first = first or place
            inside = bounds[0] <= box[0] and box[2] <= bounds[2] and bounds[1] <= box[1] and box[3] <= bounds[3]
            if inside and not any(overlaps(box, other) for other in taken):
                chosen = place
                break
        chosen = chosen or first
        assert chosen is not None
        taken.append(chosen.box)
        out.append(chosen)
    return out
