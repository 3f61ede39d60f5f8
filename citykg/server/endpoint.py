"""The ``/sparql`` route: parse the protocol request, answer via the state, render."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from citykg.export import serialize
from citykg.server import negotiation
from citykg.server.engine import Outcome, QueryTask, UpdateTask
from citykg.server.negotiation import CONSTRUCTED, FORMATS, GRAPH, TABULAR, NotAcceptable, choose, unknown_format
from citykg.server.protocol import Operation, ProtocolError, hints, parse_operation
from citykg.server.responses import BodyTooLarge, problem, read_body, too_large
from citykg.server.service import service_graph
from citykg.server.transfer import StreamedAnswer

if TYPE_CHECKING:
    from citykg.server.state import ServerState

ALLOW = "GET, HEAD, POST, OPTIONS"
CORS_PREFLIGHT = {
    "Access-Control-Allow-Methods": ALLOW,
    "Access-Control-Allow-Headers": "Accept, Content-Type, Authorization",
    "Access-Control-Max-Age": "86400",
    "Allow": ALLOW,
}


async def sparql(request: Request) -> Response:
    state = request.app.state.citykg
    method = request.method
    if method == "OPTIONS":
        return Response(status_code=204, headers=CORS_PREFLIGHT)
    if method not in ("GET", "HEAD", "POST"):
        return problem(request, 405, f"{method} is not a SPARQL protocol method; use GET or POST", {"Allow": ALLOW})
    try:
        body = await read_body(request, state.settings.max_body) if method == "POST" else b""
    except BodyTooLarge:
        return too_large(request)
    try:
        operation = parse_operation(
            method, request.scope.get("query_string", b""), request.headers.get("content-type"), body
        )
    except ProtocolError as exc:
        return problem(request, exc.status, exc.message, exc.headers)
    if operation.kind == "description":
        return description(request, operation.format)
    if operation.kind == "update":
        return await update(request, operation)
    return await query(request, operation)


def wants_html(request: Request, format_param: str | None) -> bool:
    return negotiation.wants_html(request.headers.get("accept"), format_param)


def _choose(accept: str | None, offers: tuple[str, ...], format_param: str | None) -> str | None:
    if format_param is None or not format_param.strip():
        return negotiation.pick(accept, offers)
    try:
        return choose(accept, offers, format_param)
    except NotAcceptable:
        return None


def asked(accept: str | None, format_param: str | None) -> str:
    if format_param:
        return f"format={format_param[:60]!r}"
    return f"Accept: {(accept or '')[:120]}"


def query_task(state: ServerState, operation: Operation, accept: str | None) -> tuple[QueryTask, tuple] | None:
    """The task and answer-cache key of a query for a program (not a browser), or None when neither a results
    nor a graph format is acceptable. Shared by this route and its fast path (citykg.server.fastpath)."""
    tabular = _choose(accept, TABULAR, operation.format)
    graph_format = _choose(accept, CONSTRUCTED, operation.format)
    if tabular is None and graph_format is None:
        return None
    task = QueryTask(
        operation.text,
        state.endpoint,
        operation.default_graphs,
        operation.named_graphs,
        tabular,
        graph_format,
        asked=asked(accept, operation.format),
    )
    key: tuple = ("q", operation.text, operation.default_graphs, operation.named_graphs, tabular, graph_format)
    if tabular is None or graph_format is None:
        key = (*key, task.asked)
    return task, key


async def query(request: Request, operation: Operation) -> Response:
    state = request.app.state.citykg
    if wants_html(request, operation.format):
        rows = state.settings.html_rows
        task = QueryTask(
            operation.text, state.endpoint, operation.default_graphs, operation.named_graphs, None, None, rows
        )
        key = ("html", operation.text, operation.default_graphs, operation.named_graphs, rows)
        outcome = await state.answer(task, key)
        return state.pages.query(request, text=operation.text, outcome=outcome)
    accept = request.headers.get("accept")
    prepared = query_task(state, operation, accept)
    if prepared is None:
        offers = ", ".join(f"{FORMATS[k].media_type} (format={k})" for k in (*TABULAR, *CONSTRUCTED))
        if unknown_format(operation.format):
            return problem(request, 400, f"{asked(accept, operation.format)} is not a format; available: {offers}")
        return problem(request, 406, f"cannot answer in {asked(accept, operation.format)}; available: {offers}")
    task, key = prepared
    return respond(request, await state.answer(task, key), hints(operation.text))


def respond(request: Request, outcome: Outcome, notes: list[str] | None = None) -> Response:
    if outcome.ok:
        headers = {"Vary": "Accept"}
        if notes:  # e.g. the https://schema.org/ trap: a header, so that the result itself stays standard
            headers["X-Citykg-Hint"] = " | ".join(notes)
        if outcome.chunks is not None:  # a large answer, forwarded chunk by chunk as its worker writes it
            return StreamedAnswer(
                outcome.chunks, status_code=outcome.status, media_type=outcome.content_type, headers=headers
            )
        return Response(outcome.body, status_code=outcome.status, media_type=outcome.content_type, headers=headers)
    headers = {"Retry-After": outcome.extra["retry_after"]} if outcome.extra.get("retry_after") else None
    return problem(request, outcome.status, outcome.message, headers)


async def update(request: Request, operation: Operation) -> Response:
    state = request.app.state.citykg
    settings = state.settings
    if not settings.allow_update:
        return problem(
            request,
            403,
            "updates are disabled: this server is read-only (start it with --allow-update and a token to allow them)",
        )
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    expected = settings.update_token or ""
    if scheme.lower() != "bearer" or not expected or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return problem(
            request,
            401,
            "updates need the server's token: send Authorization: Bearer <token>",
            {"WWW-Authenticate": 'Bearer realm="citykg"'},
        )
    task = UpdateTask(operation.text, state.endpoint, operation.using, operation.using_named)
    outcome = await state.update(task)
    if not outcome.ok:
        return respond(request, outcome)
    removed, added = outcome.extra.get("removed", 0), outcome.extra.get("added", 0)
    return PlainTextResponse(f"update applied: {removed} quads removed, {added} added\n", status_code=200)


def description(request: Request, format_param: str | None) -> Response:
    state = request.app.state.citykg
    if wants_html(request, format_param):
        return state.pages.query(request)
    try:
        key = choose(request.headers.get("accept"), GRAPH, format_param)
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    body = state.derived(f"sd-{key}", lambda: serialize(state.derived("sd", lambda: service_graph(state)), key))
    headers = {"Vary": "Accept", "Link": f'<{state.settings.url("/.well-known/void")}>; rel="describedby"'}
    return Response(body, media_type=FORMATS[key].content_type, headers=headers)
