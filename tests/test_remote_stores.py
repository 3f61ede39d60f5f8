"""The named queries on real stores (Oxigraph server, Virtuoso) give the embedded store's answers, and a
push survives faults: a stopped store, a wrong password, a store killed in the middle of a large push.

Results are compared as multisets of rows (terms in N-Triples syntax, so datatypes and language tags
count); the order separately, as "the remote rows come in an order the query's ORDER BY allows", with the
ORDER BY keys evaluated locally, so that ties may come in any order. A known difference of a store is an
expected failure with the reason; everything else must match.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest
from click.testing import CliRunner

from citykg.queries import Catalogue, adhoc
from citykg.remote.endpoint import Endpoint, run_remote
from citykg.remote.errors import AuthError, PushFailed, RemoteError
from citykg.remote.push import count_triples, push, staging_graph
from citykg.remotecommands import push as push_command
from citykg.results import render

pytest.register_assert_rewrite("remote_conftest")
from remote_conftest import (  # noqa: E402
    CASES,
    VIRTUOSO_USER,
    OxigraphServer,
    VirtuosoServer,
    local_result,
    order_consistent,
    remote_render_all,
    same_rows,
    synthetic_ntriples,
)

pytest_plugins = ["remote_conftest"]

#: Known differences of a store, by (store, query): the reason. Empty since queries/ was made portable
#: (IRI(IF(…)), no property path inside NOT EXISTS, ORDER BY STR(?label)); a new difference fails the test.
KNOWN_ROWS: dict[tuple[str, str], str] = {}
KNOWN_ORDER: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def catalogue(remote_project) -> Catalogue:
    return Catalogue(remote_project.queries_dir)


def _remote(remote_store, query, bindings, graph_iri):
    _kind, server = remote_store
    return run_remote(server.url, query, bindings, timeout=30, graph=graph_iri)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename[:-4])
def test_same_rows_as_the_embedded_store(
    remote_store, case, catalogue, remote_project, remote_built, graph_iri
) -> None:
    query = catalogue.get(case.query)
    local, bindings = local_result(remote_project, remote_built, query, case.params)
    remote = _remote(remote_store, query, bindings, graph_iri)
    expected = render(local, "tsv", remote_project.base)
    actual = render(remote, "tsv", remote_project.base)
    if not same_rows(expected, actual) and (reason := KNOWN_ROWS.get((remote_store[0], case.query))):
        pytest.xfail(reason)
    assert same_rows(expected, actual), f"{remote_store[0]}: {case.filename}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename[:-4])
def test_order_the_query_asks_for(remote_store, case, catalogue, remote_project, remote_built, graph_iri) -> None:
    query = catalogue.get(case.query)
    local, bindings = local_result(remote_project, remote_built, query, case.params)
    remote = _remote(remote_store, query, bindings, graph_iri)
    actual = render(remote, "tsv", remote_project.base)
    if not same_rows(render(local, "tsv", remote_project.base), actual):
        pytest.skip("the rows differ (see test_same_rows_as_the_embedded_store)")
    ok = order_consistent(remote_project, remote_built, query, case.params, actual)
    if not ok and (reason := KNOWN_ORDER.get((remote_store[0], case.query))):
        pytest.xfail(reason)
    assert ok, f"{remote_store[0]}: {case.filename} comes in an order its ORDER BY does not allow"


TOTAL_ORDER = ["twin-cities", "counts-by-class", "partners-by-country", "memberships"]


@pytest.mark.parametrize("name", TOTAL_ORDER)
def test_every_format_renders_the_same(remote_store, name, catalogue, remote_project, remote_built, graph_iri) -> None:
    """Where the ORDER BY is total, the output is byte for byte the embedded store's, in every format."""
    query = catalogue.get(name)
    local, bindings = local_result(remote_project, remote_built, query, {})
    remote = _remote(remote_store, query, bindings, graph_iri)
    assert remote_render_all(remote, remote_project.base) == remote_render_all(local, remote_project.base)


@pytest.mark.parametrize(
    "text",
    [
        'ASK { ?c a schema:City ; rdfs:label "Leeds"@en }',
        'ASK { ?c a schema:City ; rdfs:label "Atlantis"@en }',
        "CONSTRUCT { ?c rdfs:label ?l ; schema:addressCountry ?k } WHERE { ?c a schema:City ; rdfs:label ?l ; "
        "schema:addressCountry ?k }",
    ],
    ids=["ask-yes", "ask-no", "construct"],
)
def test_ask_and_construct_render_the_same(remote_store, text, remote_project, remote_built, graph_iri) -> None:
    query = adhoc(text)
    local, _ = local_result(remote_project, remote_built, query, {})
    remote = _remote(remote_store, query, {}, graph_iri)
    assert remote_render_all(remote, remote_project.base) == remote_render_all(local, remote_project.base)


