"""The endpoint on Oxigraph: updates are all-or-nothing and survive a restart; no query or update ever
connects to a host named in SERVICE / FROM / FROM NAMED / LOAD (a loopback listener proves it)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from citykg.cli import main

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

from server_conftest import TOKEN, Server, make_project, start_server  # noqa: E402

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    return make_project(tmp_path_factory.mktemp("engine-project"))


def start(project, folder, name: str) -> Server:
    return start_server(
        project, "--allow-update", "--timeout", "5", env={"CITYKG_UPDATE_TOKEN": TOKEN}, log=folder / f"{name}.log"
    )


@pytest.fixture(scope="module")
def writable(project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(project, tmp_path_factory.mktemp("engine-server"), "first")
    yield running
    running.stop()


def count(server: Server) -> int:
    response = server.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return int(response.text.split()[1])


def ask(server: Server, text: str) -> bool:
    response = server.get("/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def test_a_failing_multi_operation_update_changes_nothing(writable: Server) -> None:
    before = count(writable)
    update = "INSERT DATA { <urn:t:a> <urn:t:b> 1 } ; CREATE GRAPH <urn:t:g> ; CREATE GRAPH <urn:t:g>"
    response = writable.post("/sparql", content=update, headers=AUTH)
    assert response.status_code == 400, response.text
    assert count(writable) == before
    assert not ask(writable, "ASK { <urn:t:a> ?p ?o }")


def test_insert_data_into_the_default_graph_with_predeclared_prefixes(writable: Server) -> None:
    before = count(writable)
    response = writable.post("/sparql", content='INSERT DATA { <urn:t:x> schema:name "kept" }', headers=AUTH)
    assert response.status_code == 200, response.text
    assert count(writable) == before + 1
    assert ask(writable, 'ASK { <urn:t:x> <http://schema.org/name> "kept" }')


def test_pages_void_and_search_follow_an_update(project, writable: Server) -> None:
    """The server process reads the store it serves (no copy): after an update its pages, search and VoID show
    the new state at once."""
    iri = project.base + "city/neverland-after-update"

    def void_triples() -> int:
        response = writable.get("/.well-known/void", headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, response.text
        lines = [line for line in response.text.splitlines() if "rdfs.org/ns/void#triples" in line]
        return max(int(line.split('"')[1]) for line in lines)

    assert "neverland-after-update" not in writable.get("/search", params={"q": "Neverland"}).text
    before = void_triples()
    kept = project.build_dir / "served" / "citykg-statistics.json"  # counts kept for the next start
    update = f'INSERT DATA {{ GRAPH <urn:t:pages> {{ <{iri}> rdfs:label "Neverland"@en }} }}'
    assert writable.post("/sparql", content=update, headers=AUTH).status_code == 200
    assert void_triples() == before + 1
    assert not kept.exists()  # they no longer hold
    void = writable.get("/.well-known/void", headers={"Accept": "text/turtle"}).text
    assert "citykg export --served" in void  # the dumps are said to be the build's, without the updates
    assert "neverland-after-update" in writable.get("/search", params={"q": "Neverland"}).text
    page = writable.get("/page/city/neverland-after-update", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Neverland" in page.text


def test_updates_survive_a_restart(project, writable: Server, tmp_path) -> None:
    response = writable.post("/sparql", content="INSERT DATA { <urn:t:durable> <urn:t:p> 42 }", headers=AUTH)
    assert response.status_code == 200, response.text
    expected = count(writable)
    writable.stop()
    again = start(project, tmp_path, "second")
    try:
        assert ask(again, "ASK { <urn:t:durable> <urn:t:p> 42 }")
        assert count(again) == expected
        assert again.get("/.well-known/void", headers={"Accept": "text/turtle"}).status_code == 200
        kept = project.build_dir / "served" / "citykg-statistics.json"  # the counts of this state, for the next start
        assert json.loads(kept.read_text(encoding="utf-8"))["counts"]["triples"] == expected
        exported = CliRunner().invoke(
            main,
            [
                "--project",
                str(project.root),
                "--build-dir",
                str(project.build_dir),
                "export",
                "--served",
                "--format",
                "nq",
            ],
        )
        assert exported.exit_code == 0, exported.output
        assert "<urn:t:durable> <urn:t:p>" in exported.output  # updates are exported from the served store
        assert len(exported.output.splitlines()) == expected
    finally:
        again.stop()


@pytest.fixture
def listener() -> Iterator[tuple[int, object]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)

    def connected() -> bool:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    yield sock.getsockname()[1], connected
    sock.close()


@pytest.mark.parametrize(
    ("template", "status"),
    [
        ("SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", 403),
        ("SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", 403),
        # the engine scans only texts that name SERVICE / LOAD / FROM or carry \u escapes: any case, any escape
        ("select * {{ sErViCe <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", 403),
        ("SELECT * {{ SERV\\u0049CE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", 403),
        ("SELECT * {{ SERV\\U00000049CE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", 403),
        ("SELECT * \\u0046ROM <http://127.0.0.1:{port}/g> {{ ?s ?p ?o }}", 400),
        ("SELECT * FROM <http://127.0.0.1:{port}/g> {{ ?s ?p ?o }}", 400),
        ("SELECT * FROM NAMED <http://127.0.0.1:{port}/g> {{ GRAPH ?g {{ ?s ?p ?o }} }}", 400),
    ],
)
def test_queries_never_connect(server: Server, listener, template: str, status: int) -> None:
    port, connected = listener
    response = server.get("/sparql", params={"query": template.format(port=port)})
    assert response.status_code == status, response.text
    assert "127.0.0.1" in response.text
    assert not connected()


def test_protocol_graphs_are_never_fetched(server: Server, listener) -> None:
    port, connected = listener
    params = {"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": f"http://127.0.0.1:{port}/g"}
    assert server.get("/sparql", params=params).status_code == 400
    assert not connected()


@pytest.mark.parametrize(
    "template",
    [
        "LOAD <http://127.0.0.1:{port}/data.ttl>",
        "LOAD SILENT <http://127.0.0.1:{port}/data.ttl> INTO GRAPH <urn:t:g>",
        "INSERT {{ <urn:t:a> <urn:t:b> ?o }} WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    ],
)
def test_updates_never_connect(update_server: Server, listener, template: str) -> None:
    port, connected = listener
    response = update_server.post("/sparql", content=template.format(port=port), headers=AUTH)
    assert response.status_code == 403, response.text
    assert not connected()
