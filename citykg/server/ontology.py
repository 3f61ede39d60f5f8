"""The ontology at its namespace: an HTML page of classes, properties, concept schemes and shapes, or RDF.

``/ontology`` answers HTML to browsers and the ontology graph (Turtle, N-Triples, JSON-LD, RDF/XML) to
programs; every ``ckg:`` term has an anchor (``/ontology#Partnership``). ``/ontology/shapes`` is the
SHACL file as Turtle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import Response

from citykg.export import serialize
from citykg.namespaces import CKG, ONTOLOGY_IRI, VOCAB_IRI
from citykg.server.negotiation import FORMATS, GRAPH, NotAcceptable, choose, wants_html
from citykg.server.responses import problem

PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property, OWL.SymmetricProperty)
CONSTRAINTS = (
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.pattern,
    SH.minInclusive,
    SH.maxInclusive,
    SH.hasValue,
    SH["in"],
    SH.node,
    SH.severity,
)


@dataclass
class Term:
    iri: URIRef
    anchor: str
    definition: str | None = None
    links: list[tuple[str, list[Node]]] = field(default_factory=list)


@dataclass
class Shape:
    iri: Node
    targets: list[Node]
    properties: list[tuple[Node, list[tuple[str, str]], str | None]]
    message: str | None = None


def _text(graph: Graph, subject: Node, predicate: URIRef, lang: str) -> str | None:
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    for wanted in (lang, "en", None):
        for value in values:
            if (value.language or None) == wanted:
                return str(value)
    return str(values[0]) if values else None


def _anchor(iri: URIRef) -> str:
    text = str(iri)
    return text[len(str(CKG)) :] if text.startswith(str(CKG)) else text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _show(graph: Graph, node: Node) -> str:
    if isinstance(node, BNode) and (node, RDF.first, None) in graph:
        return "(" + " ".join(_show(graph, item) for item in Collection(graph, node)) + ")"
    if isinstance(node, URIRef):
        return graph.namespace_manager.normalizeUri(node) if graph.namespace_manager else str(node)
    return str(node)


def model(state, lang: str) -> dict:  # type: ignore[no-untyped-def]
    holdings = state.holdings
    onto = holdings.graph(URIRef(ONTOLOGY_IRI))
    vocab = holdings.graph(URIRef(VOCAB_IRI))
    classes, properties = [], []
    for cls in sorted({s for s in onto.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)}, key=str):
        classes.append(
            Term(
                cls,
                _anchor(cls),
                _text(onto, cls, SKOS.definition, lang),
                [("subclass_of", sorted(onto.objects(cls, RDFS.subClassOf), key=str))],
            )
        )
    seen: set[URIRef] = set()
    for kind in PROPERTY_TYPES:
        for prop in sorted({s for s in onto.subjects(RDF.type, kind) if isinstance(s, URIRef)}, key=str):
            if prop in seen:
                continue
            seen.add(prop)
            links = [
                ("domain", sorted(onto.objects(prop, RDFS.domain), key=str)),
                ("range", sorted(onto.objects(prop, RDFS.range), key=str)),
            ]
            properties.append(Term(prop, _anchor(prop), _text(onto, prop, SKOS.definition, lang), links))
    schemes = []
    for scheme in sorted({s for s in vocab.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)}, key=str):
        concepts = sorted(
            {c for c in vocab.subjects(SKOS.inScheme, scheme)} | {c for c in vocab.subjects(SKOS.topConceptOf, scheme)},
            key=str,
        )
        schemes.append(
            (
                Term(scheme, _anchor(scheme), _text(vocab, scheme, SKOS.definition, lang)),
                [
                    Term(
                        c,
                        _anchor(c),
                        _text(vocab, c, SKOS.definition, lang),
                        [("broader", sorted(vocab.objects(c, SKOS.broader), key=str))],
                    )
                    for c in concepts
                ],
            )
        )
    shapes = []
    graph = state.shapes
    for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = sorted(graph.objects(shape, SH.targetClass), key=str) + sorted(
            graph.objects(shape, SH.targetSubjectsOf), key=str
        )
        rows = []
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            constraints = [(_show(graph, c), _show(graph, v)) for c in CONSTRAINTS for v in graph.objects(prop, c)]
            rows.append((path, constraints, _text(graph, prop, SH.message, lang)))
        rows.sort(key=lambda r: str(r[0]))
        shapes.append(Shape(shape, targets, rows, _text(graph, shape, SH.message, lang)))
    return {
        "title": _text(onto, URIRef(ONTOLOGY_IRI), URIRef("http://purl.org/dc/terms/title"), lang),
        "description": _text(onto, URIRef(ONTOLOGY_IRI), URIRef("http://purl.org/dc/terms/description"), lang),
        "classes": classes,
        "properties": properties,
        "schemes": schemes,
        "shapes": shapes,
    }


async def page(request: Request) -> Response:
    state = request.app.state.citykg
    format_param = request.query_params.get("format")
    if wants_html(request.headers.get("accept"), format_param):
        lang, _ = state.pages.language(request)
        data = state.derived(f"ontology-{lang}", lambda: model(state, lang))
        return state.pages.render(request, "ontology.html", **data)
    try:
        key = choose(request.headers.get("accept"), GRAPH, format_param)
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))

    def build() -> bytes:
        graph = Graph()
        for triple in state.holdings.graph(URIRef(ONTOLOGY_IRI)):
            graph.add(triple)
        return serialize(graph, key)

    body = state.derived(f"ontology-{key}", build)
    return Response(body, media_type=FORMATS[key].content_type, headers={"Vary": "Accept"})


async def shapes(request: Request) -> Response:
    state = request.app.state.citykg
    body = state.derived("shapes-ttl", lambda: serialize(state.shapes, "ttl"))
    return Response(body, media_type=FORMATS["ttl"].content_type)
