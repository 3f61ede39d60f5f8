"""Terms as they travel between a worker and the server process: Oxigraph's, rdflib's, and plain tuples.

A worker keeps rdflib out (it starts lean and pickles cheaply), so a table row leaves it as :data:`RawTerm`
tuples and the server process, which has rdflib loaded anyway, turns them into rdflib terms for the pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

if TYPE_CHECKING:  # rdflib is imported where a term needs it: a worker stays lean without it
    from rdflib.term import Node

#: A term of an HTML table as it travels from the worker: ("uri", iri), ("bnode", id) or
#: ("literal", lexical, language or None, datatype or None); the server process makes rdflib terms of them.
RawTerm = tuple[str, ...]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: Any) -> Node | None:
    """An Oxigraph term as rdflib's (for graph results, which rdflib serialises)."""
    if term is None:
        return None
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    raise ValueError(f"RDF-star terms are not supported: {term}")


def raw(term: Any) -> RawTerm | None:
    """An Oxigraph term of a table row as plain strings (pickled cheaply, no rdflib in the worker)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        return ("literal", term.value, term.language or "", "" if term.language or datatype == XSD_STRING else datatype)
    raise ValueError(f"RDF-star terms are not supported: {term}")


def raw_rdflib(term: Node) -> RawTerm:
    """An rdflib term of a graph result's table row as plain strings, like :func:`raw`."""
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        return ("bnode", str(term))
    if isinstance(term, Literal):
        datatype = "" if term.language or term.datatype is None else str(term.datatype)
        return ("literal", str(term), term.language or "", "" if datatype == XSD_STRING else datatype)
    return ("uri", str(term))


def from_raw(item: RawTerm | None) -> Node | None:
    """The rdflib term of a :data:`RawTerm` (the inverse of :func:`raw` and :func:`raw_rdflib`)."""
    from rdflib import BNode, Literal, URIRef

    if item is None:
        return None
    if item[0] == "uri":
        return URIRef(item[1])
    if item[0] == "bnode":
        return BNode(item[1])
    _, value, language, datatype = item
    if language:
        return Literal(value, lang=language)
    return Literal(value, datatype=URIRef(datatype) if datatype else None)
