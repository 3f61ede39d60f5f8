"""The part of the projection that holds the shortest chains between two resources (``citykg path`` on a large
graph): a breadth-first search from both ends at once, each step fetching the relations of one ring with bound
queries (the edge rule and the fetching of citykg.projection.scoped), until the two searches meet; then the
dates, states, sources and names of what lies on the chain. ``shortest_nodes`` picks the same
chain on the part as on the whole projection.

Why the part holds every shortest chain: after expanding ``ra`` rings around A and ``rb`` around B (every
relation of a resource nearer than ``ra`` to A or ``rb`` to B fetched), once a resource lies within ``ra`` of A
and ``rb`` of B the chains are at most ``ra + rb`` long, and every relation of such a chain touches a resource
nearer than ``ra`` to A or nearer than ``rb`` to B: it is fetched. The part is a subgraph of the whole, so its
distances are never shorter; along the chains they are the same."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import networkx as nx
from rdflib import Graph

from citykg.projection.edges import EdgeSpec, edge_keys, relations_from_edges
from citykg.projection.model import Projection
from citykg.projection.rows import BlankId, Rows, Value, as_text, rows_of
from citykg.projection.scoped import WHOLE_SHARE, _Neighbourhood, _Unscopable
from citykg.projection.whole import (
    PROV_DERIVATION,
    PROV_ENTITY,
    Answers,
    _broader,
    _root,
    build,
    load_query,
)


def project_between(
    dataset: Graph,
    start: str,
    end: str,
    *,
    kinds: Iterable[str] = (),
    queries: Path | None = None,
    source: Rows | None = None,
) -> Projection | None:
    """Enough of the projection for the shortest chain from ``start`` to ``end`` over relations of ``kinds``
    (all: empty): ``shortest_chain(select(part, kinds=kinds), start, end)`` equals the same on the whole
    projection, hop by hop with every attribute the chain prints. None when the part cannot be fetched on its
    own (blank nodes in reach) or either end is not drawn as a node: the caller projects everything."""
    source = source or rows_of(dataset)
    root = _root(dataset, None)
    try:
        return _Between(source, queries, root, set(kinds)).collect(start, end)
    except _Unscopable:
        return None


class _Between(_Neighbourhood):
    def __init__(self, source: Rows, queries: Path | None, root: str | None, kinds: set[str]) -> None:
        super().__init__(source, queries, root)
        self.kinds = kinds
        self.broader = _broader(source.rows(self.query["broader"]))
        self.edges = load_query("edges", queries)

    def complete(self, rels: Iterable[Value]) -> None:
        """Every row of relations.rq for these relationships, from the rows of edges.rq for them (the same rows
        but a partner paired with itself, which is no edge: relations.rq pairs the partners in the store, a
        third slower for the partnerships of a hub), and which of their ends are nodes."""
        done = self.done[("relations", "rel")]
        wanted = {rel for rel in rels if rel is not None and rel not in done}
        if any(isinstance(rel, BlankId) for rel in wanted):
            raise _Unscopable
        done.update(wanted)
        if not wanted:
            return
        found = self.source.rows(self.edges, "rel", wanted, share=WHOLE_SHARE["relations"])
        rows = relations_from_edges(found)
        self.relations.update(rows)
        self.check(as_text(v) for r in rows for v in (r[2], r[3]))

    def expand(self, ring: set[str]) -> None:
        """Every relation of the resources of ``ring`` (as one ring of ``collect`` in scoped.py)."""
        found = self.relations_of("from", ring) + self.relations_of("to", ring)
        self.check(as_text(v) for r in found for v in (r[2], r[3]))
        self.links_of("from", ring)
        self.links_of("to", ring)
        self.links_of("from", {str(as_text(r[0])) for r in found if as_text(r[1]) != "milestone"})

    def network(self) -> tuple[list[EdgeSpec], nx.DiGraph]:
        """The edges known so far, and those of the chosen kinds as a plain graph (both directions kept)."""
        specs = self._specs()
        graph = nx.DiGraph()
        graph.add_nodes_from(self.node_set)
        graph.add_edges_from(
            (s.source, s.target) for s in specs if not self.kinds or edge_keys(s, self.broader)[1] & self.kinds
        )
        return specs, graph

    def collect(self, start: str, end: str) -> Projection | None:
        self.check([start, end, self.root])
        if start not in self.node_set or end not in self.node_set:
            return None
        self.expand({start, end})
        radius = {start: 1, end: 1}  # rings expanded around each end
        while True:
            specs, graph = self.network()
            near = {side: ring_distances(graph, side) for side in (start, end)}
            if any(
                d <= radius[start] and near[end].get(n, radius[end] + 1) <= radius[end] for n, d in near[start].items()
            ):
                break
            rings = {side: {n for n, d in near[side].items() if d == radius[side]} for side in (start, end)}
            if not rings[start] or not rings[end]:
                break  # one side's component is exhausted: no chain
            side = min((start, end), key=lambda s: (len(rings[s]), s != start))
            self.expand(rings[side])
            radius[side] += 1
        return self._part(specs, graph, start, end)

    def _part(self, specs: list[EdgeSpec], graph: nx.DiGraph, start: str, end: str) -> Projection:
        nodes = shortest_nodes(graph, start, end) if start != end else [start]
        steps = {frozenset(pair) for pair in zip(nodes or (), (nodes or ())[1:], strict=False)}
        on_chain = [s for s in specs if frozenset((s.source, s.target)) in steps]
        rels = {s.rel for s in on_chain if s.rel} | {str(s.extra["via"]) for s in on_chain if s.extra.get("via")}
        states = self.rows("states", "rel", rels)
        successors = {str(as_text(r[2])) for r in states if r[2] is not None}
        dates = self.rows("dates", "thing", rels | {k for s in on_chain for k in s.when} | successors)
        cited = self.rows("citations", "subject", rels)
        names = {str(as_text(r[2])) for r in cited if r[1] == PROV_DERIVATION and r[2] is not None}
        cited += self.rows("citations", "subject", names)
        origins = {str(as_text(r[2])) for r in cited if r[1] == PROV_ENTITY and r[2] is not None}
        cited += self.rows("citations", "subject", origins)
        qualifiers = {s.qualifier for s in on_chain if s.qualifier}
        texts = self.rows("texts", "thing", set(nodes or (start, end)) | qualifiers | origins)
        answers = Answers(
            texts=texts,
            broader=self.source.rows(self.query["broader"]),
            dates=dates,
            citations=cited,
            states=states,
            nodes=self.nodes,
            relations=list(self.relations),
            links=list(self.links),
        )
        return build(answers, self.root)


def ring_distances(graph: nx.DiGraph, origin: str, until: str | None = None) -> dict[str, int]:
    """How many relations (whatever their direction) each resource of ``graph`` is from ``origin``, found ring by
    ring; with ``until``, only as far as the ring that reaches it."""
    succ, pred = graph.succ, graph.pred
    distance = {origin: 0}
    ring = [origin]
    while ring and until not in distance:
        following = []
        for node in ring:
            step = distance[node] + 1
            for neighbours in (succ[node], pred[node]):
                for other in neighbours:
                    if other not in distance:
                        distance[other] = step
                        following.append(other)
        ring = following
    return distance


def shortest_nodes(graph: nx.MultiDiGraph, start: str, end: str) -> list[str] | None:
    """The resources of a shortest chain from ``start`` to ``end`` (None: unconnected). Of several equally short
    chains, the one found by walking back from ``end``, each step to the smallest IRI one relation nearer to
    ``start``: so the answer depends neither on the order of the graph (networkx's undirected view lists
    neighbours in the order of a set, which changes from run to run) nor on how much of the graph beyond the
    chains is known (``project_between`` finds the same chain without projecting the whole graph)."""
    if start not in graph or end not in graph:
        raise nx.NodeNotFound(f"{start if start not in graph else end} is not in the graph")
    distance = ring_distances(graph, start, end)
    succ, pred = graph.succ, graph.pred
    if end not in distance:
        return None
    nodes = [end]
    while nodes[-1] != start:
        here = nodes[-1]
        nearer = distance[here] - 1
        nodes.append(min(o for ns in (succ[here], pred[here]) for o in ns if distance.get(o) == nearer))
    return nodes[::-1]
