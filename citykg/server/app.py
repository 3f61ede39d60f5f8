"""The Starlette application: routes, and one guard in front of them all.

The guard (plain ASGI, no threads) refuses path tricks (``..``, ``.``, encoded slashes or backslashes,
NUL) on every route with 400, refuses bodies larger than the cap with 413 before reading them, adds
CORS and security headers (a Content-Security-Policy that allows nothing from other hosts, unless the
response brings its own, as the view pages and resource pages do), and turns an
unexpected exception into a 500 without a traceback (the traceback goes to the server's stderr).
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from citykg.server import changes, dumps, endpoint, linkeddata, namedqueries, ontology, site, views
from citykg.server.fastpath import FastPath
from citykg.server.responses import DEFAULT_CSP
from citykg.server.state import ServerState
from citykg.server.transfer import Compress, Preflight

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SECURITY_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (
        b"access-control-expose-headers",
        b"Content-Type, Content-Range, Accept-Ranges, ETag, Last-Modified, Link, Location, Vary, "
        b"X-Citykg-Hint, X-Citykg-Version",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", DEFAULT_CSP.encode("ascii")),
]
MAX_PATH = 4096
#: A path with none of these bytes has nothing to refuse (no escapes, dots, backslashes or NUL): no decoding.
PATH_SUSPECT = re.compile(rb"[%.\\\x00]")
#: Percent-escapes of bytes >= 0x80: without any (and without raw non-ASCII bytes) a query string decodes to
#: ASCII, which is valid UTF-8, so the decoding check is skipped (most SPARQL texts are ASCII).
HIGH_ESCAPE = re.compile(rb"%[89A-Fa-f]")
ANY = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def path_problem(raw_path: bytes) -> str | None:
    """Why a raw request path is refused, or None: dot segments, encoded slashes, backslashes, NUL."""
    if len(raw_path) > MAX_PATH:
        return "the path is too long"
    if not PATH_SUSPECT.search(raw_path):
        return None
    lowered = raw_path.lower()
    if b"%2f" in lowered or b"%5c" in lowered or b"\\" in raw_path:
        return "encoded slashes and backslashes are not allowed in paths"
    if b"%00" in lowered or b"\x00" in raw_path:
        return "NUL is not allowed in paths"
    decoded = unquote_to_bytes(raw_path)
    if any(segment in (b".", b"..") for segment in decoded.split(b"/")):
        return "dot segments (. and ..) are not allowed in paths"
    if re.search(rb"%(?![0-9a-fA-F]{2})", raw_path):
        return "malformed percent-encoding in the path"
    return None


def query_problem(query_string: bytes) -> str | None:
    """Why a query string is refused, or None: its percent-decoding is not UTF-8 (it would become U+FFFD)."""
    if query_string.isascii() and not HIGH_ESCAPE.search(query_string):
        return None
    try:
        unquote_to_bytes(query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return "the query string is not valid UTF-8 once percent-decoded"
    return None


class Guard:
    def __init__(self, app: Callable[..., Awaitable[None]], max_body: int, fast: FastPath | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.fast = fast

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        problem = path_problem(raw.split(b"?", 1)[0])
        if problem:
            await _plain(send, 400, f"bad request path: {problem}")
            return
        problem = query_problem(scope.get("query_string", b""))
        if problem:
            await _plain(send, 400, f"bad query string: {problem}")
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_body:
                        await _plain(
                            send, 413, f"the request body is larger than this server accepts ({self.max_body:,} bytes)"
                        )
                        return
                except ValueError:
                    await _plain(send, 400, "the Content-Length header is not a number")
                    return
        handler = self.fast.route(scope) if self.fast is not None else None
        if handler is not None:  # /sparql and /queries/NAME: answered here, or declined before sending anything
            try:
                declined = await handler(scope, receive, send)
            except Exception:  # noqa: BLE001 - as the full application: Starlette's 500, the traceback in the log
                traceback.print_exc(file=sys.stderr)
                await _plain(send, 500, "Internal Server Error", newline=False)
                return
            if declined is None:
                return
            receive = declined
        started = False

        async def wrapped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                if message.get("status") == 503 and b"retry-after" not in present:
                    headers.append((b"retry-after", b"1"))  # every 503 says when to try again
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        except ClientDisconnect:  # the client went away mid-request: nothing to answer, nothing to log
            return
        except Exception:  # noqa: BLE001 - the last line of defence: log it, answer without a traceback
            traceback.print_exc(file=sys.stderr)
            if not started:
                await _plain(send, 500, "internal server error (the details are in the server's log)")


async def _plain(send: Send, status: int, text: str, newline: bool = True) -> None:
    body = (text + "\n" if newline else text).encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + SECURITY_HEADERS})
    await send({"type": "http.response.body", "body": body})


def routes() -> list[Route]:
    return [
        Route("/", site.home, methods=["GET", "HEAD"]),
        Route("/sparql", endpoint.sparql, methods=ANY),
        Route("/sparql/", endpoint.sparql, methods=ANY),
        Route("/queries", namedqueries.index, methods=["GET", "HEAD"]),
        Route("/queries/{name}", namedqueries.run, methods=["GET", "HEAD"]),
        Route("/dumps", dumps.index, methods=["GET", "HEAD"]),
        Route("/dumps/", dumps.index, methods=["GET", "HEAD"]),
        Route("/dumps/{name}", dumps.download, methods=["GET", "HEAD"]),
        Route("/.well-known/void", dumps.void, methods=["GET", "HEAD"]),
        Route("/changes", changes.log, methods=["GET", "HEAD"]),
        Route("/rdf-graph-store", dumps.graph_store, methods=ANY),
        Route("/ontology", ontology.page, methods=["GET", "HEAD"]),
        Route("/ontology/shapes", ontology.shapes, methods=["GET", "HEAD"]),
        Route("/search", site.search, methods=["GET", "HEAD"]),
        Route("/view", views.view, methods=["GET", "HEAD"]),
        Route("/map", views.map_page, methods=["GET", "HEAD"]),
        Route("/timeline", views.timeline, methods=["GET", "HEAD"]),
        Route("/static/{name}", site.static, methods=["GET", "HEAD"]),
        Route("/favicon.ico", site.favicon, methods=["GET", "HEAD"]),
        Route("/resource", linkeddata.any_resource, methods=["GET", "HEAD"]),
        Route("/page/{path:path}", linkeddata.page, methods=["GET", "HEAD"]),
        Route("/data/{path:path}", linkeddata.data, methods=["GET", "HEAD"]),
        Route("/{path:path}", linkeddata.dereference, methods=["GET", "HEAD"]),
    ]


def create_app(state: ServerState, fast: bool = True) -> Guard:
    """The application; ``fast=False`` leaves out the fast path (citykg.server.fastpath), for comparisons."""
    app = Starlette(routes=routes())
    app.state.citykg = state
    shortcut = FastPath(state, SECURITY_HEADERS) if fast else None
    return Guard(Preflight(Compress(app)), state.settings.max_body, shortcut)
