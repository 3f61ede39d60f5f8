"""Named queries: golden results on the shipped graph, and the questions users ask, answered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from citykg.config import Project
from citykg.golden import Case, evaluate, load_cases, rows
from citykg.queries import Catalogue, bind, run
from citykg.store import focus_resource, open_dataset

GOLDEN = Path(__file__).parent / "data" / "golden"
CASES = load_cases(GOLDEN / "cases.toml")


@pytest.fixture(scope="module")
def catalogue(project: Project) -> Catalogue:
    return Catalogue(project.queries_dir)


def ask(built, catalogue: Catalogue, project: Project, name: str, **params: str) -> list[dict[str, object]]:
    query = catalogue.get(name)
    result = run(built.dataset, query, bind(query, params, project.base, focus_resource(built.dataset)))
    return [{str(k): v for k, v in row.asdict().items()} for row in result]


def test_every_named_query_has_a_golden_case(catalogue: Catalogue) -> None:
    assert {q.name for q in catalogue} <= {c.query for c in CASES}
    assert len(catalogue) >= 15


def test_every_query_has_title_and_description(catalogue: Catalogue) -> None:
    for query in catalogue:
        assert query.title != query.name and query.description, query.name


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def backend(request: pytest.FixtureRequest, built, project: Project):
    """Every golden runs on both store backends: they must give equal answers."""
    return built.dataset if request.param == "memory" else open_dataset(project, store=request.param)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename)
def test_golden(case: Case, backend, catalogue: Catalogue, project: Project) -> None:
    expected = (GOLDEN / case.filename).read_text(encoding="utf-8")
    actual = evaluate(case, catalogue, backend, project.base)
    assert rows(actual) == rows(expected), f"regenerate with scripts/update_goldens.py if intended: {case.filename}"
    assert len(rows(expected)[1]) > 0, f"{case.filename} has no rows: a golden that checks nothing"


# --- competency questions, asserted from the seed page and facts.csv -----------------------------------


def test_urban_diplomacy_coordinator(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "post-holders", post="post/urban-diplomacy-coordinator")
    assert [(r["personLabel"].value, str(r["start"])) for r in rows_] == [("Fabian Zeuch", "2020-11-01")]


def test_twin_cities_and_their_years(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "twin-cities")
    years = {r["partnerLabel"].value: str(r["since"]) for r in rows_}
    assert years == {
        "Amiens": "1960",
        "Leeds": "1969",
        "Rostov-on-Don": "1977",
        "Buffalo": "1978",
        "Netanya": "1981",
        "Novi Sad": "1982",
        "Zwickau": "1988",
        "Xi'an": "1992",
        "Trabzon": "2014",
        "Kumasi": "2024",
        "Zhytomyr": "2025",
    }
    assert [r["partnerLabel"].value for r in rows_][:2] == ["Amiens", "Leeds"]  # ordered by year
    status = {r["partnerLabel"].value: r["statusLabel"].value for r in rows_}
    assert status["Rostov-on-Don"] == "dormant" and status["Leeds"] == "active"


def test_german_labels_differ_where_they_should(built, catalogue, project) -> None:
    names = {r["partnerLabel"].value for r in ask(built, catalogue, project, "twin-cities", lang="de")}
    assert {"Rostow am Don", "Schytomyr"} <= names


def test_organisers_of_the_2022_future_forum(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "event-details", event="event/german-american-future-forum-2022")
    organisers = {r["actorLabel"].value for r in rows_ if r["roleLabel"].value == "Organiser"}
    assert len(organisers) == 4
    text = " ".join(organisers)
    for name in ("Bertelsmann", "AICGS", "Auswärtiges Amt", "State"):
        assert name in text, name
    participants = {r["actorLabel"].value for r in rows_ if r["roleLabel"].value != "Organiser"}
    assert "Martin van der Pütten" in participants


def test_1970_had_two_twin_cities(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "partnerships-as-of", year="1970")
    assert {r["partnerLabel"].value for r in rows_} == {"Amiens", "Leeds"}


def test_kumasi_climate_from_2011_twin_from_2024(built, catalogue, project) -> None:
    kinds = {
        year: {
            r["kindLabel"].value
            for r in ask(built, catalogue, project, "partnerships-as-of", year=year)
            if r["partnerLabel"].value == "Kumasi"
        }
        for year in ("2010", "2011", "2024")
    }
    assert kinds["2010"] == set()
    assert kinds["2011"] == {"Climate partnership"}
    assert "Twinning" in kinds["2024"]


def test_rostov_dormant_from_2022(built, catalogue, project) -> None:
    def status(year: str) -> URIRef:
        return next(
            r["statusThen"]
            for r in ask(built, catalogue, project, "partnerships-as-of", year=year)
            if r["partnerLabel"].value == "Rostov-on-Don"
        )

    assert status("2021").endswith("/active") and status("2022").endswith("/dormant")


def test_conflicting_dates_are_kept_with_their_sources(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "conflicting-claims")
    dates = {frozenset({str(r["date"]), str(r["otherDate"])}) for r in rows_}
    assert frozenset({"1960-04-02", "1960-05-14"}) in dates  # Amiens
    assert frozenset({"1978-01-23", "1978-01-13"}) in dates  # Rostov-on-Don
    assert all(r["sourceUrl"] != r["otherSourceUrl"] for r in rows_)


def test_thirteen_network_memberships_from_the_city_list(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "memberships")
    assert len({r["organisation"] for r in rows_}) >= 13
    covenant = [r for r in rows_ if "Covenant" in r["organisationLabel"].value and r.get("start")]
    assert covenant and str(covenant[0]["start"]) == "2009-01"


def test_sources_of_a_resource_include_urls_and_quotes(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "sources-of", resource="city/kumasi")
    assert rows_ and all(str(r["sourceUrl"]).startswith("http") for r in rows_)
    assert any("Kumasi" in str(r["quote"]) for r in rows_)


def test_unverified_claims_are_marked(built, catalogue, project) -> None:
    dates = {str(r.get("date")) for r in ask(built, catalogue, project, "unverified-claims")}
    assert {"1960-05-14", "1978-01-13"} <= dates


def test_awards_include_the_council_of_europe_honours(built, catalogue, project) -> None:
    rows_ = ask(built, catalogue, project, "awards")
    by_year = {(str(r["date"])[:4], r["awardLabel"].value) for r in rows_}
    assert any(y == "1979" and "Flag of Honour" in a for y, a in by_year)
    assert any(y == "2021" and "Plaque of Honour" in a for y, a in by_year)


def test_parameters_are_bound_not_pasted(catalogue, project) -> None:
    query = catalogue.get("partnerships-as-of")
    bound = bind(query, {"year": "1970"}, project.base, URIRef(project.base + "city/x"))
    assert bound["year"] == Literal(1970)
    assert "1970" not in query.text.split("SELECT", 1)[1]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename)
def test_oxigraph_writes_the_same_terms_itself(case: Case, built, catalogue: Catalogue, project: Project) -> None:
    """The fast path (Oxigraph's own TSV writer) gives the same terms as rdflib's, only abbreviated."""
    import io

    from rdflib.query import Result

    from citykg.queries import execute

    oxigraph = open_dataset(project, store="oxigraph")
    query = catalogue.get(case.query)
    bindings = bind(query, case.params, project.base, focus_resource(built.dataset))

    def terms(text: str) -> Counter:
        result = Result.parse(io.StringIO(text), format="tsv")
        return Counter(tuple(row) for row in result)

    expected = terms((GOLDEN / case.filename).read_text(encoding="utf-8"))
    assert terms(execute(oxigraph, query, bindings, "tsv", project.base)) == expected
