"""The table ``citykg query`` prints for people: column headers from the query header in the chosen language
(``#+ column@de: since ; Seit``, citykg.headers), values as people write them ("14. Mai 2024", no language
tags or datatypes), SKOS concepts and the code literals derived from them by their label ("hoch", not "high";
citykg.codes), as the named-query pages show them. Built from the SPARQL JSON answer, which carries the
datatypes, so both backends and remote endpoints give the same table. CSV, TSV, JSON and XML keep the
variable names and the terms as they are.

The cells are made from the JSON values themselves, without rdflib (``citykg query`` on the built store loads
none). The table has always shown a typed literal as rdflib writes it (``"01"^^xsd:integer`` as ``1``); a
lexical form that rdflib would write differently is therefore handed to rdflib (:func:`_rdflib_text`), so the
table stays the same on every backend.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from citykg.codes import Codes
from citykg.headers import column, header
from citykg.native import compact_iri
from citykg.profile.dates import human
from citykg.queries import NamedQuery

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Literals written as dates in words, at the precision of their datatype.
DATES = frozenset({XSD + "date", XSD + "gYear", XSD + "gYearMonth", XSD + "dateTime"})
#: Lexical forms that rdflib writes exactly as they are (its canonical forms), by datatype; any other datatype
#: but a plain string keeps its text only when rdflib says so.
CANONICAL = {
    XSD + "string": re.compile(r".*", re.S),
    XSD + "integer": re.compile(r"0|-?[1-9][0-9]*"),
    XSD + "boolean": re.compile(r"true|false"),
    XSD + "decimal": re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+"),
    XSD + "anyURI": re.compile(r"[^\s]*"),
}
#: Date lexical forms whose year, month and day rdflib keeps (what :func:`citykg.profile.dates.human` reads).
PLAIN_DATE = re.compile(r"-?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
WORDS = {
    "de": {"yes": "ja", "no": "nein", "rows": ("Zeile", "Zeilen")},
    "en": {"yes": "yes", "no": "no", "rows": ("row", "rows")},
}
Value = dict[str, str]


def plain(value: Value) -> str | None:
    """The text of a plain literal (no language, no datatype but xsd:string), else None."""
    kind, datatype = value.get("type"), value.get("datatype", XSD + "string")
    if kind in ("literal", "typed-literal") and "xml:lang" not in value and datatype == XSD + "string":
        return value.get("value", "")
    return None


def cell(value: Value | None, lang: str, base: str | None, codes: Codes | None = None, coded: bool = False) -> str:
    """One value of a SPARQL JSON result as people write it: a concept (or, in a code column, the code literal
    naming one) by its label, a date in words, an IRI compacted."""
    if value is None:
        return ""
    kind, text = value.get("type"), value.get("value", "")
    if coded and codes is not None:
        kind, text = "uri", codes.concept_iri(text) or text
    if kind == "uri":
        return (codes.label(text, lang) if codes else None) or compact_iri(text, base)
    if kind == "bnode":
        return f"_:{text}"
    datatype = value.get("datatype")
    if datatype in DATES:
        if datatype == XSD + "dateTime":
            text, datatype = text[:10], XSD + "date"
        if not PLAIN_DATE.fullmatch(text) or (datatype == XSD + "date" and text.count("-") - text.startswith("-") != 2):
            text = _rdflib_text(text, datatype)
        return human(text, lang, datatype)
    if datatype is not None and "xml:lang" not in value:
        canonical = CANONICAL.get(datatype)
        if canonical is None or not canonical.fullmatch(text):
            text = _rdflib_text(text, datatype)
    return text.replace("\n", " ")


def _rdflib_text(lexical: str, datatype: str) -> str:
    """The text rdflib gives a typed literal (it normalises valid lexical forms: ``01`` → ``1``)."""
    import logging

    from rdflib import Literal, URIRef

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # an ill-typed literal is no error of the table
    return str(Literal(lexical, datatype=URIRef(datatype)))


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
    values: list[list[Any]] = [[binding.get(name) for name in names] for binding in data["results"]["bindings"]]
    coded = codes.columns(values, plain) if codes is not None else set()
    rows = [[cell(v, lang, base, codes, i in coded) for i, v in enumerate(row)] for row in values]
    widths = [max([_width(t)] + [_width(r[i]) for r in rows]) for i, t in enumerate(titles)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    one, many = words["rows"]
    out = [line(titles), line(["─" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} {one if len(rows) == 1 else many})")
    return ("\n".join(out) + "\n").encode("utf-8")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
