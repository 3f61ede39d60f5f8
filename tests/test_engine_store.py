"""The build's Oxigraph store and the query path on it: goldens, empty aggregates, no network, freshness."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from citykg import build as build_module
from citykg import native, store
from citykg.build import build
from citykg.cli import main
from citykg.config import Project
from citykg.golden import load_cases, rows
from citykg.namespaces import PREFIXES
from citykg.queries import Catalogue

GOLDEN = Path(__file__).parent / "data" / "golden"
CASES = load_cases(GOLDEN / "cases.toml")


@pytest.fixture(scope="module")
def ox_store(built, project: Project):
    return store.open_native(project)


def test_constants_match_their_sources() -> None:
    assert {k: str(v) for k, v in PREFIXES.items()} == native.PREFIX_IRIS
    assert (store.STEM, store.MANIFEST) == (build_module.STEM, build_module.MANIFEST)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename)
def test_golden_on_the_default_store(case, ox_store, project: Project) -> None:
    query = Catalogue(project.queries_dir).get(case.query)
    actual = native.answer(project, query, case.params, "tsv", ox_store).decode("utf-8")
    assert rows(actual) == rows((GOLDEN / case.filename).read_text(encoding="utf-8")), case.filename


@pytest.mark.parametrize("store_name", ["oxigraph", "memory"])
@pytest.mark.parametrize(("name", "param"), [("events", "year=1979"), ("memberships", "city=city/amiens")])
def test_an_empty_group_by_gives_no_row(run, store_name: str, name: str, param: str) -> None:
    result = run("--store", store_name, "query", name, "-p", param, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # the header only
    assert "(0 rows)" in run("--store", store_name, "query", name, "-p", param, "--lang", "en").output


@pytest.fixture
def run(project: Project, built):
    def invoke(*args: str):
        return CliRunner().invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])

    return invoke


@pytest.fixture
def listener():
    """A loopback listener that records whether anything connected to it."""
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


def test_the_listener_sees_what_oxigraph_would_do(listener, ox_store) -> None:
    """The control: unguarded, pyoxigraph itself contacts a SERVICE host (so citykg must refuse it)."""
    port, connected = listener
    failed: list[BaseException] = []

    def unguarded() -> None:
        try:
            list(ox_store.query(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
        except BaseException as exc:  # noqa: BLE001 - the answer is closed under it
            failed.append(exc)

    thread = threading.Thread(target=unguarded, daemon=True)
    thread.start()
    seen = False
    for _ in range(100):  # the connection comes within milliseconds; closing it ends the query
        if connected():
            seen = True
            break
        time.sleep(0.05)
    thread.join(10)
    assert seen and failed


@pytest.mark.parametrize("store_name", ["oxigraph", "memory"])
@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", "SERVICE <http://127.0.0.1:"),
        ("SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", "is not allowed"),
        ("SELECT * FROM <http://127.0.0.1:{port}/g> {{ ?s ?p ?o }}", "FROM <http://127.0.0.1:"),
        ("SELECT * FROM NAMED <http://127.0.0.1:{port}/g> {{ GRAPH ?g {{ ?s ?p ?o }} }}", "FROM NAMED"),
        ("SELECT * FROM NAMED <file:///etc/passwd> {{ GRAPH ?g {{ ?s ?p ?o }} }}", "<file:///etc/passwd>"),
        ("CONSTRUCT {{ ?s ?p ?o }} {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", "SERVICE"),
    ],
)
def test_the_cli_never_connects(run, listener, store_name: str, template: str, message: str) -> None:
    port, connected = listener
    result = run("--store", store_name, "query", "--sparql", template.format(port=port))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not connected()


def test_from_a_held_graph_picks_it(run, project: Project) -> None:
    graph = f"{project.base}graph/awards"
    text = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> {{ ?s ?p ?o }}"
    counts = {
        name: run("--store", name, "query", "--sparql", text, "--format", "csv").output
        for name in ("oxigraph", "memory")
    }
    assert counts["oxigraph"] == counts["memory"] and counts["oxigraph"].split()[1] != "0", counts


def test_syntax_errors_say_where(run) -> None:
    result = run("query", "--sparql", "SELECT * WHERE { ?s ?p }")
    assert result.exit_code == 2 and "SPARQL syntax error" in result.output and "Traceback" not in result.output


def test_store_is_reused_when_sources_do_not_change_and_rebuilt_when_they_do(project_copy: Project, tmp_path) -> None:
    project = project_copy.with_overrides(build_dir=tmp_path / "out")
    build(project)
    folder = store.store_path(project)
    stamp = json.loads((folder / store.STAMP).read_text(encoding="utf-8"))
    inode = folder.stat().st_ino
    build(project)  # the same sources: the same store, not reloaded
    assert folder.stat().st_ino == inode
    assert json.loads((folder / store.STAMP).read_text(encoding="utf-8")) == stamp
    city = project.graph_dir / "zz-extra.ttl"
    city.write_text(
        '<https://w3id.org/citykg/dortmund/city/nowhere> <http://www.w3.org/2000/01/rdf-schema#label> "Nowhere"@en .\n',
        encoding="utf-8",
    )
    text = 'ASK { ?c <http://www.w3.org/2000/01/rdf-schema#label> "Nowhere"@en }'
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "citykg",
            "--project",
            str(project.root),
            "--build-dir",
            str(project.build_dir),
            "query",
            "--sparql",
            text,
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["_askResult", "true"]
    assert json.loads((folder / store.STAMP).read_text(encoding="utf-8")) != stamp
    assert not [p for p in project.build_dir.iterdir() if p.name.startswith(".store")]  # no temp folders left
