"""The table ``citykg query`` prints for people: column headers from the query header in the chosen language
(``#+ column@de: since ; Seit``, citykg.headers), values as people write them ("14. Mai 2024", no language
tags or datatypes), as the named-query pages show them. Built from the SPARQL JSON answer, which carries the
datatypes, so both backends and remote endpoints give the same table. CSV, TSV, JSON and XML keep the
variable names and the terms as they are.
"""

from __future__ import annotations

import json
import unicodedata

from rdflib import Literal, URIRef

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


def cell(term: dict[str, str] | None, lang: str, base: str | None) -> str:
    """One value of a SPARQL JSON result as people write it."""
    if term is None:
        return ""
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        return compact(URIRef(value), base)
    if kind == "bnode":
        return f"_:{value}"
    datatype = term.get("datatype")
    if datatype in DATES:
        if datatype == XSD + "dateTime":
            value, datatype = value[:10], XSD + "date"
        return human(Literal(value, datatype=URIRef(datatype)), lang)
    return value.replace("\n", " ")


def people_table(query: NamedQuery, answer: bytes, lang: str, base: str | None) -> bytes:
    """The table of ``answer`` (SPARQL 1.1 JSON results of ``query``) in ``lang``."""
    data = json.loads(answer)
    words = WORDS.get(lang, WORDS["en"])
    if "boolean" in data:
        return (words["yes" if data["boolean"] else "no"] + "\n").encode("utf-8")
    names = list(data.get("head", {}).get("vars", []))
    head = header(query, lang)
    titles = [column(head, name) for name in names]
    rows = [[cell(binding.get(name), lang, base) for name in names] for binding in data["results"]["bindings"]]
    widths = [max([_width(t)] + [_width(r[i]) for r in rows]) for i, t in enumerate(titles)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    one, many = words["rows"]
    out = [line(titles), line(["─" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} {one if len(rows) == 1 else many})")
    return ("\n".join(out) + "\n").encode("utf-8")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
