"""Dumps of the build at stable URLs, the VoID/DCAT description, and the read-only Graph Store Protocol.

``/dumps/citykg.{ttl,nt,jsonld,trig,nq}`` are the build's files (looked up by name in the build
manifest, never by joining a path), with a strong ETag (their SHA-256, as in the manifest; the gzipped form
has its own), Last-Modified, conditional GET (304), byte ranges of the identity form (206, If-Range), and
gzip when the client accepts it. They are streamed from disk, so a large dump never sits in memory.
"""

from __future__ import annotations

import email.utils
import os
from collections.abc import AsyncIterator
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from citykg.export import serialize
from citykg.server.negotiation import CONSTRUCTED, DATASET, FORMATS, GRAPH, NotAcceptable, choose, wants_html
from citykg.server.responses import document, problem
from citykg.server.transfer import accepts_gzip, gzip_bytes, gzipper
from citykg.server.void import dumps as dump_list
from citykg.server.void import void_graph

#: Dumps up to this size keep their gzipped form in memory (one generation), with a Content-Length; larger ones
#: are read from disk and gzipped as they are sent, so a dump of a large build never sits in memory.
_SETTING = os.environ.get("CITYKG_DUMP_GZIP_CACHE", "")  # bytes; 0 streams every gzipped dump (tests use it)
CACHED = int(_SETTING) if _SETTING.isdigit() else 16 * 2**20
CHUNK = 256 * 1024
_GZIP_CACHE: dict[tuple[str, float, int], bytes] = {}
_accepts_gzip = accepts_gzip  # the name other modules import


def _packed(path: Path, mtime: float, size: int) -> bytes:
    key = (str(path), mtime, size)
    if key not in _GZIP_CACHE:
        packed = gzip_bytes(path.read_bytes())
        _GZIP_CACHE.clear()  # one generation of files at a time
        _GZIP_CACHE[key] = packed
    return _GZIP_CACHE[key]


async def _chunks(path: Path, first: int, end: int, zipped: bool) -> AsyncIterator[bytes]:
    """Bytes ``first:end`` of the file (gzipped when asked), read and compressed in a thread, chunk by chunk."""
    handle = await run_in_threadpool(path.open, "rb")
    packer = gzipper() if zipped else None

    def step(n: int) -> bytes:
        data = handle.read(n)
        return packer.compress(data) if packer is not None else data

    try:
        await run_in_threadpool(handle.seek, first)
        left = end - first
        while left > 0:
            data = await run_in_threadpool(step, min(CHUNK, left))
            if not data and packer is None:
                break
            left -= min(CHUNK, left)
            if data:
                yield data
        if packer is not None:
            yield packer.flush()
    finally:
        handle.close()


async def download(request: Request) -> Response:
    """A dump: the identity bytes (whole, or one byte range: 206), or gzipped when the client accepts it, each
    form with its own strong ETag (``"SHA256"`` / ``"SHA256-gzip"``); HEAD gives the headers GET would."""
    state = request.app.state.citykg
    name = request.path_params["name"]
    listed = dump_list(state)
    found = {d["name"]: d for d in listed} | {d["versioned"]: d for d in listed}
    if name not in found:
        names = ", ".join(sorted(found)) or "none (build the dataset first)"
        return problem(request, 404, f"no dump {name[:80]!r}; the dumps are: {names}")
    dump = found[name]
    path: Path = dump["path"]
    try:
        stat = path.stat()
    except OSError:
        return problem(request, 503, f"the dump {name} cannot be read right now")
    digest, size, mtime = dump["sha256"], stat.st_size, stat.st_mtime
    zipped = accepts_gzip(request.headers.get("accept-encoding"))
    etag = f'"{digest}-gzip"' if zipped else f'"{digest}"'
    headers = {
        "ETag": etag,
        "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
        "Vary": "Accept-Encoding",
        "Cache-Control": "public, max-age=300",
        "Content-Disposition": f'inline; filename="{dump["versioned"]}"',
        "X-Citykg-Version": dump["version"],
        "Link": f'<{state.settings.url("/.well-known/void")}>; rel="describedby"',
    }
    if _not_modified(request, etag, mtime):
        return Response(status_code=304, headers=headers)
    headers["Accept-Ranges"] = "bytes"
    media_type = FORMATS[dump["key"]].content_type
    head = request.method == "HEAD"
    wanted = request.headers.get("range")
    if wanted is not None and _range_applies(request, f'"{digest}"', mtime):
        span = byte_range(wanted, size)
        if span is None:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        if span != (0, size):  # a part of the identity form (ranges are never over the gzipped bytes)
            first, end = span
            headers["ETag"] = f'"{digest}"'
            headers["Content-Range"] = f"bytes {first}-{end - 1}/{size}"
            headers["Content-Length"] = str(end - first)
            body = None if head else _chunks(path, first, end, False)
            return _send(body, 206, media_type, headers)
    if not zipped:
        headers["Content-Length"] = str(size)
        return _send(None if head else _chunks(path, 0, size, False), 200, media_type, headers)
    headers["Content-Encoding"] = "gzip"
    if size <= CACHED:
        try:
            packed = await run_in_threadpool(_packed, path, mtime, size)
        except OSError:
            return problem(request, 503, f"the dump {name} cannot be read right now")
        return Response(packed, media_type=media_type, headers=headers)  # the server drops the body for HEAD
    return _send(None if head else _chunks(path, 0, size, True), 200, media_type, headers)  # no length: a stream


