"""The neighbourhood of one resource (``citykg view --focus X --depth N`` on a large graph): the projection
expands from the focus hop by hop with bound queries, and reads only what is in scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from citykg.namespaces import CKG, CKGV
from citykg.projection.edges import EdgeSpec, edge_specs
from citykg.projection.model import (
    CLASS_PRIORITY,
    LINKS,
    TYPE_GROUP,
    Projection,
    local_name,
)
from citykg.projection.rows import BlankId, Row, Rows, Value, as_text, collector_paused, rows_of
from citykg.projection.whole import (
    PROV_DERIVATION,
    PROV_ENTITY,
    QUERY_NAMES,
    Answers,
    _classes_of,
    _root,
    build,
    derived,
    load_query,
    project,
)


class _Unscopable(Exception):
    """The neighbourhood cannot be fetched on its own (it runs through blank nodes): project everything."""


def project_around(
    dataset: Graph, focus: str, depth: int, *, queries: Path | None = None, source: Rows | None = None
) -> Projection | None:
    """Enough of the projection for the views of the depth-``depth`` neighbourhood of ``focus``: the queries run
    only for the resources and relationships within reach, so the time grows with the neighbourhood, not the
    graph. ``select(part, focus=focus, depth=depth, …)`` equals ``select(project(dataset), focus=focus,
    depth=depth, …)`` (kinds and classes included), node for node and edge for edge with every attribute, and
    every name, date and source those need. None when ``focus`` is not drawn as a node (the caller projects
    everything and reports the error from there).

    How: the neighbourhood is found hop by hop, from the focus outwards, with the same edge rule as the whole
    projection (``edge_specs``) on rows of relations.rq and links.rq restricted to the frontier (as ?from and
    as ?to), with every partnership's milestones and every SDG-linked relationship complete. Then the rows of
    the other queries are fetched for what is within reach: nodes, relationships, their dates, states,
    citations and sources, names, places. Partnerships of the outermost resources lead outside too, since a
    partner city's class depends on all its partnerships."""
    source = source or rows_of(dataset)
    root = _root(dataset, None)
    with collector_paused():
        try:
            answers = _Neighbourhood(source, queries, root).collect(focus, depth)
        except _Unscopable:
            return None
        if answers is None:
            return None
        part = build(answers, root)
    part.scope = (focus, depth)
    part.whole = lambda: project(dataset, queries=queries)
    return part


SDG_PROPERTY = str(CKG.addressesSDG)

#: From what share of the store's typed resources on a query's whole answer is read rather than one restricted
#: to a neighbourhood (Oxigraph; measured on the 1M-triple synthetic world: the break-even of a whole answer
#: read in index order against the IRIs looked up one by one). Relations are what the neighbourhood grows by:
#: from a large ring on, the next one is larger still.
WHOLE_SHARE = {
    "relations": 0.02,
    "links": 0.01,
    "nodes": 0.12,
    "texts": 0.06,
    "dates": 0.05,
    "states": 0.02,
    "citations": 0.1,
    "places": 0.025,
}


