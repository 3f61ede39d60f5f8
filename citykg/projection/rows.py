"""The answers of the view queries as plain Python values, from rdflib or straight from Oxigraph.

The projection only needs strings: an IRI as ``str``, a literal as :class:`Lit` (its lexical value, language
and datatype), a blank node as :class:`BlankId` (a ``str``). Converting every Oxigraph term to an rdflib term
(oxrdflib) costs more than the query itself on large graphs, so on the Oxigraph store the view queries run on
the pyoxigraph store directly and their terms are read as plain values; on rdflib's own store rdflib runs them
and its terms are converted to the same values. Both give the projection the same rows.

A query can be restricted to a set of resources (``rows(query, var, iris)``). On Oxigraph the IRIs are bound
by VALUES blocks where :func:`citykg.bindings.with_values` puts them (the WHERE group and every nested group
that mentions the variable, so each UNION branch is restricted before it is evaluated), in batches: with
blocks of about a thousand IRIs Oxigraph's join order turns slow. On rdflib the whole answer is filtered (see
RdflibRows).
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from citykg.bindings import IRI_FORBIDDEN, groups, term_text, tokens
from citykg.errors import QuerySyntaxError
from citykg.export import native_store
from citykg.namespaces import PREFIXES
from citykg.queries import NamedQuery, run

XSD_STRING = str(XSD.string)
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Lit(NamedTuple):
    """A literal: lexical value, language tag (or None) and datatype (None for plain and language strings)."""

    value: str
    language: str | None = None
    datatype: str | None = None


class BlankId(str):
    """The label of a blank node: only meaningful within one store, so never bound in a query."""

    __slots__ = ()


#: One value of a row: an IRI (str), a blank node (BlankId), a literal (Lit) or unbound (None).
Value = str | Lit | None
Row = tuple[Value, ...]
#: Computes a query's whole answer (variables, rows) from a row source, e.g. from the answers of other queries.
Whole = Callable[["Rows"], tuple[list[str], list[Row]]]


def as_text(value: Value) -> str | None:
    """The string of a value: the IRI, the blank node label or the literal's lexical value."""
    if value is None:
        return None
    return value.value if isinstance(value, Lit) else value


def order_key(value: Value) -> tuple[int, str, str, str]:
    """A total order over values, so that the projection picks "the first" of several values the same way
    whatever order a store returns them in."""
    if isinstance(value, Lit):
        return (1, value.value, value.language or "", value.datatype or "")
    return (0, value or "", "", "")


def first(values: Iterable[Value]) -> Value:
    return min(values, key=order_key)


def batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while rows are read and projected: a large view makes millions
    of tuples, and the collector's passes over them cost a fifth of the CPU time (1M-triple world, a view of
    15k nodes). Rows and projections hold no reference cycles, so nothing waits to be freed meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Rows:
    """Runs the view queries on one dataset and returns their rows (in the order of the SELECT's variables).

    A restricted query (``rows(query, var, iris)``) is answered from the whole answer where that is already
    at hand or cheaper: see :meth:`OxigraphRows.rows` and :class:`RdflibRows`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._whole: dict[str, tuple[list[str], list[Row]]] = {}
        #: (query name, rows, seconds) of every query run: what a view cost in the store, query by query.
        self.timings: list[tuple[str, int, float]] = []
        #: The names of the queries whose whole answer was read.
        self.read_whole: set[str] = set()

    def rows(
        self,
        query: NamedQuery,
        var: str | None = None,
        iris: Iterable[str] | None = None,
        *,
        share: float = 0.0,
        whole: Whole | None = None,
    ) -> list[Row]:
        """All rows of ``query``; with ``var``, only those where ``?var`` is one of ``iris`` (IRIs). ``share``:
        from what share of the store's typed resources on the whole answer is cheaper than a restricted one.
        ``whole``: computes the whole answer (variables, rows) where the query itself is slower (see
        :meth:`whole`)."""
        if var is None:
            return list(self.whole(query, whole)[1])
        wanted = set(iris or ())
        if query.text in self._whole or self._prefer_whole(len(wanted), share):
            names, rows = self.whole(query, whole)
            column = names.index(var)
            return [row for row in rows if row[column] in wanted]
        return self._restricted(query, var, wanted)

    def whole(self, query: NamedQuery, make: Whole | None = None) -> tuple[list[str], list[Row]]:
        """The variables and rows of the whole answer (computed once): by ``make`` where given (the same rows
        from other queries' answers, e.g. relations.rq from edges.rq), else by the query."""
        if query.text not in self._whole:
            self._whole[query.text] = make(self) if make is not None else self._run(query)
            self.read_whole.add(query.name)
        return self._whole[query.text]

    def _prefer_whole(self, count: int, share: float) -> bool:
        return True

    def _restricted(self, query: NamedQuery, var: str, iris: set[str]) -> list[Row]:  # pragma: no cover
        raise NotImplementedError

    def _run(self, query: NamedQuery, text: str | None = None) -> tuple[list[str], list[Row]]:
        started = time.perf_counter()
        names, rows = self._evaluate(query, text)
        self.timings.append(
            (query.name if text is None else f"{query.name} (restricted)", len(rows), time.perf_counter() - started)
        )
        return names, rows

    def _evaluate(self, query: NamedQuery, text: str | None = None) -> tuple[list[str], list[Row]]:  # pragma: no cover
        raise NotImplementedError


class RdflibRows(Rows):
    """rdflib's own stores: rdflib evaluates, its terms are converted.

    rdflib joins a VALUES block of many IRIs with the pattern as a cross product, and evaluates a UNION with
    one bound variable about as slowly as the whole query; so each query runs once, whole, and a restricted
    answer is its rows whose ``?var`` is one of the IRIs."""

    def _evaluate(self, query: NamedQuery, text: str | None = None) -> tuple[list[str], list[Row]]:
        result = run(self.graph, query)  # prepared once (citykg.queries caches it)
        return [str(v) for v in result.vars or ()], [tuple(map(_from_rdflib, row)) for row in result]


def _from_rdflib(term: object) -> Value:
    if term is None:
        return None
    if isinstance(term, Literal):
        language = term.language or None
        datatype = None if language or term.datatype is None else str(term.datatype)
        return Lit(str(term), language, None if datatype in (XSD_STRING, RDF_LANGSTRING) else datatype)
    if isinstance(term, BNode):
        return BlankId(term)
    return str(term)


class OxigraphRows(Rows):
    """The Oxigraph store behind an oxrdflib graph: pyoxigraph evaluates, its terms are read directly.

    A restricted query binds the IRIs with VALUES blocks of ``batch`` IRIs. Oxigraph reads a whole answer in
    index order, but looks every bound IRI up on its own, which on a large persistent store costs several
    times as much per row (measured on the 1M-triple synthetic world: 5-25 µs per row of a whole answer, 50-400
    µs per IRI of a restricted one); so from ``share`` of the store's typed resources on, the whole answer is
    read and filtered instead (and kept for the next restriction of the same query)."""

    #: IRIs per VALUES block (Oxigraph's join order turns slow from about a thousand).
    batch = 400

    def __init__(self, graph: Graph, inner) -> None:  # inner: pyoxigraph.Store
        import pyoxigraph as ox

        super().__init__(graph)
        self.inner = inner
        self.prefixes = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        self._named, self._literal = ox.NamedNode, ox.Literal
        self._typed: int | None = None
        self._places: dict[tuple[str, str], list[int]] = {}

    def _prefer_whole(self, count: int, share: float) -> bool:
        if share <= 0 or count < 200:
            return False
        if self._typed is None:
            answer = self.inner.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }", use_default_graph_as_union=True)
            self._typed = int(next(iter(answer))[0].value)
        return count >= share * self._typed

    def _restricted(self, query: NamedQuery, var: str, iris: set[str]) -> list[Row]:
        if not all(_bindable(iri) for iri in iris):
            names, rows = self.whole(query)  # (cannot happen with IRIs from the store)
            return [row for row in rows if row[names.index(var)] in iris]
        places = self._places.get((query.text, var))
        if places is None:
            places = self._places[(query.text, var)] = value_places(query.text, var)
        out: list[Row] = []
        for chunk in batches(sorted(iris), self.batch):
            block = f" VALUES ?{var} {{ {' '.join(term_text(URIRef(iri)) for iri in chunk)} }}"
            parts, last = [], 0
            for at in places:
                parts += [query.text[last:at], block]
                last = at
            parts.append(query.text[last:])
            out.extend(self._run(query, "".join(parts))[1])
        return out

    def _evaluate(self, query: NamedQuery, text: str | None = None) -> tuple[list[str], list[Row]]:
        try:
            solutions = self.inner.query(
                query.text if text is None else text, use_default_graph_as_union=True, prefixes=self.prefixes
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(f"{query.name}: SPARQL syntax error: {exc}") from None
        named, literal = self._named, self._literal
        out: list[Row] = []
        append = out.append
        for solution in solutions:
            row: list[Value] = []
            for term in solution:
                kind = type(term)
                if kind is named:
                    row.append(term.value)
                elif term is None:
                    row.append(None)
                elif kind is literal:
                    language = term.language
                    if language:
                        row.append(Lit(term.value, language, None))
                    else:
                        datatype = term.datatype.value
                        row.append(Lit(term.value, None, None if datatype == XSD_STRING else datatype))
                else:
                    row.append(BlankId(term.value))
            append(tuple(row))
        return [v.value for v in solutions.variables], out


def value_places(text: str, var: str) -> list[int]:
    """Where ``citykg.bindings.with_values`` puts the VALUES block of ``var``: opening the WHERE group and
    every nested pattern group that mentions it (a UNION branch, not an OPTIONAL or EXISTS). (The block is
    the same as with_values writes, each term serialised once by ``citykg.bindings.term_text``; with_values
    itself would serialise every IRI again for every group and compare every row with every other.)

    Where the WHERE group is only a UNION of branches that all mention ``var`` (and a closing FILTER), the
    block goes into the branches alone: each solution comes from a restricted branch, and Oxigraph joined
    the WHERE group's block with the union's answer at twice the cost of the branches alone (1.4M-triple
    world: texts.rq 86 -> 41 µs per IRI, citations.rq 200 -> 75-100 µs)."""
    found = groups(text)
    where = [g for g in found if g.kind == "where"]
    branches = [g for g in found if g.kind == "pattern" and var in g.variables]
    if len(where) == 1 and branches and _only_branches(text, where[0].open_at, {b.open_at for b in branches}):
        return sorted(b.open_at for b in branches)
    return sorted(g.open_at for g in found if g.kind == "where" or (g.kind == "pattern" and var in g.variables))


def _only_branches(text: str, where_at: int, branches: set[int]) -> bool:
    """True when the WHERE group opening at ``where_at`` holds, directly, only ``branches`` joined by UNION and
    at most a closing FILTER (which adds no solution)."""
    depth, expect_branch, filtered = 0, True, False
    for tok in tokens(text[where_at:]):
        at = tok.start + where_at
        if tok.kind == "{":
            depth += 1
            if depth == 1:
                if filtered or not expect_branch or at + 1 not in branches:
                    return False
                expect_branch = False
            continue
        if tok.kind == "}":
            if depth == 0:
                return not expect_branch  # the WHERE group closes
            depth -= 1
            continue
        if depth > 0 or filtered:
            continue
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "UNION" and not expect_branch:
            expect_branch = True
        elif word == "FILTER" and not expect_branch:
            filtered = True
        else:
            return False
    return False


def _bindable(iri: str) -> bool:
    """An IRI ``citykg.bindings.term_text`` accepts (the IRIREF production), checked before any is bound."""
    return bool(iri) and not isinstance(iri, BlankId) and not IRI_FORBIDDEN.search(iri) and ":" in iri


def rows_of(graph: Graph) -> Rows:
    """The row source for a dataset: pyoxigraph directly where Oxigraph holds the data, else rdflib."""
    inner = native_store(graph)
    return OxigraphRows(graph, inner) if inner is not None else RdflibRows(graph)
