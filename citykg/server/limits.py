"""Connection limits uvicorn does not enforce itself: header size and count, header/body timeouts, a cap
on open connections, and quiet logs under abuse.

uvicorn (with httptools) buffers a request header of any size, never times out a connection that has not
finished its first request, and lets idle sockets pile up until the process runs out of file
descriptors. :func:`protocol` returns uvicorn's httptools protocol with these limits added, counted on
the raw bytes before the parser buffers them:

* the request head (request line and headers) may have at most ``max_header_bytes`` bytes and
  ``max_headers`` lines, else ``431`` and the connection is closed;
* the head must arrive within ``header_timeout`` seconds of the connection (or of the request's first
  byte on a kept-alive connection), the body within ``body_timeout`` seconds after the head, else
  ``408`` and close; between requests uvicorn's keep-alive timeout (``idle_timeout``) applies;
* at most ``max_connections`` are open: a new connection beyond it closes the oldest one that has no
  request running (idle, or still sending its head); when every connection is running a request, the
  new one gets ``503`` with ``Retry-After``. The cap is also kept below the file-descriptor limit.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

RESERVED_FDS = 128  # descriptors kept for workers' sockets, build files, the listening socket, logs


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 15.0
    max_connections: int = 1024


def _response(status: bytes, text: str, extra: bytes = b"") -> bytes:
    body = (text + "\n").encode("utf-8")
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        + extra
        + b"content-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def protocol(limits: Limits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol class with ``limits`` (one class per server: it keeps the open set)."""
    cap = effective_connections(limits.max_connections)
    opened: dict[Any, float] = {}  # insertion order: oldest first

    class Limited(HttpToolsProtocol):
        _phase = "idle"  # idle (no request byte yet), head (request head arriving), body (parser has it)
        _head = 0
        _lines = 0
        _tail = b""
        _timer: Any = None
        _complete = False  # the parser has the whole request (no timer needed until the next one)

        def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
            super().connection_made(OneSend(transport, self.loop))
            if len(opened) >= cap and not self._make_room():
                transport.write(
                    _response(b"503 Service Unavailable", "too many open connections; try again", b"retry-after: 1\r\n")
                )
                transport.close()
                return
            opened[self] = time.monotonic()
            self._arm(limits.header_timeout, "the request head did not arrive in time")

        def connection_lost(self, exc: Exception | None) -> None:
            opened.pop(self, None)
            self._disarm()
            super().connection_lost(exc)

        def _make_room(self) -> bool:
            for other in list(opened):
                if other._phase != "body" and other.transport is not None and not other.transport.is_closing():
                    opened.pop(other, None)
                    other.transport.close()
                    return True
            return False

        def _arm(self, seconds: float, why: str) -> None:
            self._disarm()
            self._timer = self.loop.call_later(seconds, self._expire, why)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _expire(self, why: str) -> None:
            self._timer = None
            if self.transport is not None and not self.transport.is_closing():
                if self._phase != "body" or self.cycle is None or not self.cycle.response_started:
                    self.transport.write(_response(b"408 Request Timeout", why))
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            # the timer of this phase is armed after the parser has seen the data, and only when the head (or the
            # body) is still incomplete then: a request that arrives in one piece, as most do, costs no timer
            arm: tuple[float, str] | None = None
            if self._phase == "idle":
                self._phase, self._head, self._lines, self._tail = "head", 0, 0, b""
                self._complete = False
                arm = (limits.header_timeout, "the request head did not arrive in time")
            if self._phase == "head":
                window = self._tail + data
                end = window.find(b"\r\n\r\n")
                upto = len(data) if end < 0 else max(0, end + 4 - len(self._tail))
                self._head += upto
                self._lines += data.count(b"\n", 0, upto)
                self._tail = window[-3:]
                if self._head > limits.max_header_bytes or self._lines > limits.max_headers + 1:
                    self._disarm()
                    self.transport.write(
                        _response(
                            b"431 Request Header Fields Too Large",
                            f"the request head is larger than this server accepts ({limits.max_header_bytes:,} "
                            f"bytes, {limits.max_headers} header lines)",
                        )
                    )
                    self.transport.close()
                    return
                if end >= 0:
                    self._phase = "body"
                    arm = (limits.body_timeout, "the request body did not arrive in time")
            super().data_received(data)
            if arm is not None and not self._complete and not self.transport.is_closing():
                self._arm(*arm)

        def on_message_complete(self) -> None:
            self._complete = True
            super().on_message_complete()
            self._disarm()

        def on_response_complete(self) -> None:
            self._phase = "idle"
            super().on_response_complete()

    Limited.__name__ = Limited.__qualname__ = "LimitedHttpToolsProtocol"
    return Limited


