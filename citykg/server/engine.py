"""The SPARQL engine behind the endpoint: rdflib over the held dataset, made safe for the open web.

Runs inside a worker process (see :mod:`citykg.server.workers`): parse (cached), check the policy,
evaluate, serialise. The policy:

* ``FROM`` / ``FROM NAMED`` and the protocol's dataset parameters pick graphs the server holds; an unknown
  IRI is a 400 naming it. rdflib's own dataset clause handling (which fetches unknown graphs over HTTP)
  is never reached: the query's dataset is computed here and rdflib gets a ready context.
* ``SERVICE`` and ``LOAD`` are refused (403) unless their IRI is allow-listed (``--allow-service``).
* Updates record what they changed, so the parent can apply the same change to its copy.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import rdflib.plugins.sparql
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import update as rdflib_update
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.evalutils import _fillTemplate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.plugins.sparql.sparql import Query, QueryContext, Update
from rdflib.term import Node

from citykg.export import serialize
from citykg.namespaces import PREFIXES
from citykg.queries import describe_syntax_error
from citykg.server.datasets import DatasetView, Holdings, UnknownGraph
from citykg.server.negotiation import FORMATS, NotAcceptable

# Never fetch a graph named in FROM / USING / LOAD: the engine resolves those against held graphs itself.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

MAX_RESULT = 128 * 1024 * 1024  # bytes of one serialised answer
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


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


@dataclass(frozen=True)
class UpdateTask:
    text: str
    endpoint: str
    using: tuple[str, ...] | None = None
    using_named: tuple[str, ...] | None = None


@dataclass
class Table:
    """Rows for an HTML page: variables, at most ``cap`` rows of terms, and how many there were."""

    variables: list[str]
    rows: list[list[Node | None]]
    total: int
    boolean: bool | None = None


@dataclass
class Outcome:
    status: int
    content_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    message: str = ""
    form: str = ""
    format: str = ""
    table: Table | None = None
    changes: tuple[list[tuple], list[tuple]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def error(status: int, message: str) -> Outcome:
    return Outcome(status, body=(message + "\n").encode("utf-8"), message=message)


class Refused(Exception):
    """The policy forbids this (SERVICE or LOAD of an IRI that is not allow-listed)."""


class Engine:
    def __init__(self, holdings: Holdings, allow_service: Sequence[str] = ()) -> None:
        self.holdings = holdings
        self.allow_service = frozenset(allow_service)

    # -- entry point ----------------------------------------------------------------------------------------
    def run(self, task: QueryTask | UpdateTask) -> Outcome:
        """Never raises for bad input: every failure becomes an Outcome with a 4xx/5xx status and a message."""
        try:
            if isinstance(task, UpdateTask):
                return self.update(task)
            outcome = self.query(task)
            if len(outcome.body) > MAX_RESULT:
                return error(503, f"the answer is larger than {MAX_RESULT // 2**20} MB; add a LIMIT or download a dump")
            return outcome
        except UnknownGraph as exc:
            return error(400, str(exc))
        except Refused as exc:
            return error(403, str(exc))
        except NotAcceptable as exc:
            return error(406, str(exc))
        except RecursionError:
            return error(400, "the query is nested too deeply to evaluate")
        except MemoryError:
            return error(503, "the query needs more memory than this server allows; make it more selective")
        except Exception as exc:  # noqa: BLE001 - rdflib's evaluation errors share no base class
            reason = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
            return error(400, f"query evaluation failed: {reason}")

    # -- queries --------------------------------------------------------------------------------------------
    def query(self, task: QueryTask) -> Outcome:
        try:
            parsed = parse_query(task.text, task.endpoint)
        except SyntaxProblem as exc:
            return error(400, str(exc))
        self.check_services(parsed.algebra)
        form = FORMS.get(parsed.algebra.name, "SELECT")
        ctx = self.context(parsed.algebra.datasetClause, task.default_graphs, task.named_graphs)
        ctx.prologue = parsed.prologue
        if task.bindings:
            initial = {Variable(k): v for k, v in task.bindings}
            ctx.initBindings = initial
            ctx.bindings.update(initial)
        result = SPARQLResult(evalPart(ctx, parsed.algebra))
        if form in ("CONSTRUCT", "DESCRIBE"):
            graph = result.graph if result.graph is not None else Graph()
            if task.table_rows:
                triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
                rows: list[list[Node | None]] = [list(t) for t in triples[: task.table_rows]]
                return Outcome(
                    200, form=form, format="html", table=Table(["subject", "predicate", "object"], rows, len(triples))
                )
            if task.graph_format is None:
                raise NotAcceptable(_graph_offers(), f"{task.asked} for a {form} result")
            fmt = FORMATS[task.graph_format]
            return Outcome(200, fmt.content_type, serialize(graph, fmt.key), form=form, format=fmt.key)
        names = [str(v) for v in (result.vars or [])]
        if form == "ASK":
            answer = bool(result.askAnswer)
            if task.table_rows:
                return Outcome(200, form=form, format="html", table=Table([], [], 0, answer))
            if task.tabular is None:
                raise NotAcceptable(_tabular_offers(), f"{task.asked} for a {form} result")
            return Outcome(
                200, FORMATS[task.tabular].content_type, ask_bytes(answer, task.tabular), form=form, format=task.tabular
            )
        bindings = result.bindings
        rows = [[b.get(Variable(n)) for n in names] for b in bindings]
        if task.table_rows:
            return Outcome(200, form=form, format="html", table=Table(names, rows[: task.table_rows], len(rows)))
        if task.tabular is None:
            raise NotAcceptable(_tabular_offers(), f"{task.asked} for a {form} result")
        body = select_bytes(result, names, rows, task.tabular)
        return Outcome(
            200, FORMATS[task.tabular].content_type, body, form=form, format=task.tabular, extra={"rows": len(rows)}
        )

    def context(self, clause: Any, default: tuple[str, ...] | None, named: tuple[str, ...] | None) -> QueryContext:
        """The query's dataset: protocol parameters win over FROM / FROM NAMED; neither means everything held."""
        holdings = self.holdings
        if default is None and named is None and clause:
            default = tuple(str(d.default) for d in clause if d.default is not None)
            named = tuple(str(d.named) for d in clause if d.named is not None)
            default_name, named_name = "FROM", "FROM NAMED"
        else:
            default_name, named_name = "default-graph-uri", "named-graph-uri"
        if default is None and named is None:
            return QueryContext(holdings.dataset, initBindings={})
        view = holdings.view([URIRef(i) for i in (named or ())], named_name)
        graph = holdings.default_graph([URIRef(i) for i in (default or ())], default_name)
        ctx = QueryContext(view, initBindings={})
        ctx.graph = graph
        return ctx

    def check_services(self, algebra: Any) -> None:
        for node in walk(algebra):
            if node.name == "ServiceGraphPattern":
                term = node.term
                if not isinstance(term, URIRef) or str(term) not in self.allow_service:
                    what = f"<{term}>" if isinstance(term, URIRef) else f"?{term}"
                    raise Refused(
                        f"SERVICE {what} is not allowed: this endpoint does not contact other hosts"
                        + (f" (allowed: {', '.join(sorted(self.allow_service))})" if self.allow_service else "")
                    )

    # -- updates --------------------------------------------------------------------------------------------
    def update(self, task: UpdateTask) -> Outcome:
        try:
            parsed = parse_update(task.text, task.endpoint)
        except SyntaxProblem as exc:
            return error(400, str(exc))
        operations = list(parsed.algebra)
        protocol = task.using is not None or task.using_named is not None
        for op in operations:
            self.check_services(op)
            if op.name == "Load" and str(op.iri) not in self.allow_service:
                raise Refused(f"LOAD <{op.iri}> is not allowed: this endpoint does not fetch from other hosts")
            if protocol and op.name == "Modify" and (op.using or op.withClause):
                return error(
                    400,
                    "using-graph-uri / using-named-graph-uri cannot be combined with USING, USING NAMED or WITH "
                    "in the update (SPARQL 1.1 Protocol §2.2.3)",
                )
        dataset = self.holdings.dataset
        before = self.holdings.snapshot()
        for op in operations:
            if op.name == "Modify":
                self.modify(op, task.using, task.using_named)
            elif op.name == "Load":
                self.load(op)
            else:
                ctx = QueryContext(dataset, initBindings={})
                ctx.prologue = op.prologue
                getattr(rdflib_update, f"eval{op.name}")(ctx, op)
        after = self.holdings.snapshot()
        return Outcome(204, changes=(sorted(before - after, key=str), sorted(after - before, key=str)))

    def modify(self, op: CompValue, using: tuple[str, ...] | None, using_named: tuple[str, ...] | None) -> None:
        """DELETE/INSERT … WHERE with the WHERE's dataset from USING or the protocol (never fetched)."""
        dataset = self.holdings.dataset
        if using is None and using_named is None and op.using:
            using = tuple(str(d.default) for d in op.using if d.default is not None)
            using_named = tuple(str(d.named) for d in op.using if d.named is not None)
        if using is not None or using_named is not None:
            # graphs named here may have been created earlier in this request: no "held" check, no fetching
            ctx = QueryContext(DatasetView(dataset.store, [URIRef(i) for i in using_named or ()]), initBindings={})
            merged = Graph()
            for iri in using or ():
                for triple in self.holdings.graph(URIRef(iri)):
                    merged.add(triple)
            ctx.graph = merged
        else:
            ctx = QueryContext(dataset, initBindings={})
            if op.withClause:
                ctx = ctx.pushGraph(dataset.get_context(op.withClause))
        ctx.prologue = op.prologue
        solutions = list(evalPart(ctx, op.where))
        target = dataset.get_context(op.withClause) if op.withClause else dataset.default_graph
        for solution in solutions:
            if op.delete:
                target -= _fillTemplate(op.delete.triples, solution)
                for g, quads in op.delete.quads.items():
                    graph = dataset.get_context(solution.get(g))
                    graph -= _fillTemplate(quads, solution)
            if op.insert:
                target += _fillTemplate(op.insert.triples, solution)
                for g, quads in op.insert.quads.items():
                    graph = dataset.get_context(solution.get(g))
                    graph += _fillTemplate(quads, solution)

    def load(self, op: CompValue) -> None:
        """LOAD of an allow-listed IRI (checked before)."""
        dataset = self.holdings.dataset
        target = dataset.graph(op.graphiri) if op.graphiri else dataset.default_graph
        try:
            target.parse(str(op.iri))
        except Exception:
            if not op.silent:
                raise


