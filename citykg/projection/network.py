"""The lean projection the analytics need (``citykg analyze``): every node and edge of the projection with its
class, kind and group, read in a few whole answers straight from the store, without what only the views show
(places, citations, names of everything). Names are fetched for the resources a report prints
(:meth:`Texts.fetch`), dates only when a year filter needs them.

:func:`network_of` gives the same nodes and edges as plain lists (:class:`Network`) instead of a networkx
multigraph: the whole graph's report at 1M triples reads nothing else, and building the multigraph cost more
than the measures computed on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import networkx as nx
from rdflib import Graph

from citykg.projection.edges import relations_from_edges
from citykg.projection.model import CLASS_BY_TYPE, LINKS, STATUS, TYPE_GROUP, Projection, local_name
from citykg.projection.rows import BlankId, Lit, Row, Rows, as_text, order_key, rows_of
from citykg.projection.whole import Answers, _broader, _root, _texts, build, load_query
from citykg.projection.words import kind_rank
from citykg.queries import NamedQuery

#: From what share of the store's typed resources on the whole answer of texts.rq is read (see scoped.py).
TEXTS_SHARE = 0.06


class Texts(dict):
    """Names and descriptions per resource (as ``Projection.texts``), fetched when asked for: a report calls
    :meth:`fetch` with what it is about to print before it reads ``label``."""

    def __init__(self, source: Rows, query: NamedQuery) -> None:
        super().__init__()
        self.source, self.query = source, query
        self.asked: set[str] = set()

    def fetch(self, iris: Iterable[str]) -> None:
        wanted = {iri for iri in iris if iri not in self.asked and not isinstance(iri, BlankId)}
        if not wanted:
            return
        self.asked |= wanted
        self.update(_texts(self.source.rows(self.query, "thing", wanted, share=TEXTS_SHARE)))


def project_network(
    dataset: Graph, *, dated: bool = False, queries: Path | None = None, source: Rows | None = None
) -> Projection:
    """The projection's multigraph, node for node and edge for edge as ``project`` gives it, with every attribute
    the analytics read (classes, kinds, groups, states; with ``dated`` also dates and years); ``texts`` is a
    :class:`Texts` that starts empty. (No places, citations or dataset title.)"""
    source = source or rows_of(dataset)
    names = ("links", "nodes", "states", "broader") + (("dates",) if dated else ())
    answers = Answers(**{name: source.rows(load_query(name, queries)) for name in names})
    answers.relations = relations_from_edges(source.rows(load_query("edges", queries)), one_order=True)
    proj = build(answers, _root(dataset, None))
    proj.texts = Texts(source, load_query("texts", queries))
    return proj


@dataclass
class Network:
    """The projection's multigraph as lists: its nodes in the projection's order (sorted) with their classes
    (``cls``: the focus and partner cities as ``_assign_classes`` gives them), and its edges as positions of
    their ends and their filter groups, in the projection's order (a repeated key of the same two ends counted
    once, as the multigraph keeps it). ``proj`` has no graph: it names things (its ``texts`` are fetched when
    asked, :class:`Texts`)."""

    nodes: list[str]
    classes: list[str]
    sources: list[int]
    targets: list[int]
    groups: list[str]
    proj: Projection


def network_of(dataset: Graph, *, queries: Path | None = None, source: Rows | None = None) -> Network:
    """The nodes and edges of ``project(dataset)`` with their classes and groups (no dates: the whole graph as
    it stands), from five whole answers and the projection's edge rule (citykg.projection.edges: the same
    edges, keys and groups, tests/test_analytics_scale.py), applied here to what the lists need only: no
    edge specs, no rows of relations.rq (each pair of partners of a partnership is made once, by its first
    kind), no sort of the edges (their order does not matter to the report)."""
    source = source or rows_of(dataset)
    root = _root(dataset, None)
    rank_of = {cls: rank for rank, (_, cls) in reversed(list(enumerate(CLASS_BY_TYPE)))}
    best: dict[str, tuple[int, str]] = {}
    for node, cls in source.rows(load_query("network-nodes", queries)):
        cls = cls.value if type(cls) is Lit else str(as_text(cls))
        rank = rank_of.get(cls)
        if rank is not None and (node not in best or rank < best[node][0]):
            best[node] = (rank, cls)
    nodes = sorted(best)
    position = {node: i for i, node in enumerate(nodes)}
    broader = _broader(source.rows(load_query("broader", queries)))
    statuses: dict[str, str] = {}  # (the first status of each partnership, as whole._states picks it)
    for rel, status in source.rows(load_query("network-states", queries)):
        status = str(as_text(status))
        if rel not in statuses or status < statuses[rel]:
            statuses[rel] = status
    edges = _Edges(position, root)
    edges.relationships(source.rows(load_query("edges", queries)))
    edges.links(source.rows(load_query("network-links", queries)))
    # partner cities by their strongest partnership that has not ended (as model._assign_classes)
    kept = edges.kept
    partnerships = [(u, v, group, rel) for (u, v, _), (group, rel, _) in kept.items() if rel is not None]
    ranks = {group: kind_rank(group, dict(broader)) for group in {g for _, _, g, _ in partnerships}}
    strongest: dict[int, tuple[bool, float, str]] = {}
    for u, v, group, rel in partnerships:
        status = statuses.get(rel)
        rank = (status is not None and STATUS.get(status, local_name(status)) == "ended", ranks[group], group)
        for end in (u, v):
            if end not in strongest or rank < strongest[end]:
                strongest[end] = rank
    classes = [best[node][1] for node in nodes]
    for i, cls in enumerate(classes):
        if cls == "city" and i in strongest:
            classes[i] = f"partner:{strongest[i][2]}"
    if root in position:
        classes[position[root]] = "focus"
    proj = Projection(nx.MultiDiGraph(), root if root in position else None, {}, broader, {})
    proj.texts = Texts(source, load_query("texts", queries))
    groups = [group for group, _, _ in kept.values()]
    return Network(nodes, classes, [u for u, _, _ in kept], [v for _, v, _ in kept], groups, proj)


class _Edges:
    """The edges of the projection as positions of their ends, by key (``kept``: (source, target, key) ->
    group, one per key of the same two ends as the multigraph keeps it), from the rows of edges.rq and
    network-links.rq by the rule of citykg.projection.edges (edge_specs and relations_from_edges): a
    partnership joins each pair of its partners that are nodes, grouped by its first kind (none: no edge); a
    milestone joins its event with each partner of its partnership but the focus (unless that is the only
    one); the other relationships join their two ends; plain links their two ends, an SDG link of a
    relationship from the relationship's end that is not the focus."""

    def __init__(self, position: dict[str, int], root: str | None) -> None:
        self.position, self.root = position, root
        #: (source, target, key) -> (group, the partnership of a partnership's edge, kind)
        self.kept: dict[tuple[int, int, object], tuple[str, str | None, str]] = {}
        #: the ends of each relationship's first edge (by IRI), where an SDG link of it is drawn from
        self.first: dict[str, tuple[str, str]] = {}

    def relationships(self, rows: Iterable[Row]) -> None:
        partners: dict[str, set[str]] = defaultdict(set)
        kinds: dict[str, str] = {}
        milestones: list[tuple[str, str]] = []
        others: set[tuple[str, str, str, str]] = set()
        for rel, kind, source, target, qualifier in rows:
            kind = kind.value if type(kind) is Lit else str(as_text(kind))
            if type(rel) is not str:
                rel = str(as_text(rel))
            if kind == "partner":
                partners[rel].add(target)  # (as it comes: edge_specs compares the text of the pairs)
            elif kind == "kind":
                text = (qualifier if type(qualifier) is str else as_text(qualifier)) or ""
                if rel not in kinds or text < kinds[rel]:
                    kinds[rel] = text
            elif kind == "milestone":
                milestones.append((str(as_text(source)), rel))
            else:
                others.add((kind, rel, str(as_text(source)), str(as_text(target))))
        specs: list[tuple[str, str, str, str, str | None]] = []  # (kind, rel, source, target, qualifier)
        append = specs.append
        for rel, qualifier in kinds.items():
            ends = partners.get(rel)
            if not ends:
                continue
            if all(type(end) is str for end in ends):  # IRIs (as always from a store): distinct texts
                for a, b in combinations(sorted(ends), 2):
                    append(("partnership", rel, a, b, qualifier or None))
                continue
            for a, b in combinations(sorted(ends, key=order_key), 2):
                a, b = str(as_text(a)), str(as_text(b))
                if a != b:
                    append(("partnership", rel, *sorted((a, b)), qualifier or None))
        specs.extend((kind, rel, source, target, None) for kind, rel, source, target in others)
        if not self._relationships(specs):  # a relationship of two kinds with the same ends: edge_specs' order
            self.kept.clear()
            self.first.clear()
            self._relationships(sorted(set(specs)))
        self._milestones(partners, milestones)

    def _relationships(self, specs: list[tuple[str, str, str, str, str | None]]) -> bool:
        """False where two edges of different kinds had the same key and ends (which is kept depends on the
        order of ``specs``)."""
        position, root, kept, first = self.position, self.root, self.kept, self.first
        clear = True
        for kind, rel, source, target, qualifier in specs:
            if kind == "partnership" and root is not None and target == root:
                source, target = target, source
            u, v = position.get(source), position.get(target)
            if u is None or v is None:
                continue
            if kind == "partnership":
                group = local_name(qualifier) if qualifier else "partnership"
            else:
                group = TYPE_GROUP.get(kind) or kind
            key = (u, v, rel)
            if key in kept:
                clear = clear and kept[key][2] == kind
            kept[key] = (group, rel if kind == "partnership" else None, kind)  # (a repeated key: the last)
            if rel not in first or (source, target) < first[rel]:
                first[rel] = (source, target)
        return clear

    def _milestones(self, partners: dict[str, set[str]], milestones: list[tuple[str, str]]) -> None:
        position, root, kept = self.position, self.root, self.kept
        group = TYPE_GROUP["milestone"]
        ends: dict[str, list[int]] = {}
        for event, rel in milestones:
            e = position.get(event)
            if e is None:
                continue
            if rel not in ends:
                texts = sorted({str(as_text(p)) for p in partners.get(rel, ())})
                others = [p for p in texts if p != root] or texts  # the partner city, not the focus itself
                ends[rel] = [position[p] for p in others if p in position]
            for p in ends[rel]:
                kept[(e, p, "|milestone")] = (group, None, "milestone")  # (one edge per event and partner)

    def links(self, rows: Iterable[Row]) -> None:
        position, root, kept, first = self.position, self.root, self.kept, self.first
        kinds = {kind: (prop, group) for prop, (kind, group, _) in LINKS.items()}
        for origin, link, target in {(as_text(r[0]), as_text(r[1]), as_text(r[2])) for r in rows}:
            prop, group = kinds[str(link)]
            kind = LINKS[prop][0]
            source = origin
            if kind == "conflict" and (source not in position or target < source):
                continue  # symmetric: one edge per pair, between resources only
            if source not in position and kind == "sdg" and source in first:
                u, v = first[source]
                source = v if v != root else u
            if source in position and target in position:
                kept[(position[source], position[target], (origin, kind))] = (group, None, kind)
