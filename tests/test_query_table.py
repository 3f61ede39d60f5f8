"""`citykg query`'s table for people (issue 13): headers from the query header's German (or English) fields,
dates as people write them, no language tags or datatypes; CSV and JSON keep the variable names and terms."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from citykg.cli import main
from citykg.config import Project


@pytest.fixture
def run(project: Project, built):
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_german_table(run) -> None:
    out = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "de")
    head = out.splitlines()[0].split()
    assert head[:3] == ["Datum", "Art", "Meilenstein"] and "Verlässlichkeit" in head
    assert "2. Juni 1969" in out and "April 1970" in out  # a day and a month, at the source's precision
    assert "1969-06-02" not in out and "eventLabel" not in out
    assert "@de" not in out and "^^" not in out and "xsd:" not in out
    assert out.rstrip().endswith("(5 Zeilen)")


def test_project_language_is_the_default(run) -> None:
    out = run("query", "twin-cities")  # citykg.toml: lang = "de"
    assert out.splitlines()[0].split()[:3] == ["Partner", "Partnerstadt", "Land"]
    assert "Rostow am Don" in out


def test_english_table(run) -> None:
    out = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "en")
    assert out.splitlines()[0].split()[:2] == ["Date", "Kind"] and "2 June 1969" in out
    assert out.rstrip().endswith("(5 rows)")


def test_csv_and_json_keep_variable_names_and_terms(run) -> None:
    csv = run("query", "partnership-history", "-p", "partner=Leeds", "--format", "csv")
    assert csv.splitlines()[0].startswith("date,kindLabel,eventLabel") and "1969-06-02" in csv
    data = json.loads(run("query", "partnership-history", "-p", "partner=Leeds", "--format", "json"))
    assert data["head"]["vars"][0] == "date"
    assert data["results"]["bindings"][0]["date"]["datatype"].endswith("#date")


def test_ask_and_adhoc(run) -> None:
    assert run("query", "--sparql", "ASK { ?s ?p ?o }", "--lang", "de").strip() == "ja"
    out = run("query", "--sparql", "SELECT ?since WHERE { ?p schema:startDate ?since } LIMIT 1", "--lang", "de")
    assert out.splitlines()[0] == "Since" and "-" not in out.splitlines()[2]  # a date in words
