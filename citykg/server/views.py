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
from dataclasses import dataclass
from urllib.parse import urlencode

import rdflib.plugins.sparql.processor  # noqa: F401 - imported before the workers fork (see above)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from citykg.errors import UsageError
from citykg.server.cache import LRU
from citykg.server.dumps import _accepts_gzip
from citykg.server.responses import problem
from citykg.views.mapview import map_html, map_svg
from citykg.views.network import network_html
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, project
from citykg.views.render import page_csp
from citykg.views.timeline import timeline_html, timeline_svg

#: The query parameters of each route: the options of its command (underscored), and ``format``.
SELECTION = ("focus", "depth", "kinds", "classes")
PARAMETERS: dict[str, tuple[str, ...]] = {
    "view": (
        *SELECTION,
        "as_of",
        "lang",
        "size_by",
        "cluster",
        "physics",
        "layout_threshold",
        "edge_labels",
        "show_undated",
        "unfold",
        "isolated",
        "embed",
    ),
    "map": ("focus", "kinds", "as_of", "lang", "format"),
    "timeline": (*SELECTION, "since", "until", "lang", "format"),
}
FORMATS: dict[str, tuple[str, ...]] = {"view": ("html",), "map": ("html", "svg"), "timeline": ("html", "svg")}
LISTS = ("kinds", "classes")
#: A static SVG holds no script: it may use its own inline styles and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
#: How many documents may be generated at the same time (each is CPU-bound Python holding the GIL).
CONCURRENT = 2


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
        self._projection = None

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


# -- parameters ----------------------------------------------------------------------------------------------------
def parse(route: str, request: Request) -> tuple[ViewOptions, str]:
    """The options and format a request asks for (``UsageError`` for anything the command would refuse)."""
    state = request.app.state.citykg
    allowed = PARAMETERS[route]
    params: dict[str, str] = {}  # as the request spells the names (as-of or as_of), for the messages
    spelt: dict[str, str] = {}
    for raw_name, value in request.query_params.multi_items():
        name = raw_name.strip().replace("-", "_")
        if name not in allowed:
            raise UsageError(
                f"unknown parameter {raw_name[:60]!r} for /{route}",
                hint="use " + ", ".join(n.replace("_", "-") for n in allowed),
            )
        if name in spelt and name in LISTS:
            params[spelt[name]] += "," + value
        elif name in spelt:
            raise UsageError(f"the parameter {raw_name!r} is given more than once")
        else:
            spelt[name] = raw_name.strip()
            params[spelt[name]] = value
    fmt = (params.pop(spelt["format"]) if "format" in spelt else "html").strip().lower() or "html"
    if fmt not in FORMATS[route]:
        raise UsageError(f"/{route} does not offer format={fmt[:20]!r}", hint="use " + " or ".join(FORMATS[route]))
    options = ViewOptions.from_params(params, state.holdings.base)
    if route == "timeline" and options.until is not None and options.until < options.since:
        raise UsageError(f"until={options.until} is before since={options.since}")
    link = state.settings.prefix + "/resource?iri={iri}&" + urlencode({"lang": options.lang})
    return options.with_(link_template=link), fmt


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
    from dataclasses import replace

    from citykg.names import resolve

    holdings = state.holdings
    iri = resolve(holdings.dataset, given or options.focus or "", holdings.base, "focus", holdings.generation)
    return replace(options, focus=proj.resolve(str(iri), holdings.base, "focus"))


# -- handlers ------------------------------------------------------------------------------------------------------
async def serve(request: Request, route: str) -> Response:
    state = request.app.state.citykg
    try:
        proj = await state.views.projection()
        options, fmt = parse(route, request)
        if options.focus and options.focus not in proj.graph:  # a name (Schytomyr), else an error with suggestions
            options = await run_in_threadpool(_named_focus, state, proj, options, request.query_params.get("focus"))
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
