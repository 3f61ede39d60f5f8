"""What the server says about one resource: for its page (a :class:`Description`) and its RDF forms.

The description holds the resource's own statements, the statements pointing at it, the relationship
nodes it takes part in (partnerships, memberships, tenures, events … each with its dates and citations)
and the citations of the resource itself: source URL and title, quote, confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from oxrdflib._converter import to_ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, PROV, RDF, XSD
from rdflib.term import Node

from citykg.namespaces import CKG, SCHEMA
from citykg.server.datasets import LABELS, Holdings, server_query
from citykg.server.datasets import _term as term_of

RELATION_TYPES = frozenset(
    {CKG.Partnership, ORG.Membership, CKG.Tenure, CKG.Participation, CKG.Engagement, CKG.AwardConferral, SCHEMA.Event}
)
DATE_TYPES = frozenset({XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth})
INCOMING_CAP = 200
#: Relationship nodes a page shows in full (the earliest first); a hub's thousands are counted, not listed
#: (its RDF forms and the SPARQL endpoint have them all).
RELATION_CAP = 200
#: IRIs per label query: a hub's page (thousands of links) reads its labels in one.
LABEL_BATCH = 20_000


@dataclass
class Citation:
    iri: URIRef
    source: URIRef | None = None
    url: str | None = None
    title: Literal | None = None
    quote: Literal | None = None
    note: Literal | None = None
    confidence: URIRef | None = None


@dataclass
class Relation:
    iri: URIRef
    types: list[URIRef]
    role: URIRef  # the predicate that links the node to the described resource
    statements: list[tuple[URIRef, Node]]
    dates: list[tuple[URIRef, Literal]]
    citations: list[Citation]


@dataclass
class Description:
    iri: URIRef
    types: list[URIRef] = field(default_factory=list)
    outgoing: list[tuple[URIRef, list[tuple[Node, list[URIRef]]]]] = field(default_factory=list)
    incoming: list[tuple[URIRef, list[URIRef], int]] = field(default_factory=list)
    dates: list[tuple[URIRef, Literal]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)  # the first RELATION_CAP in date order
    relation_total: int = 0  # how many relationship nodes there are in all
    graph_size: int | None = None  # when the IRI names a graph the server holds

    @property
    def empty(self) -> bool:
        return not (self.outgoing or self.incoming or self.graph_size is not None)


def is_date(term: Node) -> bool:
    return isinstance(term, Literal) and term.datatype in DATE_TYPES


def _order(pair: tuple[Node, Node]) -> tuple[str, str, str, str]:
    """Statements by predicate and object text; language and datatype break ties such as "x"@de / "x"@en."""
    o = pair[1]
    return (str(pair[0]), str(o), getattr(o, "language", None) or "", str(getattr(o, "datatype", None) or ""))


def rows_for(
    holdings: Holdings,
    name: str,
    var: str | None = None,
    iris: Iterable[Node] = (),
    *,
    raw: bool = False,
    batch: int = 5000,
    **bindings: Node,
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``queries/server/NAME.rq``: with ``var``, bound to each of ``iris`` (a VALUES block of typed
    terms, never pasted text, ``batch`` IRIs per query; none: no query), else once with ``bindings``
    substituted. The terms are rdflib's in the SELECT's order, or Oxigraph's own with ``raw``."""
    from citykg.bindings import with_values

    substitutions = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
    if var is None:
        texts: Iterable[str] = [server_query(name)]
    else:
        wanted = sorted(set(iris), key=str)
        chunks = (wanted[start : start + batch] for start in range(0, len(wanted), batch))
        texts = (with_values(server_query(name), [{var: iri} for iri in chunk], [var]) for chunk in chunks)
    convert = _converter()
    for text in texts:
        result = holdings.store.query(text, use_default_graph_as_union=True, substitutions=substitutions)
        width = range(len(result.variables))
        for solution in result:
            yield tuple(solution[i] for i in width) if raw else tuple(convert(solution[i]) for i in width)


def _converter() -> Callable[[Any], Node | None]:
    """Oxigraph terms as rdflib's, each distinct term converted once (predicates and classes repeat on every row)."""
    memo: dict[Any, Node | None] = {}

    def convert(term: Any) -> Node | None:
        if term is None:
            return None
        found = memo.get(term)
        if found is None:
            found = memo[term] = term_of(term)
        return found

    return convert


