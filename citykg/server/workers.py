"""Worker processes for CPU-bound queries, with a timeout that really stops the work.

Workers are forked, in milliseconds, by a *zygote* (:mod:`citykg.server.zygote`): a small process started as
a fresh interpreter when the pool starts, which imports only what it needs to fork; each worker then imports
the handler's modules (for the endpoint: pyoxigraph, the policy, the engine; no rdflib, Starlette or pages).
So no worker ever inherits a RocksDB handle or the state of its background threads (a child that inherits
them can hang when it opens the store for writing), however often workers are replaced, and no worker
carries a copy of the server's memory (each one's RSS counts only what it imported and what its queries
used: on a 1M world ~33 MB at rest). A large answer is streamed: the server gets it as chunks (a
:class:`Stream`) while the worker still writes it, and the worker stays busy until its last chunk is read.
A worker that stays large after an answer (beyond ``recycle_mb``) is retired. The zygote hands each new
worker's socket to the server over a Unix socket (SCM_RIGHTS). A task goes to an idle worker over that
socket; when it does not answer within the timeout the worker is killed (SIGKILL) and a fresh one takes its
place, so a runaway query never holds a worker (or the event loop) for longer than the timeout. After an
update the pool is renewed, and the new workers open the updated store.

The zygote and the workers close every inherited descriptor but their own sockets, ignore SIGINT (the
server stops them) and die with their parent (PR_SET_PDEATHSIG); the zygote reaps its workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import socket
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from citykg.server.framing import ChunkReader, StreamAborted, frame, message_buffer, receive_head, send_all

PID = struct.Struct("!q")
#: A worker whose resident memory after its answer exceeds this (MB; its heap after malloc_trim, and the store's
#: block cache, which grows with the data its queries read) is retired and a fresh one forked: the next heavy
#: query starts from a worker of ~30 MB, not on top of what earlier ones left.
RECYCLE_MB = 80
PAGE = os.sysconf("SC_PAGE_SIZE")


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
    statm: int = -1  # a descriptor of its /proc/PID/statm, read after each answer (one pread, no open)
    buffer: bytearray = field(default_factory=message_buffer)  # its answers are read into it


class Pool:
    """``size`` forked workers running ``handler(task) -> result`` (both picklable)."""

    def __init__(
        self, handler: Callable[[Any], Any], size: int = 2, *, memory_mb: int = 2048, recycle_mb: int = RECYCLE_MB
    ) -> None:
        self.handler = handler
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.recycle_mb = recycle_mb
        self.recycled = 0
        self.generation = 0
        self.workers: dict[int, Worker] = {}
        self.idle: list[Worker] = []
        self._waiters: list[asyncio.Future[None]] = []
        self.forks = 0
        self.killed = 0
        self.closed = False
        self._zygote: socket.socket | None = None
        self._zygote_pid = 0
        self._reap_zygote: Callable[[], Any] = lambda: None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Fork the first workers; call before serving (the dataset is loaded, no threads run yet)."""
        self._start_zygote()
        for _ in range(self.size):
            self.idle.append(self._fork())

    def close(self) -> None:
        self.closed = True
        for worker in list(self.workers.values()):
            self._kill(worker)
        self.idle.clear()
        self._stop_zygote()

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
        try:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                for part in frame(task):
                    await send_all(loop, worker.sock, part)
                result, leftover = await receive_head(loop, worker.sock, worker.buffer)
        except TimeoutError:
            self._replace(worker)
            raise Timeout(_late(timeout)) from None
        except (OSError, EOFError, pickle.UnpicklingError):
            self._replace(worker)
            raise WorkerDied("the worker running this query failed; please try again") from None
        except BaseException:  # cancelled: the worker may still be busy with the task
            self._replace(worker)
            raise
        if leftover is not None:  # a streamed answer: the worker stays busy until its last chunk is read
            result.chunks = Stream(self, worker, ChunkReader(loop, worker.sock, leftover), deadline, timeout)
            return result
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
        if self.recycle_mb and _resident(worker) > self.recycle_mb * 1024 * 1024:
            self._kill(worker)  # grown (see RECYCLE_MB): a fresh one takes its place
            self.recycled += 1
            self.idle.append(self._fork())
            self._wake()
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
    def _start_zygote(self) -> None:
        """Start the zygote as a fresh interpreter (never a fork of this process: see the module docstring)."""
        import subprocess

        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        sys.stdout.flush()
        sys.stderr.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", "citykg.server.zygote", str(there.fileno())],
            stdin=subprocess.PIPE,
            pass_fds=[there.fileno()],
        )
        assert process.stdin is not None
        # the handler stays a pickle in the zygote: each worker unpickles it (and imports its modules) itself
        process.stdin.write(pickle.dumps((pickle.dumps(self.handler), self.memory_mb)))
        process.stdin.close()
        there.close()
        self._zygote, self._zygote_pid = here, process.pid
        self._reap_zygote = process.wait

    def _fork(self) -> Worker:
        for attempt in range(2):
            try:
                if self._zygote is None:
                    raise OSError("no zygote")
                self._zygote.sendall(b"F")
                data, fds, _, _ = socket.recv_fds(self._zygote, PID.size, 1)
                if len(data) == PID.size and fds:
                    break
            except OSError:
                pass
            if self.closed or attempt:
                raise WorkerDied("the server could not start a query worker")
            self._stop_zygote()
            self._start_zygote()  # it died (killed from outside): a new one
        (pid,) = PID.unpack(data)
        sock = socket.socket(fileno=fds[0])
        sock.setblocking(False)
        worker = Worker(pid, sock, self.generation)
        with contextlib.suppress(OSError):
            worker.statm = os.open(f"/proc/{pid}/statm", os.O_RDONLY | os.O_CLOEXEC)
        self.workers[pid] = worker
        self.forks += 1
        return worker

    def _stop_zygote(self) -> None:
        if self._zygote is not None:
            self._zygote.close()  # the zygote reads EOF and exits
            self._zygote = None
            with contextlib.suppress(ChildProcessError, OSError):
                self._reap_zygote()

    def _kill(self, worker: Worker) -> None:
        self.workers.pop(worker.pid, None)
        if worker in self.idle:
            self.idle.remove(worker)
        if not worker.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)  # the zygote reaps it
            worker.reaped = True
        worker.sock.close()
        if worker.statm >= 0:
            with contextlib.suppress(OSError):
                os.close(worker.statm)
            worker.statm = -1

    def stats(self) -> dict[str, int]:
        return {
            "workers": len(self.workers),
            "idle": len(self.idle),
            "forks": self.forks,
            "killed": self.killed,
            "recycled": self.recycled,
        }


