"""Query workers come from a zygote started as a fresh interpreter: a worker forked after the server has read
the store (pages) can still open it for writing (an update). Forked straight from a process holding a
RocksDB handle, such a worker could hang there. Also: the messages between the server and a worker."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from citykg.server import framing
from citykg.server.workers import Pool


def write_one(location: str, task: str) -> int:
    store = ox.Store(location)
    store.add(ox.Quad(ox.NamedNode(f"urn:t:{task}"), ox.NamedNode("urn:t:p"), ox.Literal(task)))
    store.flush()
    size = len(store)
    del store
    return size


def make_store(location: str) -> None:
    """The first quad, written by another process (as `citykg build` does): this one has not touched RocksDB."""
    code = f"import test_engine_workers as t; t.write_one({location!r}, 'first')"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)


@pytest.fixture(autouse=True)
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A zygote started as a fresh interpreter (this process may have opened stores in earlier tests) must
    import this module to unpickle the handler."""
    here = str(Path(__file__).parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))


def test_workers_write_after_the_server_read_the_store(tmp_path) -> None:
    location = str(tmp_path / "store")
    make_store(location)
    pool = Pool(functools.partial(write_one, location), 2, memory_mb=0)
    pool.start()
    try:
        reader = ox.Store.read_only(location)  # what the server process does for its pages
        assert len(list(reader.query("SELECT * { ?s ?p ?o }"))) == 1

        async def rounds() -> list[int]:
            sizes = []
            for n in range(3):
                pool.refresh()  # after an update: new workers, while the server holds its handle
                sizes.append(await pool.run(f"w{n}", timeout=20))
            return sizes

        assert asyncio.run(rounds()) == [2, 3, 4]
    finally:
        pool.close()


def test_a_killed_zygote_is_replaced(tmp_path) -> None:
    location = str(tmp_path / "store")
    make_store(location)
    pool = Pool(functools.partial(write_one, location), 1, memory_mb=0)
    pool.start()
    try:
        os.kill(pool._zygote_pid, signal.SIGKILL)
        os.waitpid(pool._zygote_pid, 0)

        async def after() -> int:
            pool.refresh()  # forks through a new zygote (a fresh interpreter)
            return await pool.run("again", timeout=30)

        assert asyncio.run(after()) == 2
    finally:
        pool.close()


@dataclasses.dataclass
class Answer:
    body: bytes
    note: str


@pytest.mark.parametrize("body_size", [0, 10, framing.SMALL, framing.SMALL + 1, 3 * framing.SMALL + 7])
@pytest.mark.parametrize("note_size", [1, framing.SMALL + 1])
def test_one_message_each_way_carries_any_size(body_size: int, note_size: int) -> None:
    """The framing: small messages joined into one send, a large body after the pickle (read into its own
    buffer, handed on as a view), a large pickle in a buffer of its size; all arrive as sent."""
    body = bytes(range(256)) * (body_size // 256) + b"z" * (body_size % 256)
    answer = Answer(body, "n" * note_size)
    parts = framing.frame(answer)
    if body_size <= 10 and note_size == 1:
        assert len(parts) == 1  # header and pickle in one send
    if body_size > framing.SMALL:
        assert parts[-1] is body  # the body's own bytes, not a copy inside the pickle
    here, there = socket.socketpair()
    here.setblocking(False)
    sender = threading.Thread(target=lambda: [there.sendall(part) for part in parts])
    sender.start()
    got = _receive_now(here)
    sender.join()
    here.close()
    there.close()
    assert bytes(got.body) == body
    assert got.note == "n" * note_size


def _receive_now(sock: socket.socket):  # type: ignore[no-untyped-def]
    async def receive():  # type: ignore[no-untyped-def]
        return await framing.receive(asyncio.get_running_loop(), sock)

    return asyncio.run(receive())


def test_a_task_is_read_whole_by_the_worker() -> None:
    here, there = socket.socketpair()
    for size in (5, framing.SMALL + 5):
        for part in framing.frame(("task", "t" * size)):
            here.sendall(part)
        assert pickle.loads(framing.recv_message(there)) == ("task", "t" * size)
    here.close()
    assert framing.recv_message(there) is None  # the server went away
    there.close()


def test_the_engine_a_worker_imports_needs_no_rdflib() -> None:
    """Workers start from a fresh zygote that imports the engine: no rdflib (nor Starlette) in it."""
    code = "import sys, citykg.server.engine; print(sorted(m for m in ('rdflib', 'starlette') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def hold(megabytes: int) -> int:
    """A task that grows its worker by ``megabytes`` and keeps it (as a store's block cache would)."""
    global KEPT
    KEPT = bytearray(megabytes * 1024 * 1024)
    KEPT[::4096] = b"x" * len(KEPT[::4096])  # touched: resident
    return os.getpid()


KEPT = bytearray()


def test_a_worker_that_stays_large_is_retired_and_one_that_stays_small_is_kept() -> None:
    pool = Pool(hold, 1, memory_mb=0, recycle_mb=60)

    async def rounds() -> list[int]:
        return [await pool.run(size, timeout=30) for size in (1, 1, 80, 1)]

    pool.start()
    try:
        small, again, large, fresh = asyncio.run(rounds())
        assert small == again  # under the limit: the same worker answers again
        assert large == again  # over it: it still answers, and is retired afterwards
        assert fresh != large
        assert pool.recycled == 1
        assert len(pool.workers) == 1
    finally:
        pool.close()
