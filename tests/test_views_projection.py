"""The views without a browser: projection to a multigraph, the year filter, selections, the page data,
the map and timeline documents, and the commands (on small fixtures and, where noted, the real graph)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from citykg.build import build
from citykg.cli import LazyGroup, main
from citykg.config import Project
from citykg.errors import UsageError
from citykg.store import open_dataset
from citykg.synth import make_project, synthetic_turtle
from citykg.views import ViewOptions, network_data, network_html, project, selection, visible
from citykg.views.commands import LAZY
from citykg.views.mapview import map_html, map_model, map_svg
from citykg.views.projection import Projection, select
from citykg.views.timeline import timeline_html, timeline_model, timeline_svg

FIXTURE = Path(__file__).parent / "data" / "views" / "fixture"
BASE = "https://w3id.org/citykg/dortmund/"


def iri(path: str) -> str:
    return BASE + path


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_project(tmp_path_factory.mktemp("views-fixture"), FIXTURE)
    result = build(project)  # the fixture is in the project's model: it validates
    assert result.report.conforms
    return project


@pytest.fixture(scope="module")
def proj(fixture_project: Project) -> Projection:
    return project(open_dataset(fixture_project, quiet=True))


def names(p: Projection, nodes) -> set[str]:
    return {p.label(n, "en") for n in nodes}


# --- the projection ------------------------------------------------------------------------------------


def test_every_relation_is_an_edge_of_a_directed_multigraph(proj: Projection) -> None:
    graph = proj.graph
    assert graph.is_directed() and graph.is_multigraph()
    assert (len(graph), graph.number_of_edges()) == (24, 32)
    kumasi = graph.get_edge_data(iri("city/dortmund"), iri("city/kumasi"))
    assert sorted(d["group"] for d in kumasi.values()) == ["climate", "twinning"]  # two partnerships, two edges
    charter = graph.get_edge_data(iri("event/leeds-counter-charter"), iri("city/leeds"))
    assert sorted(d["type"] for d in charter.values()) == ["location", "milestone"]


def test_edges_carry_dates_status_and_sources(proj: Projection) -> None:
    rostov = proj.graph.edges[
        iri("city/dortmund"), iri("city/rostov-on-don"), iri("partnership/dortmund-rostov-on-don")
    ]
    assert (rostov["start"], rostov["status"], rostov["dormant_from"]) == ("1977", "dormant", 2022)
    climate = proj.graph.edges[iri("city/dortmund"), iri("city/kumasi"), iri("partnership/dortmund-kumasi-climate")]
    assert (climate["y0"], climate["y1"], climate["status"]) == (2011, 2024, "ended")
    cites = proj.citations[iri("partnership/dortmund-xian")]
    assert [(c.quote, c.confidence) for c in cites] == [("Xi´an, China seit 1992", "high")]
    assert cites[0].url == "https://www.dortmund.de/themen/internationales/staedtepartnerschaften/"


def test_classes_and_labels(proj: Projection) -> None:
    cls = {proj.label(n, "en"): d["cls"] for n, d in proj.graph.nodes(data=True)}
    assert cls["Dortmund"] == "focus"
    assert cls["Kumasi"] == "partner:twinning"  # the strongest partnership that has not ended
    assert cls["Zwickau"] == "partner:intra-german"
    assert (cls["EUROCITIES"], cls["UN-Habitat"], cls["Lord Mayor"], cls["SDG 13: Climate action"]) == (
        "network",
        "unbody",
        "post",
        "sdg",
    )
    assert proj.label(iri("city/rostov-on-don"), "de") == "Rostow am Don"
    assert proj.label(iri("person/thomas-westphal"), "de") == "Thomas Westphal"  # plain label in every language


@pytest.mark.parametrize(
    ("year", "nodes", "edges", "partners"),
    [
        (1970, 4, 4, {"Amiens": "twinning", "Leeds": "twinning"}),
        (
            2011,
            9,
            9,
            {
                "Amiens": "twinning",
                "Leeds": "twinning",
                "Rostov-on-Don": "twinning",
                "Kumasi": "climate",
                "Xi'an": "twinning",
                "Zwickau": "intra-german",
            },
        ),
        (
            2024,
            14,
            17,
            {
                "Amiens": "twinning",
                "Leeds": "twinning",
                "Rostov-on-Don": "twinning",
                "Kumasi": "twinning",
                "Xi'an": "twinning",
                "Zwickau": "intra-german",
            },
        ),
        (None, 24, 32, None),
    ],
)
def test_the_year_filter_by_hand(proj: Projection, year, nodes, edges, partners) -> None:
    """Counted by hand from tests/data/views/fixture/relations.ttl (see the comment at its top)."""
    seen = visible(proj, year)
    assert seen.counts() == (nodes, edges)
    if partners is not None:
        found = {proj.label(n, "en"): c.split(":", 1)[1] for n, c in seen.classes.items() if c.startswith("partner:")}
        assert found == partners


def test_undated_relations_only_on_request(proj: Projection) -> None:
    alliance = iri("organisation/climate-alliance")
    assert alliance not in visible(proj, 2024).nodes
    assert alliance in visible(proj, 2024, show_undated=True).nodes
    assert alliance in visible(proj, None).nodes


def test_filters_by_group_and_class(proj: Projection) -> None:
    only_twinning = visible(proj, 1970, groups={"twinning"})
    assert names(proj, only_twinning.nodes) == {"Dortmund", "Amiens", "Leeds", "Counter-charter from Leeds"}
    no_events = visible(proj, 1970, classes={"focus", "partner:twinning"})
    assert names(proj, no_events.nodes) == {"Dortmund", "Amiens", "Leeds"}


# --- selections ----------------------------------------------------------------------------------------


def test_depth_around_a_focus(proj: Projection) -> None:
    leeds = select(proj, focus=iri("city/leeds"), depth=1)
    assert names(leeds, leeds.graph) == {"Leeds", "Dortmund", "EUROCITIES", "Counter-charter from Leeds"}
    assert leeds.graph.nodes[iri("city/leeds")]["cls"] == "focus"
    assert leeds.graph.nodes[iri("city/dortmund")]["cls"] == "partner:twinning"


def test_kinds_include_narrower_kinds(proj: Projection) -> None:
    project_kinds = select(proj, kinds=["project"])
    assert names(project_kinds, project_kinds.graph) == {"Dortmund", "Kumasi"}
    twinnings = select(proj, kinds=["twinning"])  # intra-German twinnings are twinnings
    assert "Zwickau" in names(twinnings, twinnings.graph)
    with pytest.raises(UsageError, match="unknown relation kind"):
        select(proj, kinds=["friendshp"])


def test_classes_keep_the_focus(proj: Projection) -> None:
    networks = select(proj, classes=["network"])
    assert names(networks, networks.graph) == {"Dortmund", "EUROCITIES", "Climate Alliance"}
    with pytest.raises(UsageError, match="unknown class"):
        select(proj, classes=["castle"])


def test_resources_by_path_or_iri_with_suggestions(proj: Projection) -> None:
    assert proj.resolve("city/leeds", BASE) == iri("city/leeds")
    assert proj.resolve(iri("city/leeds"), BASE) == iri("city/leeds")
    with pytest.raises(UsageError, match="not in the graph") as error:
        proj.resolve("city/leds", BASE)
    assert "city/leeds" in str(error.value)
    with pytest.raises(UsageError, match="relationship"):
        proj.resolve("partnership/dortmund-leeds", BASE)
    with pytest.raises(UsageError, match="not a valid resource"):
        proj.resolve("city/x> } DROP", BASE)


def test_options_from_query_parameters() -> None:
    options = ViewOptions.from_params(
        {"focus": "city/leeds", "depth": "1", "kinds": "twinning,membership", "as-of": "1970", "lang": "en"}, BASE
    )
    assert (options.focus, options.depth, options.kinds, options.as_of, options.lang) == (
        iri("city/leeds"),
        1,
        ("twinning", "membership"),
        1970,
        "en",
    )
    for bad in ({"lang": "fr"}, {"depth": "-1"}, {"colour": "red"}, {"as-of": "nineteen"}, {"cluster": "town"}):
        with pytest.raises(UsageError):
            ViewOptions.from_params(bad, BASE)


# --- the network page ----------------------------------------------------------------------------------


def test_page_data_matches_networkx(proj: Projection) -> None:
    options = ViewOptions()
    chosen = selection(proj, options)
    data = network_data(chosen, options)
    assert (len(data["nodes"]), len(data["edges"])) == (len(chosen.graph), chosen.graph.number_of_edges())
    assert data["counts"] == {"nodes": 24, "edges": 32}
    ids = {n["id"] for n in data["nodes"]}
    assert len(ids) == len(data["nodes"]) and all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert data["physics"] is True and data["large"] is False
    assert data["years"]["min"] == 1960 and data["years"]["max"] >= 2025  # Amiens 1960 … this year
    assert {c["key"] for c in data["classes"]} >= {"focus", "partner:twinning", "partner:climate", "city", "event"}
    kumasi = [e for e in data["edges"] if e["ty"] == "partnership" and "kumasi" in e["k"]]
    assert len(kumasi) == 2 and all("sm" in e for e in kumasi)  # parallel edges fan out


def test_page_is_self_contained_and_escapes_labels(proj: Projection) -> None:
    html = network_html(proj, ViewOptions())
    assert "<img src=x" not in html and "<script>window.__pwned" not in html
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", html, re.I)
    code = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.S).lower()
    assert not any(host in code for host in ("cdnjs", "jsdelivr", "unpkg", "googleapis", "bootstrap.min"))
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    payload = re.search(r'<script type="application/json" id="citykg-data">(.*?)</script>', html, re.S).group(1)
    labels = {n["l"].get("de") for n in json.loads(payload)["nodes"]}
    assert '<img src=x onerror="window.__pwned=1">' in labels  # data, kept as text


def test_title_is_escaped(proj: Projection) -> None:
    html = network_html(proj, ViewOptions(title="</title><script>alert(1)</script>"))
    assert "<script>alert(1)" not in html
    assert "&lt;/title&gt;&lt;script&gt;" in html


def test_ego_network_for_resource_pages(proj: Projection) -> None:
    from citykg.views import ego_network_html

    html = ego_network_html(proj, iri("city/leeds"), lang="en", link_template="/page/{path}", base=BASE)
    data = json.loads(re.search(r'id="citykg-data">(.*?)</script>', html, re.S).group(1))
    assert data["embed"] is True and data["link"] == "/page/{path}" and data["lang"] == "en"
    assert {n["iri"] for n in data["nodes"]} == {
        iri(p) for p in ("city/leeds", "city/dortmund", "organisation/eurocities", "event/leeds-counter-charter")
    }
    assert 'class="embed"' in html


def test_large_views_get_positions_and_no_physics(tmp_path: Path) -> None:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    root = Path(__file__).resolve().parent.parent
    for name in ("citykg.ttl", "vocab.ttl"):
        dataset.graph(f"urn:{name}").parse(root / "ontology" / name, format="turtle")
    dataset.graph("urn:synthetic").parse(data=synthetic_turtle(600), format="turtle", publicID=BASE)
    big = project(dataset)
    assert len(big.graph) == 600
    data = network_data(big, ViewOptions(layout_threshold=500))
    assert data["large"] is True and data["physics"] is False and data["edgeLabels"] is False
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is False
    again = network_data(big, ViewOptions(layout_threshold=500))
    assert [(n["x"], n["y"]) for n in again["nodes"]] == [(n["x"], n["y"]) for n in data["nodes"]]  # deterministic


def test_synthetic_graph_is_in_the_model(tmp_path: Path) -> None:
    project_ = make_project(tmp_path, {"synthetic.ttl": synthetic_turtle(90, seed=3)})
    assert build(project_).report.conforms
    assert synthetic_turtle(90, seed=3) == synthetic_turtle(90, seed=3)


# --- map and timeline documents -------------------------------------------------------------------------


def test_map_shows_every_partner(proj: Projection) -> None:
    model = map_model(proj, ViewOptions(), all_years=True)
    assert names(proj, model.partners) == {"Amiens", "Leeds", "Rostov-on-Don", "Kumasi", "Xi'an", "Zwickau"}
    assert len(model.lines) == 7 and model.missing == []
    svg = map_svg(proj, ViewOptions(lang="de"))
    assert svg.startswith("<svg") and svg.count("<circle") == 6 and "Rostow am Don" in svg
    assert 'stroke-dasharray="9 6"' in svg  # Rostov-on-Don: dormant
    in_1970 = map_svg(proj, ViewOptions(as_of=1970, lang="en"))
    assert in_1970.count("<circle") == 2 and "as of 1970" in in_1970
    html = map_html(proj, ViewOptions())
    assert not re.search(r"\b(src|href)\s*=\s*\"https?:", html)


def test_timeline_shows_every_partner(proj: Projection) -> None:
    model = timeline_model(proj, ViewOptions())
    partner_rows = [r.label["en"] for r in model.rows if r.section == "partnerships"]
    assert partner_rows == ["Amiens", "Leeds", "Rostov-on-Don", "Zwickau", "Xi'an", "Kumasi"]  # by first start
    svg = timeline_svg(proj, ViewOptions(lang="en"))
    assert "Partnerships".upper() in svg and "Kumasi" in svg and "url(#dormant-en)" in svg
    assert "undated" in svg  # the Climate Alliance membership has no date
    html = timeline_html(proj, ViewOptions(since=1990))
    assert "Amiens" in html and "<img src=x" not in html


# --- the commands ----------------------------------------------------------------------------------------


@pytest.fixture
def run(fixture_project: Project, monkeypatch: pytest.MonkeyPatch):
    for name, target in LAZY.items():
        monkeypatch.setitem(LazyGroup.lazy, name, target)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--project", str(fixture_project.root), *args])

    return invoke


def test_view_command_writes_one_file(run, tmp_path: Path) -> None:
    target = tmp_path / "view.html"
    result = run("view", "--as-of", "1970", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "24 nodes, 32 relations" in result.output and target.stat().st_size > 400_000
    assert '"initial":1970' in target.read_text(encoding="utf-8")


def test_view_command_errors_are_messages(run) -> None:
    result = run("view", "--focus", "city/atlantis")
    assert result.exit_code == 2 and "not in the graph" in result.output and "Traceback" not in result.output
    result = run("view", "--kinds", "nonsense")
    assert result.exit_code == 2 and "unknown relation kind" in result.output


def test_view_command_says_how_to_narrow_large_views(run, tmp_path: Path) -> None:
    result = run("view", "--layout-threshold", "10", "-o", str(tmp_path / "v.html"))
    assert result.exit_code == 0 and "--depth" in result.output and "--kinds" in result.output


def test_map_and_timeline_commands(run, tmp_path: Path) -> None:
    result = run("map", "--format", "svg", "-o", str(tmp_path / "map.svg"))
    assert result.exit_code == 0 and "6 partners, 7 partnerships" in result.output
    assert (tmp_path / "map.svg").read_text(encoding="utf-8").startswith("<svg")
    result = run("timeline", "-o", str(tmp_path / "timeline.svg"))
    assert result.exit_code == 0 and (tmp_path / "timeline.svg").read_text(encoding="utf-8").startswith("<svg")
    result = run("timeline", "--since", "2000", "--until", "1990")
    assert result.exit_code == 2 and "before --since" in result.output


def test_every_command_has_help_with_an_example(run) -> None:
    for name in LAZY:
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example" in result.output, name


# --- the real graph (built by tests/conftest.py) ---------------------------------------------------------


@pytest.fixture(scope="module")
def real(project: Project, built) -> Projection:
    return project_of(built.dataset)


def project_of(dataset) -> Projection:
    return project(dataset)


def test_real_graph_facts_in_time(real: Projection) -> None:
    def partners(year: int) -> dict[str, str]:
        seen = visible(real, year)
        return {real.label(n, "en"): c.split(":", 1)[1] for n, c in seen.classes.items() if c.startswith("partner:")}

    assert set(partners(1970)) == {"Amiens", "Leeds"}  # two twin cities in 1970
    assert partners(2011)["Kumasi"] == "climate" and partners(2024)["Kumasi"] == "twinning"
    rostov = [
        d
        for u, v, d in real.graph.edges(data=True)
        if d["type"] == "partnership"
        and real.focus in (u, v)
        and "Rostov-on-Don" in (real.label(u, "en"), real.label(v, "en"))
    ]
    assert rostov and all(d["dormant_from"] == 2022 for d in rostov)


def test_real_graph_xian_has_since_and_source(real: Projection) -> None:
    xian = next(n for n in real.graph if real.label(n, "en") == "Xi'an")
    edges = [d for _, _, d in real.graph.in_edges(xian, data=True) if d["type"] == "partnership"]
    assert edges and edges[0]["start"] == "1992"
    assert any(c.url and c.url.startswith("https://") for c in real.citations[edges[0]["rel"]])
