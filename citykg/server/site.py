"""The landing page, the search page and the package's static files (read once, served from memory)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from citykg.server.responses import matches, problem
from citykg.server.search import search as find
from citykg.server.void import dataset_iri, dumps, summary

STATIC = Path(__file__).resolve().parent / "static"
MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


def _load_static() -> dict[str, tuple[bytes, str, str]]:
    files = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in MEDIA:
            data = path.read_bytes()
            files[path.name] = (data, MEDIA[path.suffix], '"' + hashlib.sha256(data).hexdigest()[:32] + '"')
    return files


FILES = _load_static()


async def static(request: Request) -> Response:
    item = FILES.get(request.path_params["name"])
    if item is None:
        return problem(request, 404, "no such static file")
    data, media_type, etag = item
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if matches(request.headers.get("if-none-match"), etag):  # weakly: the gzipped form has W/"…"
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


async def favicon(request: Request) -> Response:
    data, media_type, etag = FILES["favicon.svg"]
    return Response(data, media_type=media_type, headers={"ETag": etag, "Cache-Control": "public, max-age=86400"})


def text_in(state, subject: URIRef, predicate: URIRef, lang: str) -> str | None:  # type: ignore[no-untyped-def]
    values = [o for p, o in state.holdings.rows("statements", s=subject) if p == predicate and isinstance(o, Literal)]
    for wanted in (lang, "en", "de", None):
        for value in values:
            if (value.language or None) == wanted:
                return str(value)
    return str(values[0]) if values else None


async def home(request: Request) -> Response:
    state = request.app.state.citykg
    lang, _ = state.pages.language(request)
    stats = await run_in_threadpool(summary, state)
    dataset = dataset_iri(state)
    classes = sorted(stats.classes.items(), key=lambda item: (-item[1], str(item[0])))
    return state.pages.render(
        request,
        "home.html",
        title=text_in(state, dataset, DCTERMS.title, lang),
        description=text_in(state, dataset, DCTERMS.description, lang),
        dataset=dataset,
        stats=stats,
        classes=classes[:40],
        focus=state.holdings.focus,
        queries=list(state.catalogue),
        dumps=dumps(state),
    )


async def search(request: Request) -> Response:
    state = request.app.state.citykg
    lang, _ = state.pages.language(request)
    text = request.query_params.get("q", "")[:200]
    kind_text = request.query_params.get("type", "").strip()
    kind = URIRef(kind_text) if kind_text and " " not in kind_text and ":" in kind_text else None
    wanted = text.strip() or kind is not None
    results = await run_in_threadpool(find, state.holdings, text, lang, kind) if wanted else []
    return state.pages.render(request, "search.html", q=text, kind=kind, results=results)
