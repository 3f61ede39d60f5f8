"""The edge rule of the projection: how relationship nodes (partnerships, memberships, tenures …), partnership
milestones and plain links become edges between resources. One rule for the whole graph (``whole.build``), a
neighbourhood (``scoped``), the chains between two resources (``between``) and the analytics' lean graph
(``network``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable, Mapping
from itertools import combinations, permutations
from typing import NamedTuple

from citykg.projection.model import LINKS, TYPE_GROUP, _ancestors, local_name
from citykg.projection.rows import Lit, Row, Rows, Value, as_text, order_key
from citykg.queries import NamedQuery

PARTNERSHIP, MILESTONE = Lit("partnership"), Lit("milestone")


class EdgeSpec(NamedTuple):
    """One edge of the projection before its dates and states are known: ``when`` names the resources whose
    dates it takes (the first that has any)."""

    key: str
    source: str
    target: str
    kind: str
    rel: str | None
    qualifier: str | None
    when: tuple[str, ...]
    timed: bool
    extra: Mapping[str, object] = {}


def edge_keys(
    spec: EdgeSpec, broader: Mapping[str, list[str]], ancestors: dict[str, set[str]] | None = None
) -> tuple[str, frozenset[str]]:
    """The filter group of an edge and every relation kind it answers to (``--kinds``); ``ancestors`` keeps
    each partnership kind's broader kinds across the edges of one projection."""
    kind = spec.kind
    if kind == "partnership":
        group = local_name(spec.qualifier) if spec.qualifier else "partnership"
        known = ancestors if ancestors is not None else {}
        if group not in known:
            known[group] = _ancestors(group, broader)
        return group, frozenset({"partnership", group, *known[group]})
    group = TYPE_GROUP.get(kind) or LINKS.get(str(spec.extra.get("prop")), ("", kind, False))[1]
    event = {"event"} if kind in ("participation", "milestone", "location", "organizer") else set()
    return group, frozenset({group, kind} | event)


def edge_specs(
    relations: Iterable[Row], links: Iterable[Row], nodes: Container[str], root: str | None
) -> list[EdgeSpec]:
    """The edges between resources that the rows of relations.rq and links.rq give (one rule for the whole
    graph and for a neighbourhood): relationships, partnership milestones, plain links."""
    out: list[EdgeSpec] = []
    milestones: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen: dict[tuple[str, str, str, str], str | None] = {}
    for rel, kind, source, target, qualifier in relations:
        # (IRIs are str, the ?type of relations.rq a Lit; the others only on a misused property)
        kind = kind.value if type(kind) is Lit else str(as_text(kind))
        if type(rel) is not str or type(source) is not str or type(target) is not str:
            rel, source, target = str(as_text(rel)), str(as_text(source)), str(as_text(target))
        if kind == "milestone":
            milestones[rel].append((source, target))
            continue
        if kind == "partnership":
            if source == target:
                continue  # the query gives each partner with itself, and both orders: one edge per pair
            if target < source:
                source, target = target, source
        qualifier = (qualifier if type(qualifier) is str else as_text(qualifier)) or ""
        key = (kind, rel, source, target)
        if key not in seen or qualifier < (seen[key] or ""):
            seen[key] = qualifier or None  # the first qualifier of a relation
    edge_of_rel: dict[str, tuple[str, str]] = {}
    for (kind, rel, source, target), qualifier in sorted(seen.items()):
        if kind == "partnership" and root is not None and target == root:
            source, target = target, source
        if source not in nodes or target not in nodes:
            continue
        when = (rel, target) if kind == "participation" else (rel,)  # a participation happens when its event does
        out.append(EdgeSpec(rel, source, target, kind, rel, qualifier, when, True))
        if rel not in edge_of_rel or (source, target) < edge_of_rel[rel]:
            edge_of_rel[rel] = (source, target)

    for partnership, pairs in sorted(milestones.items()):
        partners = sorted({target for _, target in pairs})
        others = [p for p in partners if p != root] or partners  # the partner city, not the focus itself
        for event in sorted({e for e, _ in pairs}):
            if event not in nodes:
                continue
            for partner in others:
                if partner in nodes:
                    key = f"{event}|milestone|{partner}"
                    out.append(
                        EdgeSpec(key, event, partner, "milestone", event, None, (event,), True, {"via": partnership})
                    )

    for origin, prop, target in sorted({(as_text(r[0]), as_text(r[1]), as_text(r[2])) for r in links}):
        kind, _, by_event = LINKS[prop]
        source = origin
        if kind == "conflict" and (source not in nodes or target < source):
            continue  # symmetric: one edge per pair, between resources only
        via = None
        if source not in nodes and kind == "sdg" and source in edge_of_rel:
            via, (u, v) = source, edge_of_rel[source]
            source = v if v != root else u
        if source not in nodes or target not in nodes:
            continue
        timed = bool(by_event or via)
        out.append(
            EdgeSpec(
                f"{origin}|{kind}|{target}",
                source,
                target,
                kind,
                via or (origin if by_event else None),
                None,
                ((via or source),) if timed else (),
                timed,
                {"prop": prop, "via": via},
            )
        )
    return out


def relations_from_edges(rows: Iterable[Row], *, one_order: bool = False) -> list[Row]:
    """The rows of relations.rq from those of edges.rq (less a partner paired with itself, which is no edge):
    each partnership with every ordered pair of its partners and each of its kinds, each milestone with every
    partner of its partnership. Oxigraph pairs the partners in the store slowly (a self-join; on the 1M-triple
    world relations.rq takes 2.8 s for 178,596 rows, edges.rq 1.1 s for 121,090, the pairing here 0.1 s).
    ``one_order``: each pair once, for callers that only make edges (:func:`edge_specs` keeps one per pair);
    a restricted answer (``?from`` or ``?to`` bound) needs both."""
    partners: dict[Value, set[Value]] = defaultdict(set)
    kinds: dict[Value, set[Value]] = defaultdict(set)
    milestones: list[tuple[Value, Value]] = []
    out: list[Row] = []
    for row in rows:
        rel, kind, source, target, qualifier = row
        kind = as_text(kind)
        if kind == "partner":
            partners[rel].add(target)
        elif kind == "kind":
            kinds[rel].add(qualifier)
        elif kind == "milestone":
            milestones.append((source, rel))
        else:
            out.append(row)
    for rel, qualifiers in kinds.items():
        ends = sorted(partners.get(rel, ()), key=order_key)
        pairs = combinations(ends, 2) if one_order else permutations(ends, 2)
        out.extend((rel, PARTNERSHIP, a, b, q) for a, b in pairs for q in qualifiers)
    for event, rel in milestones:
        out.extend((rel, MILESTONE, event, partner, None) for partner in partners.get(rel, ()))
    return out


def whole_relations(edges: NamedQuery):
    """The whole answer of relations.rq from that of ``edges`` (edges.rq), for ``Rows.rows(…, whole=…)``."""

    def make(source: Rows) -> tuple[list[str], list[Row]]:
        names, rows = source.whole(edges)
        return names, relations_from_edges(rows)

    return make
