"""Named queries: one .rq file per question, with a header of title, description and typed parameters.

Header lines start with ``#+`` (as in grlc)::

    #+ title: Twin cities
    #+ description: The twin cities of a city with country, since when and status.
    #+ param: city: resource = focus ; the city whose twin cities are listed
    #+ param: year: year? ; only what existed in this year (``?``: optional)

Parameter values are converted to RDF terms by their type and bound (initBindings locally, a VALUES
block for remote endpoints); they are never pasted into the query text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from citykg.errors import QueryError, QuerySyntaxError, UsageError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.query import Result
    from rdflib.term import Node

HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>\w+)(?P<optional>\?)?\s*(?:=\s*(?P<default>[^;]*?))?\s*(?:;\s*(?P<doc>.*))?$"
)
FOCUS = "focus"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Value:
    """A parameter value as an RDF term of no library: rdflib (memory, remote) and Oxigraph each make theirs."""

    lexical: str
    iri: bool = False
    datatype: str | None = None

    def rdflib(self) -> Node:
        from rdflib import Literal, URIRef

        if self.iri:
            return URIRef(self.lexical)
        return Literal(self.lexical, datatype=URIRef(self.datatype) if self.datatype else None)

    def n3(self) -> str:
        """SPARQL / N-Triples text of the term (for VALUES blocks)."""
        if self.iri:
            return f"<{self.lexical}>"
        escaped = self.lexical.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return f'"{escaped}"' + (f"^^<{self.datatype}>" if self.datatype else "")

    def oxigraph(self):  # -> pyoxigraph.NamedNode | pyoxigraph.Literal
        import pyoxigraph as ox

        if self.iri:
            return ox.NamedNode(self.lexical)
        return ox.Literal(self.lexical, datatype=ox.NamedNode(self.datatype) if self.datatype else None)


def _resource(value: str, base: str) -> Value:
    if re.search(r"[\s<>\"{}|\\^`]", value) or not value:
        raise ValueError("an IRI may not be empty or contain spaces, quotes or <>{}|\\^`")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        return Value(value, iri=True)
    return Value(base + value.lstrip("/"), iri=True)


def _year(value: str, base: str) -> Value:
    if not re.fullmatch(r"-?\d{4}", value.strip()):
        raise ValueError("a year has four digits, e.g. 1970")
    return Value(str(int(value)), datatype=XSD + "integer")


def _integer(value: str, base: str) -> Value:
    return Value(str(int(value.strip())), datatype=XSD + "integer")


def _date(value: str, base: str) -> Value:
    return Value(dt.date.fromisoformat(value.strip()).isoformat(), datatype=XSD + "date")


def _string(value: str, base: str) -> Value:
    return Value(value)


def _language(value: str, base: str) -> Value:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", value.strip()):
        raise ValueError("a language tag looks like de or en")
    return Value(value.strip().lower())


def _boolean(value: str, base: str) -> Value:
    lowered = value.strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("use true or false")
    return Value("true" if lowered in ("true", "1", "yes") else "false", datatype=XSD + "boolean")


#: Parameter types: how a value given as text becomes an RDF term.
TYPES: dict[str, Callable[[str, str], Value]] = {
    "resource": _resource,
    "year": _year,
    "integer": _integer,
    "date": _date,
    "string": _string,
    "language": _language,
    "boolean": _boolean,
}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str = ""
    default: str | None = None
    optional: bool = False

    @property
    def required(self) -> bool:
        return self.default is None and not self.optional

    def convert(self, value: str, base: str) -> Node:
        return self.value(value, base).rdflib()

    def value(self, value: str, base: str) -> Value:
        try:
            return TYPES[self.type](value, base)
        except (ValueError, OverflowError) as exc:
            raise QueryError(
                f"parameter {self.name}={value!r} is not a valid {self.type}: {exc}",
                hint=f"{self.name}: {self.description}" if self.description else None,
            ) from None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    path: Path | None = None
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    @functools.cached_property
    def form(self) -> str:
        """Computed once per query (regular expressions over the whole text; the server asks on every run)."""
        body = re.sub(r"#[^\n]*", "", self.text)
        body = re.sub(r"(?is)\b(PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)", "", body)
        match = re.search(r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body)
        return match.group(1).upper() if match else "SELECT"

    def prepared(self) -> Query:
        return _prepare(self.text, self.name)


_PREPARED: dict[str, Query] = {}


def _prepare(text: str, name: str) -> Query:
    if text not in _PREPARED:
        from rdflib.plugins.sparql import prepareQuery

        from citykg.namespaces import PREFIXES

        try:
            _PREPARED[text] = prepareQuery(text, initNs=PREFIXES)
        except Exception as exc:  # noqa: BLE001 - pyparsing's and rdflib's errors share no base
            raise QuerySyntaxError(f"{name}: {describe_syntax_error(exc)}") from None
    return _PREPARED[text]


def describe_syntax_error(exc: Exception) -> str:
    line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
    where = f" at line {line}, column {col}" if line else ""
    message = getattr(exc, "msg", None) or str(exc).splitlines()[0]
    return f"SPARQL syntax error{where}: {message}"


def parse_header(text: str, name: str, path: Path | None = None) -> NamedQuery:
    meta: dict[str, str] = {}
    params: list[Parameter] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key == "param":
            p = PARAM.match(value)
            if not p or p.group("type") not in TYPES:
                raise UsageError(
                    f"{path or name}:{number}: bad parameter line {value!r}",
                    hint=f"write '#+ param: NAME: TYPE [= DEFAULT] ; description' with TYPE one of {', '.join(TYPES)}",
                )
            default = p.group("default")
            params.append(
                Parameter(
                    p.group("name"),
                    p.group("type"),
                    (p.group("doc") or "").strip(),
                    default.strip() if default else None,
                    optional=bool(p.group("optional")),
                )
            )
        else:
            meta[key] = f"{meta[key]} {value}" if key in meta else value
    return NamedQuery(name, meta.get("title", name), meta.get("description", ""), text, path, tuple(params))


class Catalogue:
    """The named queries of a folder (not its rules/ subfolder), by file stem."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.queries: dict[str, NamedQuery] = {}
        for path in sorted(folder.glob("*.rq")):
            self.queries[path.stem] = parse_header(path.read_text(encoding="utf-8"), path.stem, path)

    def __iter__(self):
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> NamedQuery:
        if name in self.queries:
            return self.queries[name]
        close = difflib.get_close_matches(name, self.queries, n=3, cutoff=0.5)
        close += [q for q in self.queries if name in q and q not in close][:3]
        hint = f"did you mean {', '.join(close)}?" if close else "run `citykg queries` to list them"
        raise QueryError(f"no named query {name!r}", hint=hint)


