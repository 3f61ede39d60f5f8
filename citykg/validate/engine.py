"""The default engine: the shapes compiled to SPARQL (citykg.validate.compile), run on the Oxigraph store
the build already holds. Seconds for a million triples where pySHACL needs many minutes; the same report
(messages, severities, focus nodes, values) on every fixture of tests/data/shapes/."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from citykg.validate.compile import Check, compile_shapes
from citykg.validate.report import Locator, Report, Violation, compact, message, prefixed, where

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
IRI = re.compile(r"<([^<>\s]+)>")


def validate_store(
    store: ox.Store,
    shapes: Graph,
    *,
    lang: str = "en",
    locate: Locator | None = None,
    progress: Callable[[Check], None] | None = None,
    names: Graph | None = None,
) -> Report:
    """Validate the union of the store's graphs against ``shapes``; ``progress(check)`` after each query;
    IRIs in the report are compacted with the prefixes bound on ``names`` (the project's by default)."""
    names = names if names is not None else prefixed()
    violations = set()
    for check in compile_shapes(shapes):
        for row in store.query(check.query, use_default_graph_as_union=True):
            violations.add(_violation(check, row, names, lang, locate))
        if progress is not None:
            progress(check)
    return Report(sorted(violations))


def validate(data: Graph, shapes: Graph, *, lang: str = "en", locate: Locator | None = None) -> Report:
    """Validate an rdflib Graph or Dataset (named graphs unioned): copied into Oxigraph first."""
    store = ox.Store()
    if hasattr(data, "contexts"):
        store.bulk_load(data.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS)
        names = None
    else:  # a plain graph compacts with its own prefixes, as pySHACL's report does
        store.bulk_load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        names = data
    return validate_store(store, shapes, lang=lang, locate=locate, names=names)


def _violation(check: Check, row: ox.QuerySolution, names: Graph, lang: str, locate: Locator | None) -> Violation:
    focus = to_rdflib(row["this"])
    value = to_rdflib(row[check.value]) if check.value and row[check.value] is not None else None
    if check.path_var and row[check.path_var] is not None:
        path = compact(names, to_rdflib(row[check.path_var]))
    elif check.path_node is not None:
        path = compact(names, check.path_node)
    else:
        path = IRI.sub(lambda m: compact(names, URIRef(m.group(1))), check.path)
    file, line = where(locate, focus, value)
    return Violation(
        file=file,
        line=line,
        focus=str(focus),
        path=path,
        message=message(check.messages, lang) if check.messages else f"{check.component} constraint violated",
        severity=check.severity,
        value=compact(names, value) if value is not None else "",
        shape=str(check.shape),
    )


def to_rdflib(term) -> Node:
    """An Oxigraph term as rdflib's parsers give it (plain literals stay plain)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
