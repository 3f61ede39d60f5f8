"""The lean projection the analytics need (``citykg analyze``): every node and edge of the projection with its
class, kind and group, read in a few whole answers straight from the store, without what only the views show
(places, citations, names of everything). Names are fetched for the resources a report prints
(:meth:`Texts.fetch`), dates only when a year filter needs them.

:func:`network_of` gives the same nodes and edges as plain lists (:class:`Network`) instead of a networkx
multigraph: the whole graph's report at 1M triples reads nothing else, and building the multigraph cost more
than the measures computed on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from citykg.projection.edges import EdgeSpec, edge_keys, edge_specs, relations_from_edges
from citykg.projection.model import CLASS_PRIORITY, STATUS, Projection, local_name
from citykg.projection.rows import BlankId, Rows, as_text, rows_of
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
    it stands), from five whole answers and the projection's edge rule (citykg.projection.edges)."""
    import networkx as nx

    source = source or rows_of(dataset)
    root = _root(dataset, None)
    best: dict[str, tuple[int, str]] = {}
    for node, rdf_type in source.rows(load_query("network-nodes", queries)):
        rank_cls = CLASS_PRIORITY.get(rdf_type if type(rdf_type) is str else str(as_text(rdf_type)))
        if rank_cls and (node not in best or rank_cls < best[node]):
            best[node] = rank_cls
    nodes = sorted(best)
    position = {node: i for i, node in enumerate(nodes)}
    broader = _broader(source.rows(load_query("broader", queries)))
    statuses: dict[str, str] = {}  # (the first status of each partnership, as whole._states picks it)
    for rel, status in source.rows(load_query("network-states", queries)):
        status = str(as_text(status))
        if rel not in statuses or status < statuses[rel]:
            statuses[rel] = status
    states = {rel: STATUS.get(status, local_name(status)) for rel, status in statuses.items()}
    relations = relations_from_edges(source.rows(load_query("edges", queries)), one_order=True)
    links = source.rows(load_query("links", queries))
    kept: dict[tuple[str, str, str], tuple[str, bool, object]] = {}
    ancestors: dict[str, set[str]] = {}
    groups: dict[tuple[str, str | None, object], str] = {}
    for key, u, v, kind, rel, qualifier, _, _, extra in edge_specs(relations, links, position, root):
        prop = extra.get("prop") if extra else None
        group = groups.get((kind, qualifier, prop))
        if group is None:
            spec = EdgeSpec(key, u, v, kind, rel, qualifier, (), False, extra)
            group = groups[(kind, qualifier, prop)] = edge_keys(spec, broader, ancestors)[0]
        partnership = kind == "partnership"
        status = states.get(rel) if partnership else None
        kept[(u, v, key)] = (group, partnership, status)  # a repeated key: the last
    # partner cities by their strongest partnership that has not ended (as model._assign_classes)
    ranks = {group: kind_rank(group, dict(broader)) for group in set(groups.values())}
    strongest: dict[str, tuple[bool, float, str]] = {}
    for (u, v, _), (group, partnership, status) in kept.items():
        if partnership:
            rank = (status == "ended", ranks[group], group)
            for end in (u, v):
                if end not in strongest or rank < strongest[end]:
                    strongest[end] = rank
    classes = []
    for node in nodes:
        cls = best[node][1]
        if node == root:
            cls = "focus"
        elif cls == "city" and node in strongest:
            cls = f"partner:{strongest[node][2]}"
        classes.append(cls)
    sources = [position[u] for u, _, _ in kept]
    targets = [position[v] for _, v, _ in kept]
    proj = Projection(nx.MultiDiGraph(), root if root in position else None, {}, broader, {})
    proj.texts = Texts(source, load_query("texts", queries))
    return Network(nodes, classes, sources, targets, [group for group, _, _ in kept.values()], proj)