def bind(
    query: NamedQuery,
    given: Mapping[str, str],
    base: str,
    focus: Node | None,
    names: Callable[[str, str], str] | None = None,
) -> dict[str, Node]:
    """Typed bindings (rdflib terms) for ``query`` from text values; unknown or missing parameters are errors.
    ``names`` (citykg.names) turns a resource given by label into its IRI, or fails with the closest matches."""
    values = bind_values(query, given, base, None if focus is None else str(focus), names)
    return {name: value.rdflib() for name, value in values.items()}


def bind_values(
    query: NamedQuery,
    given: Mapping[str, str],
    base: str,
    focus: str | None,
    names: Callable[[str, str], str] | None = None,
) -> dict[str, Value]:
    """The same as :func:`bind` in library-neutral terms (``focus``: the focus resource's IRI)."""
    known = {p.name: p for p in query.parameters}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise QueryError(f"{query.name} has no parameter {', '.join(unknown)}", hint=f"its parameters: {names}")
    bindings: dict[str, Value] = {}
    for param in query.parameters:
        if param.name in given and names is not None and param.type == "resource":
            try:
                bindings[param.name] = Value(str(names(given[param.name], f"parameter {param.name}")), iri=True)
            except UsageError as exc:
                raise QueryError(f"{query.name}: {exc.message}", hint=exc.hint) from None
        elif param.name in given:
            bindings[param.name] = param.value(given[param.name], base)
        elif param.default == FOCUS and param.type == "resource":
            if focus is None:
                raise QueryError(f"{query.name}: give --param {param.name}=IRI (the dataset names no focus resource)")
            bindings[param.name] = Value(focus, iri=True)
        elif param.default is not None:
            bindings[param.name] = param.value(param.default, base)
        elif param.required:
            raise QueryError(
                f"{query.name} needs the parameter {param.name} ({param.type})",
                hint=f"--param {param.name}=… : {param.description}",
            )
    return bindings


