"""Everything a request handler needs, in one object: settings, data, workers, cache, pages.

Handlers reach it as ``request.app.state.citykg``. :meth:`ServerState.answer` is the one way a query is
answered: from the cache, else by a worker (identical queries in flight share one run). The interactive
views (``/view``, ``/map``, ``/timeline``) keep their projection and pages in :attr:`ServerState.views`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import time
from collections.abc import Hashable
from pathlib import Path

from rdflib import Graph

from citykg import generations
from citykg.bindings import bind_remote
from citykg.build import MANIFEST
from citykg.config import Project
from citykg.queries import Catalogue
from citykg.server import statistics
from citykg.server.cache import LRU, key_size
from citykg.server.datasets import Holdings
from citykg.server.engine import Engine, Outcome, QueryTask, UpdateTask, error, materialise
from citykg.server.lanes import LaneFull, Lanes
from citykg.server.pages import Pages
from citykg.server.settings import Settings
from citykg.server.views import Views
from citykg.server.workers import Busy, Pool, PoolError

CACHEABLE = (200, 400, 403, 406)


@functools.lru_cache(maxsize=1024)
def bound_text(text: str, bindings: tuple) -> str:
    """A named query's text with its parameters bound (kept: the same run is asked again and again, also
    when the answer cache is off; 1,024 texts of a catalogue's queries at most)."""
    return bind_remote(text, dict(bindings))


class ServerState:
    def __init__(
        self,
        settings: Settings,
        project: Project,
        holdings: Holdings,
        catalogue: Catalogue,
        shapes: Graph | None = None,
        store_location: Path | None = None,
    ) -> None:
        self.settings = settings
        self.project = project
        self.holdings = holdings
        self.catalogue = catalogue
        self.shapes = shapes if shapes is not None else Graph()
        self.store_location = store_location or project.build_dir / "store"
        self.engine = Engine(self.store_location)  # opened by each worker, never in this process
        self.pool = Pool(self.engine.run, settings.workers, memory_mb=settings.memory_mb)
        self.lanes = Lanes(settings.workers, min(settings.heavy_seconds, settings.timeout / 2))
        self.cache = LRU(max_entries=2048 if settings.cache_mb else 0, max_bytes=settings.cache_mb * 1024 * 1024)
        self.pages_cache = LRU(max_entries=1024, max_bytes=max(1, settings.cache_mb // 4) * 1024 * 1024)
        #: Named-query runs prepared for their parameters (citykg.server.namedqueries.named_task)
        self.runs = LRU(max_entries=1024, max_bytes=16 * 1024 * 1024)
        self.started = time.time()
        self._inflight: dict[Hashable, asyncio.Future[Outcome]] = {}
        self._update_lock: asyncio.Lock | None = None
        self._build_folder: Path | None = None
        self.manifest = self._read_manifest()
        self._derived: dict[str, tuple[int, object]] = {}
        self.pages = Pages(self)
        self.views = Views(self)

    # -- paths and IRIs --------------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return self.settings.url("/sparql")

    @property
    def build_dir(self) -> Path:
        """The build generation this server loaded: dumps and manifest stay that set after a rebuild."""
        if self._build_folder is None:
            self._build_folder = generations.resolve(self.project.build_dir)
        return self._build_folder

    def _read_manifest(self) -> dict:
        try:
            return json.loads((self.build_dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def derived_now(self, name: str):  # type: ignore[no-untyped-def]
        """The value :meth:`derived` holds for the current generation, or None (never computes)."""
        cached = self._derived.get(name)
        return cached[1] if cached is not None and cached[0] == self.holdings.generation else None

    def derived(self, name: str, compute):  # type: ignore[no-untyped-def]
        """A value computed from the data once per generation (VoID statistics, the SD, the ontology page)."""
        generation = self.holdings.generation
        cached = self._derived.get(name)
        if cached is None or cached[0] != generation:
            cached = (generation, compute())
            self._derived[name] = cached
        return cached[1]

    # -- answering -------------------------------------------------------------------------------------------
    async def answer(self, task: QueryTask, key: Hashable) -> Outcome:
        full_key = (self.holdings.generation, key)
        hit = self.cache.get(full_key)
        if hit is not None:
            return hit
        running = self._inflight.get(full_key)
        if running is not None:
            shared = await asyncio.shield(running)
            if shared.chunks is None:
                return shared
            return await self.execute(task)  # a streamed answer is read once, by its own request: run it again
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._inflight[full_key] = future
        try:
            outcome = await self.execute(task)
            cacheable = outcome.status in CACHEABLE and outcome.chunks is None  # a stream is never kept whole
            if cacheable and self.cache.max_entries and self.holdings.generation == full_key[0]:
                size = len(outcome.body) + (len(outcome.table.rows) * 200 if outcome.table else 0) + 200
                size += key_size(full_key)  # the key holds the whole query text
                self.cache.put(full_key, outcome, size)
            future.set_result(outcome)
            return outcome
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved
            raise
        finally:
            self._inflight.pop(full_key, None)

    async def execute(self, task: QueryTask | UpdateTask) -> Outcome:
        if isinstance(task, QueryTask):
            if task.bindings:  # bound here, so that the worker gets plain text and never needs rdflib
                try:
                    task = dataclasses.replace(task, bound=bound_text(task.text, task.bindings), bindings=())
                except Exception as exc:  # noqa: BLE001 - the answer the worker gave for a text it could not bind
                    reason = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
                    return error(400, f"query evaluation failed: {reason}")
            try:
                async with self.lanes.admit(task.text, self.settings.timeout) as ticket:
                    return await self._run(task, ticket.start)
            except LaneFull as exc:
                outcome = error(503, str(exc))
                outcome.extra["retry_after"] = "1"
                return outcome
        return await self._run(task)

    async def _run(self, task: QueryTask | UpdateTask, on_start=None) -> Outcome:  # type: ignore[no-untyped-def]
        try:
            result = await self.pool.run(task, self.settings.timeout, on_start)
        except PoolError as exc:
            outcome = error(exc.status, str(exc))
            outcome.extra["retry_after"] = "1" if isinstance(exc, Busy) else ""
            return outcome
        if isinstance(result, BaseException):
            return error(503, f"the query failed in its worker: {result}")
        if result.table is not None:
            materialise(result.table)
        return result

    async def update(self, task: UpdateTask) -> Outcome:
        if self._update_lock is None:
            self._update_lock = asyncio.Lock()
        async with self._update_lock:
            outcome = await self.execute(task)
            if outcome.changes is not None:
                removed, added = outcome.changes
                async with self.views.data_lock:  # not while a view's projection reads the dataset
                    self.holdings.changed()  # reopened: pages, VoID and labels read the updated store
                    statistics.forget(self)
                    self.cache.clear()
                    self.pages_cache.clear()
                    self.runs.clear()
                    self.views.clear()
                    self.pool.refresh()
                outcome.extra["removed"], outcome.extra["added"] = removed, added
                statistics.warm(self)
                outcome.changes = None
            return outcome