# -- parsing, cached per worker -------------------------------------------------------------------------------
class SyntaxProblem(Exception):
    pass


@functools.lru_cache(maxsize=512)
def parse_query(text: str, base: str) -> Query:
    try:
        tree = parseQuery(text)
        query = translateQuery(tree, base=base or None, initNs=PREFIXES)
        if query.algebra.name == "SelectQuery" and not tree[1].projection:
            _order_star(query.algebra.PV, text)
        return query
    except RecursionError:
        raise SyntaxProblem("the query is nested too deeply to parse") from None
    except Exception as exc:  # noqa: BLE001 - pyparsing's and rdflib's errors share no base
        raise SyntaxProblem(describe_syntax_error(exc)) from None


def parse_update(text: str, base: str) -> Update:
    try:
        return translateUpdate(parseUpdate(text), base=base or None)
    except RecursionError:
        raise SyntaxProblem("the update is nested too deeply to parse") from None
    except Exception as exc:  # noqa: BLE001
        raise SyntaxProblem(
            describe_syntax_error(exc).replace("SPARQL syntax error", "SPARQL Update syntax error")
        ) from None


def _order_star(variables: list[Variable], text: str) -> None:
    """SELECT *: columns in the order the variables first appear in the text (rdflib uses set order)."""

    def first(variable: Variable) -> tuple[int, str]:
        found = re.search(r"[?$]" + re.escape(str(variable)) + r"(?![\w\u00b7\u0300-\u036f\u203f-\u2040])", text)
        return (found.start() if found else len(text), str(variable))

    variables.sort(key=first)


def walk(root: Any) -> Iterator[CompValue]:
    """Every CompValue in an algebra tree (iterative: deep queries must not exhaust the stack)."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())


# -- result serialisation -------------------------------------------------------------------------------------
def _tabular_offers() -> tuple[str, ...]:
    return ("json", "xml", "csv", "tsv")


def _graph_offers() -> tuple[str, ...]:
    return ("ttl", "nt", "jsonld", "rdfxml")


def json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "literal", "value": str(term)}


def select_bytes(result: SPARQLResult, names: list[str], rows: list[list[Node | None]], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{n: json_term(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]
        data = {"head": {"vars": names}, "results": {"bindings": bindings}}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        out = result.serialize(format="xml", encoding="utf-8")
        return out if isinstance(out, bytes) else str(out).encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t)) for t in row])
        return buffer.getvalue().encode("utf-8")
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_term(term: Node) -> str:
    text = term.n3()
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


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
