"""The quote check (citykg.quotes, issue 12): a high-confidence citation of a dated value quotes a form of its year,
unless a reviewed exception with a reason lists the pair; `citykg build` and `citykg validate` fail otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from citykg import quotes
from citykg.build import BuildResult
from citykg.cli import main
from citykg.config import Project
from citykg.errors import DataError
from citykg.namespaces import CKG
from citykg.sources import SourceFile, locate

DATA = Path(__file__).parent / "data" / "quotes"
BASE = "https://w3id.org/citykg/dortmund/"
UPGRADE = f"{BASE}event/quote-check-upgrade"
CITATION = f"{BASE}citation/quote-check-upgrade"


def _graph(name: str) -> Graph:
    return Graph().parse(DATA / name, format="turtle", publicID=BASE)


def _project(tmp_path: Path, exceptions: str | None = None) -> Project:
    graph_dir = tmp_path / "graph"
    graph_dir.mkdir(parents=True)
    if exceptions is not None:
        (graph_dir / quotes.EXCEPTIONS_FILE).write_text(exceptions, encoding="utf-8")
    return Project(tmp_path, BASE, graph_dir, tmp_path, tmp_path, tmp_path / "build")


def _locate(name: str):
    source = SourceFile(DATA / name, None)
    return lambda iri, value=None: (f"tests/data/quotes/{name}", locate(source, iri, BASE) or 0)


@pytest.mark.parametrize(
    ("quote", "value", "expected"),
    [
        ("am 14. Mai 2024 unterzeichnet", "2024-05-14", True),
        ("seit 2011 verbunden", "2024-05-14", False),
        ("ab dem 03.11.25 übernehmen", "2025-11-03", True),  # the two-digit year of a numeric date
        ("Jahrgang '69", "1969", False),  # decided: an apostrophe year is not a form of the year
        ("Telefon 120245", "2024", False),  # digits inside a longer number are no year
        ("im Jahr 2014", "2014", True),
    ],
)
def test_forms_of_a_year(quote: str, value: str, expected: bool) -> None:
    assert quotes.quotes_year(quote, value) is expected


def test_a_quote_about_another_year_fails_naming_the_citation_line(tmp_path: Path) -> None:
    found = quotes.check(_project(tmp_path), _graph("fails.ttl"), _locate("fails.ttl"))
    assert [(v.severity, v.focus, v.value) for v in found] == [("violation", CITATION, "2024-05-14")]
    assert found[0].text().startswith("tests/data/quotes/fails.ttl:20: violation: ")
    assert "2011" in found[0].message and "quote-exceptions.csv" in found[0].message


def test_a_quote_with_the_year_passes_and_medium_or_other_properties_are_not_checked(tmp_path: Path) -> None:
    assert quotes.check(_project(tmp_path), _graph("passes.ttl"), _locate("passes.ttl")) == []


def test_a_citation_without_property_supports_the_whole_node_dates_included(tmp_path: Path) -> None:
    data = _graph("fails.ttl")
    data.remove((None, CKG.supportsProperty, None))
    data.remove((None, CKG.supportsValue, None))
    assert [f.value for f in quotes.failures(data)] == ["2024-05-14"]


def test_a_reviewed_exception_lets_it_pass_and_a_stale_one_warns(tmp_path: Path) -> None:
    row = "citation/quote-check-upgrade,event/quote-check-upgrade,2024-05-14,the page's date gives the year\n"
    header = ",".join(quotes.COLUMNS) + "\n"
    assert quotes.check(_project(tmp_path / "a", header + row), _graph("fails.ttl")) == []
    stale = quotes.check(_project(tmp_path / "b", header + row), _graph("passes.ttl"))
    assert [(v.severity, v.value) for v in stale] == [("warning", "2024-05-14")]


@pytest.mark.parametrize(
    "text",
    [
        "citation,node,value\n",  # no reason column
        "citation,node,value,reason\ncitation/x,event/y,2024,\n",  # a row without a reason
    ],
)
def test_an_exception_file_without_reasons_is_a_data_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(DataError, match=r"quote-exceptions\.csv:"):
        quotes.load_exceptions(_project(tmp_path, text))


def test_a_listed_value_no_node_has_is_reported(tmp_path: Path) -> None:
    data = _graph("passes.ttl")
    data.add(
        (
            URIRef(CITATION),
            CKG.supportsValue,
            Literal("2024-05-15", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")),
        )
    )
    found = quotes.check(_project(tmp_path), data)
    assert [(v.path, v.value) for v in found] == [("ckg:supportsValue", "2024-05-15")]


def test_the_shipped_graph_passes_the_quote_check(built: BuildResult, project: Project) -> None:
    """Every failure of the shipped graph is a reviewed exception, and no exception is stale."""
    excepted = quotes.load_exceptions(project)
    assert all(reason for reason in excepted.values())
    assert {(f.citation, f.node, f.value) for f in quotes.failures(built.dataset)} == set(excepted)
    assert [v.text() for v in quotes.check(project, built.dataset)] == []


def test_validate_and_build_fail_on_the_failing_fixture(project_copy: Project) -> None:
    shutil.copy(DATA / "fails.ttl", project_copy.graph_dir / "quote-check.ttl")
    args = ["--project", str(project_copy.root), "--build-dir", str(project_copy.build_dir)]
    validated = CliRunner().invoke(main, [*args, "validate"])
    assert validated.exit_code == 1, validated.output
    assert f"graph/quote-check.ttl:20: violation: <{CITATION}>" in validated.output
    built = CliRunner().invoke(main, [*args, "build", "--formats", "ttl"])
    assert built.exit_code == 1, built.output
    assert "validation failed: 1 violation" in built.output
    assert not (project_copy.build_dir / "citykg.ttl").exists()