def test_remote_queries_see_only_the_pushed_graph(remote_store, remote_project, graph_iri) -> None:
    """Virtuoso's own default graph is the union of all its graphs; default-graph-uri keeps that out."""
    _kind, server = remote_store
    reader = Endpoint(server.url, timeout=30, default_graph=graph_iri)
    rows = reader.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    lines = (remote_project.build_dir / "citykg.nt").read_text(encoding="utf-8").splitlines()
    assert int(rows[0]["n"]) == len({line for line in lines if line.strip()})


def _push_args(kind: str, server, path, graph: str) -> list[str]:
    args = ["--endpoint", server.url, "--graph", graph, "--file", str(path)]
    if kind == "virtuoso":
        args += ["--user", VIRTUOSO_USER, "--password-env", "CITYKG_TEST_VIRTUOSO_PASSWORD"]
    return args


def test_push_command_is_idempotent(remote_store, remote_project, remote_cli_context, virtuoso_password) -> None:
    kind, server = remote_store
    graph = "http://example.org/citykg-test/idempotent"
    args = _push_args(kind, server, remote_project.build_dir / "citykg.nt", graph)
    runner = CliRunner()
    first = runner.invoke(push_command, args, obj=remote_cli_context)
    assert first.exit_code == 0, first.output
    second = runner.invoke(push_command, args, obj=remote_cli_context)
    assert second.exit_code == 0, second.output
    total = count_triples(Endpoint(server.url), graph)
    assert f"pushed {total:,} triples to <{graph}>" in second.output
    assert f"it held {total:,} before" in second.output
    assert count_triples(Endpoint(server.url), staging_graph(graph)) == 0  # cleaned up


def test_push_with_sparql_update(remote_store, remote_project, virtuoso_password) -> None:
    """The INSERT DATA path (1,000 triples a request) gives the same graph as the Graph Store path."""
    kind, server = remote_store
    graph = "http://example.org/citykg-test/update"
    extra = {"user": VIRTUOSO_USER, "password_env": virtuoso_password} if kind == "virtuoso" else {}
    result = push(server.url, remote_project.build_dir / "citykg.nt", graph=graph, method="update", **extra)
    assert result.method == "update" and result.requests > 5
    assert count_triples(Endpoint(server.url), graph) == result.triples


# --- faults ------------------------------------------------------------------------------------------

GRAPH = "http://example.org/citykg-test/faults"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def fault_store(request, tmp_path_factory, remote_project, remote_built):
    """A store of its own (it gets stopped and killed), holding the Dortmund graph in GRAPH."""
    folder = tmp_path_factory.mktemp(f"faults-{request.param}")
    server = OxigraphServer(folder / "store") if request.param == "oxigraph" else VirtuosoServer(folder)
    server.start()
    extra = {}
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "virtuoso":
            patch.setenv("CITYKG_TEST_VIRTUOSO_PASSWORD", "dba")
            extra = {"user": VIRTUOSO_USER, "password_env": "CITYKG_TEST_VIRTUOSO_PASSWORD"}
        result = push(server.url, remote_project.build_dir / "citykg.nt", graph=GRAPH, retries=0, **extra)
    yield request.param, server, result.triples, extra
    server.stop()


def test_a_stopped_store_is_reported_and_nothing_changes(fault_store, remote_project, remote_cli_context) -> None:
    kind, server, triples, _extra = fault_store
    server.stop()
    try:
        runner = CliRunner()
        args = [*_push_args(kind, server, remote_project.build_dir / "citykg.nt", GRAPH), "--timeout", "5"]
        result = runner.invoke(push_command, args, obj=remote_cli_context, env={"CITYKG_TEST_VIRTUOSO_PASSWORD": "dba"})
        assert result.exit_code == 3, result.output
        assert f"{server.url}: cannot connect (connection refused)" in result.output
        assert "is the store running" in result.output
        assert "Traceback" not in result.output
    finally:
        server.start()
    assert count_triples(Endpoint(server.url), GRAPH) == triples


