"""The two hot routes without Starlette: SPARQL queries at ``/sparql`` and runs of ``/queries/NAME``.

Why: on two cores the server's CPU per request is its throughput, and for a small query Starlette's routing,
its Request and Response objects and the wrappers of :class:`citykg.server.transfer.Compress` cost about as
much as the query itself. :class:`FastPath` answers the common case of these routes straight from the ASGI
scope with the same library calls as the routes (``protocol.parse_operation``, ``endpoint.query_task``,
``namedqueries.named_task``, :meth:`ServerState.answer`) and the same bytes: status, headers in the same
order (gzip and ``Vary`` as ``Compress`` makes them, the security headers of ``Guard``) and body
(tests/test_server_fastpath.py compares both paths request by request).

Anything else is *declined* before a byte is sent, and the full application answers it: a browser (every
HTML answer and HTML error page), a request the routes refuse before a query runs (a protocol error, an
unknown named query or format, a bad parameter), updates, the service description, other methods. A POST
body read here is replayed to the full application. The query itself still runs in a worker process: the
hard timeout, the policy and the answer cache are the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from citykg.errors import QueryError
from citykg.server import endpoint, namedqueries
from citykg.server.engine import Outcome
from citykg.server.negotiation import NotAcceptable, choose, prefers_html, wants_html
from citykg.server.protocol import ProtocolError, hints, parse_operation
from citykg.server.transfer import MINIMUM, TEXTUAL, Compress, StreamedAnswer, accepts_gzip, gzip_bytes

if TYPE_CHECKING:
    from citykg.server.state import ServerState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: What a handler returns: None when it answered, else the ``receive`` the full application must use.
Declined = Receive | None

VARY = (b"vary", b"Accept")
VARY_ZIPPED = (b"vary", b"Accept, Accept-Encoding")  # what Compress makes of it for a compressible answer
TEXT = b"text/plain; charset=utf-8"
NAMED = "/queries/"


class FastPath:
    """The fast handlers; :meth:`route` picks one for a scope (or None: the full application answers)."""

    def __init__(self, state: ServerState, security: list[tuple[bytes, bytes]]) -> None:
        self.state = state
        self.security = security  # the headers Guard adds to every response

    def route(self, scope: Scope) -> Callable[[Scope, Receive, Send], Awaitable[Declined]] | None:
        path = scope["path"]
        method = scope["method"]
        if path in ("/sparql", "/sparql/"):
            return self.sparql if method in ("GET", "HEAD", "POST") else None
        if path.startswith(NAMED) and method in ("GET", "HEAD") and "/" not in path[len(NAMED) :]:
            return self.named if len(path) > len(NAMED) else None
        return None

    # -- /sparql ---------------------------------------------------------------------------------------------
    async def sparql(self, scope: Scope, receive: Receive, send: Send) -> Declined:
        accept, encoding, content_type = _headers(scope)
        method = scope["method"]
        body = b""
        if method == "POST":
            read = await _read(receive, self.state.settings.max_body)
            if read is None:  # the client went away: nothing to answer
                return None
            body, more = read
            receive = _replay(body, more, receive)
            if len(body) > self.state.settings.max_body:  # the route answers 413
                return receive
        if prefers_html(accept):  # a browser: pages and HTML error pages are the route's
            return receive
        try:
            operation = parse_operation(method, scope["query_string"], content_type, body)
        except ProtocolError:
            return receive
        if operation.kind != "query" or wants_html(accept, operation.format):
            return receive
        prepared = endpoint.query_task(self.state, operation, accept)
        if prepared is None:
            return receive
        outcome = await self.state.answer(*prepared)
        notes = hints(operation.text)
        extra = [(b"x-citykg-hint", " | ".join(notes).encode("latin-1"))] if notes else []
        await self.respond(scope, receive, send, outcome, extra, encoding)
        return None

    # -- /queries/NAME ---------------------------------------------------------------------------------------
    async def named(self, scope: Scope, receive: Receive, send: Send) -> Declined:
        state = self.state
        accept, encoding, _ = _headers(scope)
        if prefers_html(accept):
            return receive
        query = state.catalogue.queries.get(scope["path"][len(NAMED) :])
        if query is None:  # the route's 404 names the closest matches
            return receive
        items = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)  # as Starlette's
        format_param = None
        for key, value in items:
            if key == "format":
                format_param = value  # the last one, as Starlette's QueryParams.get
        if wants_html(accept, format_param):
            return receive
        try:
            given = namedqueries.given_params(items, query)
            fmt = choose(accept, namedqueries.offers(query), format_param)
            task, key = namedqueries.named_task(state, query, given, fmt)
        except (QueryError, NotAcceptable):
            return receive
        await self.respond(scope, receive, send, await state.answer(task, key), [], encoding)
        return None

    # -- the answer ------------------------------------------------------------------------------------------
    async def respond(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        outcome: Outcome,
        extra: list[tuple[bytes, bytes]],
        encoding: str | None,
    ) -> None:
        """``endpoint.respond`` as Starlette, ``Compress`` and ``Guard`` would send it, in two messages."""
        status = outcome.status
        if outcome.ok and outcome.chunks is not None:  # a large answer: the route's own stream, as it sends it
            await self.stream(scope, receive, send, outcome, extra)
            return
        if outcome.ok:
            body = outcome.body
            if isinstance(body, memoryview):  # as Starlette's Response.render
                body = body.cast("B") if body.c_contiguous else body.tobytes()
            content_type = outcome.content_type
            if content_type.startswith("text/") and "charset=" not in content_type.lower():
                content_type += "; charset=utf-8"
            kind = content_type.encode("latin-1")
            if status in (200, 203) and TEXTUAL.match(kind):
                if len(body) >= MINIMUM and accepts_gzip(encoding):
                    body = gzip_bytes(body)
                    headers = [*extra, (b"content-length", str(len(body)).encode()), (b"content-type", kind)]
                    headers += [VARY_ZIPPED, (b"content-encoding", b"gzip")]
                else:
                    headers = [*extra, (b"content-length", str(len(body)).encode()), (b"content-type", kind)]
                    headers.append(VARY_ZIPPED)
            else:
                headers = [VARY, *extra]
                if not (status < 200 or status in (204, 304)):
                    headers.append((b"content-length", str(len(body)).encode()))
                headers.append((b"content-type", kind))
        else:
            body = (outcome.message.rstrip() + "\n").encode("utf-8")  # endpoint.problem, for a program
            headers = [VARY]
            retry = outcome.extra.get("retry_after")
            if retry:
                headers.append((b"retry-after", retry.encode("latin-1")))
            headers += [(b"content-length", str(len(body)).encode()), (b"content-type", TEXT)]
            headers += self.security
            if status == 503 and not retry:
                headers.append((b"retry-after", b"1"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        headers += self.security
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def stream(
        self, scope: Scope, receive: Receive, send: Send, outcome: Outcome, extra: list[tuple[bytes, bytes]]
    ) -> None:
        """A streamed answer (citykg.server.transfer.StreamedAnswer) through ``Compress``, with Guard's headers."""
        headers = {"Vary": "Accept", **{name.decode("latin-1"): value.decode("latin-1") for name, value in extra}}
        answer = StreamedAnswer(
            outcome.chunks, status_code=outcome.status, media_type=outcome.content_type, headers=headers
        )
        security = self.security

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *security]}
            await send(message)

        await Compress(answer)(scope, receive, guarded)


def _headers(scope: Scope) -> tuple[str | None, str | None, str | None]:
    """The first Accept, Accept-Encoding and Content-Type of the request (as Starlette's ``headers.get``)."""
    accept = encoding = content_type = None
    for name, value in scope["headers"]:
        if name == b"accept":
            if accept is None:
                accept = value.decode("latin-1")
        elif name == b"accept-encoding":
            if encoding is None:
                encoding = value.decode("latin-1")
        elif name == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
    return accept, encoding, content_type


async def _read(receive: Receive, cap: int) -> tuple[bytes, bool] | None:
    """The request body up to just past ``cap`` bytes and whether the client sends more; None when it left."""
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            return None
        chunks += message.get("body", b"")
        more = message.get("more_body", False)
        if not more or len(chunks) > cap:
            return bytes(chunks), more


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read so far once, then what the client still sends."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replayed
