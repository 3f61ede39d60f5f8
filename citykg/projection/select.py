"""Selections (what a view shows: --focus, --depth, --kinds, --classes) and the year filter (mirrored in
citykg/views/templates/network.js: keep the two in step)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from citykg.errors import UsageError
from citykg.projection.model import (
    LINKS,
    TYPE_GROUP,
    Projection,
    _assign_classes,
    add_edges,
)
from citykg.projection.words import CLASS_LABELS, RELATION_LABELS, kind_rank


def class_matches(cls: str, wanted: Iterable[str]) -> bool:
    wanted = set(wanted)
    return cls in wanted or (cls.startswith("partner:") and ("partner" in wanted or cls.split(":", 1)[1] in wanted))


def select(
    proj: Projection,
    *,
    focus: str | None = None,
    depth: int | None = None,
    kinds: Iterable[str] = (),
    classes: Iterable[str] = (),
) -> Projection:
    """The part of the projection a view shows; the focus stays in it whatever the filters."""
    graph = proj.graph
    focus = focus or proj.focus
    kinds, classes = set(kinds), set(classes)
    if not classes and proj.selected is not None and proj.selected == (focus, depth, frozenset(kinds)):
        return proj  # (selecting by focus, depth and kinds again gives the same; by classes it need not)
    if proj.whole is not None and (
        proj.scope is None
        or depth is None
        or focus != proj.scope[0]
        or depth > proj.scope[1]
        or (kinds and kinds - proj.kind_keys() - _known_kinds())
        or (classes and _unknown_classes(proj, classes))
    ):
        # a part of the projection only holds one neighbourhood, and not every kind and class of the whole
        return select(proj.whole(), focus=focus, depth=depth, kinds=kinds, classes=classes)
    if kinds:
        unknown = kinds - proj.kind_keys() - _known_kinds()
        if unknown:
            raise UsageError(
                f"unknown relation kind {', '.join(sorted(unknown))}",
                hint=f"use one of {', '.join(sorted(proj.kind_keys()))}",
            )
        keep = {(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["keys"] & kinds}
        nodes = {n for u, v, _ in keep for n in (u, v)} | ({focus} if focus in graph else set())
        graph = subgraph(graph, nodes, keep)
    if classes:
        unknown = _unknown_classes(proj, classes)
        if unknown:
            raise UsageError(
                f"unknown class {', '.join(sorted(unknown))}",
                hint=f"use one of {', '.join(sorted(set(CLASS_LABELS) | {'partner'}))}",
            )
        keep_nodes = {n for n, d in graph.nodes(data=True) if n == focus or class_matches(d["cls"], classes)}
        graph = subgraph(graph, keep_nodes)
    if depth is not None:
        if focus is None or focus not in graph:
            raise UsageError("--depth needs a focus resource that is in the view", hint="give --focus IRI")
        graph = subgraph(graph, within(graph, focus, depth))
    elif not kinds and not classes:
        graph = graph.copy()
    selected = proj.copy_with(graph, focus)
    if focus != proj.focus:
        _assign_classes(graph, focus, selected.broader)
    if not classes:
        selected.selected = (focus, depth, frozenset(kinds))
    return selected


def subgraph(
    graph: nx.MultiDiGraph, nodes: Container[str], edges: Container[tuple[str, str, str]] | None = None
) -> nx.MultiDiGraph:
    """A copy of the part of ``graph`` on ``nodes`` (and only ``edges``, if given), nodes and edges in the order
    of ``graph``. (networkx's subgraph views list the nodes of a small subgraph in the order of a set, which
    changes from run to run with Python's string hashing, and the layout with it.)"""
    sub = nx.MultiDiGraph()
    sub.graph.update(graph.graph)
    sub.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n in nodes)
    add_edges(
        sub,
        (
            (u, v, k, d)
            for u, neighbours in graph._succ.items()
            if u in nodes
            for v, keyed in neighbours.items()
            if v in nodes
            for k, d in keyed.items()
            if edges is None or (u, v, k) in edges
        ),
    )
    return sub


def within(graph: nx.MultiDiGraph, focus: str, depth: int) -> dict[str, int]:
    """The resources within ``depth`` relations of ``focus`` (whatever their direction), with their distance."""
    distance = {focus: 0}
    ring = [focus]
    succ, pred = graph.succ, graph.pred
    for step in range(1, depth + 1):
        following = []
        for node in ring:
            for neighbours in (succ[node], pred[node]):
                for other in neighbours:
                    if other not in distance:
                        distance[other] = step
                        following.append(other)
        ring = following
    return distance


