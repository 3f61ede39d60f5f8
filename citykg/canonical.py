"""Canonical Turtle, TriG and JSON-LD written from the sorted quads of an Oxigraph store, in one pass.

rdflib's Turtle and JSON-LD writers need minutes and gigabytes for a million triples; these need seconds.
The same quads always give the same bytes: subjects, predicates and objects in the order of their N-Triples
text (``rdf:type`` first), the project's prefixes, IRIs compacted only where the local part is a plain name.
The JSON-LD document has the project's prefixes as its ``@context`` and one ``@graph`` per named graph.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from citykg.namespaces import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: A local name that needs no escaping in Turtle and reads as a compact IRI in JSON-LD.
LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")


class Prefixes:
    """The project's prefixes (longest namespace first) and a memo of compacted IRIs."""

    def __init__(self) -> None:
        self.table = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda item: -len(item[0]))
        self._memo: dict[str, str | None] = {}

    def compact(self, iri: str) -> str | None:
        """``prefix:local`` for an IRI in one of the namespaces, else None."""
        found = self._memo.get(iri, "")
        if found != "":
            return found
        found = None
        for namespace, prefix in self.table:
            if iri.startswith(namespace) and LOCAL.fullmatch(iri[len(namespace) :]):
                found = f"{prefix}:{iri[len(namespace) :]}"
                break
        if len(self._memo) < 100_000:
            self._memo[iri] = found
        return found

    def turtle(self, term) -> str:
        if type(term) is ox.NamedNode:
            return self.compact(term.value) or str(term)
        if type(term) is ox.Literal and not term.language:
            datatype = term.datatype.value
            if datatype != XSD_STRING:
                short = self.compact(datatype)
                if short:
                    text = str(term)
                    return text[: text.rindex("^^")] + "^^" + short
        return str(term)

    def declarations(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted((p, str(ns)) for p, ns in PREFIXES.items()))


def _key(term) -> str:
    return str(term)


def sorted_quads(store: ox.Store) -> list[tuple[str, str, str, object, object, object]]:
    """Every quad as (graph, subject, predicate key, object key, terms…), in canonical order."""
    rows = []
    for quad in store:
        predicate = quad.predicate.value
        rows.append(
            (
                "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value,
                str(quad.subject),
                "" if predicate == RDF_TYPE else str(quad.predicate),
                str(quad.object),
                quad.subject,
                quad.predicate,
                quad.object,
            )
        )
    rows.sort(key=lambda row: row[:4])
    return rows  # type: ignore[return-value]


def _blocks(rows: Iterable[tuple], prefixes: Prefixes, indent: str) -> Iterator[str]:
    """Turtle statements, one subject block each, from rows sorted by subject, predicate, object."""
    subject = predicate = None
    parts: list[str] = []
    for _, s_key, p_key, _, s, p, o in rows:
        if s_key != subject:
            if parts:
                yield "".join(parts) + " .\n"
            parts = [indent, prefixes.turtle(s), " ", "a" if p_key == "" else prefixes.turtle(p), " "]
            subject, predicate = s_key, p_key
        elif p_key != predicate:
            parts += [" ;\n", indent, "    ", "a" if p_key == "" else prefixes.turtle(p), " "]
            predicate = p_key
        else:
            parts.append(", ")
        parts.append(prefixes.turtle(o))
    if parts:
        yield "".join(parts) + " .\n"


def _unique_triples(rows: list[tuple]) -> list[tuple]:
    """The union of the graphs: each triple once, in subject order."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for row in rows:
        key = row[1:4]
        if key not in seen:
            seen.add(key)
            out.append(("", *row[1:]))
    out.sort(key=lambda row: row[1:4])
    return out


def turtle(store: ox.Store) -> bytes:
    """The union of the store's graphs as Turtle."""
    prefixes = Prefixes()
    body = "\n".join(_blocks(_unique_triples(sorted_quads(store)), prefixes, ""))
    return (prefixes.declarations() + "\n" + body).encode("utf-8")


def trig(store: ox.Store) -> bytes:
    """The store's graphs as TriG, named graphs in IRI order (the default graph first, outside braces)."""
    prefixes = Prefixes()
    rows = sorted_quads(store)
    out = [prefixes.declarations()]
    start = 0
    while start < len(rows):
        graph = rows[start][0]
        end = start
        while end < len(rows) and rows[end][0] == graph:
            end += 1
        if graph:
            out.append(f"\n<{graph}> {{\n" + "\n".join(_blocks(rows[start:end], prefixes, "    ")) + "}\n")
        else:
            out.append("\n" + "\n".join(_blocks(rows[start:end], prefixes, "")))
        start = end
    return "".join(out).encode("utf-8")


def _json_value(term, prefixes: Prefixes) -> dict[str, str]:
    if type(term) is ox.Literal:
        value = {"@value": term.value}
        if term.language:
            value["@language"] = term.language
        elif term.datatype.value != XSD_STRING:
            value["@type"] = prefixes.compact(term.datatype.value) or term.datatype.value
        return value
    if type(term) is ox.NamedNode:
        return {"@id": prefixes.compact(term.value) or term.value}
    return {"@id": str(term)}  # a blank node: _:label


def _nodes(rows: list[tuple], prefixes: Prefixes) -> Iterator[dict]:
    node: dict | None = None
    subject = None
    for _, s_key, p_key, _, s, p, o in rows:
        if s_key != subject:
            if node is not None:
                yield node
            subject = s_key
            node = {"@id": prefixes.compact(s.value) or s.value if type(s) is ox.NamedNode else str(s)}
        assert node is not None
        if p_key == "" and type(o) is ox.NamedNode:
            node.setdefault("@type", []).append(prefixes.compact(o.value) or o.value)
        else:
            name = prefixes.compact(p.value) or p.value
            node.setdefault(name, []).append(_json_value(o, prefixes))
    if node is not None:
        yield node


def jsonld(store: ox.Store) -> bytes:
    """The store's graphs as one JSON-LD document: the prefixes as ``@context``, one ``@graph`` per named
    graph (IRI order), nodes by subject, every value in an array, one node per line."""
    prefixes = Prefixes()
    rows = sorted_quads(store)
    context = json.dumps({p: str(ns) for p, ns in sorted(PREFIXES.items())}, ensure_ascii=False, sort_keys=True)
    out = ['{\n "@context": ', context, ',\n "@graph": [']
    graphs: list[str] = []
    start = 0
    while start < len(rows):
        graph = rows[start][0]
        end = start
        while end < len(rows) and rows[end][0] == graph:
            end += 1
        nodes = ",\n".join("   " + json.dumps(n, ensure_ascii=False) for n in _nodes(rows[start:end], prefixes))
        if graph:
            graphs.append('\n  {"@id": ' + json.dumps(graph) + ', "@graph": [\n' + nodes + "\n  ]}")
        else:
            graphs.append("\n" + nodes.replace("\n   ", "\n  "))
        start = end
    out.append(",".join(graphs))
    out.append("\n ]\n}\n")
    return "".join(out).encode("utf-8")
