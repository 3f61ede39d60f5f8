"""Large answers are streamed: the worker serialises into chunks that the server forwards as they come (see
citykg.server.framing). The bytes equal the whole serialisation in every format, gzipped too; identical
queries in flight both get the whole answer; the time limit still cuts a stream (the response is left
incomplete, never complete-looking) and a client that leaves mid-way frees its worker. The module's server
serves the session project's build (no extra graphs) with --timeout 2 and 3 workers."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
import zlib
from urllib.parse import urlencode, urlsplit

import httpx
import pyoxigraph as ox
import pytest

from citykg.native import PREFIX_IRIS
from citykg.server import framing
from citykg.server.zygote import STREAM_OVER

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

from server_conftest import start_server  # noqa: E402


@pytest.fixture(scope="module")
def server(server_project, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("streaming")
    running = start_server(server_project, "--timeout", "2", "--workers", "3", log=folder / "server.log")
    yield running
    running.stop()  # fails when the server logged a traceback


#: Pairs of quads: on the session project's data an answer of several MB, produced lazily (no ORDER BY).
PAIRS = "SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT 20000 # {nonce}"
#: PAIRS, then a slow cross product: the stream starts at once and its worker is still busy at the time limit.
PAIRS_THEN_SLOW = """SELECT * WHERE {{
  {{ SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT 20000 }}
  UNION
  {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER (STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) < 0) }}
}} # {nonce}"""
FORMATS = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}


@pytest.fixture(scope="module")
def reference(server_project, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The build's N-Quads in a store of its own, as the server loads them: the answers to expect."""
    store = ox.Store(str(tmp_path_factory.mktemp("reference") / "store"))
    store.bulk_load(path=str(server_project.build_dir / "citykg.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def expected(store, server, text: str, fmt: ox.QueryResultsFormat) -> bytes:
    result = store.query(text, base_iri=server.endpoint, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)
    return result.serialize(format=fmt)


def fast(server) -> int:
    text = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 3 # {uuid.uuid4()}"
    return httpx.get(server.endpoint, params={"query": text}, timeout=20).status_code


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_a_large_answer_is_streamed_byte_for_byte(server, reference, key: str) -> None:
    media_type, fmt = FORMATS[key]
    text = PAIRS.format(nonce=uuid.uuid4())
    want = expected(reference, server, text, fmt)
    assert len(want) > STREAM_OVER  # else this test would not stream
    response = httpx.get(server.endpoint, params={"query": text}, headers={"Accept": media_type}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert "content-length" not in response.headers  # streamed (chunked), not read whole first
    assert response.content == want


def test_a_streamed_answer_is_gzipped_as_it_comes(server, reference) -> None:
    text = PAIRS.format(nonce=uuid.uuid4())
    want = expected(reference, server, text, ox.QueryResultsFormat.JSON)
    with httpx.stream(
        "GET", server.endpoint, params={"query": text}, headers={"Accept-Encoding": "gzip"}, timeout=30
    ) as response:
        assert response.headers["content-encoding"] == "gzip"
        packed = b"".join(response.iter_raw())
    assert zlib.decompress(packed, 31) == want


def test_identical_streamed_queries_in_flight_both_get_the_whole_answer(server, reference) -> None:
    text = PAIRS.format(nonce=uuid.uuid4())
    want = expected(reference, server, text, ox.QueryResultsFormat.CSV)
    bodies: list[bytes] = []

    def ask() -> None:
        response = httpx.get(server.endpoint, params={"query": text}, headers={"Accept": "text/csv"}, timeout=30)
        bodies.append(response.content if response.status_code == 200 else b"")

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert bodies == [want, want]


def test_the_time_limit_cuts_a_stream_short_and_the_server_goes_on(server) -> None:
    text = PAIRS_THEN_SLOW.format(nonce=uuid.uuid4())
    started = time.perf_counter()
    received = 0
    with (
        pytest.raises(httpx.RemoteProtocolError),  # the connection closes before the last chunk
        httpx.stream("GET", server.endpoint, params={"query": text}, timeout=30) as response,
    ):
        assert response.status_code == 200  # the head went out before the limit
        for chunk in response.iter_bytes():
            received += len(chunk)
    assert received > STREAM_OVER
    assert 1.8 < time.perf_counter() - started < 8
    assert all(fast(server) == 200 for _ in range(6))


def test_a_client_that_leaves_mid_stream_costs_no_worker(server) -> None:
    """Its worker is replaced at the next chunk (or at the time limit when none comes): no traceback in the log
    (checked when the server stops), and the server answers at once afterwards, with every worker."""
    parts = urlsplit(server.endpoint)
    for template in (PAIRS, PAIRS_THEN_SLOW, PAIRS, PAIRS):  # more than the 3 workers
        text = template.format(nonce=uuid.uuid4())
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as client:
            request = f"GET {parts.path}?{urlencode({'query': text})} HTTP/1.1\r\nHost: x\r\n\r\n"
            client.sendall(request.encode())
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
    time.sleep(2.5)  # past the time limit of the slow one
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(fast(server))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == [200] * 6


def test_spool_sends_small_answers_whole_and_large_ones_as_chunks() -> None:
    body = bytes(range(256)) * 5000  # 1.28 MB
    for over, streamed in ((len(body), False), (1000, True)):
        here, there = socket.socketpair()
        received: list[bytes] = []
        thread = threading.Thread(target=_read_stream, args=(here, received))
        if streamed:  # the reader runs while the spool writes (the socket's buffer is smaller than the body)
            thread.start()
        spool = framing.Spool(there, over)
        spool.head = {"status": 200}
        for start in range(0, len(body), 7000):
            spool.write(body[start : start + 7000])
        assert spool.committed is streamed
        if streamed:
            spool.close()
            thread.join(timeout=10)
            assert b"".join(received) == body
        else:
            assert spool.getvalue() == body
        here.close()
        there.close()


def _read_stream(here: socket.socket, received: list[bytes]) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        head, leftover = await framing.receive_head(loop, here)
        assert head == {"status": 200}
        reader = framing.ChunkReader(loop, here, leftover)
        while (chunk := await reader.next()) is not None:
            assert len(chunk) <= framing.CHUNK_SIZE
            received.append(bytes(chunk))

    here.setblocking(False)
    asyncio.run(run())


def test_a_broken_off_stream_and_the_size_limit() -> None:
    here, there = socket.socketpair()
    spool = framing.Spool(there, 10, limit=100)
    spool.head = "head"
    spool.write(b"x" * 50)
    with pytest.raises(framing.TooLarge):
        spool.write(b"x" * 51)
    spool.abort()

    async def run() -> None:
        here.setblocking(False)
        loop = asyncio.get_running_loop()
        head, leftover = await framing.receive_head(loop, here)
        assert head == "head"
        reader = framing.ChunkReader(loop, here, leftover)
        assert bytes(await reader.next()) == b"x" * 50
        with pytest.raises(framing.StreamAborted):
            await reader.next()

    asyncio.run(run())
    here.close()
    there.close()