class _Neighbourhood:
    def __init__(self, source: Rows, queries: Path | None, root: str | None) -> None:
        self.source = source
        self.query = {name: load_query(name, queries) for name in QUERY_NAMES}
        self.derived = {name: derived(name, queries) for name in QUERY_NAMES}
        self.root = root
        self.nodes: list[Row] = []
        self.node_set: set[str] = set()
        self.checked: set[str] = set()
        self.relations: set[Row] = set()
        self.links: set[Row] = set()
        self.done: dict[tuple[str, str], set[str]] = defaultdict(set)  # (query, variable) -> IRIs asked for

    # -- fetching ------------------------------------------------------------------------------------------
    def rows(self, name: str, var: str, iris: Iterable[str]) -> list[Row]:
        done = self.done[(name, var)]
        wanted = {iri for iri in iris if iri not in done}
        if any(isinstance(iri, BlankId) for iri in wanted):
            raise _Unscopable
        done.update(wanted)
        if not wanted:
            return []
        return self.source.rows(self.query[name], var, wanted, share=WHOLE_SHARE[name], whole=self.derived[name])

    def check(self, iris: Iterable[str | None]) -> None:
        """Learn which of these are drawn as nodes (blank nodes never are: nodes.rq keeps IRIs only)."""
        wanted = {iri for iri in iris if iri is not None and not isinstance(iri, BlankId) and iri not in self.checked}
        self.checked |= wanted
        for row in self.source.rows(self.query["nodes"], "node", wanted, share=WHOLE_SHARE["nodes"]) if wanted else ():
            self.nodes.append(row)
            if CLASS_PRIORITY.get(str(as_text(row[1]))):
                self.node_set.add(str(row[0]))

    def relations_of(self, var: str, iris: Iterable[str]) -> list[Row]:
        rows = self.rows("relations", var, iris)
        self.relations.update(rows)
        # a milestone edge needs every milestone of its partnership (which partner is not the root)
        self.complete({r[0] for r in rows if as_text(r[1]) == "milestone"})
        return rows

    def complete(self, rels: Iterable[Value]) -> None:
        """Every row of relations.rq for these relationships, and which of their ends are nodes."""
        rows = self.rows("relations", "rel", {r for r in rels if r is not None})
        self.relations.update(rows)
        self.check(as_text(v) for r in rows for v in (r[2], r[3]))

    def links_of(self, var: str, iris: Iterable[str], *, ends: bool = True) -> list[Row]:
        """Rows of links.rq; ``ends``: learn which of their ends are nodes (the outermost ring needs not: an
        edge from it to an end not yet checked leads outside)."""
        rows = self.rows("links", var, iris)
        self.links.update(rows)
        if ends:
            self.check(as_text(v) for r in rows for v in (r[0], r[2]))
        # an SDG link of a relationship is drawn from one of the relationship's ends, chosen among all of them
        sdg = [r for r in rows if as_text(r[1]) == SDG_PROPERTY]
        self.check(as_text(r[0]) for r in sdg)
        self.complete({r[0] for r in sdg if as_text(r[0]) not in self.node_set})
        return rows

    # -- the neighbourhood -----------------------------------------------------------------------------------
    def collect(self, focus: str, depth: int) -> Answers | None:
        self.check([focus, self.root])
        if focus not in self.node_set:
            return None
        distance = {focus: 0}
        frontier = {focus}
        for hop in range(depth + 1):
            last = hop == depth
            if last:
                # the outermost ring: edges among its own resources, and every partnership of its cities
                found = self.relations_of("from", frontier)
                self.check(as_text(r[3]) for r in found if as_text(r[1]) == "partnership")
                self.links_of("from", frontier, ends=False)
                self.links_of("to", frontier, ends=False)
                break
            found = self.relations_of("from", frontier) + self.relations_of("to", frontier)
            self.check(as_text(v) for r in found for v in (r[2], r[3]))
            self.links_of("from", frontier)
            self.links_of("to", frontier)
            # SDG links of the relationships at the frontier lead from the frontier
            self.links_of("from", {str(as_text(r[0])) for r in found if as_text(r[1]) != "milestone"})
            distance = self._distances(focus, hop + 1)
            frontier = {n for n, d in distance.items() if d == hop + 1}
            if not frontier:
                break
        return self._answers(focus, depth)

    def _specs(self) -> list[EdgeSpec]:
        return edge_specs(self.relations, self.links, self.node_set, self.root)

    def _distances(self, focus: str, cutoff: int, specs: list[EdgeSpec] | None = None) -> dict[str, int]:
        neighbours: dict[str, set[str]] = defaultdict(set)
        for spec in self._specs() if specs is None else specs:
            neighbours[spec.source].add(spec.target)
            neighbours[spec.target].add(spec.source)
        distance = {focus: 0}
        ring = [focus]
        for step in range(1, cutoff + 1):
            following = []
            for node in ring:
                for other in neighbours.get(node, ()):
                    if other not in distance:
                        distance[other] = step
                        following.append(other)
            ring = following
        return distance

    def _answers(self, focus: str, depth: int) -> Answers:
        specs = self._specs()
        reach = self._distances(focus, depth, specs)
        inside = [s for s in specs if s.source in reach and s.target in reach]
        touching = [s for s in specs if s.source in reach or s.target in reach]
        rels = {s.rel for s in inside if s.rel} | {str(s.extra["via"]) for s in inside if s.extra.get("via")}
        # a partner city's class depends on the status of all its partnerships
        states = self.rows("states", "rel", {s.rel for s in touching if s.rel and s.kind == "partnership"} | rels)
        successors = {str(as_text(r[2])) for r in states if r[2] is not None and str(as_text(r[0])) in rels}
        classes, _ = _classes_of(self.nodes)
        events = {n for n in reach if classes.get(n, (0, ""))[1] == "event"}
        when = {key for s in inside for key in s.when}
        dates = self.rows("dates", "thing", events | rels | when | successors)
        cited = self.rows("citations", "subject", rels | events)
        names = {str(as_text(r[2])) for r in cited if r[1] == PROV_DERIVATION and r[2] is not None}
        cited += self.rows("citations", "subject", names)
        origins = {str(as_text(r[2])) for r in cited if r[1] == PROV_ENTITY and r[2] is not None and r[0] in names}
        cited += self.rows("citations", "subject", origins)
        places = self.rows("places", "place", reach)
        countries = {str(as_text(r[3])) for r in places if r[3] is not None}
        kinds = {str(as_text(r[2])) for r in self.nodes if r[2] is not None and str(r[0]) in reach}
        qualifiers = {s.qualifier for s in inside if s.qualifier}
        terms = {str(CKGV[local_name(q)]) for q in qualifiers} | {
            str(CKGV[g]) for g in ("partnership", *TYPE_GROUP.values(), *(g for _, g, _ in LINKS.values()))
        }
        texts = self.rows("texts", "thing", set(reach) | rels | countries | kinds | qualifiers | terms | origins)
        return Answers(
            texts=texts,
            broader=self.source.rows(self.query["broader"]),
            dates=dates,
            citations=cited,
            states=states,
            nodes=self.nodes,
            places=places,
            relations=list(self.relations),
            links=list(self.links),
            dataset=self.source.rows(self.query["dataset"]),
            specs=specs,
        )
