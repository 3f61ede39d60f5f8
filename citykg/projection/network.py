"""The lean projection the analytics need (``citykg analyze``): every node and edge of the projection with its
class, kind and group, read in a few whole answers straight from the store, without what only the views show
(places, citations, names of everything). Names are fetched for the resources a report prints
(:meth:`Texts.fetch`), dates only when a year filter needs them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from citykg.projection.model import Projection
from citykg.projection.rows import BlankId, Row, Rows, Value, as_text, order_key, rows_of
from citykg.projection.whole import Answers, _root, _texts, build, load_query
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


def relation_rows(rows: Iterable[Row]) -> list[Row]:
    """The rows of relations.rq from those of edges.rq: a partnership with each pair of its partners (one order:
    the projection keeps one edge per pair) and kind, a milestone with each partner of its partnership. (Whole
    answers at 1M: relations.rq 180,000 rows, from pairing the partners in the store; edges.rq about half.)"""
    partners: dict[Value, set[Value]] = defaultdict(set)
    kinds: dict[Value, set[Value]] = defaultdict(set)
    milestones: list[tuple[Value, Value]] = []
    out: list[Row] = []
    for rel, kind, source, target, qualifier in rows:
        kind = as_text(kind)
        if kind == "partner":
            partners[rel].add(target)
        elif kind == "kind":
            kinds[rel].add(qualifier)
        elif kind == "milestone":
            milestones.append((source, rel))
        else:
            out.append((rel, kind, source, target, qualifier))
    for rel, qualifiers in kinds.items():
        ends = sorted(partners.get(rel, ()), key=order_key)
        for i, a in enumerate(ends):
            for b in ends[i + 1 :]:
                out.extend((rel, "partnership", a, b, q) for q in qualifiers)
    for event, rel in milestones:
        out.extend((rel, "milestone", event, partner, None) for partner in partners.get(rel, ()))
    return out


def project_network(
    dataset: Graph, *, dated: bool = False, queries: Path | None = None, source: Rows | None = None
) -> Projection:
    """The projection's multigraph, node for node and edge for edge as ``project`` gives it, with every attribute
    the analytics read (classes, kinds, groups, states; with ``dated`` also dates and years); ``texts`` is a
    :class:`Texts` that starts empty. (No places, citations or dataset title.)"""
    source = source or rows_of(dataset)
    names = ("links", "nodes", "states", "broader") + (("dates",) if dated else ())
    answers = Answers(**{name: source.rows(load_query(name, queries)) for name in names})
    answers.relations = relation_rows(source.rows(load_query("edges", queries)))
    proj = build(answers, _root(dataset, None))
    proj.texts = Texts(source, load_query("texts", queries))
    return proj