def citations_of(holdings: Holdings, nodes: Iterable[URIRef]) -> dict[URIRef, list[Citation]]:
    """The citations (IRIs, in IRI order) of each of ``nodes`` with their sources: queries/server/citations-of.rq."""
    found: dict[URIRef, dict[URIRef, Citation]] = {}
    for node, cite, source, url, title, quote, note, confidence in rows_for(holdings, "citations-of", "node", nodes):
        cites = found.setdefault(node, {})  # type: ignore[arg-type]
        if cite in cites or not isinstance(cite, URIRef):
            continue  # a citation with several values of one property: the first row's, as Graph.value gives
        cites[cite] = Citation(
            cite,
            source if isinstance(source, URIRef) else None,
            str(url) if url is not None else None,
            _literal(title),
            _literal(quote),
            _literal(note),
            _iri(confidence),
        )
    return {node: [cites[c] for c in sorted(cites, key=str)] for node, cites in found.items()}


def citations(holdings: Holdings, node: URIRef) -> list[Citation]:
    return citations_of(holdings, [node]).get(node, [])


def _literal(term: Node | None) -> Literal | None:
    return term if isinstance(term, Literal) else None


def _iri(term: Node | None) -> URIRef | None:
    return term if isinstance(term, URIRef) else None


@dataclass
class _Reach:
    """What a resource's page and RDF forms are made of, read in a few queries."""

    outgoing: dict[tuple[Node, Node], set[URIRef]]  # (p, o) -> the named graphs that hold it
    incoming: list[tuple[Node, URIRef]]  # (s, p), any subject, sorted by predicate and subject
    relations: dict[URIRef, URIRef]  # relationship node -> the predicate that links it to the resource
    statements: dict[URIRef, list[tuple[URIRef, Node]]]  # of each relationship node


def _reach(holdings: Holdings, iri: URIRef, cap: int | None = None) -> _Reach:
    """The statements of ``iri`` both ways and of its relationship nodes (with ``cap``: of the first ``cap`` in
    date order, see :func:`_first`)."""
    outgoing: dict[tuple[Node, Node], set[URIRef]] = {}
    for p, o, g in holdings.rows("describe-out", s=iri):
        graphs = outgoing.setdefault((p, o), set())  # type: ignore[arg-type]
        if isinstance(g, URIRef):
            graphs.add(g)
    pointing = sorted(
        ((s, p, str(flag) == "true") for _, s, p, flag in rows_for(holdings, "describe-in", o=iri)),
        key=lambda row: (str(row[1]), str(row[0])),
    )
    relations: dict[URIRef, URIRef] = {}
    for s, p, relation in pointing:
        if relation and p != PROV.qualifiedDerivation and s not in relations:
            relations[s] = p  # type: ignore[index,assignment]
    chosen = list(relations) if cap is None or len(relations) <= cap else _first(holdings, relations, cap)
    statements: dict[URIRef, list[tuple[URIRef, Node]]] = {node: [] for node in chosen}
    for s, p, o in rows_for(holdings, "statements", "s", chosen):
        statements[s].append((p, o))  # type: ignore[index,arg-type]
    return _Reach(outgoing, [(s, p) for s, p, _ in pointing], relations, statements)  # type: ignore[misc]


def _when(dates: Iterable[str]) -> str:
    """The order of relationship nodes on a page: by their earliest date, undated last."""
    return min(dates, default="9999")


def _first(holdings: Holdings, nodes: Iterable[URIRef], cap: int) -> list[URIRef]:
    """The first ``cap`` of ``nodes`` in the page's order (earliest date, then IRI), from their dates alone."""
    dates: dict[str, list[str]] = {str(node): [] for node in nodes}
    for node, date in rows_for(holdings, "dates-of", "node", map(URIRef, dates), raw=True):
        dates[node.value].append(date.value)
    return [URIRef(node) for node in sorted(dates, key=lambda node: (_when(dates[node]), node))[:cap]]


