"""Worker processes for CPU-bound queries, with a timeout that really stops the work.

Workers are forked from the process that holds the loaded dataset, so they start in milliseconds and
share its memory copy-on-write. A task goes to an idle worker over a socket pair; when it does not
answer within the timeout the worker is killed (SIGKILL) and a fresh one is forked in its place, so a
runaway query never holds a worker (or the event loop) for longer than the timeout. After an update
the pool is re-forked, so every later query sees the new data.

The parent runs no threads that could hold locks a child needs across ``fork`` (the app serves files
itself and binds its socket before uvicorn starts; the only threads are those that generate the view
pages, :mod:`citykg.server.views`, which run rdflib, networkx and Jinja with every module imported
beforehand, and take no lock the query handler uses), and a child closes every inherited descriptor but
its own socket, ignores SIGINT (the parent stops it) and dies with the parent (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
import pickle
import resource
import signal
import socket
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HEADER = struct.Struct("!Q")
PR_SET_PDEATHSIG = 1


class PoolError(Exception):
    """A task could not be answered: ``status`` and a message for the client."""

    status = 503


class Timeout(PoolError):
    pass


class Busy(PoolError):
    pass


class WorkerDied(PoolError):
    pass


@dataclass(eq=False)
class Worker:
    pid: int
    sock: socket.socket
    generation: int
    reaped: bool = False  # its exit status was collected: the pid may belong to another process now


class Pool:
    """``size`` forked workers running ``handler(task) -> result`` (both picklable)."""

    def __init__(self, handler: Callable[[Any], Any], size: int = 2, *, memory_mb: int = 2048) -> None:
        self.handler = handler
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.generation = 0
        self.workers: dict[int, Worker] = {}
        self.idle: list[Worker] = []
        self._waiters: list[asyncio.Future[None]] = []
        self.forks = 0
        self.killed = 0
        self.closed = False

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Fork the first workers; call before serving (the dataset is loaded, no threads run yet)."""
        gc.collect()
        gc.freeze()  # keep the loaded dataset's pages shared: the children's GC never touches them
        for _ in range(self.size):
            self.idle.append(self._fork())

    def close(self) -> None:
        self.closed = True
        for worker in list(self.workers.values()):
            self._kill(worker)
        self.idle.clear()

    def refresh(self) -> None:
        """Retire every worker (busy ones when they finish) and fork fresh ones from the current data."""
        self.generation += 1
        for worker in list(self.idle):
            self._kill(worker)
        self.idle = [self._fork() for _ in range(self.size)]
        self._wake()

    # -- running tasks ---------------------------------------------------------------------------------------
    async def run(self, task: Any, timeout: float, on_start: Callable[[], None] | None = None) -> Any:
        """Run ``task`` on an idle worker; ``on_start`` is called when a worker takes it (for run times)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        worker = await self._acquire(deadline)
        if on_start is not None:
            on_start()
        frame = _frame(task)
        try:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                await loop.sock_sendall(worker.sock, frame)
                result = await _receive(loop, worker.sock)
        except TimeoutError:
            self._replace(worker)
            raise Timeout(f"the query did not finish within the time limit of {timeout:g} s and was stopped") from None
        except (OSError, EOFError, pickle.UnpicklingError):
            self._replace(worker)
            raise WorkerDied("the worker running this query failed; please try again") from None
        except BaseException:  # cancelled: the worker may still be busy with the task
            self._replace(worker)
            raise
        self._release(worker)
        return result

    async def _acquire(self, deadline: float) -> Worker:
        loop = asyncio.get_running_loop()
        while True:
            if self.closed:
                raise Busy("the server is shutting down")
            while self.idle:
                worker = self.idle.pop()
                if _alive(worker):
                    return worker
                self._replace(worker)  # it died while idle (killed, OOM): never hand it a task
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(max(0.0, deadline - loop.time())):
                    await waiter
            except TimeoutError:
                raise Busy("all query workers stayed busy for the whole time limit; try again later") from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _release(self, worker: Worker) -> None:
        if worker.generation != self.generation or self.closed:
            self._kill(worker)
            return
        self.idle.append(worker)
        self._wake()

    def _replace(self, worker: Worker) -> None:
        self._kill(worker)
        self.killed += 1
        current = sum(1 for w in self.workers.values() if w.generation == self.generation)
        if not self.closed and current < self.size:
            self.idle.append(self._fork())
            self._wake()

    def _wake(self) -> None:
        while self._waiters and self.idle:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return

    # -- processes -------------------------------------------------------------------------------------------
    def _fork(self) -> Worker:
        parent_end, child_end = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: serve tasks until the parent goes away, never return into the caller
            code = 0
            try:
                parent_end.close()
                _child(child_end, self.handler, self.memory_mb)
            except BaseException:  # noqa: BLE001 - a child must exit, whatever happened
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        parent_end.setblocking(False)
        worker = Worker(pid, parent_end, self.generation)
        self.workers[pid] = worker
        self.forks += 1
        return worker

    def _kill(self, worker: Worker) -> None:
        self.workers.pop(worker.pid, None)
        if worker in self.idle:
            self.idle.remove(worker)
        if not worker.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)
            worker.reaped = True
        worker.sock.close()

    def stats(self) -> dict[str, int]:
        return {"workers": len(self.workers), "idle": len(self.idle), "forks": self.forks, "killed": self.killed}


def _alive(worker: Worker) -> bool:
    """False when an idle worker's process has exited (reaped here) or its socket is closed."""
    try:
        pid, _ = os.waitpid(worker.pid, os.WNOHANG)
    except ChildProcessError:
        worker.reaped = True
        return False
    if pid != 0:
        worker.reaped = True
        return False
    try:
        return worker.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True  # nothing to read: the normal state of an idle worker
    except OSError:
        return False


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


async def _receive(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
    header = await _exactly(loop, sock, HEADER.size)
    (size,) = HEADER.unpack(header)
    return pickle.loads(await _exactly(loop, sock, size))


async def _exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise EOFError("worker closed its socket")
        got += n
    return bytes(buffer)


def _recv_blocking(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        data = sock.recv(min(size - len(chunks), 1 << 20))
        if not data:
            return None
        chunks += data
    return bytes(chunks)


def _child(sock: socket.socket, handler: Callable[[Any], Any], memory_mb: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    keep = sock.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)
    _limit_memory(memory_mb)
    sock.setblocking(True)
    while True:
        header = _recv_blocking(sock, HEADER.size)
        if header is None:
            return
        payload = _recv_blocking(sock, HEADER.unpack(header)[0])
        if payload is None:
            return
        try:
            result = handler(pickle.loads(payload))
            data = _frame(result)
        except MemoryError:
            data = _frame(MemoryError("out of memory"))
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            data = _frame(RuntimeError(f"{type(exc).__name__}: {exc}"[:500]))
        sock.sendall(data)


def _limit_memory(memory_mb: int) -> None:
    """Cap the worker's address space at what it has now plus ``memory_mb``: a huge query fails alone."""
    if memory_mb <= 0:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:  # noqa: PTH123 - one tiny read
            pages = int(handle.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        pass