class OneSend:
    """A transport that sends a response's head and body as one send: uvicorn writes them separately, and on
    loopback each send costs the receiver's TCP work too (about a tenth of a millisecond each on this kind of
    machine). A first small write waits for a second one (then both leave at once, without waiting for the
    rest of the turn: uvicorn's bookkeeping after a response would delay it by tens of microseconds) or for the
    end of the event-loop turn. Writes of ``BIG`` bytes or more go out at once (after what is pending), so a
    large body is never copied; closing sends what is pending first."""

    BIG = 64 * 1024

    def __init__(self, transport: Any, loop: Any) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if len(data) >= self.BIG:
            self._flush()
            self._transport.write(data)
            return
        if self._pending:  # a head and its body: both leave now
            self._pending.append(data)
            self._flush()
            return
        self._loop.call_soon(self._flush)
        self._pending.append(data)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending = []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)


def effective_connections(wanted: int) -> int:
    """``wanted``, lowered to fit the file-descriptor limit (raised to its hard maximum first)."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted + RESERVED_FDS)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    except (OSError, ValueError):
        return wanted
    return max(1, min(wanted, soft - RESERVED_FDS))


class RateLimited(logging.Filter):
    """Lets one record per message head through every ``seconds`` (accept() failing in a loop, …)."""

    def __init__(self, seconds: float = 10.0) -> None:
        super().__init__()
        self.seconds = seconds
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        head = str(record.msg)[:80]
        now = time.monotonic()
        if now - self._last.get(head, -1e9) < self.seconds:
            return False
        self._last[head] = now
        if len(self._last) > 1000:
            self._last.clear()
        record.exc_info = None  # one line, not a traceback
        record.exc_text = None
        return True


def quiet_logs() -> None:
    """Rate-limit the event loop's and uvicorn's error logs (EMFILE, bad requests): no log flooding."""
    for name in ("asyncio", "uvicorn.error"):
        logging.getLogger(name).addFilter(RateLimited())


def options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The limit options of ``citykg serve`` (documented in docs/server.md, "Limits")."""
    defaults = Limits()
    specs = [
        ("--max-header-bytes", click.IntRange(1024), defaults.max_header_bytes, "Largest request head, bytes."),
        ("--max-headers", click.IntRange(1), defaults.max_headers, "Most header lines in a request."),
        ("--header-timeout", click.FloatRange(0.1), defaults.header_timeout, "Seconds to send a request head."),
        ("--body-timeout", click.FloatRange(0.1), defaults.body_timeout, "Seconds to send a request body."),
        ("--idle-timeout", click.FloatRange(0.1), defaults.idle_timeout, "Seconds a kept-alive connection may idle."),
        ("--max-connections", click.IntRange(1), defaults.max_connections, "Most open connections."),
        (
            "--heavy-seconds",
            click.FloatRange(0.01),
            1.0,
            "A query shape that ran this long is heavy: at most workers-1 run at once.",
        ),
    ]
    for flag, kind, default, text in reversed(specs):
        command = click.option(flag, type=kind, default=default, show_default=True, help=text)(command)
    return command


def from_options(values: dict[str, Any]) -> Limits:
    return Limits(**{name: values[name] for name in Limits.__dataclass_fields__})