def _resident(worker: Worker) -> int:
    """Bytes a worker holds in memory now (0 when it cannot be read). One pread of the descriptor opened when it
    was forked (an open, read and close per answer cost the server ~20 us): the descriptor stays bound to that
    process, so a dead worker reads as 0, never as another process that got its pid."""
    try:
        return int(os.pread(worker.statm, 64, 0).split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _late(timeout: float) -> str:
    return f"the query did not finish within the time limit of {timeout:g} s and was stopped"


class Stream:
    """The body of a streamed answer, chunk by chunk, for the response (an async iterator; read it once).
    The time limit still holds: a chunk later than the deadline stops the worker (replaced) and raises
    :class:`Timeout`; so do a broken-off stream and a dead worker (:class:`WorkerDied`). A stream that is
    closed or dropped before its end replaces its worker (which may still be writing), never hands it on."""

    def __init__(self, pool: Pool, worker: Worker, reader: ChunkReader, deadline: float, timeout: float) -> None:
        self.pool = pool
        self.worker: Worker | None = worker
        self.reader = reader
        self.deadline = deadline
        self.timeout = timeout

    def __aiter__(self) -> Stream:
        return self

    async def __anext__(self) -> memoryview:
        if self.worker is None:
            raise StopAsyncIteration
        try:
            remaining = self.deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                chunk = await self.reader.next()
        except TimeoutError:
            self._finish(False)
            raise Timeout(_late(self.timeout)) from None
        except (OSError, EOFError, StreamAborted):
            self._finish(False)
            raise WorkerDied("the worker running this query failed while sending its answer") from None
        except BaseException:  # cancelled (the client went away)
            self._finish(False)
            raise
        if chunk is None:
            self._finish(True)
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        self._finish(False)

    def _finish(self, whole: bool) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            self.pool._release(worker) if whole else self.pool._replace(worker)

    def __del__(self) -> None:  # never read to its end (the response was never sent): free the worker
        if self.worker is not None:
            with contextlib.suppress(Exception):
                self.pool._replace(self.worker)
            self.worker = None


def _alive(worker: Worker) -> bool:
    """False when an idle worker's socket is closed (its process has exited: the kernel closed its end).
    One syscall on the normal path; the process is looked up only when the socket says it is gone."""
    try:
        alive = worker.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True  # nothing to read: the normal state of an idle worker
    except OSError:
        alive = False
    if not alive:
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            worker.reaped = True
    return alive
