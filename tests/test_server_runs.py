"""What the server keeps between requests to cut a request's fixed cost, and that keeping it changes no answer:
prepared named-query runs (per data generation; failures are never kept) and the policy's pre-check of a text
(:func:`citykg.server.engine.may_reach_outside`), which must let no text that could reach outside the store
skip the scan."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from citykg.bindings import bind_remote
from citykg.errors import QueryError
from citykg.queries import Catalogue
from citykg.server import namedqueries
from citykg.server.datasets import Holdings
from citykg.server.engine import KEPT_SCAN, _outside, may_reach_outside
from citykg.server.settings import Settings
from citykg.server.state import ServerState
from tests.server_conftest import ROOT, make_project

#: The pre-check as it was (a regular expression): every text it flags, the new one flags too.
OLD_OUTSIDE = re.compile(r"service|load|from|\\[uU]", re.IGNORECASE)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerState]:
    """A server state on a store loaded here (not by ``served.prepare``, which forks: a fork of a test process
    that holds RocksDB and event-loop threads from earlier tests can hang in the child). No workers: none
    is needed to prepare a run."""
    project = make_project(tmp_path_factory.mktemp("runs"))
    location = project.build_dir / "runs-store"
    store = ox.Store(str(location))
    store.bulk_load(path=str(project.build_dir / "citykg.nq"), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    holdings = Holdings(location, project.base)
    settings = Settings(base_url="http://127.0.0.1:8000/", cache_mb=0)
    yield ServerState(settings, project, holdings, Catalogue(project.queries_dir), None, location)


def test_a_run_is_prepared_once_per_generation_and_reaches_the_worker_bound(state: ServerState) -> None:
    query = state.catalogue.get("twin-cities")
    given = {"city": "city/dortmund", "lang": "de"}
    task, key = namedqueries.named_task(state, query, given, "json")
    assert task.bindings == () and task.text == query.text
    bindings = dict(key[2])
    assert bindings["city"] == URIRef(state.holdings.base + "city/dortmund")
    assert task.bound == bind_remote(query.text, bindings)
    # the same parameters in another order: the same prepared run, not a new one
    again = namedqueries.named_task(state, query, dict(reversed(given.items())), "json")
    assert again[0] is task and again[1] == key
    assert namedqueries.named_task(state, query, given, "csv")[0] is not task  # another format: another run
    state.holdings.generation += 1  # as an update does: resources may have appeared or gone
    try:
        fresh, fresh_key = namedqueries.named_task(state, query, given, "json")
        assert fresh is not task
        assert (fresh, fresh_key) == (task, key)
    finally:
        state.holdings.generation -= 1


def test_a_failure_is_never_kept(state: ServerState) -> None:
    query = state.catalogue.get("events")
    kept = len(state.runs)
    for _ in range(2):
        with pytest.raises(QueryError, match="year"):
            namedqueries.named_task(state, query, {"year": "nineteen"}, "json")
    assert len(state.runs) == kept


def test_the_form_of_a_named_query_is_its_own(state: ServerState) -> None:
    for query in state.catalogue:
        assert namedqueries.offers(query) == namedqueries.offers(query)  # the kept form, asked twice
        assert query.__dict__["form"] == dataclasses.replace(query).form  # kept, and what a fresh copy computes


TEXTS = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * where { sErViCe <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "SELECT * FrOm NaMeD <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "# Grüße aus Dortmund, Straße\nSELECT * WHERE { SeRvIcE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "# Grüße\nSELECT * WHERE { ?s ?p 'ÄÖÜ' }",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
    "# " + "ä" * KEPT_SCAN + "\nSELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "# " + "a" * KEPT_SCAN + "\nSELECT * WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_pre_check_flags_every_text_the_regular_expression_flagged(text: str) -> None:
    expected = OLD_OUTSIDE.search(text) is not None
    assert may_reach_outside(text) is expected
    assert may_reach_outside(text) is expected  # kept or not, the same answer
    assert _outside(text) is expected


def test_the_pre_check_agrees_on_every_named_query() -> None:
    for path in sorted((ROOT / "queries").rglob("*.rq")):
        text = path.read_text(encoding="utf-8")
        assert may_reach_outside(text) is (OLD_OUTSIDE.search(text) is not None), path