def test_a_wrong_password_is_reported_and_nothing_changes(fault_store, remote_project, remote_cli_context) -> None:
    kind, server, triples, _extra = fault_store
    if kind != "virtuoso":
        pytest.skip("Oxigraph server has no authentication")
    secret = "not-the-password-8d1f"
    runner = CliRunner()
    args = _push_args(kind, server, remote_project.build_dir / "citykg.nt", GRAPH)
    result = runner.invoke(push_command, args, obj=remote_cli_context, env={"CITYKG_TEST_VIRTUOSO_PASSWORD": secret})
    assert result.exit_code == 3, result.output
    assert "refused the credentials of user 'dba'" in result.output
    assert "$CITYKG_TEST_VIRTUOSO_PASSWORD" in result.output
    assert f"<{GRAPH}> is unchanged: it still holds its {triples:,} triples" in result.output
    assert secret not in result.output
    # and without any credentials: Virtuoso does not let anonymous users write
    args = ["--endpoint", server.url, "--graph", GRAPH, "--file", str(remote_project.build_dir / "citykg.nt")]
    anonymous = runner.invoke(push_command, args, obj=remote_cli_context)
    assert anonymous.exit_code == 3
    assert "--user" in anonymous.output
    assert count_triples(Endpoint(server.url), GRAPH) == triples


def test_a_store_killed_during_a_large_push_keeps_the_old_graph(fault_store, tmp_path, remote_project) -> None:
    _kind, server, triples, extra = fault_store
    big = synthetic_ntriples(tmp_path / "big.nt", 300_000)
    chunks: list[int] = []
    killer = threading.Timer(0.05, server.kill)

    def kill_soon(count: int) -> None:
        chunks.append(count)
        if len(chunks) == 2:  # two chunks are in the staging graph; kill while the third is on its way
            killer.start()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYKG_TEST_VIRTUOSO_PASSWORD", "dba")
        with pytest.raises(PushFailed) as failure:
            push(server.url, big, graph=GRAPH, on_chunk=kill_soon, retries=1, timeout=20, **extra)
    killer.join()
    message = str(failure.value)
    assert "failed while loading chunk" in message
    assert f"<{GRAPH}> was not touched" in message
    assert f"it held {triples:,} triples" in message
    server.start()  # the same database: Virtuoso replays its transaction log, Oxigraph its RocksDB
    reader = Endpoint(server.url, timeout=30)
    assert count_triples(reader, GRAPH) == triples
    # the next push clears whatever the killed one left in the staging graph
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYKG_TEST_VIRTUOSO_PASSWORD", "dba")
        push(server.url, remote_project.build_dir / "citykg.nt", graph=GRAPH, **extra)
    assert count_triples(reader, staging_graph(GRAPH)) == 0
    assert count_triples(reader, GRAPH) == triples


def test_a_timeout_is_reported(fault_store, remote_project) -> None:
    """A store that does not answer in time: the message names the endpoint and the limit."""
    kind, server, triples, _extra = fault_store
    if kind != "oxigraph":
        pytest.skip("one store suffices: the timeout is the client's")
    server.process.send_signal(signal.SIGSTOP)  # alive but silent
    started = time.monotonic()
    try:
        with pytest.raises(RemoteError) as failure:
            push(server.url, remote_project.build_dir / "citykg.nt", graph=GRAPH, timeout=1, retries=0)
    finally:
        server.process.send_signal(signal.SIGCONT)
    assert time.monotonic() - started < 10
    assert "no answer" in str(failure.value) and "1 s" in str(failure.value)
    assert count_triples(Endpoint(server.url), GRAPH) == triples


def test_auth_errors_are_remote_errors() -> None:
    assert issubclass(AuthError, RemoteError) and AuthError("x").exit_code == 3


def test_push_reads_the_current_build(remote_project, remote_built, tmp_path) -> None:
    """The build's citykg.nt when the manifest vouches for it, else the N-Quads cache: the same triples."""
    import shutil

    from citykg.remote.push import built_source, read_triples

    assert built_source(remote_project) == remote_project.build_dir / "citykg.nt"
    from_nt = read_triples(remote_project.build_dir / "citykg.nt")
    from_nq = read_triples(remote_project.build_dir / "citykg.nq")
    assert set(from_nt.lines) == set(from_nq.lines) and not from_nt.blank_nodes
    stale = remote_project.with_overrides(build_dir=tmp_path / "build")
    shutil.copytree(remote_project.build_dir, stale.build_dir)
    (stale.build_dir / "citykg.nt").write_text("<http://ex/stale> <http://ex/p> <http://ex/o> .\n", encoding="utf-8")
    assert built_source(stale) == stale.build_dir / "citykg.nq"
