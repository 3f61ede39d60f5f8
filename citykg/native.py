"""Queries on Oxigraph's engine without rdflib: the path of ``citykg query`` on the default store.

The build's persistent store opens read-only in milliseconds; parameters are bound with
VALUES blocks (:mod:`citykg.bindings`: the variable has its value in the whole query, as with rdflib's
initBindings; Oxigraph's SEP-0007 ``substitutions`` only take projected variables), never pasted text;
:mod:`citykg.policy` refuses SERVICE and LOAD and checks FROM / FROM NAMED against the held graphs before
Oxigraph sees the text (Oxigraph itself would contact a SERVICE host).
Results are written by Oxigraph (CSV, XML), or from its terms here (TSV in full N-Triples form, as the
other backends write it; JSON indented as they do; the table for people).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from citykg import policy
from citykg.config import Project
from citykg.errors import QueryError, QuerySyntaxError, UsageError
from citykg.queries import NamedQuery, Value, bind_values, parse_header

#: The predeclared prefixes (:data:`citykg.namespaces.PREFIXES`, which a test compares) as plain strings.
PREFIX_IRIS: dict[str, str] = {
    "ckg": "https://w3id.org/citykg/ontology#",
    "ckgv": "https://w3id.org/citykg/vocab/",
    "schema": "http://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "sdg": "http://metadata.un.org/sdg/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
}
TABULAR = ("table", "csv", "tsv", "json", "xml")
VIEWS = Path(__file__).resolve().parent.parent / "queries" / "views"


def held(store: Any) -> set[str]:
    """The IRIs of the store's named graphs."""
    return {g.value for g in store.named_graphs() if hasattr(g, "value") and type(g).__name__ == "NamedNode"}


def guard(text: str, name: str, graphs: set[str], allow_service: tuple[str, ...] = ()) -> policy.Reach:
    """The policy check, as a :class:`QueryError` naming the query (exit code 2)."""
    reach = policy.scan(text, PREFIX_IRIS)
    try:
        policy.check(reach, graphs.__contains__, allow_service)
    except (policy.Refused, policy.UnknownGraph) as exc:
        raise QueryError(f"{name}: {exc}") from None
    return reach


def select(
    store: Any,
    text: str,
    *,
    name: str = "query",
    substitutions: Mapping[str, Value] | None = None,
    allow_service: tuple[str, ...] = (),
    base_iri: str | None = None,
) -> Any:  # -> QuerySolutions | QueryBoolean | QueryTriples
    """Evaluate ``text`` on ``store`` after the policy check; the default graph is the union of all graphs
    unless the query names its own with FROM / FROM NAMED. Errors are :class:`QueryError` for people."""
    from citykg.bindings import bind_remote

    reach = guard(text, name, held(store), allow_service)
    own_dataset = bool(reach.default or reach.named)
    try:
        return store.query(
            bind_remote(text, dict(substitutions)) if substitutions else text,
            base_iri=base_iri,
            prefixes=PREFIX_IRIS,
            use_default_graph_as_union=not own_dataset,
        )
    except SyntaxError as exc:
        raise QuerySyntaxError(f"{name}: {syntax_message(str(exc))}") from None
    except Exception as exc:  # noqa: BLE001 - Oxigraph raises OSError, RuntimeError, ValueError …
        raise QueryError(f"{name}: query failed: {exc}") from None


def syntax_message(message: str) -> str:
    """Oxigraph's "error at 1:26: expected …" as "SPARQL syntax error at line 1, column 26: expected …"."""
    match = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    if match:
        return f"SPARQL syntax error at line {match.group(1)}, column {match.group(2)}: {match.group(3)}"
    return f"SPARQL syntax error: {message}"


def focus(store: Any) -> str | None:
    text = (VIEWS / "focus.rq").read_text(encoding="utf-8")
    for row in select(store, text, name="focus"):
        return row["root"].value
    return None


def answer(project: Project, query: NamedQuery, given: Mapping[str, str], fmt: str, store: Any = None) -> bytes | None:
    """The rendered answer of a SELECT or ASK query, or None for CONSTRUCT / DESCRIBE (rdflib writes those)."""
    from citykg.store import open_native

    if _form(query) not in ("SELECT", "ASK"):
        return None
    if fmt not in TABULAR:
        raise UsageError(f"a {_form(query)} result cannot be shown as {fmt}", hint=f"use {', '.join(TABULAR)}")
    store = store if store is not None else open_native(project)
    needs_focus = any(p.default == "focus" and p.name not in given for p in query.parameters)
    bindings = bind_values(
        query, given, project.base, focus(store) if needs_focus else None, _names(store, query, given, project.base)
    )
    result = select(store, query.text, name=query.name, substitutions=bindings)
    return render(result, fmt, project.base)


def _names(store: Any, query: NamedQuery, given: Mapping[str, str], base: str):  # -> Callable[[str, str], str] | None
    """Resources given by label (either language, any case or accents) need the labels, read from the same
    store only then (citykg.names; no rdflib)."""
    if not any(p.type == "resource" and p.name in given for p in query.parameters):
        return None
    from citykg.names import native_resolver

    return native_resolver(store, base)


def _form(query: NamedQuery) -> str:
    return policy.scan(query.text).form or "UPDATE"


def adhoc(text: str, name: str) -> NamedQuery:
    return parse_header(text, name)


# -- rendering ------------------------------------------------------------------------------------------------
def render(result: Any, fmt: str, base: str | None = None) -> bytes:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        answer = bool(result)
        if fmt == "table":
            return b"yes\n" if answer else b"no\n"
        if fmt in ("csv", "tsv"):
            return f"{'?' if fmt == 'tsv' else ''}_askResult\n{str(answer).lower()}\n".encode()
        if fmt == "json":
            return _pretty({"head": {}, "boolean": answer})
        return result.serialize(format=ox.QueryResultsFormat.XML)
    if fmt == "csv":
        return result.serialize(format=ox.QueryResultsFormat.CSV)
    if fmt == "xml":
        return result.serialize(format=ox.QueryResultsFormat.XML)
    if fmt == "json":
        return _pretty(json.loads(result.serialize(format=ox.QueryResultsFormat.JSON)))
    names = [v.value for v in result.variables]
    rows = [[row[i] for i in range(len(names))] for row in result]
    if fmt == "tsv":
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else _nt(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    return table(names, [[compact(t, base) for t in row] for row in rows]).encode("utf-8")


def _pretty(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _nt(term: Any) -> str:
    """N-Triples form; a plain string without ``^^xsd:string`` (what the other backends write)."""
    return str(term)


def compact_iri(iri: str, base: str | None) -> str:
    """An IRI relative to the base or with a known prefix, as :func:`citykg.results.compact` writes it."""
    if base and iri.startswith(base):
        return iri[len(base) :]
    for prefix, namespace in PREFIX_IRIS.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def compact(term: Any, base: str | None = None) -> str:
    if term is None:
        return ""
    kind = type(term).__name__
    if kind == "NamedNode":
        return compact_iri(term.value, base)
    if kind == "Literal":
        return term.value
    if kind == "BlankNode":
        return f"_:{term.value}"
    return str(term)


def table(names: list[str], cells: list[list[str]]) -> str:
    """The table of :func:`citykg.results.to_table`, from text cells."""
    cells = [[c.replace("\n", " ") for c in row] for row in cells]
    widths = [max([_width(n)] + [_width(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(names), line(["─" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
