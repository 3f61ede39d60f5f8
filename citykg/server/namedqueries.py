"""Named queries over HTTP: ``/queries`` lists them (HTML, JSON), ``/queries/NAME?param=…`` runs one.

The URL of a run is stable and citable; parameters are typed and bound by the same code as the CLI
(:func:`citykg.queries.bind`), so a bad value is a 400 naming the parameter.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping

from rdflib import URIRef
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import Response

from citykg import queries as named
from citykg.bindings import bind_remote
from citykg.errors import QueryError
from citykg.headers import header
from citykg.queries import NamedQuery, bind
from citykg.server.cache import key_size
from citykg.server.endpoint import respond, wants_html
from citykg.server.engine import QueryTask
from citykg.server.negotiation import CONSTRUCTED, FORMATS, TABULAR, NotAcceptable, choose
from citykg.server.responses import problem

RESERVED = ("format",)


def with_values(text: str, bindings: Mapping[str, Node]) -> str:
    """The query text with its parameters bound by VALUES blocks, for engines without initial bindings
    (Oxigraph, the query editor). Uses :func:`citykg.queries.with_values` where the library has it."""
    return named.with_values(text, bindings)


def example_values(query: NamedQuery, lang: str, base: str, focus: URIRef | None) -> dict[str, Node]:
    """Bindings to show a named query with: defaults, the page's language, and the "e.g." of a description."""
    given: dict[str, str] = {}
    for p in query.parameters:
        if p.type == "language":
            given[p.name] = lang
        elif p.default is None and not p.optional:
            example = re.search(r"e\.g\.\s+([^\s,;]+)", p.description)
            if example:
                given[p.name] = example.group(1)
    try:
        return bind(query, given, base, focus)
    except QueryError:
        return {}


def describe(query: NamedQuery, url: str) -> dict:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "form": query.form,
        "url": url,
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "description": p.description,
                "default": p.default,
                "required": p.required,
            }
            for p in query.parameters
        ],
    }


async def index(request: Request) -> Response:
    state = request.app.state.citykg
    try:
        fmt = choose(request.headers.get("accept"), ("html", "json"), request.query_params.get("format"))
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    queries = list(state.catalogue)
    if fmt == "json":
        data = [describe(q, state.settings.url(f"/queries/{q.name}")) for q in queries]
        body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        return Response(body, media_type="application/json", headers={"Vary": "Accept"})
    return state.pages.render(request, "queries.html", queries=queries)


def given_params(items: list[tuple[str, str]], query: NamedQuery) -> dict[str, str]:
    """The parameters of the URL (``items``: its pairs in order) that the query takes as values."""
    given: dict[str, str] = {}
    known = {p.name for p in query.parameters}
    for key, value in items:
        if key in RESERVED or (key == "lang" and "lang" not in known) or not value.strip():
            continue  # an empty form field means "not given"
        if key in given:
            raise QueryError(f"parameter {key} is given more than once")
        given[key] = value
    return given


async def run(request: Request) -> Response:
    state = request.app.state.citykg
    name = request.path_params["name"]
    try:
        query = state.catalogue.get(name)
    except QueryError as exc:
        return problem(request, 404, str(exc))
    format_param = request.query_params.get("format")
    html = wants_html(request, format_param)
    try:
        given = given_params(request.query_params.multi_items(), query)
    except QueryError as exc:
        return problem(request, 400, str(exc))
    if html:
        return await page(request, query, given)
    try:
        fmt = choose(request.headers.get("accept"), offers(query), format_param)
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    try:
        task, key = named_task(state, query, given, fmt)
    except QueryError as exc:
        return problem(request, 400, for_http(exc))
    return respond(request, await state.answer(task, key))


def offers(query: NamedQuery) -> tuple[str, ...]:
    return CONSTRUCTED if query.form in ("CONSTRUCT", "DESCRIBE") else TABULAR


