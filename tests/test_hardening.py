"""The hardening catalogue: one regression test per cause of the reliability review (F1-F19, see
../shared/research/review-2026-12/reliability.md), each reproducing the probe that failed.

Causes of the engine and updates (F3, F5, F8, F9, F11, F12) are covered by the engine's own tests.
Everything here runs the real server over real HTTP (raw sockets where the probe needs them) and the
real CLI in a subprocess. A server of its own runs with short limits so the probes finish quickly:
``--timeout 2 --workers 2 --header-timeout 1 --body-timeout 1 --idle-timeout 1 --max-header-bytes 8192
--max-connections 40 --heavy-seconds 0.5``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from citykg.server import search as search_module
from citykg.server.cache import LRU, key_size
from citykg.server.datasets import Holdings
from citykg.server.lanes import shape
from citykg.store import open_dataset

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

from server_conftest import Server, make_project, start_server  # noqa: E402

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }} # {nonce}"
CAP = 40


@pytest.fixture(scope="module")
def hardened(server_project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hardened")
    running = start_server(
        server_project,
        *("--timeout", "2", "--workers", "2", "--header-timeout", "1", "--body-timeout", "1"),
        *("--idle-timeout", "1", "--max-header-bytes", "8192", "--max-connections", str(CAP)),
        *("--heavy-seconds", "0.5", "--cache-mb", "4"),
        log=folder / "server.log",
    )
    yield running
    running.stop()  # fails if the server logged a traceback (F16)


def connect(server: Server) -> socket.socket:
    host, port = server.url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=15)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (the socket timeout bounds it)."""
    chunks = []
    try:
        while data := sock.recv(65536):
            chunks.append(data)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def fresh_ask(server: Server) -> httpx.Response:
    return server.get("sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"})


# -- F1: the 404 page's suggestions are bounded, cached and off the hot path --------------------------------
def test_f1_suggestions_do_bounded_work(server_project, monkeypatch: pytest.MonkeyPatch) -> None:
    holdings = Holdings(open_dataset(server_project, quiet=True), server_project.base)
    calls: list[str] = []
    real = search_module.search
    monkeypatch.setattr(search_module, "search", lambda h, word, *a, **k: calls.append(word) or real(h, word, *a, **k))
    hostile = "urn:x:" + "-".join(f"w{i:04d}x" for i in range(9000))  # the probe's 63 KB IRI
    # a generous budget: the bound checked here is the count of words, and a busy machine must not cut the
    # answer (a cut answer is, by design, not cached)
    first = search_module.suggestions(holdings, hostile, "en", budget=60.0)
    assert len(calls) <= search_module.MAX_WORDS
    calls.clear()
    assert search_module.suggestions(holdings, hostile, "en", budget=60.0) == first  # cached: no work at all
    assert calls == []
    assert search_module.suggestions(holdings, holdings.base + "city/amiense", "en", budget=-1) == []
    near = search_module.suggestions(holdings, holdings.base + "city/amiense", "en")
    assert near and str(near[0]).endswith("city/amiens")


