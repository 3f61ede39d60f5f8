"""Linked Data: every IRI under the dataset base dereferences, following "Cool URIs for the Semantic Web".

The choice here is the **303 pattern**: a request for the thing, ``/city/dortmund`` (the IRI
``{base}city/dortmund``), is answered ``303 See Other`` to a document about it: ``/page/city/dortmund`` for
browsers (HTML) or ``/data/city/dortmund.ttl`` (``.nt``, ``.jsonld``, ``.rdf``) for RDF clients, chosen by
``Accept`` (``Vary: Accept``). ``/data/city/dortmund`` without an extension negotiates itself (200,
``Vary: Accept``, ``Content-Location``). Pages name their RDF forms in ``Link: rel="alternate"`` headers.
IRIs outside the base that the data mentions (vocabulary concepts, external identifiers) have pages at
``/resource?iri=…``. Unknown IRIs get a 404 with suggestions. The page of a resource drawn in the network
embeds its ego network (``/view?focus=IRI&depth=1&embed=1``, see :mod:`citykg.server.views`) in an
``<iframe>``, so it sends ``frame-src 'self'`` in its Content-Security-Policy.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from rdflib import URIRef
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from citykg.export import serialize
from citykg.results import compact
from citykg.server.describe import describe, description_graph, exists, profile_section
from citykg.server.negotiation import FORMATS, GRAPH, NotAcceptable, choose, prefers_html
from citykg.server.responses import DEFAULT_CSP, FRAMING_CSP, document, problem
from citykg.server.search import suggestions
from citykg.server.views import ego_query

EXTENSIONS = {FORMATS[k].extension: k for k in GRAPH}
SAFE = "/:@!$&'()*+,;=-._~"  # characters left as they are when a path goes into a URL


def _iri(request: Request, path: str) -> URIRef:
    return URIRef(request.app.state.citykg.holdings.base + path)


def _lang_query(request: Request) -> str:
    lang = request.query_params.get("lang")
    return "?" + urlencode({"lang": lang}) if lang in ("de", "en") else ""


def not_found(request: Request, iri: str) -> Response:
    state = request.app.state.citykg
    lang, _ = state.pages.language(request)
    near = suggestions(state.holdings, iri, lang)
    if request.method != "HEAD" and prefers_html(request.headers.get("accept")):
        response = state.pages.not_found(request, iri, near)
        return response
    lines = [f"no resource <{iri}> on this server"]
    if near:
        lines.append("did you mean: " + ", ".join(f"<{s}>" for s in near))
    return PlainTextResponse("\n".join(lines) + "\n", status_code=404, headers={"Vary": "Accept"})


async def dereference(request: Request) -> Response:
    """``/{path}``: 303 to the HTML page or the RDF document about ``{base}{path}``."""
    state = request.app.state.citykg
    path = request.path_params["path"]
    iri = _iri(request, path)
    if not path or not exists(state.holdings, iri):
        return not_found(request, str(iri))
    try:
        fmt = choose(request.headers.get("accept"), ("html", *GRAPH), request.query_params.get("format"))
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    prefix = state.settings.prefix
    encoded = quote(path, safe=SAFE)
    if fmt == "html":
        target = f"{prefix}/page/{encoded}{_lang_query(request)}"
    else:
        target = f"{prefix}/data/{encoded}.{FORMATS[fmt].extension}"
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


async def page(request: Request) -> Response:
    """``/page/{path}``: the HTML description of ``{base}{path}``."""
    state = request.app.state.citykg
    iri = _iri(request, request.path_params["path"])
    if not request.path_params["path"] or not exists(state.holdings, iri):
        return not_found(request, str(iri))
    return resource_page(request, iri, await state.views.drawable(str(iri)))


async def data(request: Request) -> Response:
    """``/data/{path}[.ext]``: the RDF description of ``{base}{path}``."""
    state = request.app.state.citykg
    path = request.path_params["path"]
    stem, dot, extension = path.rpartition(".")
    fmt = None
    if dot and extension in EXTENSIONS and exists(state.holdings, _iri(request, stem)):
        path, fmt = stem, EXTENSIONS[extension]
    iri = _iri(request, path)
    if not path or not exists(state.holdings, iri):
        return not_found(request, str(iri))
    headers = {}
    if fmt is None:
        try:
            fmt = choose(request.headers.get("accept"), GRAPH, request.query_params.get("format"))
        except NotAcceptable as exc:
            return problem(request, exc.status, str(exc))
        location = f"{state.settings.prefix}/data/{quote(path, safe=SAFE)}.{FORMATS[fmt].extension}"
        headers = {"Vary": "Accept", "Content-Location": location}
    return rdf_response(request, iri, fmt, headers)


async def any_resource(request: Request) -> Response:
    """``/resource?iri=…``: a page (or RDF) about any IRI the data mentions, also outside the base."""
    state = request.app.state.citykg
    text = request.query_params.get("iri", "").strip()
    if not text or any(c in text for c in ' <>"{}|\\^`') or ":" not in text:
        return problem(request, 400, "give ?iri= with an absolute IRI")
    iri = URIRef(text)
    if not exists(state.holdings, iri):
        return not_found(request, text)
    try:
        fmt = choose(request.headers.get("accept"), ("html", *GRAPH), request.query_params.get("format"))
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    if fmt == "html":
        response = resource_page(request, iri, await state.views.drawable(text))
        response.headers["Vary"] = "Accept, Accept-Language"
        return response
    return rdf_response(request, iri, fmt, {"Vary": "Accept"})


def rdf_response(request: Request, iri: URIRef, fmt: str, headers: dict[str, str]) -> Response:
    """The RDF description of ``iri``; a named graph's IRI gives the graph's own triples too (what it names)."""
    state = request.app.state.citykg
    holdings = state.holdings
    key = (holdings.generation, "rdf", str(iri), fmt)
    body = state.pages_cache.get(key)
    if body is None:
        graph = description_graph(holdings, iri)
        if holdings.holds(iri):
            for triple in holdings.graph(iri):
                graph.add(triple)
        body = serialize(graph, fmt, holdings.base)
        state.pages_cache.put(key, body, len(body))
    if holdings.holds(iri):
        gsp = state.settings.prefix + "/rdf-graph-store?" + urlencode({"graph": str(iri)})
        headers = {**headers, "Link": f'<{gsp}>; rel="alternate"'}
    return document(request, body, FORMATS[fmt].content_type, headers)


def resource_page(request: Request, iri: URIRef, ego: bool = False) -> Response:
    """The HTML page of ``iri``; with ``ego`` (it is drawn in the network) it embeds its ego network."""
    state = request.app.state.citykg
    pages = state.pages
    lang, explicit = pages.language(request)
    alternates = [(FORMATS[k], pages.data_href(iri, k)) for k in GRAPH]
    link = ", ".join(f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for fmt, href in alternates)
    key = (state.holdings.generation, "page", str(iri), lang, explicit, ego)
    cached = state.pages_cache.get(key)
    if cached is None:
        holdings = state.holdings
        description = describe(holdings, iri)
        title = holdings.label(iri, lang) or compact(iri, holdings.base)
        response = pages.render(
            request,
            "resource.html",
            description=description,
            title=title,
            iri=iri,
            alternates=alternates,
            gsp=state.settings.prefix + "/rdf-graph-store?" + urlencode({"graph": str(iri)}),
            ego=state.settings.prefix + "/view?" + ego_query(str(iri), lang) if ego else None,
            profile=profile_section(
                holdings,
                iri,
                lang,
                state.settings.prefix + "/view?" + urlencode({"focus": str(iri), "depth": 1, "lang": lang}),
            ),
            headers={"Link": link, "Content-Security-Policy": FRAMING_CSP if ego else DEFAULT_CSP},
        )
        cached = (response.body, dict(response.headers))
        state.pages_cache.put(key, cached, len(response.body))
    body, headers = cached
    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "content-type")}
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)
