"""Fairness in front of the worker pool: queries that ran long before cannot take every worker.

Each query text is reduced to its *shape* (comments dropped, variables renamed in order of appearance,
string literals blanked, whitespace collapsed), so the same heavy query with a different comment, other
variable names or another string is recognised. A shape whose last run took at least ``heavy_seconds``
(or hit the time limit) is *heavy*: heavy queries run in a lane of at most ``workers - 1`` workers (one
when there is a single worker), so at least one worker stays free for everything else. A heavy query
that finds its lane full waits for it up to the time limit and then gets 503 with ``Retry-After``. A
shape that later runs fast leaves the lane. Unknown shapes run unrestricted: the first run of a new
heavy shape still takes a worker for up to the time limit (documented in docs/server.md).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

TOKENS = re.compile(
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\s]*>)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)"
    r"|(?P<space>\s+)"
    r"|(?P<other>[^\s\"'<#?$]+|.)",
    re.DOTALL,
)


#: Texts up to this size have their shape kept: a named query is the same text on every request, and once some
#: shape is heavy every query is shaped before it runs (a tokenisation of 0.2-0.3 ms for a named query).
KEPT_SHAPE = 16 * 1024


def shape(text: str) -> str:
    """A digest of the query's shape (see the module docstring); equal for equally costly variants."""
    return _kept_shape(text) if len(text) <= KEPT_SHAPE else _shape(text)


@functools.lru_cache(maxsize=512)
def _kept_shape(text: str) -> str:
    return _shape(text)


def _shape(text: str) -> str:
    names: dict[str, str] = {}
    parts: list[str] = []
    for match in TOKENS.finditer(text):
        kind = match.lastgroup
        if kind in ("comment", "space"):
            parts.append(" ")
        elif kind in ("long", "string"):
            parts.append('""')
        elif kind == "var":
            parts.append(names.setdefault(match.group()[1:], f"?v{len(names)}"))
        else:
            parts.append(match.group())
    normal = re.sub(r" +", " ", "".join(parts)).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


class LaneFull(Exception):
    """Every worker of the heavy lane stayed busy for the whole time limit."""


@dataclass
class Ticket:
    """One admitted query: ``started`` is set when a worker takes it (the pool calls :meth:`start`)."""

    shape: str
    heavy: bool
    started: float | None = None

    def start(self) -> None:
        self.started = time.monotonic()


class Lanes:
    def __init__(self, workers: int, heavy_seconds: float, max_shapes: int = 4096) -> None:
        self.slots = max(1, workers - 1)
        self.heavy_seconds = heavy_seconds
        self.max_shapes = max_shapes
        self._heavy: OrderedDict[str, None] = OrderedDict()
        self._semaphore: asyncio.Semaphore | None = None
        self.refused = 0

    def is_heavy(self, key: str) -> bool:
        return key in self._heavy

    @asynccontextmanager
    async def admit(self, text: str, timeout: float) -> AsyncIterator[Ticket]:
        """Admit one query (waiting for the heavy lane if its shape is heavy); learn from its run time."""
        # the shape costs a tokenisation: computed now only when some shape is heavy, else after a long run
        ticket = Ticket(shape(text) if self._heavy else "", False)
        ticket.heavy = bool(ticket.shape) and self.is_heavy(ticket.shape)
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.slots)
        if ticket.heavy:
            try:
                async with asyncio.timeout(timeout):
                    await self._semaphore.acquire()
            except TimeoutError:
                self.refused += 1
                raise LaneFull(
                    "this query ran long before and every worker for long queries stayed busy for the whole "
                    "time limit; try again later"
                ) from None
        try:
            yield ticket
        finally:
            if ticket.heavy:
                self._semaphore.release()
            if ticket.started is not None:
                seconds = time.monotonic() - ticket.started
                if ticket.shape or seconds >= self.heavy_seconds:
                    self._learn(ticket.shape or shape(text), seconds)

    def _learn(self, key: str, seconds: float) -> None:
        if seconds >= self.heavy_seconds:
            self._heavy[key] = None
            self._heavy.move_to_end(key)
            while len(self._heavy) > self.max_shapes:
                self._heavy.popitem(last=False)
        elif seconds < self.heavy_seconds / 2:
            self._heavy.pop(key, None)