def describe(holdings: Holdings, iri: URIRef) -> Description:
    """The page's view of ``iri``: a handful of bound queries, whatever the number of relationship nodes."""
    reach = _reach(holdings, iri, RELATION_CAP)
    result = Description(iri, relation_total=len(reach.relations))
    result.types = sorted({o for p, o in reach.outgoing if p == RDF.type and isinstance(o, URIRef)}, key=str)
    by_predicate: dict[URIRef, list[tuple[Node, list[URIRef]]]] = {}
    for p, o in sorted(reach.outgoing, key=_order):
        by_predicate.setdefault(p, []).append((o, sorted(reach.outgoing[(p, o)], key=str)))  # type: ignore[index]
        if is_date(o):
            result.dates.append((p, o))  # type: ignore[arg-type]
    result.outgoing = list(by_predicate.items())
    incoming: dict[URIRef, list[URIRef]] = {}
    for s, p in reach.incoming:
        if isinstance(s, URIRef):
            incoming.setdefault(p, []).append(s)  # type: ignore[arg-type]
    result.incoming = [(p, subjects[:INCOMING_CAP], len(subjects)) for p, subjects in incoming.items()]
    cited = citations_of(holdings, [iri, *reach.statements])
    result.citations = cited.get(iri, [])
    for node in reach.statements:
        role = reach.relations[node]
        statements = sorted(
            (po for po in reach.statements[node] if po[0] not in (PROV.qualifiedDerivation, PROV.wasDerivedFrom)),
            key=_order,
        )
        result.relations.append(
            Relation(
                node,
                sorted({o for p, o in reach.statements[node] if p == RDF.type and isinstance(o, URIRef)}, key=str),
                role,
                [(p, o) for p, o in statements if p != RDF.type and p not in LABELS],
                [(p, o) for p, o in statements if is_date(o)],  # type: ignore[misc]
                cited.get(node, []),
            )
        )
    result.relations.sort(key=lambda r: (_when(str(d) for _, d in r.dates), str(r.iri)))
    if holdings.holds(iri):
        result.graph_size = holdings.graph_size(iri)
    # the page shows a label for each linked IRI: read them all in one query
    holdings.prefetch_labels(_linked(result), batch=LABEL_BATCH)
    return result


def _linked(result: Description) -> list[Node]:
    terms: list[Node] = [*result.types]
    for p, objects in result.outgoing:
        terms.append(p)
        terms += [o for o, graphs in objects]
        for graphs in (g for _, g in objects):
            terms += graphs
    for p, subjects, _ in result.incoming:
        terms.append(p)
        terms += subjects
    for relation in result.relations:
        terms += [relation.iri, relation.role, *relation.types]
        for p, o in relation.statements:
            terms += [p, o]
        for p, _ in relation.dates:
            terms.append(p)
    for p, _ in result.dates:
        terms.append(p)
    return terms


def _term_key(term: Node) -> tuple[str, str, str, str]:
    language, datatype = getattr(term, "language", None), getattr(term, "datatype", None)
    return (type(term).__name__, str(term), language or "", str(datatype or ""))


def description_graph(holdings: Holdings, iri: URIRef) -> Graph:
    """The RDF form of a resource page: its statements both ways, its relationship nodes, their citations and
    sources, and the labels of everything linked; of a hub's relationship nodes, those its page shows."""
    reach = _reach(holdings, iri, RELATION_CAP)
    triples: set[tuple[Node, Node, Node]] = {(iri, p, o) for p, o in reach.outgoing}
    triples |= {(s, p, iri) for s, p in reach.incoming}
    triples |= {(node, p, o) for node, statements in reach.statements.items() for p, o in statements}
    triples |= {(x, p, o) for _, x, p, o in rows_for(holdings, "cited", "node", [iri, *reach.statements])}
    linked = {t for triple in triples for t in triple if isinstance(t, URIRef)}
    triples |= set(rows_for(holdings, "label-statements", "s", linked))  # type: ignore[arg-type]
    graph = Graph()
    # in a fixed order: writers that keep the order of insertion (RDF/XML) write the same bytes every time
    for triple in sorted(triples, key=lambda t: tuple(_term_key(x) for x in t)):
        graph.add(triple)  # type: ignore[arg-type]
    return graph


def exists(holdings: Holdings, iri: URIRef) -> bool:
    ds = holdings.dataset
    return (iri, None, None) in ds or (None, None, iri) in ds or (None, iri, None) in ds or holdings.holds(iri)


def profile_section(holdings: Holdings, iri: URIRef, lang: str, network_href: str | None = None):  # type: ignore[no-untyped-def]
    """The staff profile (citykg.profile) that leads the page of a partner, network or UN body: None for
    other resources (people, events, sources …) and for the focus city itself."""
    from citykg.profile import build_profile
    from citykg.profile.render import body

    types = set(holdings.dataset.objects(iri, RDF.type))
    if not types & PROFILED or iri == holdings.focus:
        return None
    profile = build_profile(holdings.dataset, iri, holdings.focus, lang=lang, base=holdings.base)
    if not profile.statements and not profile.milestones:
        return None
    return body(profile, network_href=network_href, raw_href="#raw")


#: Classes whose pages lead with a profile.
PROFILED = frozenset({SCHEMA.City, CKG.CityNetwork, CKG.UNBody, CKG.Programme, SCHEMA.Organization})
