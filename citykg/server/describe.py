"""What the server says about one resource: for its page (a :class:`Description`) and its RDF forms.

The description holds the resource's own statements, the statements pointing at it, the relationship
nodes it takes part in (partnerships, memberships, tenures, events … each with its dates and citations)
and the citations of the resource itself: source URL and title, quote, confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from citykg.namespaces import CKG, SCHEMA
from citykg.server.datasets import LABELS, Holdings

RELATION_TYPES = frozenset(
    {CKG.Partnership, ORG.Membership, CKG.Tenure, CKG.Participation, CKG.Engagement, CKG.AwardConferral, SCHEMA.Event}
)
DATE_TYPES = frozenset({XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth})
INCOMING_CAP = 200


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
    relations: list[Relation] = field(default_factory=list)
    graph_size: int | None = None  # when the IRI names a graph the server holds

    @property
    def empty(self) -> bool:
        return not (self.outgoing or self.incoming or self.graph_size is not None)


def is_date(term: Node) -> bool:
    return isinstance(term, Literal) and term.datatype in DATE_TYPES


def citations(holdings: Holdings, node: URIRef) -> list[Citation]:
    ds = holdings.dataset
    found = []
    for cite in sorted(set(ds.objects(node, PROV.qualifiedDerivation)), key=str):
        if not isinstance(cite, URIRef):
            continue
        source = ds.value(cite, PROV.entity)
        url = ds.value(source, SCHEMA.url) if source is not None else None
        found.append(
            Citation(
                cite,
                source if isinstance(source, URIRef) else None,
                str(url) if url is not None else None,
                _literal(ds.value(source, DCTERMS.title)) if source is not None else None,
                _literal(ds.value(cite, CKG.quote)),
                _literal(ds.value(cite, RDFS.comment)),
                _iri(ds.value(cite, CKG.confidence)),
            )
        )
    return found


def _literal(term: Node | None) -> Literal | None:
    return term if isinstance(term, Literal) else None


def _iri(term: Node | None) -> URIRef | None:
    return term if isinstance(term, URIRef) else None


def is_relation(holdings: Holdings, node: Node) -> bool:
    if not isinstance(node, URIRef):
        return False
    types = set(holdings.dataset.objects(node, RDF.type))
    if CKG.Citation in types:
        return False
    return bool(types & RELATION_TYPES) or (node, PROV.qualifiedDerivation, None) in holdings.dataset


def describe(holdings: Holdings, iri: URIRef) -> Description:
    ds = holdings.dataset
    result = Description(iri)
    result.types = sorted({o for o in ds.objects(iri, RDF.type) if isinstance(o, URIRef)}, key=str)
    by_predicate: dict[URIRef, list[tuple[Node, list[URIRef]]]] = {}
    for p, o in sorted(set(ds.predicate_objects(iri)), key=lambda po: (str(po[0]), str(po[1]))):
        graphs = sorted(
            {g.identifier for g in ds.contexts((iri, p, o)) if g.identifier != DATASET_DEFAULT_GRAPH_ID}, key=str
        )
        by_predicate.setdefault(p, []).append((o, graphs))
        if is_date(o):
            result.dates.append((p, o))
    result.outgoing = list(by_predicate.items())
    incoming: dict[URIRef, list[URIRef]] = {}
    relation_nodes: dict[URIRef, URIRef] = {}
    for s, p in sorted(set(ds.subject_predicates(iri)), key=lambda sp: (str(sp[1]), str(sp[0]))):
        if not isinstance(s, URIRef):
            continue
        incoming.setdefault(p, []).append(s)
        if p != PROV.qualifiedDerivation and s not in relation_nodes and is_relation(holdings, s):
            relation_nodes[s] = p
    result.incoming = [(p, subjects[:INCOMING_CAP], len(subjects)) for p, subjects in incoming.items()]
    result.citations = citations(holdings, iri)
    for node, role in relation_nodes.items():
        statements = sorted(
            ((p, o) for p, o in ds.predicate_objects(node) if p not in (PROV.qualifiedDerivation, PROV.wasDerivedFrom)),
            key=lambda po: (str(po[0]), str(po[1])),
        )
        result.relations.append(
            Relation(
                node,
                sorted({o for o in ds.objects(node, RDF.type) if isinstance(o, URIRef)}, key=str),
                role,
                [(p, o) for p, o in statements if p != RDF.type and p not in LABELS],
                [(p, o) for p, o in statements if is_date(o)],
                citations(holdings, node),
            )
        )
    result.relations.sort(key=lambda r: (min((str(d) for _, d in r.dates), default="9999"), str(r.iri)))
    if holdings.holds(iri):
        result.graph_size = holdings.graph_size(iri)
    holdings.prefetch_labels(_linked(result))  # the page shows a label for each: read them in a few queries
    return result


def _linked(result: Description) -> list[Node]:
    terms: list[Node] = [*result.types]
    for p, objects in result.outgoing:
        terms.append(p)
        terms += [o for o, _ in objects]
    for p, subjects, _ in result.incoming:
        terms.append(p)
        terms += subjects
    for relation in result.relations:
        terms += [relation.iri, relation.role, *relation.types]
        for p, o in relation.statements:
            terms += [p, o]
    return terms


def description_graph(holdings: Holdings, iri: URIRef) -> Graph:
    """The RDF form of a resource page: its statements both ways, its relationship nodes, their citations and
    sources, and the labels of everything linked."""
    ds = holdings.dataset
    graph = Graph()
    for p, o in ds.predicate_objects(iri):
        graph.add((iri, p, o))
    nodes = {iri}
    for s, p in ds.subject_predicates(iri):
        graph.add((s, p, iri))
        if p != PROV.qualifiedDerivation and is_relation(holdings, s):
            nodes.add(s)
    for node in list(nodes):
        if node != iri:
            for p, o in ds.predicate_objects(node):
                graph.add((node, p, o))
    for node in nodes:
        for cite in ds.objects(node, PROV.qualifiedDerivation):
            for p, o in ds.predicate_objects(cite):
                graph.add((cite, p, o))
            for source in ds.objects(cite, PROV.entity):
                for p, o in ds.predicate_objects(source):
                    graph.add((source, p, o))
    for term in {t for triple in graph for t in triple if isinstance(t, URIRef)}:
        for predicate in LABELS:
            for label in ds.objects(term, predicate):
                graph.add((term, predicate, label))
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
