"""Responses shared by every route: errors for people and programs, request bodies with a size cap,
and documents with an ETag (conditional GET gives 304)."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from citykg.server.negotiation import prefers_html

#: The policy of every response that does not send its own: nothing from other hosts, only our own scripts
#: and styles, never in a frame. View pages send their own (``page_csp``), resource pages add ``frame-src``.
DEFAULT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: The policy of a page that embeds a view of this server in an <iframe> (resource pages: the ego network).
FRAMING_CSP = DEFAULT_CSP + "; frame-src 'self'"


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, cap: int) -> bytes:
    """The request body, refused (413) beyond ``cap`` bytes even when no Content-Length was sent."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > cap:
                raise BodyTooLarge
        except ValueError:
            pass
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > cap:
            raise BodyTooLarge
    return bytes(chunks)


def problem(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error: an HTML page for browsers, plain text (the message, no traceback) for everyone else."""
    headers = {"Vary": "Accept", **(headers or {})}
    if request.method != "HEAD" and prefers_html(request.headers.get("accept")):
        state = request.app.state.citykg
        return state.pages.error(request, status, message, headers=headers)
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


def too_large(request: Request) -> Response:
    cap = request.app.state.citykg.settings.max_body
    return problem(request, 413, f"the request body is larger than this server accepts ({cap:,} bytes)")


def entity_tag(body: bytes) -> str:
    """A strong ETag from the bytes themselves (the same document always has the same tag)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2), as If-None-Match uses: ``W/`` and gzip's weakening do not matter."""
    if header is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def document(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None) -> Response:
    """A 200 with an ETag, or 304 when the client's ``If-None-Match`` already names these bytes."""
    etag = entity_tag(body)
    headers = {**(headers or {}), "ETag": etag, "Cache-Control": "public, no-cache"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
