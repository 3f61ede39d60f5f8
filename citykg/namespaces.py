"""The namespaces citykg uses, bound once so every output gets the same prefixes."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

CKG = Namespace("https://w3id.org/citykg/ontology#")
CKGV = Namespace("https://w3id.org/citykg/vocab/")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
SDG = Namespace("http://metadata.un.org/sdg/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

ONTOLOGY_IRI = "https://w3id.org/citykg/ontology"
VOCAB_IRI = "https://w3id.org/citykg/vocab/"

PREFIXES: dict[str, Namespace] = {
    "ckg": CKG,
    "ckgv": CKGV,
    "schema": SCHEMA,
    "org": ORG,
    "prov": Namespace(str(PROV)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "geo": GEO,
    "wd": WD,
    "wdt": WDT,
    "sdg": SDG,
    "void": Namespace(str(VOID)),
    "dcat": Namespace(str(DCAT)),
    "sh": Namespace(str(SH)),
}


def bind_prefixes(graph: Graph, base: str | None = None) -> Graph:
    """Bind the project's prefixes (and ``base`` as the empty prefix) on ``graph``; returns it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    if base:
        graph.bind("", Namespace(base), override=True, replace=True)
    return graph


def sparql_prologue(base: str | None = None) -> str:
    """PREFIX lines for queries; the SPARQL text itself lives in queries/."""
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()]
    if base:
        lines.append(f"PREFIX : <{base}>")
    return "\n".join(lines) + "\n"