def named_task(state, query: NamedQuery, given: dict[str, str], fmt: str) -> tuple[QueryTask, tuple]:  # type: ignore[no-untyped-def]
    """The task and answer-cache key of a run in ``fmt`` (raises QueryError for a bad value). Shared by this
    route and its fast path (citykg.server.fastpath).

    Kept per data generation (``state.runs``, 1,024 at most, also when the answer cache is off): the same URL
    is asked again and again, and preparing it (a resource parameter looked up in the store, typed terms, the
    text bound by VALUES blocks) costs more server time than the rest of a small query's request. A failure is
    not kept."""
    runs = state.runs
    run_key = (state.holdings.generation, query.name, tuple(sorted(given.items())), fmt)
    kept = runs.get(run_key)
    if kept is not None:
        return kept
    bindings = bind(query, given, state.holdings.base, state.holdings.focus, _names(state))
    task = _task(state, query, bindings, fmt=fmt)
    prepared = (_bound(task), ("named", query.name, task.bindings, fmt))
    runs.put(run_key, prepared, key_size(run_key) + key_size(prepared[0].bound) + 200)
    return prepared


def _bound(task: QueryTask) -> QueryTask:
    """The task with its parameters bound into ``bound`` (the worker gets plain text); unchanged when binding
    fails, so that the answer is the one it always was (ServerState.execute answers 400 for it)."""
    if not task.bindings:
        return task
    try:
        text = bind_remote(task.text, dict(task.bindings))
    except Exception:  # noqa: BLE001 - answered as before, by ServerState.execute
        return task
    return dataclasses.replace(task, bound=text, bindings=())


def for_http(exc: QueryError) -> str:
    """The library's message with its hints in URL terms: ``?year=…`` where the CLI says ``--param year=…``."""
    return str(exc).replace("--param ", "?")


def _names(state):  # type: ignore[no-untyped-def]
    """Resource parameters given by label (``partner=Leeds``), see citykg.names; reads the pages' dataset
    only when a label is given (an IRI or a local name needs no lookup)."""
    from rdflib import URIRef

    from citykg.names import IRI, resolve

    holdings = state.holdings

    def names(value: str, what: str) -> URIRef:
        if IRI.match(value.strip()) and not re.search(r"\s", value.strip()):
            return URIRef(value.strip())
        return resolve(holdings.dataset, value, holdings.base, what, holdings.generation)

    return names


def _task(state, query: NamedQuery, bindings: dict, *, fmt: str | None = None, rows: int = 0) -> QueryTask:  # type: ignore[no-untyped-def]
    ordered = tuple(sorted(bindings.items()))
    tabular = fmt if fmt in TABULAR else None
    graph_format = fmt if fmt in CONSTRUCTED else None  # a graph, or a dataset of its one default graph
    return QueryTask(
        query.text, state.endpoint, tabular=tabular, graph_format=graph_format, table_rows=rows, bindings=ordered
    )


async def page(request: Request, query: NamedQuery, given: dict[str, str]) -> Response:
    state = request.app.state.citykg
    lang, _ = state.pages.language(request)
    names = {p.name for p in query.parameters}
    values = dict(given)
    if "lang" in names and "lang" not in values:
        values["lang"] = lang
    missing = [p for p in query.parameters if p.required and not values.get(p.name)]
    outcome, message, status = None, None, 200
    if not missing or given:
        try:
            bindings = bind(query, values, state.holdings.base, state.holdings.focus, _names(state))
            rows = state.settings.html_rows
            task = _task(state, query, bindings, rows=rows)
            outcome = await state.answer(task, ("named-html", query.name, task.bindings, rows))
            if not outcome.ok:
                status = outcome.status
        except QueryError as exc:
            message, status = for_http(exc), 400
    params = {k: v for k, v in given.items()}
    downloads = (
        [(FORMATS[k], {**params, "format": k}) for k in offers(query)] if outcome is not None and outcome.ok else []
    )
    return state.pages.render(
        request,
        "namedquery.html",
        status,
        query=query,
        head=header(query, lang),
        values=values,
        outcome=outcome,
        message=message,
        missing=missing,
        downloads=downloads,
        rows_cap=state.settings.html_rows,
    )
