"""Transfer for every client: CORS preflights for any route, and gzip for large textual responses.

Both are plain ASGI wrappers around the application (no threads, no Starlette middleware stack):

* :class:`Preflight` answers a CORS preflight (``OPTIONS`` with ``Origin`` and
  ``Access-Control-Request-Method``) itself, for every route: it allows the methods the server serves and
  reflects the headers the browser asks for (``X-Requested-With``, ``Cache-Control`` …), since every
  response is public (``Access-Control-Allow-Origin: *``) and nothing depends on cookies.
* :class:`Compress` gzips a single-body response of a textual media type above ``minimum`` bytes when the
  client accepts gzip: SPARQL results, ``/data`` documents, pages, the Graph Store. Responses that bring their
  own ``Content-Encoding`` (the dumps, pre-compressed) or are partial (206) pass unchanged. A strong ETag
  becomes weak (``W/"…"``), because the bytes differ from the identity form; ``If-None-Match`` compares weakly.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

METHODS = "GET, HEAD, POST, OPTIONS"
#: Always allowed, also when the browser does not list them (some send them without asking).
BASE_HEADERS = ("Accept", "Accept-Language", "Content-Type", "Authorization")
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
TEXTUAL = re.compile(
    rb"^(text/|application/(sparql-results\+json|sparql-results\+xml|json|ld\+json|n-triples|n-quads|trig|"
    rb"rdf\+xml|xml|javascript|xhtml\+xml)|image/svg\+xml)"
)
MINIMUM = 1024


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def allowed_headers(requested: str | None) -> str:
    """The base headers plus every well-formed header name the preflight asks for (at most 32)."""
    names = list(BASE_HEADERS)
    known = {n.lower() for n in names}
    for part in (requested or "")[:2048].split(","):
        name = part.strip()
        if TOKEN.match(name) and name.lower() not in known and len(names) < 32 + len(BASE_HEADERS):
            names.append(name)
            known.add(name.lower())
    return ", ".join(names)


class Preflight:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and _header(scope, b"origin") is not None
            and _header(scope, b"access-control-request-method") is not None
        ):
            headers = [
                (b"access-control-allow-methods", METHODS.encode()),
                (
                    b"access-control-allow-headers",
                    allowed_headers(_header(scope, b"access-control-request-headers")).encode(),
                ),
                (b"access-control-max-age", b"86400"),
                (b"allow", METHODS.encode()),
                (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def accepts_gzip(header: str | None) -> bool:
    """True when Accept-Encoding allows gzip (named, or ``*``) with a quality above 0."""
    verdict = False
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        if coding not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        params = params.strip().lower()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if coding == "*" and verdict:
            continue
        verdict = q > 0
        if coding != "*":
            return verdict
    return verdict


class Compress:
    def __init__(self, app: App, minimum: int = MINIMUM) -> None:
        self.app = app
        self.minimum = minimum

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        wanted = accepts_gzip(_header(scope, b"accept-encoding"))
        start: Message | None = None
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or passing or start is None:
                await send(message)
                return
            if message.get("more_body", False):  # a stream: sent as it comes, never buffered here
                passing = True
                await send(start)
                await send(message)
                return
            head, body = _compressed(start, message.get("body", b""), wanted, self.minimum)
            await send(head)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


def _compressed(start: Message, body: bytes, wanted: bool, minimum: int) -> tuple[Message, bytes]:
    """The start message and body, gzipped when the client wants it and it is worth it."""
    headers = list(start.get("headers", []))
    names = {name.lower(): value for name, value in headers}
    textual = start["status"] in (200, 203) and bool(TEXTUAL.match(names.get(b"content-type", b"")))
    if not textual or b"content-encoding" in names or b"content-range" in names:
        return start, body
    headers = [(n, v) for n, v in headers if n.lower() != b"vary"]
    vary = names.get(b"vary", b"")
    if b"accept-encoding" not in vary.lower():
        vary = (vary + b", " if vary else b"") + b"Accept-Encoding"
    headers.append((b"vary", vary))
    if not wanted or len(body) < minimum:
        return {**start, "headers": headers}, body
    packed = gzip.compress(body, 6, mtime=0)
    rewritten = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length":
            value = str(len(packed)).encode()
        elif lowered == b"etag" and not value.startswith(b"W/"):
            value = b"W/" + value
        rewritten.append((name, value))
    rewritten.append((b"content-encoding", b"gzip"))
    return {**start, "headers": rewritten}, packed