def _unknown_classes(proj: Projection, classes: set[str]) -> set[str]:
    unknown = {c for c in classes if c not in CLASS_LABELS and not c.startswith("partner:")}
    return unknown - {k.split(":", 1)[-1] for k in _node_classes(proj.graph)}


def _known_kinds() -> set[str]:
    return {"partnership", *TYPE_GROUP.values(), "event", *(g for _, g, _ in LINKS.values()), *RELATION_LABELS}


def _node_classes(graph: nx.MultiDiGraph) -> set[str]:
    return {d["cls"] for _, d in graph.nodes(data=True)}


def edge_active(data: Mapping[str, object], year: int | None, show_undated: bool = False) -> bool | None:
    """True/False for a dated relation at ``year``; None for a structural link (decided by its source)."""
    if year is None:
        return True
    if not data["timed"]:
        return None
    y0, y1 = data["y0"], data["y1"]
    if y0 is None:
        return show_undated and (y1 is None or year <= y1)  # type: ignore[operator]
    return y0 <= year and (y1 is None or year <= y1)  # type: ignore[operator]


def node_active(data: Mapping[str, object], year: int | None) -> bool:
    """Resources with dates of their own (events) exist in the years they span."""
    if not data.get("point") or data.get("y0") is None:
        return False
    if year is None:
        return True
    return data["y0"] <= year <= (data.get("y1") or data["y0"])  # type: ignore[operator]


def class_at(
    graph: nx.MultiDiGraph,
    node: str,
    year: int | None,
    active: set[tuple[str, str, str]],
    broader: dict[str, list[str]],
) -> str:
    """A city's class in ``year``: its strongest partnership active then, else a plain city."""
    data = graph.nodes[node]
    if year is None or data["cls"] == "focus" or data["base_cls"] != "city":
        return data["cls"]
    kinds = [
        (kind_rank(d["group"], broader), d["group"])
        for u, v, k, d in _incident(graph, node)
        if d["type"] == "partnership" and (u, v, k) in active
    ]
    return f"partner:{min(kinds)[1]}" if kinds else "city"


def _incident(graph: nx.MultiDiGraph, node: str):
    yield from graph.out_edges(node, keys=True, data=True)
    yield from graph.in_edges(node, keys=True, data=True)


@dataclass
class Visible:
    nodes: set[str]
    edges: set[tuple[str, str, str]]
    classes: dict[str, str]

    def counts(self) -> tuple[int, int]:
        return len(self.nodes), len(self.edges)


def visible(
    proj: Projection,
    year: int | None = None,
    *,
    groups: Iterable[str] | None = None,
    classes: Iterable[str] | None = None,
    show_undated: bool = False,
) -> Visible:
    """What the page shows for a year (None: all years), relation groups and classes (None: all). (Computed
    once per projection and arguments: the caller must not change what it returns.)"""
    groups = None if groups is None else frozenset(groups)
    classes = None if classes is None else frozenset(classes)
    key = ("visible", year, groups, classes, show_undated)
    if key not in proj.memo:
        proj.memo[key] = _visible(proj, year, groups, classes, show_undated)
    return proj.memo[key]  # type: ignore[return-value]


def _visible(
    proj: Projection,
    year: int | None,
    groups: frozenset[str] | None,
    classes: frozenset[str] | None,
    show_undated: bool,
) -> Visible:
    graph = proj.graph
    focus = proj.focus if proj.focus in graph else None

    timed_active: set[tuple[str, str, str]] = set()
    structural: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for u, v, k, d in graph.edges(keys=True, data=True):
        if groups is not None and d["group"] not in groups:
            continue
        state = edge_active(d, year, show_undated)
        if state is None:
            structural[u].append((u, v, k))
        elif state:
            timed_active.add((u, v, k))

    cls = {n: class_at(graph, n, year, timed_active, proj.broader) for n in graph}
    allowed = {n for n in graph if n == focus or classes is None or cls[n] in classes}

    edges = {(u, v, k) for u, v, k in timed_active if u in allowed and v in allowed}
    nodes = {n for u, v, _ in edges for n in (u, v)}
    if focus is not None:
        nodes.add(focus)
    for n, d in graph.nodes(data=True):
        if n in allowed and (node_active(d, year) or (year is None and graph.degree(n) == 0)):
            nodes.add(n)
    todo = list(nodes)
    while todo:
        source = todo.pop()
        for u, v, k in structural.get(source, ()):
            if v in allowed:
                edges.add((u, v, k))
                if v not in nodes:
                    nodes.add(v)
                    todo.append(v)
    return Visible(nodes, edges, {n: cls[n] for n in nodes})


def today_year() -> int:
    return dt.date.today().year
