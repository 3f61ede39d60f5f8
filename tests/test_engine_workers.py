"""Query workers come from a zygote forked before the server process opens the store: a worker forked after
the server has read the store (pages) can still open it for writing (an update). Forked straight from a
process holding a RocksDB handle, such a worker could hang there."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

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
