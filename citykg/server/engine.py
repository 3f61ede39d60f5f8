"""The SPARQL engine behind the endpoint: Oxigraph's, over the served store, made safe for the open web.

Runs inside a worker process (see :mod:`citykg.server.workers`), which opens the served store read-only
itself (the server process never opens it, so no RocksDB handle or thread crosses a ``fork``). The policy
(:mod:`citykg.policy`, checked before Oxigraph sees the text):

* ``FROM`` / ``FROM NAMED`` and the protocol's dataset parameters pick graphs the store holds; an unknown
  IRI is a 400 naming it. Without either, the default graph is the union of all graphs.
* ``SERVICE`` and ``LOAD`` are refused (403), always: Oxigraph would follow HTTP redirects from an
  allow-listed host to any other, and offers no control over that, so ``--allow-service`` is refused at
  start (see docs/server.md).
* An update is one ``Store.update`` call: one transaction, all or nothing, durable in the served store;
  it reports how many quads it removed and added; the server process then reopens its read-only handle.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from citykg import policy
from citykg.native import PREFIX_IRIS, syntax_message
from citykg.server.framing import Spool, TooLarge, emit, write_in_parts
from citykg.server.negotiation import CONSTRUCTED, FORMATS, TABULAR, NotAcceptable
from citykg.server.readstore import UnknownGraph, open_read_only
from citykg.server.terms import from_raw, raw, raw_rdflib, to_rdflib

if TYPE_CHECKING:  # rdflib is imported where a graph result needs it: a worker stays lean without it
    from rdflib.term import Node


MAX_RESULT = 128 * 1024 * 1024  # bytes of one serialised answer
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: Any of these in a text (ASCII case-insensitive, as SPARQL's keywords) and the policy scan runs: the words of
#: SERVICE, LOAD, FROM (NAMED), and \\u escapes that could spell them. A text without any cannot reach outside
#: the store.
OUTSIDE = ("service", "load", "from", "\\u")
#: Texts up to this size have their scan kept (named queries are the same text on every request).
KEPT_SCAN = 16 * 1024
#: The predeclared prefixes as a prologue for updates (a user's own PREFIX of the same name wins).
UPDATE_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIX_IRIS.items())


@dataclass(frozen=True)
class QueryTask:
    """One query: its text, its dataset (None: the query's own or the default), and the formats chosen."""

    text: str
    endpoint: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    tabular: str | None = "json"  # format key for SELECT/ASK, None when the client accepts none
    graph_format: str | None = "ttl"  # format key for CONSTRUCT/DESCRIBE
    table_rows: int = 0  # > 0: answer with a Table of at most this many rows (for HTML)
    bindings: tuple[tuple[str, Node], ...] = ()
    asked: str = "the Accept header"  # what the client asked for, for a 406 message
    bound: str = ""  # ``text`` with ``bindings`` bound, made by the server process (the policy checks ``text``)


@dataclass(frozen=True)
class UpdateTask:
    text: str
    endpoint: str
    using: tuple[str, ...] | None = None
    using_named: tuple[str, ...] | None = None


@dataclass
class Table:
    """Rows for an HTML page: variables, at most ``cap`` rows of terms, and how many there were. A worker
    fills ``rows`` with :data:`citykg.server.terms.RawTerm` tuples; the server process turns them into rdflib terms
    (:func:`materialise`) before a page sees them."""

    variables: list[str]
    rows: list[list[Any]]
    total: int
    boolean: bool | None = None


@dataclass
class Outcome:
    status: int
    content_type: str = "text/plain; charset=utf-8"
    body: bytes | memoryview = b""  # in the server a large body is a view of the buffer it was received in
    message: str = ""
    form: str = ""
    format: str = ""
    table: Table | None = None
    changes: tuple[int, int] | None = None  # an update's (removed, added) quad counts
    extra: dict[str, Any] = field(default_factory=dict)
    #: In the server, for a streamed answer: its body as an async iterator of chunks (``body`` is empty). It
    #: can be read once: such an answer is neither cached nor shared (see ServerState.answer).
    chunks: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def error(status: int, message: str) -> Outcome:
    return Outcome(status, body=(message + "\n").encode("utf-8"), message=message)


def failure(exc: Exception) -> Outcome:
    """The answer for a query or update that failed with ``exc``."""
    if isinstance(exc, TooLarge):
        return error(503, f"the answer is larger than {MAX_RESULT // 2**20} MB; add a LIMIT or download a dump")
    if isinstance(exc, NotAQuery):
        return error(400, "this is not a SPARQL query (an update? POST it with Content-Type application/sparql-update)")
    if isinstance(exc, (UnknownGraph, policy.UnknownGraph)):
        return error(400, str(exc))
    if isinstance(exc, (Refused, policy.Refused)):
        return error(403, str(exc))
    if isinstance(exc, NotAcceptable):
        return error(406, str(exc))
    if isinstance(exc, SyntaxError):
        return error(400, syntax_message(str(exc)))
    if isinstance(exc, MemoryError):
        return error(503, "the query needs more memory than this server allows; make it more selective")
    # Oxigraph's evaluation errors share no base class
    reason = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
    return error(400, f"query evaluation failed: {reason}")


class Refused(Exception):
    """The policy forbids this (SERVICE or LOAD)."""


class NotAQuery(Exception):
    """The text is an update (or nothing) where a query was expected."""


def may_reach_outside(text: str) -> bool:
    """Whether ``text`` has one of the :data:`OUTSIDE` words (kept for short texts, as :func:`scan`). Why not a
    regular expression: an alternation with IGNORECASE costs ~0.1 ms on a named query's 1.5 kB of text with
    non-ASCII comments, more than the rest of the worker's own work for a request."""
    return _kept_outside(text) if len(text) <= KEPT_SCAN else _outside(text)


@functools.lru_cache(maxsize=512)
def _kept_outside(text: str) -> bool:
    return _outside(text)


def _outside(text: str) -> bool:
    if text.isascii():
        lowered = text.lower()
        return any(word in lowered for word in OUTSIDE)
    # bytes.lower() maps ASCII letters only, as SPARQL's keywords are matched (and str.lower() of non-ASCII is slow)
    data = text.encode("utf-8", "surrogatepass").lower()
    return any(word in data for word in _OUTSIDE_BYTES)


_OUTSIDE_BYTES = tuple(word.encode("ascii") for word in OUTSIDE)


def scan(text: str) -> policy.Reach:
    """The policy scan of a text (kept for short texts: a named query is scanned once per worker)."""
    return _kept_scan(text) if len(text) <= KEPT_SCAN else policy.scan(text, PREFIX_IRIS)


@functools.lru_cache(maxsize=512)
def _kept_scan(text: str) -> policy.Reach:
    return policy.scan(text, PREFIX_IRIS)


class Engine:
    """Answers tasks on the store in ``location``; opened on first use, in the process that uses it."""

    def __init__(self, location: Path, allow_service: Sequence[str] = ()) -> None:
        self.location = location
        self.allow_service = tuple(allow_service)
        self._store: Any = None
        self._held: set[str] | None = None

    @property
    def store(self) -> Any:
        if self._store is None:
            self._store = open_read_only(self.location)
        return self._store

    def warm(self) -> None:
        """Open the store and read its graph names before the first task (a worker calls this right after it
        is forked): the first query on a new worker then costs what it costs, so a fast query that lands on a
        fresh worker is not timed as heavy (citykg.server.lanes) because of the store's opening."""
        self.held()

    def held(self) -> set[str]:
        if self._held is None:
            self._held = {g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}
        return self._held

    # -- entry point ----------------------------------------------------------------------------------------
    #: The worker passes a :class:`~citykg.server.framing.Spool` as ``out``: a large answer is streamed.
    streams = True

    def run(self, task: QueryTask | UpdateTask, out: Spool | None = None) -> Outcome | None:
        """Never raises for bad input: every failure becomes an Outcome with a 4xx/5xx status and a message.
        With ``out``, an answer larger than ``out.over`` is streamed through it: the result is then None (sent
        already), and a failure after the head was sent breaks the stream off (the client sees it cut short)."""
        try:
            if isinstance(task, UpdateTask):
                return self.update(task)
            if out is not None:
                out.limit = MAX_RESULT
            outcome = self.query(task, out)
            if outcome is not None and len(outcome.body) > MAX_RESULT:
                raise TooLarge
            return outcome
        except Exception as exc:  # noqa: BLE001 - mapped to an answer for people
            outcome = failure(exc)
        if out is not None and out.committed:
            out.abort()
            return None
        return outcome

    # -- queries --------------------------------------------------------------------------------------------
    def query(self, task: QueryTask, out: Spool | None = None) -> Outcome | None:
        reach = None
        if may_reach_outside(task.text):  # else no SERVICE, LOAD or FROM: nothing to check, no scan on the hot path
            reach = scan(task.text)
            if not reach.form:
                raise NotAQuery
            self.check(reach)
        options: dict[str, Any] = {"use_default_graph_as_union": reach is None or not (reach.default or reach.named)}
        if task.default_graphs is not None or task.named_graphs is not None:
            for iri in task.default_graphs or ():
                self.require(iri, "default-graph-uri")
            for iri in task.named_graphs or ():
                self.require(iri, "named-graph-uri")
            options = {
                "default_graph": [ox.NamedNode(i) for i in dict.fromkeys(task.default_graphs or ())],
                "named_graphs": [ox.NamedNode(i) for i in dict.fromkeys(task.named_graphs or ())],
            }
        text = task.bound or task.text
        if task.bindings and not task.bound:
            from citykg.bindings import bind_remote

            text = bind_remote(task.text, dict(task.bindings))
        try:
            result = self.store.query(text, base_iri=task.endpoint or None, prefixes=PREFIX_IRIS, **options)
        except SyntaxError:
            if not scan(task.text).form:  # an update sent as a query: say so, not "syntax error"
                raise NotAQuery from None
            raise
        if isinstance(result, ox.QueryTriples):
            from rdflib import Graph

            from citykg.export import serialize

            form = scan(task.text).form
            graph = Graph()
            for triple in result:
                graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
            form = form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
            if task.table_rows:
                triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
                rows = [[raw_rdflib(term) for term in t] for t in triples[: task.table_rows]]
                return Outcome(
                    200, form=form, format="html", table=Table(["subject", "predicate", "object"], rows, len(triples))
                )
            if task.graph_format is None:
                raise NotAcceptable(_graph_offers(), f"{task.asked} for a {form} result")
            fmt = FORMATS[task.graph_format]
            head = Outcome(200, fmt.content_type, form=form, format=fmt.key)
            return emit(head, out, lambda sink: write_in_parts(sink, serialize(graph, fmt.key)))
        if isinstance(result, ox.QueryBoolean):
            answer = bool(result)
            if task.table_rows:
                return Outcome(200, form="ASK", format="html", table=Table([], [], 0, answer))
            if task.tabular is None:
                raise NotAcceptable(_tabular_offers(), f"{task.asked} for a ASK result")
            return Outcome(
                200,
                FORMATS[task.tabular].content_type,
                ask_bytes(answer, task.tabular),
                form="ASK",
                format=task.tabular,
            )
        names = [v.value for v in result.variables]
        if task.table_rows:
            rows = []
            total = 0
            for solution in result:
                if total < task.table_rows:
                    rows.append([raw(solution[i]) for i in range(len(names))])
                total += 1
            return Outcome(200, form="SELECT", format="html", table=Table(names, rows, total))
        if task.tabular is None:
            raise NotAcceptable(_tabular_offers(), f"{task.asked} for a SELECT result")
        head = Outcome(200, FORMATS[task.tabular].content_type, form="SELECT", format=task.tabular)
        return emit(head, out, lambda sink: result.serialize(sink, format=RESULT_FORMATS[task.tabular]))

    def check(self, reach: policy.Reach) -> None:
        """SERVICE and LOAD never; FROM / FROM NAMED only held graphs."""
        policy.check(reach, self.held().__contains__, ())

    def require(self, iri: str, clause: str) -> None:
        if iri not in self.held():
            raise UnknownGraph(iri, clause)

    # -- updates --------------------------------------------------------------------------------------------
    def update(self, task: UpdateTask) -> Outcome:
        """One request, one transaction on a writable handle of the served store (closed afterwards)."""
        reach = policy.scan(task.text, PREFIX_IRIS)
        if reach.form:
            return error(400, "this is a query, not an update; send it as query=… or application/sparql-query")
        if reach.services or reach.loads:
            policy.check(reach, lambda iri: True, ())
        text = task.text
        if task.using is not None or task.using_named is not None:
            try:
                text = policy.with_using(text, task.using or (), task.using_named or ())
            except ValueError as exc:
                return error(
                    400,
                    f"using-graph-uri / using-named-graph-uri cannot be used here: {exc} (SPARQL 1.1 Protocol §2.2.3)",
                )
        self._store = None  # a read-only handle must not outlive the write
        self._held = None
        store = ox.Store(str(self.location))
        try:
            before = set(store)
            store.update(UPDATE_PROLOGUE + text, base_iri=task.endpoint or None)
            store.flush()
            after = set(store)
        finally:
            del store
        return Outcome(204, changes=(len(before - after), len(after - before)))


def materialise(table: Table) -> Table:
    """The table with rdflib terms for the pages (in the server process, which has rdflib loaded anyway)."""
    table.rows = [[from_raw(item) for item in row] for row in table.rows]
    return table


# -- result serialisation -------------------------------------------------------------------------------------
def _tabular_offers() -> tuple[str, ...]:
    return TABULAR


def _graph_offers() -> tuple[str, ...]:
    """Every format a CONSTRUCT or DESCRIBE answer is offered in (TriG and N-Quads too), for the 406 message."""
    return CONSTRUCTED


def ask_bytes(answer: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": answer}).encode("utf-8")
    if fmt == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{'true' if answer else 'false'}</boolean></sparql>\n"
        ).encode()
    if fmt == "csv":
        return f"_askResult\r\n{str(answer).lower()}\r\n".encode()
    return f"?_askResult\n{str(answer).lower()}\n".encode()
