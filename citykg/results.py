"""Rendering query results for people (table) and programs (SPARQL JSON/XML, CSV, TSV, RDF).

CSV and TSV follow the SPARQL 1.1 Query Results CSV/TSV spec: CSV holds plain values, TSV holds
terms in N-Triples syntax.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from citykg.errors import UsageError
from citykg.export import serialize
from citykg.formats import GRAPH_FORMATS, TABULAR
from citykg.namespaces import PREFIXES


def render(result: Result, fmt: str, base: str | None = None) -> str:
    """The result as text in ``fmt``; SELECT/ASK take the tabular formats, CONSTRUCT/DESCRIBE the RDF ones."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = "ttl" if fmt == "table" else fmt
        if fmt not in GRAPH_FORMATS:
            raise UsageError(f"a {result.type} result cannot be shown as {fmt}", hint=f"use {', '.join(GRAPH_FORMATS)}")
        graph = result.graph if result.graph is not None else Graph()
        return serialize(graph, fmt, base).decode("utf-8")
    if fmt not in TABULAR:
        raise UsageError(f"a {result.type} result cannot be shown as {fmt}", hint=f"use {', '.join(TABULAR)}")
    if fmt in ("json", "xml"):
        data = result.serialize(format=fmt)
        text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        return _pretty_json(text) if fmt == "json" else text
    if result.type == "ASK":
        answer = bool(result.askAnswer)
        if fmt == "table":
            return "yes\n" if answer else "no\n"
        return f"{'?' if fmt == 'tsv' else ''}_askResult\n{str(answer).lower()}\n"
    names = [str(v) for v in (result.vars or [])]
    rows = [[row.get(v) if hasattr(row, "get") else row[i] for i, v in enumerate(result.vars or [])] for row in result]
    if fmt == "csv":
        return to_csv(names, rows)
    if fmt == "tsv":
        return to_tsv(names, rows)
    return to_table(names, rows, base)


def to_csv(names: list[str], rows: list[list[Node | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t)) for t in row])
    return out.getvalue()


def to_tsv(names: list[str], rows: list[list[Node | None]]) -> str:
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if t is None else t.n3() for t in row) for row in rows]
    return "\n".join(lines) + "\n"


def compact(term: Node | None, base: str | None = None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        if base and text.startswith(base):
            return text[len(base) :]
        for prefix, namespace in PREFIXES.items():
            if text.startswith(str(namespace)) and len(text) > len(str(namespace)):
                return f"{prefix}:{text[len(str(namespace)) :]}"
        return text
    if isinstance(term, Literal):
        return str(term)
    return f"_:{term}"


def to_table(names: list[str], rows: list[list[Node | None]], base: str | None = None) -> str:
    cells = [[compact(t, base).replace("\n", " ") for t in row] for row in rows]
    widths = [max([_width(n)] + [_width(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(names), line(["─" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pretty_json(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