def test_f1_hostile_404_does_not_block_other_routes(hardened: Server) -> None:
    hostile = "urn:x:" + "-".join(f"w{i:04d}x" for i in range(1000))  # under the 8 KiB head limit here
    assert hardened.get("sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200  # cached from now on
    results: dict[str, int] = {}
    thread = threading.Thread(
        target=lambda: results.setdefault("404", hardened.get("resource", params={"iri": hostile}).status_code)
    )
    thread.start()
    cached = hardened.get("sparql", params={"query": "ASK { ?s ?p ?o }"})
    thread.join()
    assert results["404"] == 404 and cached.status_code == 200


# -- F2: request heads have a size and a count limit ------------------------------------------------------
def test_f2_huge_header_gets_431_and_is_not_buffered(hardened: Server) -> None:
    sock = connect(hardened)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
    try:
        for _ in range(50 * 16):  # up to 50 MB, in 64 KiB pieces; the server stops reading long before
            sock.sendall(b"a" * 65536)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert fresh_ask(hardened).status_code == 200


def test_f2_too_many_header_lines_get_431(hardened: Server) -> None:
    sock = connect(hardened)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n")
    answer = read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    ok = hardened.get("", headers={f"X-{i}": "1" for i in range(20)})
    assert ok.status_code == 200


# -- F4: idle, slow-header and slow-body connections are closed -------------------------------------------
@pytest.mark.parametrize(
    "opening",
    [
        b"",  # idle: never sends a byte
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ",  # a head that never ends
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nA",
    ],
    ids=["idle", "slow-header", "slow-body"],
)
def test_f4_slow_connections_are_closed(hardened: Server, opening: bytes) -> None:
    sock = connect(hardened)
    sock.sendall(opening)
    answer = read_all(sock)  # returns when the server closes (the socket's own timeout is 15 s)
    sock.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert fresh_ask(hardened).status_code == 200


@pytest.mark.parametrize(
    "second",
    [b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nA"],
    ids=["slow-header", "slow-body"],
)
def test_f4_slow_second_request_on_a_kept_alive_connection_is_closed(hardened: Server, second: bytes) -> None:
    """A request that arrives whole arms no timer; the next one on the connection, arriving slowly, gets one."""
    sock = connect(hardened)
    started = time.monotonic()
    sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n")
    time.sleep(0.3)  # the first answer is sent; the second request comes later on the same connection
    sock.sendall(second)
    answer = read_all(sock)
    sock.close()
    assert time.monotonic() - started < 8  # closed by the 1 s timeout, not by the client's 15 s
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1 or b"HTTP/1.1 408 " in answer, answer[-300:]


def test_f4_idle_connections_cannot_lock_out_new_clients(server_project, tmp_path: Path) -> None:
    """The probe 2.5d: a server with 300 file descriptors, 600 idle connections, then a new client."""
    (tmp_path / "sitecustomize.py").write_text(
        "import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))\n", encoding="utf-8"
    )
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    running = start_server(server_project, "--header-timeout", "60", env=env, log=tmp_path / "server.log")
    idle: list[socket.socket] = []
    try:
        for _ in range(600):
            idle.append(connect(running))
        response = running.get("sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert response.status_code == 200
    finally:
        for sock in idle:
            sock.close()
        running.stop()
    assert "Too many open files" not in (tmp_path / "server.log").read_text(encoding="utf-8")


# -- F6: the answer cache counts its keys -------------------------------------------------------------------
def test_f6_cache_counts_the_key_bytes() -> None:
    cache = LRU(max_entries=2048, max_bytes=4 * 1024 * 1024)
    for i in range(40):
        key = (0, ("query", f"ASK {{}} # {i} " + "x" * 1_000_000))
        cache.put(key, b"{}", 2 + key_size(key))
    assert cache.bytes <= 4 * 1024 * 1024 and len(cache) <= 4
    assert key_size(("a" * 1000,)) >= 1000


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_f6_unique_huge_queries_do_not_pin_memory(hardened: Server) -> None:
    pid = hardened.process.pid
    before = _rss_kib(pid)
    for i in range(40):  # 40 MB of query texts (the probe sent 500); the server's cache is 4 MB here
        body = (
            f"SELEKT {uuid.uuid4().hex} #" + "x" * 1_000_000
            if i % 2
            else f"ASK {{ }} # {uuid.uuid4()} " + "x" * 1_000_000
        )
        response = hardened.post("sparql", content=body, headers={"content-type": "application/sparql-query"})
        assert response.status_code in (200, 400)
    assert _rss_kib(pid) - before < 24 * 1024, "the parent keeps the query texts"


# -- F7: heavy queries cannot take every worker -------------------------------------------------------------
def test_f7_shape_ignores_comments_variables_and_strings() -> None:
    one = shape(HEAVY.format(nonce=uuid.uuid4()))
    assert one == shape(HEAVY.format(nonce=uuid.uuid4()).replace("?a", "?zz").replace("  ", " "))
    assert shape('ASK { ?s ?p "x" }') == shape("ASK { ?t ?q 'y' } # other")
    assert shape("ASK { ?s ?p ?o }") != shape("ASK { ?s a ?o }")
    assert shape("SELECT * { <urn:a#b> ?p ?o }") != shape("SELECT * { <urn:a#c> ?p ?o }")


def test_f7_fast_queries_keep_a_worker_while_heavy_ones_loop(hardened: Server) -> None:
    stop = threading.Event()
    heavy: list[httpx.Response] = []

    def loop() -> None:
        while not stop.is_set():
            heavy.append(hardened.get("sparql", params={"query": HEAVY.format(nonce=uuid.uuid4())}, timeout=30))

    # learn the shape first: one run that hits the time limit marks it heavy
    assert hardened.get("sparql", params={"query": HEAVY.format(nonce=uuid.uuid4())}).status_code == 503
    threads = [threading.Thread(target=loop) for _ in range(3)]  # the probe: 3 heavy clients on 2 workers
    for thread in threads:
        thread.start()
    try:
        fast = [fresh_ask(hardened) for _ in range(12)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert [r.status_code for r in fast] == [200] * 12
    assert heavy and all(r.status_code == 503 for r in heavy)  # stopped at the limit, or the heavy lane was full
    assert all(r.headers.get("retry-after") for r in heavy)  # every 503 says when to try again


# -- F13: a worker that died while idle is replaced before it gets a task -----------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_f13_dead_idle_workers_are_noticed(hardened: Server) -> None:
    assert fresh_ask(hardened).status_code == 200
    workers = _children(hardened.process.pid)
    assert workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    statuses = [fresh_ask(hardened).status_code for _ in range(4)]
    both = [None, None]

    def ask(i: int) -> None:
        both[i] = fresh_ask(hardened).status_code

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4 and both == [200, 200]


# -- F16: client disconnects are not logged as tracebacks ---------------------------------------------------
def test_f16_disconnects_mid_body_log_nothing(hardened: Server) -> None:
    before = hardened.log.read_text(encoding="utf-8", errors="replace")
    for _ in range(20):
        sock = connect(hardened)
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nASK"
        )
        sock.close()
    assert fresh_ask(hardened).status_code == 200
    grown = hardened.log.read_text(encoding="utf-8", errors="replace")[len(before) :]
    assert "Traceback" not in grown and grown.count("\n") < 5, grown[-2000:]


# -- F17: the language switch never links to another host -------------------------------------------------
def test_f17_language_switch_stays_on_this_host(hardened: Server) -> None:
    sock = connect(hardened)
    sock.sendall(b"GET //evil.example/x HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
    answer = read_all(sock).decode("utf-8", "replace")
    sock.close()
    assert answer.startswith("HTTP/1.1 404 ")
    assert "?lang=de" in answer and 'href="//' not in answer


# -- F18: invalid UTF-8 in parameters is a clear 400 --------------------------------------------------------
@pytest.mark.parametrize("path", ["queries/twin-cities?city=%FF&format=json", "search?q=%C3%28", "resource?iri=%FF"])
def test_f18_invalid_utf8_parameters_are_refused(hardened: Server, path: str) -> None:
    response = hardened.get(path)
    assert response.status_code == 400 and "UTF-8" in response.text


# -- the CLI and the build: F10, F14, F15, F19 ---------------------------------------------------------------
def citykg(project, *args: str, timeout: float = 120, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "citykg", "--project", str(project.root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def small(tmp_path: Path):
    """A fresh copy of the server tests' small project, published in the older layout (real files)."""
    return make_project(tmp_path / "small")


def public_set(build_dir: Path) -> dict[str, bytes]:
    return {name: (build_dir / name).read_bytes() for name in EXPORTS if (build_dir / name).is_file()}


EXPORTS = [f"citykg.{fmt}" for fmt in ("ttl", "nt", "jsonld", "trig", "nq")] + ["manifest.json"]
KILLER = """
import os, sys
from citykg import generations
from citykg.cli import main
calls = {"n": 0}
real_fsync, real_link = os.fsync, generations._symlink_atomically
def step():
    calls["n"] += 1
    if calls["n"] == int(sys.argv[1]):
        os._exit(137)  # as abrupt as SIGKILL: no cleanup runs
def fsync(fd):
    step(); real_fsync(fd)
def link(*args):
    step(); real_link(*args)
os.fsync, generations._symlink_atomically = fsync, link
main(sys.argv[2:])
"""


def test_f10_a_killed_build_leaves_one_whole_build(small) -> None:
    assert citykg(small, "build", "--no-validate").returncode == 0  # generation 1 (from the older layout)
    old = public_set(small.build_dir)
    with (small.graph_dir / "fixture.ttl").open("a", encoding="utf-8") as handle:
        handle.write('\n<city/probe> <http://www.w3.org/2000/01/rdf-schema#label> "probe edit" .\n')
    seen = set()
    for step in range(1, 30):  # kill at every fsync and pointer switch of the build, one after the other
        run = subprocess.run(
            [sys.executable, "-c", KILLER, str(step), "--project", str(small.root), "build", "--no-validate"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        now = public_set(small.build_dir)
        assert set(now) == set(EXPORTS)
        manifest = json.loads(now["manifest.json"])
        for name in EXPORTS[:-1]:  # the set is whole: every file is the one its manifest names
            assert hashlib.sha256(now[name]).hexdigest() == manifest["outputs"][name], (step, name)
        seen.add("old" if now == old else "new")
        if run.returncode == 0:
            break
    assert seen == {"old", "new"}
    assert citykg(small, "build", "--no-validate").returncode == 0
    leftovers = [p.name for p in (small.build_dir / "generations").iterdir()]
    assert len(leftovers) == 1 and leftovers[0].isdigit()
    assert not [p.name for p in small.build_dir.iterdir() if p.name.startswith(".")]


def test_f10_old_layout_with_temporary_leftovers_is_cleaned(small) -> None:
    (small.build_dir / ".citykg.nt.y7karaf3").write_bytes(b"partial")
    assert citykg(small, "build", "--no-validate").returncode == 0
    assert not (small.build_dir / ".citykg.nt.y7karaf3").exists()
    assert (small.build_dir / "citykg.nq").is_symlink() and (small.build_dir / "current").is_symlink()


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_f14_damaged_store_cache_is_rebuilt_without_traceback(small, damage: str) -> None:
    cache = small.build_dir / "citykg.nq"
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x00garbage <not quads\n" * 100)
    run = citykg(small, "--store", "memory", "query", "twin-cities", "--format", "json")  # the store that reads it
    assert "Traceback" not in run.stderr and "damaged" in run.stderr
    assert run.returncode in (0, 1, 3), run.stderr  # rebuilt (0), or the rebuild's own clear verdict


@pytest.mark.parametrize("kind", ["directory", "unreadable", "fifo"])
def test_f14_f19_unusable_graph_files_are_named(small, kind: str) -> None:
    target = small.graph_dir / "people.ttl"
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)  # F19: the build must not block on it
    prefix: tuple[str, ...] = ()
    if kind == "unreadable":
        target.write_text("<a> <b> <c> .\n", encoding="utf-8")
        target.chmod(0)
        if os.access(target, os.R_OK):  # root reads anything: drop the capabilities, as the probe did
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv: an unreadable file is readable")
            prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-all", "--")
    run = citykg(small, "build", "--no-validate", timeout=60, prefix=prefix)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "people.ttl" in run.stderr


def test_f15_missing_ontology_is_named(small) -> None:
    (small.root / "ontology" / "citykg.ttl").unlink()
    for command in (["validate"], ["build"]):
        run = citykg(small, *command)
        assert run.returncode == 2 and "ontology/citykg.ttl: no such file" in run.stderr, run.stderr
        assert "violation" not in run.stderr


def test_f14_invalid_date_is_reported_at_its_line_without_warning(project_copy) -> None:
    events = project_copy.graph_dir / "events.ttl"
    text = events.read_text(encoding="utf-8").rstrip("\n")
    line = text.count("\n") + 5  # the date is the third line of the new statement
    events.write_text(
        text + "\n\nevent:bad-date a schema:Event ;\n    ckg:kind ckgv:visit ;\n"
        '    schema:startDate "2023-13-45"^^xsd:date .\n',
        encoding="utf-8",
    )
    run = citykg(project_copy, "validate", timeout=300)
    assert run.returncode == 1
    assert "Failed to convert" not in run.stderr and "Traceback" not in run.stderr
    dated = [v for v in run.stderr.splitlines() if "bad-date" in v and "startDate" in v]
    assert dated and all(f"graph/events.ttl:{line}:" in v for v in dated), run.stderr[-3000:]
