"""Names of the output formats, in a module light enough for the command line to import at start-up."""

from __future__ import annotations

#: What `citykg build` writes (the N-Quads store cache always).
EXPORT_FORMATS = ("ttl", "nt", "jsonld", "trig", "nq")
#: Every RDF serialisation `citykg export` offers, with its media type.
RDF_MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "rdfxml": "application/rdf+xml",
}
#: Result formats of SELECT and ASK queries.
TABULAR = ("table", "csv", "tsv", "json", "xml")
#: Result formats of CONSTRUCT and DESCRIBE queries.
GRAPH_FORMATS = ("ttl", "nt", "jsonld", "rdfxml", "trig", "nq")
