"""VoID and DCAT at ``/.well-known/void``: computed counts, partitions, distributions, the endpoint.

The data's own description of the dataset (title, licence, keywords … in ``graph/dataset.ttl``) is kept;
everything countable is computed here, from the served store (queries/server/void-*.rq), once per generation:
after an update the counts describe the updated store.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, VOID, XSD

from citykg.namespaces import SD, bind_prefixes
from citykg.server.negotiation import FORMATS
from citykg.server.statistics import Statistics, statistics, summary  # noqa: F401 - re-exported
from citykg.versions import build_version, modified

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"
#: dcat:version is DCAT 3; rdflib's DCAT namespace (DCAT 2) does not list it.
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")
UPDATED_NOTE = (
    "The build's data as published; updates made through this server's SPARQL endpoint are not in it "
    "(citykg export --served writes the served data with them)."
)
DUMP_FORMATS = ("ttl", "nt", "jsonld", "trig", "nq")
DUMP_TITLES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "trig": "TriG", "nq": "N-Quads"}


def dataset_iri(state) -> URIRef:  # type: ignore[no-untyped-def]
    holdings = state.holdings
    found = holdings.select("dataset", base=Literal(holdings.base))
    return found[0][0] if found else URIRef(holdings.base + "dataset")  # type: ignore[return-value]


def version(state) -> str:  # type: ignore[no-untyped-def]
    """The served build's version (``citykg.versions``: release + digest of its inputs)."""
    return state.derived("version", lambda: build_version(state.project, state.manifest))


def dumps(state) -> list[dict]:  # type: ignore[no-untyped-def]
    """The build's dumps: name, versioned name, format, media type, size, sha256 (from the manifest), URL."""
    outputs = state.manifest.get("outputs", {})
    current = version(state)
    found = []
    for key in DUMP_FORMATS:
        name = f"citykg.{key}"
        path = state.build_dir / name
        if name not in outputs or not path.is_file():
            continue
        found.append(
            {
                "name": name,
                "key": key,
                "title": DUMP_TITLES[key],
                "media_type": FORMATS[key].media_type,
                "size": path.stat().st_size,
                "sha256": outputs[name],
                "url": state.settings.url(f"/dumps/{name}"),
                "path": path,
                "version": current,
                "versioned": f"citykg-{current}.{key}",
            }
        )
    return found


def void_graph(state) -> Graph:  # type: ignore[no-untyped-def]
    return state.derived("void", lambda: _void(state))


def _void(state) -> Graph:  # type: ignore[no-untyped-def]
    holdings = state.holdings
    settings = state.settings
    stats = statistics(state)
    graph = bind_prefixes(Graph(), holdings.base)
    graph.bind("spdx", SPDX)
    graph.bind("sd", SD)
    dataset = dataset_iri(state)
    document = URIRef(settings.url("/.well-known/void"))
    endpoint = URIRef(state.endpoint)
    licence = None
    for p, o in holdings.rows("statements", s=dataset):
        graph.add((dataset, p, o))
        licence = o if p == DCTERMS.license and licence is None else licence
    graph.add((document, RDF.type, VOID.DatasetDescription))
    graph.add((document, FOAF.primaryTopic, dataset))
    graph.add((document, DCTERMS.title, Literal("VoID and DCAT description of the citykg dataset", lang="en")))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    count = lambda n: Literal(n, datatype=XSD.integer)  # noqa: E731
    graph.add((dataset, VOID.triples, count(stats.triples)))
    graph.add((dataset, VOID.entities, count(stats.entities)))
    graph.add((dataset, VOID.classes, count(len(stats.classes))))
    graph.add((dataset, VOID.properties, count(len(stats.properties))))
    graph.add((dataset, VOID.distinctSubjects, count(stats.subjects)))
    graph.add((dataset, VOID.distinctObjects, count(stats.objects)))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.uriSpace, Literal(holdings.base)))
    graph.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    graph.add((dataset, DCAT_VERSION, Literal(version(state))))
    graph.add((dataset, OWL.versionInfo, Literal(version(state))))
    built = modified(state.build_dir)
    if built is not None:
        graph.add((dataset, DCTERMS.modified, Literal(built.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)))
    graph.add((dataset, DCTERMS.hasVersion, URIRef(settings.url("/changes"))))
    if holdings.focus is not None:
        graph.add((dataset, VOID.exampleResource, holdings.focus))
    for number, (cls, n) in enumerate(sorted(stats.classes.items(), key=lambda item: str(item[0]))):
        part = BNode(f"class{number}")
        graph.add((dataset, VOID.classPartition, part))
        graph.add((part, VOID["class"], cls))
        graph.add((part, VOID.entities, count(n)))
    for number, (prop, n) in enumerate(sorted(stats.properties.items(), key=lambda item: str(item[0]))):
        part = BNode(f"property{number}")
        graph.add((dataset, VOID.propertyPartition, part))
        graph.add((part, VOID.property, prop))
        graph.add((part, VOID.triples, count(n)))
    for name, size in stats.graphs:
        graph.add((dataset, VOID.subset, name))
        graph.add((name, RDF.type, VOID.Dataset))
        graph.add((name, VOID.triples, count(size)))
        graph.add((name, DCAT.accessURL, URIRef(settings.url("/rdf-graph-store"))))
    for dump in dumps(state):
        url = URIRef(dump["url"])
        graph.add((dataset, VOID.dataDump, url))
        graph.add((dataset, DCAT.distribution, url))
        graph.add((url, RDF.type, DCAT.Distribution))
        graph.add((url, DCTERMS.title, Literal(f"{dump['title']} dump", lang="en")))
        if settings.allow_update:  # the served store may hold updates the build's files do not
            graph.add((url, DCTERMS.description, Literal(UPDATED_NOTE, lang="en")))
        graph.add((url, DCAT.downloadURL, url))
        graph.add((url, DCAT.accessURL, url))
        graph.add((url, DCAT.mediaType, URIRef(IANA + dump["media_type"])))
        graph.add((url, DCTERMS["format"], Literal(dump["media_type"])))
        graph.add((url, DCAT.byteSize, Literal(dump["size"], datatype=XSD.nonNegativeInteger)))
        graph.add((url, DCAT_VERSION, Literal(dump["version"])))
        graph.add((url, DCAT.downloadURL, URIRef(settings.url(f"/dumps/{dump['versioned']}"))))
        checksum = BNode(f"checksum-{dump['key']}")
        graph.add((url, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(dump["sha256"], datatype=XSD.hexBinary)))
        if licence is not None:
            graph.add((url, DCTERMS.license, licence))
    service = URIRef(state.endpoint + "#service")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, DCAT.endpointDescription, endpoint))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((service, DCTERMS.title, Literal("citykg SPARQL endpoint", lang="en")))
    if licence is not None:
        graph.add((service, DCTERMS.license, licence))
    return graph