def run(graph: Graph, query: NamedQuery, bindings: Mapping[str, Node] | None = None) -> Result:
    """Evaluate with bound parameters: rdflib binds the prepared algebra; a native engine (Oxigraph) gets the
    text with a VALUES block, as a remote endpoint would."""
    from rdflib import Variable

    from citykg.export import native_store
    from citykg.namespaces import PREFIXES

    if native_store(graph) is not None:
        query.prepared()  # the same syntax check and messages on every backend
        return plain_strings(graph.query(with_values(query.text, bindings or {}), initNs=PREFIXES))
    init = {Variable(k): v for k, v in (bindings or {}).items()}
    return no_empty_group(graph.query(query.prepared(), initBindings=init), query.text)


_GROUP_BY = re.compile(r"(?i)\bGROUP\s+BY\b")


def no_empty_group(result: Result, text: str) -> Result:
    """rdflib answers a GROUP BY that matches nothing with one row of unbound values (SPARQL, Oxigraph and
    Virtuoso: no row); drop that row. (A query grouping solutions whose every projected value is unbound
    loses its one row too: the price of working around the bug without re-evaluating.)"""
    if result.type == "SELECT" and len(result.bindings) == 1 and _GROUP_BY.search(text):
        row = result.bindings[0]
        if all(row.get(v) is None for v in result.vars or ()):
            result.bindings = []
    return result


#: Result formats Oxigraph writes itself (its CSV/TSV abbreviate numbers: the same terms, shorter text).
NATIVE_FORMATS = {"csv": "CSV", "tsv": "TSV", "json": "JSON", "xml": "XML"}


def execute(graph: Graph, query: NamedQuery, bindings: Mapping[str, Node] | None, fmt: str, base: str) -> str:
    """Run and render in one step; on Oxigraph, SELECT/ASK results are written by Oxigraph itself, which
    skips converting every term to rdflib and back (the difference is several-fold on large results)."""
    from citykg.export import native_store
    from citykg.namespaces import PREFIXES

    inner = native_store(graph)
    if inner is not None and fmt in NATIVE_FORMATS and query.form in ("SELECT", "ASK"):
        import pyoxigraph as ox

        query.prepared()
        result = inner.query(
            with_values(query.text, bindings or {}),
            use_default_graph_as_union=True,
            prefixes={prefix: str(ns) for prefix, ns in PREFIXES.items()},
        )
        if isinstance(result, ox.QueryBoolean):
            answer = bool(result)
            return _ask_text(answer, fmt)
        return result.serialize(format=getattr(ox.QueryResultsFormat, NATIVE_FORMATS[fmt])).decode("utf-8")
    from citykg.results import render

    return render(run(graph, query, bindings), fmt, base)


def _ask_text(answer: bool, fmt: str) -> str:
    from rdflib.query import Result as RdflibResult

    from citykg.results import render

    result = RdflibResult("ASK")
    result.askAnswer = answer
    return render(result, fmt)


def plain_strings(result: Result) -> Result:
    """RDF 1.1 makes "x" and "x"^^xsd:string one term; rdflib keeps them apart, so normalise to the plain form
    (what rdflib's own store returns) before results are compared or rendered."""
    if result.type != "SELECT":
        return result
    bindings = [{var: _plain(term) for var, term in row.items()} for row in result.bindings]
    result.bindings = bindings
    return result


def _plain(term: Node) -> Node:
    from rdflib import Literal
    from rdflib.namespace import XSD

    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def with_values(text: str, bindings: Mapping[str, Node]) -> str:
    """The query text with its parameters bound by VALUES blocks, for engines without initial bindings
    (Oxigraph, remote endpoints, the query editor); see :mod:`citykg.bindings`."""
    from citykg.bindings import bind_remote

    return bind_remote(text, bindings)


def adhoc(text: str, name: str = "query") -> NamedQuery:
    """A query given on the command line or in a file: the same header rules, checked for syntax."""
    query = parse_header(text, name)
    query.prepared()
    return query
