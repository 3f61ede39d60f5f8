"""Where the network view's nodes start and how its edges bend: a seeded spring layout for small views, a
radial tree in O(N log N) for large ones, and curvature that fans out parallel relations."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import networkx as nx

from citykg.analytics import simple_graph
from citykg.views.projection import Projection

#: Layout spread: pixels per unit of the networkx layout, times sqrt(node count).
SPREAD = 55.0
#: From this many nodes on, start positions come from the radial layout (networkx's spring layout gets slow).
SPRING_LIMIT = 300


def layout(proj: Projection, large: bool) -> dict[str, tuple[float, float]]:
    """Start positions: a seeded networkx spring layout for small graphs (physics refines it in the page);
    from SPRING_LIMIT nodes on a radial layout computed in O(N log N), which large views keep (physics off)."""
    graph = proj.graph
    if len(graph) == 0:
        return {}
    if large or len(graph) >= SPRING_LIMIT:
        return radial_layout(proj)
    positions = nx.spring_layout(simple_graph(graph), seed=7, iterations=50, method="force")
    scale = SPREAD * math.sqrt(len(graph))
    return {n: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for n, (x, y) in positions.items()}


def radial_layout(proj: Projection, spacing: float = 26.0, ring: float = 220.0) -> dict[str, tuple[float, float]]:
    """A breadth-first tree from the focus drawn in rings: every subtree gets a wedge as wide as its size,
    siblings sorted by class and country, so resources of a kind sit together. Other components follow on
    outer rings."""
    graph = proj.graph
    simple = simple_graph(graph)

    order = {node: (data["cls"], data.get("country", ""), node) for node, data in graph.nodes(data=True)}

    positions: dict[str, tuple[float, float]] = {}
    components = sorted(nx.connected_components(simple), key=lambda c: (-len(c), min(c)))
    outer = 0.0
    for number, component in enumerate(components):
        centre = proj.focus if proj.focus in component else max(component, key=lambda n: (simple.degree(n), n))
        parent: dict[str, str | None] = {centre: None}
        children: dict[str, list[str]] = defaultdict(list)
        depth = {centre: 0}
        queue = [centre]
        for node in queue:
            for other in sorted(simple._adj[node], key=order.__getitem__):
                if other not in parent:
                    parent[other] = node
                    depth[other] = depth[node] + 1
                    children[node].append(other)
                    queue.append(other)
        size: dict[str, int] = {}
        for node in reversed(queue):
            size[node] = 1 + sum(size[c] for c in children[node])
        per_ring: dict[int, int] = defaultdict(int)
        for node in queue:
            per_ring[depth[node]] += 1
        radius = {0: 0.0}
        for d in range(1, max(per_ring) + 1):
            radius[d] = max(radius[d - 1] + ring, per_ring[d] * spacing / (2 * math.pi))
        if number == 0:
            wedge = {centre: (0.0, 2 * math.pi)}
            offset = (0.0, 0.0)
        else:
            # small components: placed on a ring around everything drawn so far
            outer = max(outer, max(math.hypot(x, y) for x, y in positions.values()) + ring) if positions else ring
            angle = 2 * math.pi * (number - 1) / max(len(components) - 1, 1)
            offset = (outer * math.cos(angle), outer * math.sin(angle))
            wedge = {centre: (0.0, 2 * math.pi)}
        for node in queue:
            low, high = wedge[node]
            middle = (low + high) / 2
            r = radius[depth[node]]
            positions[node] = (round(offset[0] + r * math.cos(middle), 1), round(offset[1] + r * math.sin(middle), 1))
            start = low
            total = sum(size[c] for c in children[node]) or 1
            for child in children[node]:
                share = (high - low) * size[child] / total
                wedge[child] = (start, start + share)
                start += share
    return positions


def curvature(proj: Projection, large: bool) -> dict[str, dict[str, Any] | bool]:
    """Curvature per edge: parallel relations between two resources fan out instead of overlapping."""
    by_pair: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for u, v, k in proj.graph.edges(keys=True):
        by_pair[(min(u, v), max(u, v))].append((u, v, k))
    smooth: dict[str, dict[str, Any] | bool] = {}
    for (low, _), edges in by_pair.items():
        if len(edges) == 1:
            continue
        for index, (u, _, k) in enumerate(sorted(edges, key=lambda e: e[2])):
            side = index % 2 == 0
            if u != low:
                side = not side
            roundness = 0.12 + 0.14 * (index // 2)
            smooth[k] = {"enabled": True, "type": "curvedCW" if side else "curvedCCW", "roundness": roundness}
    return smooth
