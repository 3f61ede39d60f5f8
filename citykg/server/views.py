"""The interactive views, served: ``/view`` (the network), ``/map``, ``/timeline``, and the ego network that
every resource page embeds in an ``<iframe>`` (``/view?focus=IRI&depth=1&embed=1``).

The pages come from :mod:`citykg.views` (one self-contained document each, nothing loaded from anywhere).
Query parameters are those of the commands (``citykg view --help``): ``focus``, ``depth``, ``kinds``,
``classes``, ``as-of``, ``lang`` … (``-`` or ``_``; lists comma-separated or repeated); an unknown name or a
bad value is a ``400`` with the message, as the command would say it.

The networkx projection of the served data is computed once per data generation (an update starts a new
one) and every page once per generation and parameter set (an LRU of finished documents, with their gzip
form and ETag). Both are computed in a thread, so a large view does not hold up the event loop; identical
requests in flight share one computation. The projection reads the dataset, so it holds :attr:`data_lock`,
which an update takes before it changes the data.

The view modules and rdflib's SPARQL processor are imported here, when the app is made (before the query
pool forks), so that no view thread is ever half-way through importing a module a forked worker then needs
(see :mod:`citykg.server.workers`).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import sys
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import rdflib.plugins.sparql.processor  # noqa: F401 - imported before the workers fork (see above)
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from citykg.errors import UsageError
from citykg.projection import project_around, select
from citykg.server.cache import LRU
from citykg.server.dumps import _accepts_gzip
from citykg.server.responses import problem
from citykg.server.viewparams import parse
from citykg.views.mapview import map_html, map_svg
from citykg.views.network import network_html
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, project
from citykg.views.render import page_csp
from citykg.views.timeline import timeline_html, timeline_svg

#: A static SVG holds no script: it may use its own inline styles and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
#: How many documents may be generated at the same time (each is CPU-bound Python holding the GIL).
CONCURRENT = 2
#: Above this many triples a view of everything is refused (it would take the server minutes and its pages
#: hundreds of MB): a focused view (``focus`` and ``depth``; the map: its focus city) is projected from the
#: neighbourhood alone (citykg.projection.project_around), as ``citykg view --focus … --depth …`` does.
WHOLE_LIMIT = 300_000
#: Above WHOLE_LIMIT, a resource with more statements pointing at it is not drawn with its neighbourhood (a
#: hub's ego network at 1M triples: ~7,000 nodes, half a minute to project, 5 MB of page); its page lists it.
NEIGHBOURHOOD_LIMIT = 100
#: Neighbourhood projections kept per generation (an ego network is asked for by every resource page).
SCOPED_ENTRIES = 64


@dataclass(frozen=True)
class Document:
    body: bytes
    packed: bytes
    etag: str
    media_type: str
    csp: str
    lang: str


class Views:
    """The projection and the finished documents of one server, per data generation."""

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        self.state = state
        cache_mb = state.settings.cache_mb
        self.cache = LRU(
            max_entries=256 if cache_mb else 0,
            max_bytes=max(1, cache_mb // 2) * 1024 * 1024,
            max_entry=24 * 1024 * 1024,
        )
        self._projection: tuple[int, Projection] | None = None
        self.scoped = LRU(max_entries=SCOPED_ENTRIES, max_bytes=max(8, cache_mb) * 1024 * 1024)
        self._inflight: dict[Hashable, asyncio.Future] = {}
        self._data_lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None
        self._failed: int | None = None  # the generation whose projection failed

    @property
    def data_lock(self) -> asyncio.Lock:
        """Held while the projection reads the dataset; an update holds it while it changes the data."""
        if self._data_lock is None:
            self._data_lock = asyncio.Lock()
        return self._data_lock

    def clear(self) -> None:
        self.cache.clear()
        self.scoped.clear()
        self._projection = None

    def too_large(self) -> bool:
        """Whether the data is too large for a view of everything (see WHOLE_LIMIT)."""
        cached = self._projection
        if cached is not None and cached[0] == self.state.holdings.generation:
            return False  # projected already (an earlier, smaller generation or a test): no cost to draw it
        return self.state.holdings.triple_count() > WHOLE_LIMIT

    def crowded(self, iri: str) -> int | None:
        """How many statements point at ``iri`` when that is too many to draw its neighbourhood (at scale)."""
        if not self.too_large():
            return None
        rows = self.state.holdings.select("degree", o=URIRef(iri))
        count = int(rows[0][0]) if rows else 0  # type: ignore[arg-type]
        return count if count > NEIGHBOURHOOD_LIMIT else None

    async def drawable(self, iri: str) -> bool:
        """Whether a resource page embeds the ego network of ``iri``: it is drawn, and not a hub at scale."""
        return await self.has_node(iri) and await run_in_threadpool(self.crowded, iri) is None

    async def around(self, focus: str, depth: int) -> Projection | None:
        """The projection of the depth-``depth`` neighbourhood of ``focus`` (None: not a node of the network),
        once per generation and neighbourhood, in a thread."""
        holdings = self.state.holdings
        key = (holdings.generation, focus, depth)
        hit = self.scoped.get(key)
        if hit is not None:
            return hit[0]

        async def compute() -> tuple[Projection | None]:
            async with self.data_lock:  # an update waits until the dataset has been read
                part = await run_in_threadpool(project_around, holdings.dataset, focus, depth)
            return (part,)

        result = await self._shared(("around", *key), compute)
        assert isinstance(result, tuple)
        size = 2000 * (result[0].graph.number_of_nodes() + result[0].graph.number_of_edges()) if result[0] else 200
        if key[0] == holdings.generation:
            self.scoped.put(key, result, size + 200)
        return result[0]

    async def _shared(self, key: Hashable, compute: Callable[[], Awaitable[object]]) -> object:
        """``await compute()``, once for all requests of ``key`` in flight."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await compute()
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: a lone request must not log "never retrieved"
            raise
        finally:
            self._inflight.pop(key, None)

    async def projection(self) -> Projection:
        """The multigraph of the served data (computed once per generation, in a thread)."""
        holdings = self.state.holdings
        cached = self._projection
        if cached is not None and cached[0] == holdings.generation:
            return cached[1]

        async def compute() -> Projection:
            async with self.data_lock:  # an update waits until the dataset has been read
                generation = holdings.generation
                proj = await run_in_threadpool(project, holdings.dataset)
                self._projection = (generation, proj)
                return proj

        result = await self._shared(("projection", holdings.generation), compute)
        assert isinstance(result, Projection)
        return result

    async def has_node(self, iri: str) -> bool:
        """Whether ``iri`` is drawn in the network (so its resource page can embed its ego network).

        Resource pages must not fail for the sake of their frame: if the data cannot be projected (EXTRA
        files are not validated), the pages go without it and the server says why, once per generation.
        """
        holdings = self.state.holdings
        generation = holdings.generation
        if self._failed == generation:
            return False
        cached = self._projection
        if cached is not None and cached[0] == generation:
            return iri in cached[1].graph
        try:  # without projecting the whole data (a million triples: seconds and hundreds of MB) for one page
            return await run_in_threadpool(holdings.is_node, iri)
        except Exception as exc:  # noqa: BLE001 - reported below; /view itself reports it as a 500
            self._failed = generation
            reason = f"the views cannot project the data: {exc!r}"
            print(f"citykg serve: no ego networks on resource pages: {reason}", file=sys.stderr)
            return False

    async def document(self, route: str, fmt: str, options: ViewOptions, proj: Projection) -> Document:
        key = (self.state.holdings.generation, route, fmt, options)
        hit = self.cache.get(key)
        if hit is not None:
            return hit

        async def compute() -> Document:
            if self._slots is None:
                self._slots = asyncio.Semaphore(CONCURRENT)
            async with self._slots:
                return await run_in_threadpool(render, route, fmt, options, proj)

        document = await self._shared(key, compute)
        assert isinstance(document, Document)
        if key[0] == self.state.holdings.generation:
            self.cache.put(key, document, len(document.body) + len(document.packed) + 200)
        return document


