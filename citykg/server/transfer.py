"""Transfer for every client: CORS preflights for any route, and gzip for large textual responses.

Both are plain ASGI wrappers around the application (no threads, no Starlette middleware stack):

* :class:`Preflight` answers a CORS preflight (``OPTIONS`` with ``Origin`` and
  ``Access-Control-Request-Method``) itself, for every route: it allows the methods the server serves and
  reflects the headers the browser asks for (``X-Requested-With``, ``Cache-Control`` …), since every
  response is public (``Access-Control-Allow-Origin: *``) and nothing depends on cookies.
* :class:`Compress` gzips a response of a textual media type when the client accepts gzip: SPARQL results,
  ``/data`` documents, pages, the Graph Store. A single body is compressed when it has at least ``minimum``
  bytes (and gets the compressed Content-Length); a stream (several body messages) is compressed as it comes,
  chunk by chunk, without buffering, and loses its Content-Length. ``HEAD`` gets the same headers as ``GET``
  (the server drops the body). Responses that bring their own ``Content-Encoding`` (the dumps) or are partial
  (206) pass unchanged. A strong ETag becomes weak (``W/"…"``), because the bytes differ from the identity
  form; ``If-None-Match`` compares weakly.
* :class:`StreamedAnswer` forwards a large query answer chunk by chunk as its worker writes it (no
  Content-Length: chunked). When the answer fails after its head was sent (the time limit, the worker died),
  the response is cut short: one line in the log and the connection closed without the last chunk, so a
  client sees an incomplete response, never a truncated one that looks whole.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import StreamingResponse

from citykg.server.workers import PoolError

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
LOG = logging.getLogger("uvicorn.error")


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


def gzipper() -> zlib._Compress:
    """A gzip stream with fixed settings (level 6, no name, mtime 0): the same input gives the same bytes, however
    it is split into chunks, so a gzipped dump or document has a stable ETag."""
    return zlib.compressobj(6, zlib.DEFLATED, 31)


def gzip_bytes(data: bytes) -> bytes:
    packer = gzipper()
    return packer.compress(data) + packer.flush()


class Compress:
    def __init__(self, app: App, minimum: int = MINIMUM) -> None:
        self.app = app
        self.minimum = minimum

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = accepts_gzip(_header(scope, b"accept-encoding"))
        start: Message | None = None
        packer: Any = None  # a gzipper while a stream is being compressed
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, packer, passing
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or passing or start is None:
                await send(message)
                return
            more = message.get("more_body", False)
            chunk = message.get("body", b"")
            if packer is not None:
                packed = packer.compress(chunk) if more else packer.compress(chunk) + packer.flush()
                await send({"type": "http.response.body", "body": packed, "more_body": more})
                return
            if more:  # the first chunk of a stream: compressed as it comes, never buffered here
                head, zipping = _stream_start(start, wanted, self.minimum)
                await send(head)
                if zipping:
                    packer = gzipper()
                    await send({"type": "http.response.body", "body": packer.compress(chunk), "more_body": True})
                else:
                    passing = True
                    await send(message)
                return
            if not chunk and scope["method"] == "HEAD":  # headers only (a file, a stream): as GET would stream it
                head, _ = _stream_start(start, wanted, self.minimum)
                await send(head)
                await send(message)
                return
            head, body = _compressed(start, chunk, wanted, self.minimum)
            await send(head)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


def _compressible(start: Message) -> tuple[list[tuple[bytes, bytes]], dict[bytes, bytes]] | None:
    """The headers (with ``Vary: Accept-Encoding`` added) and their index, when the response may be gzipped."""
    headers = list(start.get("headers", []))
    names = {name.lower(): value for name, value in headers}
    textual = start["status"] in (200, 203) and bool(TEXTUAL.match(names.get(b"content-type", b"")))
    if not textual or b"content-encoding" in names or b"content-range" in names:
        return None
    headers = [(n, v) for n, v in headers if n.lower() != b"vary"]
    vary = names.get(b"vary", b"")
    if b"accept-encoding" not in vary.lower():
        vary = (vary + b", " if vary else b"") + b"Accept-Encoding"
    headers.append((b"vary", vary))
    return headers, names


def _gzipped_headers(headers: list[tuple[bytes, bytes]], length: int | None) -> list[tuple[bytes, bytes]]:
    """The headers of the gzipped form: its length (none for a stream), a weak ETag, Content-Encoding."""
    rewritten = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length":
            if length is None:
                continue
            value = str(length).encode()
        elif lowered == b"etag" and not value.startswith(b"W/"):
            value = b"W/" + value
        rewritten.append((name, value))
    rewritten.append((b"content-encoding", b"gzip"))
    return rewritten


def _stream_start(start: Message, wanted: bool, minimum: int) -> tuple[Message, bool]:
    """The start message of a stream, and whether to gzip it (a declared length below ``minimum``: not worth it)."""
    found = _compressible(start)
    if found is None:
        return start, False
    headers, names = found
    declared = names.get(b"content-length")
    small = declared is not None and declared.isdigit() and int(declared) < minimum
    if not wanted or small:
        return {**start, "headers": headers}, False
    return {**start, "headers": _gzipped_headers(headers, None)}, True


def _compressed(start: Message, body: bytes, wanted: bool, minimum: int) -> tuple[Message, bytes]:
    """The start message and body, gzipped when the client wants it and it is worth it."""
    found = _compressible(start)
    if found is None:
        return start, body
    headers, _ = found
    if not wanted or len(body) < minimum:
        return {**start, "headers": headers}, body
    packed = gzip_bytes(body)
    return {**start, "headers": _gzipped_headers(headers, len(packed))}, packed


class StreamedAnswer(StreamingResponse):
    """A query answer whose body is a :class:`citykg.server.workers.Stream` (see the module docstring)."""

    async def stream_response(self, send: Send) -> None:
        chunks = self.body_iterator
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except OSError:  # the client went away: the rest is not read (its worker is replaced)
            return
        except PoolError as exc:
            LOG.warning("a streamed answer was cut short: %s", exc)
            return
        finally:
            await chunks.aclose()  # nothing after the end; before it, the worker is replaced
        await send({"type": "http.response.body", "body": b"", "more_body": False})
