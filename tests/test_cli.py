"""The command line: exit codes and messages people can act on, over the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from citykg.cli import main
from citykg.config import Project


@pytest.fixture
def run(project: Project, built):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])

    return invoke


def test_python_dash_m_works() -> None:
    result = subprocess.run([sys.executable, "-m", "citykg", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "build" in result.stdout and "query" in result.stdout


def test_queries_lists_every_named_query(run, project: Project) -> None:
    result = run("queries")
    assert result.exit_code == 0
    names = {p.stem for p in project.queries_dir.glob("*.rq")}
    assert len(names) >= 15
    for name in names:
        assert name in result.output


def test_queries_as_json_has_typed_parameters(run) -> None:
    listing = json.loads(run("queries", "--format", "json").output)
    history = next(q for q in listing if q["name"] == "partnership-history")
    assert {"name": "partner", "type": "resource"}.items() <= history["parameters"][0].items()
    assert history["parameters"][0]["required"] is True


def test_unknown_query_suggests_close_names(run) -> None:
    result = run("query", "twin-citys")
    assert result.exit_code == 2
    assert "no named query 'twin-citys'" in result.output and "twin-cities" in result.output


def test_missing_required_parameter(run) -> None:
    result = run("query", "partnership-history")
    assert result.exit_code == 2 and "needs the parameter partner" in result.output


def test_unknown_parameter(run) -> None:
    result = run("query", "twin-cities", "-p", "colour=red")
    assert result.exit_code == 2 and "has no parameter colour" in result.output


@pytest.mark.parametrize(
    ("param", "message"),
    [("year=seventy", "not a valid year"), ("year=1970; DROP", "not a valid year")],
)
def test_bad_parameter_value_names_the_parameter(run, param: str, message: str) -> None:
    result = run("query", "partnerships-as-of", "-p", param)
    assert result.exit_code == 2 and message in result.output and "year=" in result.output


def test_resource_parameter_cannot_inject_sparql(run) -> None:
    result = run("query", "sources-of", "-p", "resource=x> } ; DROP ALL ; { <y")
    assert result.exit_code == 2 and "parameter resource" in result.output


def test_adhoc_syntax_error_gives_position(run) -> None:
    result = run("query", "--sparql", "SELECT ?x WHERE { ?x ?y }")
    assert result.exit_code == 2 and "SPARQL syntax error" in result.output and "line" in result.output


def test_adhoc_sparql_with_default_prefixes(run) -> None:
    result = run("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?p a ckg:Partnership }", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert int(result.output.splitlines()[1]) >= 11


def test_query_from_file_and_output_file(run, tmp_path) -> None:
    rq = tmp_path / "ask.rq"
    rq.write_text("ASK { ?c a schema:City }", encoding="utf-8")
    out = tmp_path / "answer.csv"
    result = run("query", "--file", str(rq), "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == ["_askResult", "true"]


def test_failed_query_leaves_earlier_output_intact(run, tmp_path) -> None:
    out = tmp_path / "kept.csv"
    out.write_text("earlier\n", encoding="utf-8")
    result = run("query", "partnership-history", "-o", str(out))
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "earlier\n"


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
def test_every_result_format(run, fmt: str) -> None:
    result = run("query", "twin-cities", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "Leeds" in result.output


def test_construct_renders_rdf(run) -> None:
    result = run("query", "--sparql", "CONSTRUCT { ?c a schema:City } WHERE { ?c a schema:City }", "--format", "nt")
    assert result.exit_code == 0 and "<http://schema.org/City>" in result.output


def test_stats(run) -> None:
    result = run("stats")
    assert result.exit_code == 0 and "ckg:Partnership" in result.output and "ckg:partner" in result.output


def test_export_to_file(run, tmp_path) -> None:
    out = tmp_path / "dump.jsonld"
    result = run("export", "--format", "jsonld", "-o", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))


def test_validate_reports_zero_violations(run) -> None:
    result = run("validate")
    assert result.exit_code == 0 and "0 violations" in result.output


def test_bad_base_is_a_usage_error(project: Project) -> None:
    result = CliRunner().invoke(main, ["--project", str(project.root), "--base", "not-an-iri", "validate"])
    assert result.exit_code == 2 and "not an http(s) IRI" in result.output


@pytest.mark.parametrize("store", ["oxigraph", "oxigraph:{tmp}"])
def test_oxigraph_store_answers_like_memory(run, store: str, tmp_path) -> None:
    spec = store.format(tmp=tmp_path / "ox")
    expected = run("query", "twin-cities", "--format", "csv").output
    for _ in range(2):  # the second time a persistent store reopens without loading
        assert run("--store", spec, "query", "twin-cities", "--format", "csv").output == expected


def test_unknown_store_is_a_usage_error(run) -> None:
    result = run("--store", "mongodb", "stats")
    assert result.exit_code == 2 and "unknown store" in result.output


def test_repeated_query_is_answered_from_the_cache_and_edits_invalidate_it(project_copy, tmp_path) -> None:
    runner = CliRunner()
    args = [
        "--project",
        str(project_copy.root),
        "--build-dir",
        str(tmp_path / "b"),
        "query",
        "twin-cities",
        "--format",
        "csv",
    ]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert len(list((tmp_path / "b" / "answers").iterdir())) == 1
    assert runner.invoke(main, args).stdout == first.stdout
    places = project_copy.graph_dir / "places.ttl"
    places.write_text(
        places.read_text(encoding="utf-8").replace('"Leeds"@de', '"Leeds (West Yorkshire)"@de'), encoding="utf-8"
    )
    changed = runner.invoke(main, args)
    assert changed.exit_code == 0, changed.output
    assert "Leeds (West Yorkshire)" in changed.stdout and changed.stdout != first.stdout