def render(route: str, fmt: str, options: ViewOptions, proj: Projection) -> Document:
    """The document (run in a thread, off the event loop): the page, its Content-Security-Policy, gzip, ETag."""
    if route == "view":
        text = network_html(proj, options)
    elif route == "map":
        text = map_html(proj, options) if fmt == "html" else map_svg(proj, options)
    else:
        text = timeline_html(proj, options) if fmt == "html" else timeline_svg(proj, options)
    body = text.encode("utf-8")
    if fmt == "html":
        media_type = "text/html; charset=utf-8"
        csp = page_csp(text) or "default-src 'none'"
    else:
        media_type = "image/svg+xml; charset=utf-8"
        csp = SVG_CSP
    # the views may be shown in a frame of this server's own pages (resource pages embed the ego network)
    csp += "; frame-ancestors 'self'"
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Document(body, gzip.compress(body, 6, mtime=0), f'"{digest}"', media_type, csp, options.lang)


def _named_focus(state, proj, options: ViewOptions, given: str | None) -> ViewOptions:  # type: ignore[no-untyped-def]
    """``focus=Schytomyr``: a label in either language (citykg.names) as the focus IRI."""
    return replace(options, focus=proj.resolve(str(_resolve(state, options, given)), state.holdings.base, "focus"))


