"""The world outline (Natural Earth 110m, bundled) in the Equal Earth projection, as SVG path data."""

from __future__ import annotations

import functools
import json
import math

from citykg.views.render import ASSETS

# Equal Earth (Šavrič, Patterson, Jenny 2018)
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Projected x, y (y grows northward) of a longitude and latitude in degrees."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


@functools.cache
def outline() -> dict[str, list[list[float]]]:
    return json.loads((ASSETS / "world" / "world-110m.json").read_text(encoding="utf-8"))


@functools.cache
def projected_outline() -> tuple[list[list[tuple[float, float]]], list[list[tuple[float, float]]]]:
    def convert(flat: list[float]) -> list[tuple[float, float]]:
        return [equal_earth(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]

    data = outline()
    return [convert(r) for r in data["land"]], [convert(b) for b in data["borders"]]


WORLD_BOUNDS = (*equal_earth(-180, -60), *equal_earth(180, 85))


class Frame:
    """Projected coordinates to SVG pixels for a box of the map (x0, y0, x1, y1 in projected units)."""

    def __init__(self, box: tuple[float, float, float, float], width: float, height: float) -> None:
        x0, y0, x1, y1 = box
        self.scale = min(width / (x1 - x0), height / (y1 - y0))
        # centre the box in the frame
        self.x0 = (x0 + x1) / 2 - width / 2 / self.scale
        self.y1 = (y0 + y1) / 2 + height / 2 / self.scale
        self.width, self.height = width, height

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) * self.scale, (self.y1 - y) * self.scale

    def lonlat(self, lon: float, lat: float) -> tuple[float, float]:
        return self.point(*equal_earth(lon, lat))

    def path(self, lines: list[list[tuple[float, float]]], *, closed: bool) -> str:
        """SVG path data of projected polylines, dropping those wholly outside the frame."""
        out: list[str] = []
        margin = 50
        for line in lines:
            points = [self.point(x, y) for x, y in line]
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            if (
                max(xs) < -margin
                or min(xs) > self.width + margin
                or max(ys) < -margin
                or min(ys) > self.height + margin
            ):
                continue
            parts = [f"M{points[0][0]:.1f} {points[0][1]:.1f}"]
            last = points[0]
            for px, py in points[1:]:
                if abs(px - last[0]) < 0.35 and abs(py - last[1]) < 0.35:
                    continue
                parts.append(f"L{px:.1f} {py:.1f}")
                last = (px, py)
            if closed:
                parts.append("Z")
            if len(parts) > 2:
                out.append("".join(parts))
        return "".join(out)


def fit_box(
    points: list[tuple[float, float]], aspect: float, *, pad: float = 0.18
) -> tuple[float, float, float, float]:
    """A box around projected points, padded, at least a region's size, with the given width/height ratio."""
    wx0, wy0, wx1, wy1 = WORLD_BOUNDS
    if not points:
        return WORLD_BOUNDS
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    w, h = max(x1 - x0, 0.25), max(y1 - y0, 0.18)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    w, h = min(w, wx1 - wx0), min(h, wy1 - wy0)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
