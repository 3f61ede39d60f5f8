"""A real timeout: a CPU-bound query is stopped at the limit (its worker killed and replaced), while a fast
query sent at the same time answers at its usual speed. The session server runs with --timeout 2."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

SLOW = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i .
  FILTER (STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) > 0 && STR(?a) != STR(?d))
}"""


def fast_query() -> str:
    # a fresh text each time, so the answer is computed by a worker, not taken from the cache
    return f"PREFIX schema: <http://schema.org/> SELECT ?c WHERE {{ ?c a schema:City }} # {uuid.uuid4()}"


def timed(url: str, query: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = httpx.get(url, params={"query": query}, timeout=30)
    return time.perf_counter() - started, response


def test_slow_query_is_cut_while_a_fast_one_answers(server) -> None:
    usual = min(timed(server.endpoint, fast_query())[0] for _ in range(3))
    slow: dict[str, object] = {}

    def run_slow() -> None:
        slow["seconds"], slow["response"] = timed(server.endpoint, SLOW + f" # {uuid.uuid4()}")

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)  # the slow query is running in its worker now
    fast_times = []
    for _ in range(5):
        seconds, response = timed(server.endpoint, fast_query())
        assert response.status_code == 200
        assert len(response.json()["results"]["bindings"]) == 4
        fast_times.append(seconds)
    assert thread.is_alive(), "the slow query must still be running while the fast ones answer"
    thread.join(timeout=20)
    assert max(fast_times) < max(0.5, 5 * usual), (usual, fast_times)
    response = slow["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 503
    assert "time limit of 2 s" in response.text
    assert 1.8 < slow["seconds"] < 5, slow["seconds"]
    # the killed worker was replaced: the server keeps answering, also several queries at once
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(timed(server.endpoint, fast_query())[1].status_code))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert results == [200] * 6


def test_timeouts_are_not_cached(server) -> None:
    query = SLOW + f" # {uuid.uuid4()}"
    for _ in range(2):
        seconds, response = timed(server.endpoint, query)
        assert response.status_code == 503 and seconds > 1.8
