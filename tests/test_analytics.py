"""Analytics: centralities checked against values computed by hand, shortest chains of relations spelled
out in words, shared memberships, and the commands (fixtures and the real graph)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from citykg.analytics import analyze, centrality, format_chain, restrict, shared_memberships, shortest_chain
from citykg.build import build
from citykg.cli import LazyGroup, main
from citykg.config import Project
from citykg.store import open_dataset
from citykg.synth import make_project
from citykg.views.commands import LAZY
from citykg.views.projection import Projection, project

DATA = Path(__file__).parent / "data" / "views"
BASE = "https://w3id.org/citykg/dortmund/"
DORTMUND, AMIENS, KUMASI = BASE + "city/dortmund", BASE + "city/amiens", BASE + "city/kumasi"
ALLIANCE, HABITAT = BASE + "organisation/climate-alliance", BASE + "organisation/un-habitat"


def built_project(tmp_path_factory: pytest.TempPathFactory, folder: Path) -> Project:
    project_ = make_project(tmp_path_factory.mktemp(folder.name), folder)
    assert build(project_).report.conforms
    return project_


@pytest.fixture(scope="module")
def star_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return built_project(tmp_path_factory, DATA / "analytics")


@pytest.fixture(scope="module")
def star(star_project: Project) -> Projection:
    return project(open_dataset(star_project, quiet=True))


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return built_project(tmp_path_factory, DATA / "fixture")


@pytest.fixture(scope="module")
def fixture(fixture_project: Project) -> Projection:
    return project(open_dataset(fixture_project, quiet=True))


# --- centralities, by hand --------------------------------------------------------------------------------
# The star: Dortmund in the middle; Amiens, Kumasi, Climate Alliance, UN-Habitat around it; five relations
# (Kumasi twice). As a simple graph it is the star K(1,4):
#   degree (relations):   Dortmund 5, Kumasi 2, the others 1
#   betweenness:          Dortmund lies on all C(4,2) = 6 shortest paths between leaves, normalised by
#                         (n-1)(n-2)/2 = 6  ->  1.0; every leaf 0
#   eigenvector:          adjacency eigenvalue 2 with eigenvector (2, 1, 1, 1, 1), unit length
#                         -> Dortmund 2/sqrt(8) = 0.70711, each leaf 1/sqrt(8) = 0.35355


def test_degree_counts_every_relation(star: Projection) -> None:
    degree = centrality(star.graph, "degree")
    assert degree == {DORTMUND: 5.0, KUMASI: 2.0, AMIENS: 1.0, ALLIANCE: 1.0, HABITAT: 1.0}


def test_betweenness_by_hand(star: Projection) -> None:
    betweenness = centrality(star.graph, "betweenness")
    assert betweenness[DORTMUND] == pytest.approx(1.0)
    assert all(betweenness[n] == pytest.approx(0.0) for n in (AMIENS, KUMASI, ALLIANCE, HABITAT))


def test_eigenvector_by_hand(star: Projection) -> None:
    eigenvector = centrality(star.graph, "eigenvector")
    assert eigenvector[DORTMUND] == pytest.approx(2 / math.sqrt(8), abs=1e-6)
    for leaf in (AMIENS, KUMASI, ALLIANCE, HABITAT):
        assert eigenvector[leaf] == pytest.approx(1 / math.sqrt(8), abs=1e-6)


def test_analyze_counts_and_rankings(star: Projection) -> None:
    result = analyze(star, top=3, lang="en")
    assert (result.nodes, result.edges, len(result.components)) == (5, 5, 1)
    assert [r.label for r in result.top["degree"]] == ["Dortmund", "Kumasi", "Amiens"]
    assert result.top["betweenness"][0].label == "Dortmund"
    assert dict((k, n) for k, _, n in result.by_relation) == {
        "twinning": 2,
        "climate": 1,
        "membership": 1,
        "engagement": 1,
    }
    as_json = result.as_json()
    assert as_json["component_sizes"] == [5] and as_json["top"]["degree"][0]["value"] == 5


def test_analyze_as_of_a_year(fixture: Projection) -> None:
    assert analyze(restrict(fixture, 1970)).nodes == 4
    assert analyze(restrict(fixture, 2024)).edges == 17


# --- shortest chains ---------------------------------------------------------------------------------------


def test_path_to_a_un_body(star: Projection) -> None:
    chain = shortest_chain(star, DORTMUND, HABITAT)
    assert chain is not None and chain.nodes == [DORTMUND, HABITAT]
    assert format_chain(star, chain, "de", DORTMUND, HABITAT).splitlines()[0] == "Dortmund — Bewerbung → UN-Habitat"
    assert format_chain(star, chain, "en", DORTMUND, HABITAT).splitlines()[0] == "Dortmund — Bid → UN-Habitat"


def test_path_through_the_focus_city_to_a_network(star: Projection) -> None:
    chain = shortest_chain(star, AMIENS, ALLIANCE)
    text = format_chain(star, chain, "en", AMIENS, ALLIANCE)
    assert text.splitlines()[0] == "Amiens — Twinning — Dortmund — member of → Climate Alliance"
    assert "1. Amiens — Twinning — Dortmund (since 1960; source: Test notes <https://example.org/citykg/star>)" in text
    backwards = format_chain(star, shortest_chain(star, ALLIANCE, AMIENS), "de", ALLIANCE, AMIENS)
    assert backwards.splitlines()[0] == "Klima-Bündnis ← Mitglied von — Dortmund — Städtepartnerschaft — Amiens"


def test_parallel_relations_prefer_the_partnership(star: Projection) -> None:
    chain = shortest_chain(star, DORTMUND, KUMASI)
    assert chain is not None and chain.hops[0].data["type"] == "partnership"


def test_no_path_between_unconnected_resources(fixture: Projection) -> None:
    sdg11 = "http://metadata.un.org/sdg/11"
    alone = restrict(fixture, 1970)
    assert sdg11 not in alone.graph
    chain = shortest_chain(fixture.copy_with(fixture.graph.subgraph([DORTMUND, sdg11]).copy()), DORTMUND, sdg11)
    assert chain is None
    assert "Keine Verbindung" in format_chain(fixture, chain, "de", DORTMUND, sdg11)


# --- shared memberships ------------------------------------------------------------------------------------


def test_shared_memberships(fixture_project: Project) -> None:
    dataset = open_dataset(fixture_project, quiet=True)
    links = shared_memberships(dataset, DORTMUND, BASE + "city/leeds", lang="en", base=BASE)
    assert [(link["label"], link["city"][0]["start"], link["partner"][0]["start"]) for link in links] == [
        ("EUROCITIES", "1986", "1986")
    ]
    assert shared_memberships(dataset, DORTMUND, AMIENS, base=BASE) == []


# --- the commands ------------------------------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):
    for name, target in LAZY.items():
        monkeypatch.setitem(LazyGroup.lazy, name, target)
    runner = CliRunner()

    def invoke(project_: Project, *args: str):
        return runner.invoke(main, ["--project", str(project_.root), "--build-dir", str(project_.build_dir), *args])

    return invoke


def test_path_command(run, fixture_project: Project) -> None:
    result = run(fixture_project, "path", "city/dortmund", "organisation/un-habitat")
    assert result.exit_code == 0 and result.output.startswith("Dortmund — Bewerbung → UN-Habitat\n")
    result = run(
        fixture_project, "path", "city/amiens", BASE + "organisation/eurocities", "--lang", "en", "--format", "json"
    )
    answer = json.loads(result.output)
    assert [step["label"] for step in answer["path"]] == ["Amiens", "Dortmund", "EUROCITIES"]
    assert answer["relations"][1]["relation"] == "member of" and answer["relations"][1]["start"] == "1986"
    result = run(fixture_project, "path", "city/dortmund", "city/atlantis")
    assert result.exit_code == 2 and "B 'city/atlantis' is not in the graph" in result.output


def test_path_command_in_a_year(run, fixture_project: Project) -> None:
    result = run(fixture_project, "path", "city/leeds", "city/amiens", "--as-of", "1970", "--lang", "en")
    assert result.output.startswith("Leeds — Twinning — Dortmund — Twinning — Amiens")
    result = run(fixture_project, "path", "city/kumasi", "city/amiens", "--as-of", "1970")
    assert result.exit_code == 2 and "no relation" in result.output


def test_analyze_and_shared_commands(run, fixture_project: Project) -> None:
    result = run(fixture_project, "analyze", "--top", "3")
    assert result.exit_code == 0 and "24 Knoten, 32 Beziehungen, 1 Komponenten" in result.output
    result = run(fixture_project, "analyze", "--format", "json", "--as-of", "2011")
    assert json.loads(result.output)["nodes"] == 9
    result = run(fixture_project, "shared", "city/leeds", "--lang", "en")
    assert (
        result.exit_code == 0 and "EUROCITIES — Dortmund: member since 1986; Leeds: member since 1986" in result.output
    )


# --- the real graph ---------------------------------------------------------------------------------------


def test_real_graph_paths_to_un_bodies_and_networks(project: Project, built) -> None:
    real = project_of(built.dataset)
    targets = [n for n, d in real.graph.nodes(data=True) if d["cls"] in ("unbody", "network")]
    assert targets
    reached = 0
    for target in targets:
        chain = shortest_chain(real, real.focus, target)
        if chain is None:
            continue
        reached += 1
        assert chain.nodes[0] == real.focus and chain.nodes[-1] == target
        for hop in chain.hops:
            assert real.graph.has_edge(hop.source, hop.target) or real.graph.has_edge(hop.target, hop.source)
    assert reached >= len(targets) // 2
    habitat = next((n for n in targets if real.label(n, "en") == "UN-Habitat"), None)
    if habitat is not None:
        text = format_chain(real, shortest_chain(real, real.focus, habitat), "de", real.focus, habitat)
        assert text.startswith("Dortmund — ") and text.splitlines()[0].endswith("UN-Habitat")


def project_of(dataset) -> Projection:
    return project(dataset)


def test_large_networks_say_that_betweenness_is_estimated(tmp_path) -> None:
    import networkx as nx

    from citykg.analytics import EXACT_BETWEENNESS_LIMIT, betweenness_sample, format_analysis, simple_graph
    from citykg.projection import Projection

    for size, sampled in ((EXACT_BETWEENNESS_LIMIT, False), (EXACT_BETWEENNESS_LIMIT + 1, True)):
        graph = nx.MultiDiGraph()
        for n in range(size):
            graph.add_node(f"urn:n{n}", cls="city", label=f"n{n}")
        for n in range(1, size):  # a wheel: a hub and a ring (eigenvector centrality converges on it)
            graph.add_edge("urn:n0", f"urn:n{n}", type="partnership", group="partnership")
            graph.add_edge(f"urn:n{n}", f"urn:n{n % (size - 1) + 1}", type="partnership", group="partnership")
        proj = Projection(graph=graph, focus=None, texts={}, broader={}, citations={})
        result = analyze(proj, top=3, lang="en")
        assert result.betweenness_sample == betweenness_sample(simple_graph(graph))
        assert (result.betweenness_sample is not None) == sampled
        assert ("estimated from" in format_analysis(result)) == sampled