def _send(body: AsyncIterator[bytes] | None, status: int, media_type: str, headers: dict[str, str]) -> Response:
    """A streamed body, or for HEAD an empty stream: the headers GET would send (no Content-Length when GET has
    none)."""
    return StreamingResponse(body or _nothing(), status_code=status, media_type=media_type, headers=headers)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, end)`` of one ``bytes=`` range (RFC 9110 §14.1.2), the whole body for forms not served as a
    part (several ranges, other units, malformed), or None when it is unsatisfiable (416)."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return (0, size)
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash or not (first_text.isdigit() or first_text == "") or not (last_text.isdigit() or last_text == ""):
        return (0, size)
    if first_text == "":
        if last_text == "" or int(last_text) == 0:
            return None if last_text else (0, size)
        return (max(size - int(last_text), 0), size)
    first = int(first_text)
    if first >= size:
        return None
    end = size if last_text == "" else min(int(last_text) + 1, size)
    return (0, size) if end <= first else (first, end)


def _range_applies(request: Request, etag: str, mtime: float) -> bool:
    """If-Range: the range is served only when the client's validator still names this file."""
    condition = request.headers.get("if-range")
    if condition is None:
        return True
    if condition.strip().startswith(('"', "W/")):
        return condition.strip() == etag
    try:
        return int(mtime) <= email.utils.parsedate_to_datetime(condition).timestamp()
    except (TypeError, ValueError, IndexError):
        return False


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            parsed = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        return parsed is not None and int(mtime) <= parsed.timestamp()
    return False


async def index(request: Request) -> Response:
    state = request.app.state.citykg
    return state.pages.render(
        request,
        "dumps.html",
        dumps=dump_list(state),
        graphs=state.holdings.named_graphs(),
        gsp=state.settings.url("/rdf-graph-store"),
    )


async def void(request: Request) -> Response:
    state = request.app.state.citykg
    format_param = request.query_params.get("format")
    if wants_html(request.headers.get("accept"), format_param):
        turtle = await run_in_threadpool(state.derived, "void-ttl", lambda: serialize(void_graph(state), "ttl"))
        return state.pages.render(request, "void.html", turtle=turtle.decode("utf-8"))
    try:
        key = choose(request.headers.get("accept"), GRAPH, format_param)
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    body = await run_in_threadpool(state.derived, f"void-{key}", lambda: serialize(void_graph(state), key))
    return Response(body, media_type=FORMATS[key].content_type, headers={"Vary": "Accept"})


GSP_ALLOW = "GET, HEAD, OPTIONS"


def _graph_copy(holdings, name: str | None, quads: bool) -> Graph:  # type: ignore[no-untyped-def]
    """The triples of one graph (or of the default graph, the union); for TriG/N-Quads a named graph keeps its name."""
    source = holdings.graph(URIRef(name)) if name else holdings.dataset
    if quads and name:
        dataset = Dataset()
        target = dataset.graph(URIRef(name))
    else:
        dataset = target = Graph()
    for triple in source.triples((None, None, None)):
        target.add(triple)
    return dataset


async def graph_store(request: Request) -> Response:
    """SPARQL 1.1 Graph Store HTTP Protocol, read-only: GET ?default or ?graph=IRI."""
    state = request.app.state.citykg
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": GSP_ALLOW, "Access-Control-Allow-Methods": GSP_ALLOW})
    if request.method not in ("GET", "HEAD"):
        return problem(
            request, 405, "the graph store is read-only here; use SPARQL Update at /sparql", {"Allow": GSP_ALLOW}
        )
    params = request.query_params
    graphs = params.getlist("graph")
    has_default = "default" in params
    if has_default == bool(graphs) or len(graphs) > 1:
        return problem(request, 400, "give either ?default or exactly one ?graph=IRI")
    try:
        key = choose(request.headers.get("accept"), CONSTRUCTED, params.get("format"))
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    holdings = state.holdings
    if graphs:
        iri = URIRef(graphs[0])
        if not holdings.holds(iri):
            return problem(request, 404, f"this server holds no graph <{graphs[0][:300]}>")
    cache_key = (holdings.generation, "gsp", graphs[0] if graphs else None, key)
    body = state.cache.get(cache_key)
    if body is None:
        body = serialize(_graph_copy(holdings, graphs[0] if graphs else None, key in DATASET), key, holdings.base)
        state.cache.put(cache_key, body, len(body))
    return document(request, body, FORMATS[key].content_type, {"Vary": "Accept"})
