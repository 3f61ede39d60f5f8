"""Convert Natural Earth's 110m land and country outlines (TopoJSON of the npm package world-atlas 2) into
the compact data file the offline map draws: citykg/views/assets/world/world-110m.json.

Run once when updating the outline (needs npm and the registry, nothing else):

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    .venv/bin/python scripts/build_world_outline.py /tmp/package

Output: {"land": [ring, …], "borders": [line, …]}, every ring or line a flat list lon1, lat1, lon2, lat2, …
in degrees rounded to 0.01°. Land rings are the outer and inner rings of the land polygons, cut at the
antimeridian so a flat map can draw them (Antarctica is left out); borders are the arcs two countries share
(coastlines are drawn by the land rings).
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "citykg" / "views" / "assets" / "world" / "world-110m.json"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute coordinates of every arc (TopoJSON arcs are quantised and delta-encoded)."""
    scale = topology.get("transform", {}).get("scale", [1, 1])
    translate = topology.get("transform", {}).get("translate", [0, 0])
    quantised = "transform" in topology
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for point in arc:
            if quantised:
                x += point[0]
                y += point[1]
                points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
            else:
                points.append((point[0], point[1]))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in polygons(g)]
    return []


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Longitudes made continuous (a ring crossing the antimeridian goes past +-180 instead of jumping)."""
    out = [points[0]]
    for lon, lat in points[1:]:
        previous = out[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        out.append((lon, lat))
    return out


def clip(points: list[tuple[float, float]], limit: float, keep_below: bool) -> list[tuple[float, float]]:
    """Sutherland-Hodgman clipping of a ring against the meridian ``limit``."""

    def inside(p: tuple[float, float]) -> bool:
        return p[0] <= limit if keep_below else p[0] >= limit

    out: list[tuple[float, float]] = []
    for index, current in enumerate(points):
        previous = points[index - 1]
        if inside(current):
            if not inside(previous):
                out.append(cross(previous, current, limit))
            out.append(current)
        elif inside(previous):
            out.append(cross(previous, current, limit))
    return out


def cross(a: tuple[float, float], b: tuple[float, float], limit: float) -> tuple[float, float]:
    t = (limit - a[0]) / (b[0] - a[0])
    return (limit, a[1] + t * (b[1] - a[1]))


def cut_ring(points: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A land ring as rings within -180..180: pieces past the antimeridian are moved to the other side.
    Rings around a pole (Antarctica) are dropped: the map never shows latitudes below -60."""
    ring_ = unwrap(points)
    if abs(ring_[-1][0] - ring_[0][0]) > 180 or max(lat for _, lat in ring_) < -60:
        return []
    lons = [lon for lon, _ in ring_]
    pieces = []
    for shift in (-360, 0, 360):
        if max(lons) < -180 + shift or min(lons) > 180 + shift:
            continue
        piece = clip(clip(ring_, 180 + shift, True), -180 + shift, False)
        if len(piece) >= 3:
            pieces.append([(lon - shift, lat) for lon, lat in piece])
    return pieces


def cut_line(points: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A border line split where it jumps across the antimeridian."""
    lines = [[points[0]]]
    for previous, current in itertools.pairwise(points):
        if abs(current[0] - previous[0]) > 180:
            lines.append([])
        lines[-1].append(current)
    return [line for line in lines if len(line) >= 2]


def flat(points: list[tuple[float, float]]) -> list[float]:
    out: list[float] = []
    last = None
    for lon, lat in points:
        pair = (round(lon, 2), round(lat, 2))
        if pair != last:
            out.extend(pair)
            last = pair
    return out


def main(folder: Path) -> None:
    land_topo = json.loads((folder / "land-110m.json").read_text(encoding="utf-8"))
    land_arcs = decode_arcs(land_topo)
    land = [
        flat(piece) for p in polygons(land_topo["objects"]["land"]) for r in p for piece in cut_ring(ring(r, land_arcs))
    ]

    countries_topo = json.loads((folder / "countries-110m.json").read_text(encoding="utf-8"))
    country_arcs = decode_arcs(countries_topo)
    users: dict[int, set[int]] = defaultdict(set)
    for number, geometry in enumerate(countries_topo["objects"]["countries"]["geometries"]):
        for polygon in polygons(geometry):
            for r in polygon:
                for index in r:
                    users[index if index >= 0 else ~index].add(number)
    borders = [flat(line) for i in sorted(users) if len(users[i]) > 1 for line in cut_line(country_arcs[i])]

    TARGET.parent.mkdir(parents=True, exist_ok=True)
    data = {"land": [r for r in land if len(r) >= 6], "borders": [b for b in borders if len(b) >= 4]}
    TARGET.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes): {len(data['land'])} rings, {len(data['borders'])} borders"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_world_outline.py FOLDER_WITH_world-atlas_FILES")
    main(Path(sys.argv[1]))
