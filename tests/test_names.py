"""Names, not IRIs: labels in either language, case- and accent-insensitive, IRIs and paths; unknown or
ambiguous names exit 2 with the closest matches (CLI, named-query parameters, HTTP)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from citykg.cli import main
from citykg.config import Project
from citykg.errors import UsageError
from citykg.names import Names, fold

BASE = "https://example.org/"

ROWS = [
    (BASE + "city/zhytomyr", "Schytomyr", "de", False),
    (BASE + "city/zhytomyr", "Zhytomyr", "en", False),
    (BASE + "city/munster", "Münster", "de", False),
    (BASE + "city/zurich", "Zürich", "de", False),
    (BASE + "city/leeds", "Leeds", "de", False),
    (BASE + "city/frankfurt-main", "Frankfurt", "de", False),
    (BASE + "city/frankfurt-oder", "Frankfurt", "de", False),
    (BASE + "partnership/dortmund-leeds", "Leeds", "en", True),
    (BASE + "organisation/un-habitat", "UN-Habitat", "en", False),
]


@pytest.fixture
def names() -> Names:
    return Names.from_rows(ROWS, BASE)


@pytest.mark.parametrize("given", ["Zhytomyr", "Schytomyr", "schytomyr", "SCHYTOMYR", "  zhytomyr "])
def test_either_language_any_case(names: Names, given: str) -> None:
    assert str(names.resolve(given)) == BASE + "city/zhytomyr"


@pytest.mark.parametrize("given", ["Münster", "munster", "Muenster", "MÜNSTER"])
def test_umlauts_fold_both_ways(names: Names, given: str) -> None:
    assert str(names.resolve(given)) == BASE + "city/munster"


def test_accents_and_punctuation_fold() -> None:
    assert fold("Zürich") == fold("zurich") == "zurich"
    assert fold("UN-Habitat") == fold("un habitat") == "un habitat"
    assert fold("Straße") == "strasse"


def test_iri_and_path_pass(names: Names) -> None:
    assert str(names.resolve(BASE + "city/leeds")) == BASE + "city/leeds"
    assert str(names.resolve("city/leeds")) == BASE + "city/leeds"


def test_a_resource_wins_over_the_relationship_named_like_it(names: Names) -> None:
    assert str(names.resolve("leeds")) == BASE + "city/leeds"


def test_typo_suggests_the_closest(names: Names) -> None:
    with pytest.raises(UsageError) as caught:
        names.resolve("lees")
    assert caught.value.exit_code == 2
    assert "Leeds (city/leeds)" in caught.value.hint
    with pytest.raises(UsageError) as caught:
        names.resolve("Schytomir")
    assert "Schytomyr (city/zhytomyr)" in caught.value.hint
    with pytest.raises(UsageError) as caught:
        names.resolve("city/lees")
    assert "city/leeds" in caught.value.hint


def test_ambiguous_lists_every_candidate(names: Names) -> None:
    with pytest.raises(UsageError) as caught:
        names.resolve("frankfurt")
    assert "several" in caught.value.message
    assert "city/frankfurt-main" in caught.value.hint and "city/frankfurt-oder" in caught.value.hint


def test_nothing_close(names: Names) -> None:
    with pytest.raises(UsageError) as caught:
        names.resolve("qqqqqq")
    assert "e.g. city/leeds" in caught.value.hint


# -- over the real CLI and data -------------------------------------------------------------------------------------
@pytest.fixture
def run(project: Project, built):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])

    return invoke


def test_path_takes_names(run) -> None:
    result = run("path", "Dortmund", "eurocities")
    assert result.exit_code == 0, result.output
    assert "Dortmund" in result.output and "EUROCITIES" in result.output


def test_path_typo_exits_2_with_suggestion(run) -> None:
    result = run("path", "dortmund", "lees")
    assert result.exit_code == 2
    assert "did you mean Leeds (city/leeds)?" in result.output


def test_query_parameter_by_name(run) -> None:
    by_name = run("query", "twin-cities", "-p", "city=schytomyr", "--format", "csv")
    by_path = run("query", "twin-cities", "-p", "city=city/zhytomyr", "--format", "csv")
    assert by_name.exit_code == 0, by_name.output
    assert by_name.output == by_path.output and "dortmund" in by_name.output


def test_query_parameter_typo_exits_2(run) -> None:
    result = run("query", "partnership-history", "-p", "partner=city/lees")
    assert result.exit_code == 2
    assert "Leeds (city/leeds)" in result.output


def test_view_focus_by_german_name(run, tmp_path) -> None:
    out = tmp_path / "view.html"
    result = run("view", "--focus", "Schytomyr", "--depth", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Schytomyr" in out.read_text(encoding="utf-8")
