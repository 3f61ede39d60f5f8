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


def test_codes_in_words(run) -> None:
    """Confidence (a code literal the query derives from ckgv:high) and statuses (concept IRIs) print as the
    vocabulary's labels in the chosen language; the CSV keeps the codes."""
    de = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "de")
    assert " hoch " in de and " mittel " in de
    assert " high " not in de and " medium " not in de
    en = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "en")
    assert " high " in en and " hoch " not in en
    status = "SELECT DISTINCT ?status WHERE { ?p ckg:status ?status } ORDER BY ?status"
    assert run("query", "--sparql", status, "--lang", "de").splitlines()[2:5] == ["aktiv", "ruhend", "beendet"]
    csv = run("query", "partnership-history", "-p", "partner=Leeds", "--format", "csv")
    assert ",high," in csv and "hoch" not in csv


def test_code_columns_only_when_every_value_is_a_code() -> None:
    """A column is read as codes only when every value names a concept of the vocabulary."""
    from rdflib import Graph, Literal

    from citykg.codes import Codes

    vocab = Graph().parse(
        data="@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix v: <https://w3id.org/citykg/vocab/> ."
        ' v:high a skos:Concept ; skos:prefLabel "hoch"@de , "high"@en .',
        format="turtle",
    )
    codes = Codes.of(vocab)
    rows = [[Literal("high"), Literal("high")], [Literal("high"), Literal("A title")]]
    coded = codes.with_concepts(rows)
    assert codes.label(coded[0][0], "de") == "hoch" and coded[1][1] == Literal("A title")
    assert coded[0][1] == Literal("high")  # its column also holds a non-code
