"""The SPARQL 1.1 Service Description returned by a GET on the endpoint without a query."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from citykg.namespaces import SD, bind_prefixes
from citykg.server.statistics import graph_sizes
from citykg.server.void import dataset_iri

FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "N-Quads",
    "TriG",
)


def service_graph(state) -> Graph:  # type: ignore[no-untyped-def]
    settings = state.settings
    holdings = state.holdings
    endpoint = URIRef(state.endpoint)
    service = URIRef(state.endpoint + "#service")
    graph = bind_prefixes(Graph(), holdings.base)
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS_NS)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, DCTERMS.title, Literal("citykg SPARQL endpoint", lang="en")))
    graph.add((service, DCTERMS.title, Literal("citykg-SPARQL-Endpunkt", lang="de")))
    for language in ("SPARQL10Query", "SPARQL11Query", *(("SPARQL11Update",) if settings.allow_update else ())):
        graph.add((service, SD.supportedLanguage, SD[language]))
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS_NS[name]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.allow_service:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    graph.add((service, RDFS.seeAlso, URIRef(settings.url("/.well-known/void"))))

    triples = state.holdings.triple_count()
    dataset = dataset_iri(state)
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((dataset, RDFS.seeAlso, URIRef(settings.url("/.well-known/void"))))
    default = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((default, RDFS.comment, Literal("the union of all named graphs", lang="en")))
    for number, (name, size) in enumerate(graph_sizes(state)):
        named, inner = BNode(f"named{number}"), BNode(f"graph{number}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, Literal(size, datatype=XSD.integer)))
    return graph
