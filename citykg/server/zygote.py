"""The zygote and the workers it forks: the worker-process side of :mod:`citykg.server.workers`.

The zygote is started as a fresh interpreter (``python -m citykg.server.zygote FD``, the pickled handler and
memory limit on stdin). It imports only the standard library it needs to fork (no asyncio, no pyoxigraph, not
the handler's modules: it holds ~11 MB, not ~35), and forks a worker for every byte the server sends. Each
worker unpickles the handler (importing the engine and pyoxigraph itself), opens the store, and answers tasks
one at a time; a large answer is streamed through a :class:`~citykg.server.framing.Spool`. After a task that
took a while the worker returns its freed heap to the system (malloc_trim) before its answer's last message,
so the pool can tell a worker that stays large (and retire it) from one that only peaked.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import resource
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

from citykg.server.framing import Spool, frame, message_buffer, recv_message

PID = struct.Struct("!q")
PR_SET_PDEATHSIG = 1
#: An answer body beyond this many bytes is streamed (see citykg.server.framing): below it, answers travel
#: whole, so that the server can cache them (its cache keeps entries up to 4 MiB) and share them.
STREAM_OVER = 4 * 1024 * 1024
#: A task that ran this long (s) ends with malloc_trim before its answer's last message: what its evaluation
#: freed goes back to the system instead of staying in the worker's heap.
TRIM_AFTER = 0.05


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


def _zygote(control: socket.socket, handler: bytes, memory_mb: int) -> None:
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
                _child(child_end, pickle.loads(handler), memory_mb)
            except BaseException:  # noqa: BLE001 - a child must exit, whatever happened
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        socket.send_fds(control, [PID.pack(pid)], [parent_end.fileno()])
        parent_end.close()


def _child(sock: socket.socket, handler: Callable[..., Any], memory_mb: int) -> None:
    _detach(sock.fileno())
    _limit_memory(memory_mb)
    owner = getattr(handler, "__self__", handler)  # the handler is a bound method: Engine.run
    with contextlib.suppress(Exception):  # open the store now; a failure shows again, as an answer, at the first task
        getattr(owner, "warm", lambda: None)()
    streams = getattr(owner, "streams", False)  # the handler takes a Spool: large answers are streamed
    trim = _malloc_trim()
    sock.setblocking(True)
    buffer = message_buffer()
    while True:
        payload = recv_message(sock, buffer)
        if payload is None:
            return
        started = time.monotonic()

        def settle(started: float = started) -> None:  # before the answer's last message (the pool then looks)
            if time.monotonic() - started >= TRIM_AFTER:
                trim()

        out = Spool(sock, STREAM_OVER, before_end=settle) if streams else None
        try:
            task = pickle.loads(payload)
            result = handler(task, out) if out is not None else handler(task)
            if out is None or not out.committed:
                settle()
            data = () if result is None and out is not None and out.committed else frame(result)
        except MemoryError:
            data = frame(MemoryError("out of memory"))
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            data = frame(RuntimeError(f"{type(exc).__name__}: {exc}"[:500]))
        if out is not None and out.committed and data:  # failed after the head was sent: break the stream off
            out.abort()
            data = ()
        for part in data:
            sock.sendall(part)
        data = result = payload = task = out = None  # the answer is not kept while the worker waits for the next task


def _malloc_trim() -> Callable[[], Any]:
    """glibc's malloc_trim(0) (returns the free pages of every arena to the system), or nothing elsewhere."""
    try:
        function = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    function.argtypes = [ctypes.c_size_t]
    return lambda: function(0)


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


if __name__ == "__main__":  # python -m citykg.server.zygote FD, (pickled handler, memory_mb) on stdin
    _handler, _memory_mb = pickle.loads(sys.stdin.buffer.read())
    _zygote(socket.socket(fileno=int(sys.argv[1])), _handler, _memory_mb)
