"""The table ``citykg query`` prints for people: column headers from the query header in the chosen language
(``#+ column@de: since ; Seit``, citykg.headers), values as people write them ("14. Mai 2024", no language
tags or datatypes), SKOS concepts and the code literals derived from them by their label ("hoch", not "high";
citykg.codes), as the named-query pages show them. Built from the SPARQL JSON answer, which carries the
datatypes, so both backends and remote endpoints give the same table. CSV, TSV, JSON and XML keep the
variable names and the terms as they are.
"""

from __future__ import annotations

import json
import unicodedata

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from citykg.codes import Codes
from citykg.headers import column, header
from citykg.profile.dates import human
from citykg.queries import NamedQuery
from citykg.results import compact

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Literals written as dates in words, at the precision of their datatype.
DATES = frozenset({XSD + "date", XSD + "gYear", XSD + "gYearMonth", XSD + "dateTime"})
WORDS = {
    "de": {"yes": "ja", "no": "nein", "rows": ("Zeile", "Zeilen")},
    "en": {"yes": "yes", "no": "no", "rows": ("row", "rows")},
}


def term(value: dict[str, str] | None) -> Node | None:
    """One value of a SPARQL JSON result as an RDF term."""
    if value is None:
        return None
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    datatype = value.get("datatype")
    return Literal(text, lang=value.get("xml:lang"), datatype=URIRef(datatype) if datatype else None)


def cell(node: Node | None, lang: str, base: str | None, codes: Codes | None = None) -> str:
    """One value as people write it: a concept by its label, a date in words, an IRI compacted."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return (codes.label(node, lang) if codes else None) or compact(node, base)
    if isinstance(node, BNode):
        return f"_:{node}"
    datatype = str(node.datatype) if isinstance(node, Literal) and node.datatype else None
    if datatype in DATES:
        value = str(node)
        if datatype == XSD + "dateTime":
            value, datatype = value[:10], XSD + "date"
        return human(Literal(value, datatype=URIRef(datatype)), lang)
    return str(node).replace("\n", " ")


def people_table(query: NamedQuery, answer: bytes, lang: str, base: str | None, codes: Codes | None = None) -> bytes:
    """The table of ``answer`` (SPARQL 1.1 JSON results of ``query``) in ``lang``; ``codes`` (the ontology's
    concepts and labels) turns concepts and code literals into words."""
    data = json.loads(answer)
    words = WORDS.get(lang, WORDS["en"])
    if "boolean" in data:
        return (words["yes" if data["boolean"] else "no"] + "\n").encode("utf-8")
    names = list(data.get("head", {}).get("vars", []))
    head = header(query, lang)
    titles = [column(head, name) for name in names]
    terms = [[term(binding.get(name)) for name in names] for binding in data["results"]["bindings"]]
    if codes is not None:
        terms = codes.with_concepts(terms)
    rows = [[cell(node, lang, base, codes) for node in row] for row in terms]
    widths = [max([_width(t)] + [_width(r[i]) for r in rows]) for i, t in enumerate(titles)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    one, many = words["rows"]
    out = [line(titles), line(["─" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} {one if len(rows) == 1 else many})")
    return ("\n".join(out) + "\n").encode("utf-8")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
