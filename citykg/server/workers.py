"""Worker processes for CPU-bound queries, with a timeout that really stops the work.

Workers are forked, in milliseconds, by a *zygote*: a small process started as a fresh interpreter when the
pool starts, which imports only the handler's modules (for the endpoint: pyoxigraph, the policy, the engine;
no rdflib, Starlette or pages). So no worker ever inherits a RocksDB handle or the state of its background
threads (a child that inherits them can hang when it opens the store for writing), however often workers are
replaced, and no worker carries a copy of the server's memory (each one's peak RSS counts only what it
imported and what its queries used: on a 1M world 54 -> ~25 MB at rest). The zygote hands each new
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
import ctypes
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

from citykg.server.framing import frame, receive, recv_message

PID = struct.Struct("!q")
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
                    await loop.sock_sendall(worker.sock, part)
                result = await receive(loop, worker.sock)
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
    def _start_zygote(self) -> None:
        """Start the zygote as a fresh interpreter (never a fork of this process: see the module docstring)."""
        import subprocess

        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        sys.stdout.flush()
        sys.stderr.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", "citykg.server.workers", str(there.fileno())],
            stdin=subprocess.PIPE,
            pass_fds=[there.fileno()],
        )
        assert process.stdin is not None
        process.stdin.write(pickle.dumps((self.handler, self.memory_mb)))
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

    def stats(self) -> dict[str, int]:
        return {"workers": len(self.workers), "idle": len(self.idle), "forks": self.forks, "killed": self.killed}


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


def _detach(keep: int) -> None:
    """A forked child's first steps: signals of its own, death with its parent, no inherited descriptors."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)


def _zygote(control: socket.socket, handler: Callable[[Any], Any], memory_mb: int) -> None:
    """Fork a worker for every byte the server sends; answer with its pid and its socket (SCM_RIGHTS)."""
    _detach(control.fileno())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel: no zombies
    control.setblocking(True)
    while control.recv(1):
        parent_end, child_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                control.close()
                parent_end.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _child(child_end, handler, memory_mb)
            except BaseException:  # noqa: BLE001 - a child must exit, whatever happened
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        socket.send_fds(control, [PID.pack(pid)], [parent_end.fileno()])
        parent_end.close()


def _child(sock: socket.socket, handler: Callable[[Any], Any], memory_mb: int) -> None:
    _detach(sock.fileno())
    _limit_memory(memory_mb)
    with contextlib.suppress(Exception):  # open the store now; a failure shows again, as an answer, at the first task
        owner = getattr(handler, "__self__", handler)  # the handler is a bound method: Engine.run
        getattr(owner, "warm", lambda: None)()
    sock.setblocking(True)
    while True:
        payload = recv_message(sock)
        if payload is None:
            return
        try:
            result = handler(pickle.loads(payload))
            data = frame(result)
        except MemoryError:
            data = frame(MemoryError("out of memory"))
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            data = frame(RuntimeError(f"{type(exc).__name__}: {exc}"[:500]))
        for part in data:
            sock.sendall(part)
        data = result = payload = None  # the answer is not kept while the worker waits for the next task


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


if __name__ == "__main__":  # a zygote started afresh: python -m citykg.server.workers FD, (handler, memory_mb) on stdin
    _handler, _memory_mb = pickle.loads(sys.stdin.buffer.read())
    _zygote(socket.socket(fileno=int(sys.argv[1])), _handler, _memory_mb)