def _resolve(state, options: ViewOptions, given: str | None) -> str:  # type: ignore[no-untyped-def]
    """The focus a request names (an IRI, a path or a label in either language) as an IRI (UsageError with
    suggestions when nothing has that name)."""
    from citykg.names import resolve

    holdings = state.holdings
    value = given or options.focus or ""
    return str(resolve(holdings.dataset, value, holdings.base, "focus", holdings.generation))


def _scope(route: str, options: ViewOptions) -> int | None:
    """The depth of the neighbourhood a request needs, or None when it needs the whole projection: the network
    and the timeline with a ``depth``, and the map (it draws its focus city's partnerships: depth 1)."""
    if route == "map":
        return 1
    return options.depth


async def projection_for(state, route: str, options: ViewOptions, given: str | None):  # type: ignore[no-untyped-def]
    """The projection a view is drawn from, and its options (the focus as an IRI of the network). Up to
    WHOLE_LIMIT triples: everything, projected once per generation. Above: the focus's neighbourhood for a
    focused request (the same page, see citykg.projection.project_around); a view of everything is refused."""
    views = state.views
    if not views.too_large():
        proj = await views.projection()
        if options.focus and options.focus not in proj.graph:  # a name (Schytomyr), else an error with suggestions
            options = await run_in_threadpool(_named_focus, state, proj, options, given)
        return proj, options
    depth = _scope(route, options)
    if depth is None:
        triples = state.holdings.triple_count()
        raise UsageError(f"/{route} of the whole data ({triples:,} triples) is too large to draw", hint=_hint(route))
    focus = options.focus or (str(state.holdings.focus) if state.holdings.focus else None)
    if focus is None:
        raise UsageError("the data names no focus resource", hint=_hint(route))
    part = await _around(views, focus, depth, route)
    if part is None and options.focus:  # a name (Schytomyr), else an error with suggestions
        focus = await run_in_threadpool(_resolve, state, options, given)
        part = await _around(views, focus, depth, route)
    if part is None:
        raise UsageError(f"focus {given or focus!r} is not a resource of the network", hint=_hint(route))
    if route == "map":  # the map selects by focus and kinds alone: give it the neighbourhood it draws
        part = await run_in_threadpool(select, part, focus=focus, depth=depth)
    return part, replace(options, focus=focus) if options.focus else options


async def _around(views: Views, focus: str, depth: int, route: str) -> Projection | None:
    crowded = await run_in_threadpool(views.crowded, focus)
    if crowded is not None:
        raise UsageError(
            f"{focus} has {crowded:,} statements pointing at it: its neighbourhood is too large to draw here",
            hint="its resource page lists its relations; the SPARQL endpoint (/sparql) has them all",
        )
    return await views.around(focus, depth)


def _hint(route: str) -> str:
    if route == "map":
        return "give focus= a city of the network (an IRI, a path such as city/leeds, or its name)"
    return f"give focus= a resource of the network and depth=, e.g. /{route}?focus=city/leeds&depth=1"


# -- handlers ------------------------------------------------------------------------------------------------------
async def serve(request: Request, route: str) -> Response:
    state = request.app.state.citykg
    try:
        options, fmt = parse(route, request)
        proj, options = await projection_for(state, route, options, request.query_params.get("focus"))
        document = await state.views.document(route, fmt, options, proj)
    except UsageError as exc:
        return problem(request, 400, str(exc))
    zipped = _accepts_gzip(request.headers.get("accept-encoding"))
    etag = document.etag[:-1] + '-gzip"' if zipped else document.etag
    headers = {
        "Content-Security-Policy": document.csp,
        "Content-Language": document.lang,
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "Cache-Control": "no-cache",
    }
    match = request.headers.get("if-none-match")
    if match is not None and ("*" in match or etag in [t.strip().removeprefix("W/") for t in match.split(",")]):
        return Response(status_code=304, headers=headers)
    if zipped:
        headers["Content-Encoding"] = "gzip"
    return Response(document.packed if zipped else document.body, media_type=document.media_type, headers=headers)


async def view(request: Request) -> Response:
    """``/view``: the network of relations, with the parameters of ``citykg view``."""
    return await serve(request, "view")


async def map_page(request: Request) -> Response:
    """``/map``: the partner cities on the world map (``format=svg`` for the static map)."""
    return await serve(request, "map")


async def timeline(request: Request) -> Response:
    """``/timeline``: partnerships, milestones, memberships and events over time (``format=svg``)."""
    return await serve(request, "timeline")


def ego_query(iri: str, lang: str) -> str:
    """The query string of the ego network a resource page embeds."""
    return urlencode({"focus": iri, "depth": 1, "embed": 1, "lang": lang})
