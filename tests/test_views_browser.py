"""The views in headless Chromium (Debian's chromium through Playwright), with the network cut off.

Every request that is not ``file:`` is routed to abort and recorded, and each test asserts none was even
attempted; the pages must also log no console error and open no dialog. Screenshots are kept under
tests/artifacts/ (git-ignored). Skipped without chromium or playwright, except with CI=true, where a missing
browser fails the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from citykg.build import build
from citykg.config import Project
from citykg.store import open_dataset
from citykg.synth import make_project, synthetic_turtle
from citykg.views import ViewOptions, network_html, project, visible
from citykg.views.mapview import map_html, map_model, map_svg
from citykg.views.projection import Projection
from citykg.views.render import CHROMIUM_ARGS, chromium_path
from citykg.views.timeline import timeline_html, timeline_model

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
FIXTURE = Path(__file__).parent / "data" / "views" / "fixture"
BASE = "https://w3id.org/citykg/dortmund/"
READY = "() => window.citykg && window.citykg.stable === true"
#: The view with nothing folded and nothing left out: what the tests of the page's filters compare with visible().
EVERYTHING = ViewOptions(unfold=True, isolated=True)


def _need(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the Python package playwright is not installed")
    executable = chromium_path()
    if executable is None:
        _need("no chromium at /usr/bin/chromium (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Opened:
    page: object
    attempted: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        self.page.wait_for_timeout(150)  # the view fits itself to what is shown after a change
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@contextmanager
def opened(browser, path: Path, ready: str = READY, viewport: tuple[int, int] = (1400, 900)) -> Iterator[Opened]:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    record = Opened(page)
    page.route(re.compile(r"^(?!file:).*"), lambda route: (record.attempted.append(route.request.url), route.abort()))
    page.on("console", lambda message: record.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    page.on("dialog", lambda dialog: (record.dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(ready, polling=250, timeout=60_000)
        yield record
        assert record.attempted == [], f"the page tried to load {record.attempted}"
        assert record.console_errors == [] and record.page_errors == [], (record.console_errors, record.page_errors)
        assert record.dialogs == []
    finally:
        context.close()


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project_ = make_project(tmp_path_factory.mktemp("views-browser"), FIXTURE)
    assert build(project_).report.conforms
    return project_


@pytest.fixture(scope="module")
def proj(fixture_project: Project) -> Projection:
    return project(open_dataset(fixture_project, quiet=True))


@pytest.fixture(scope="module")
def view_file(proj: Projection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "view.html"
    path.write_text(network_html(proj, EVERYTHING), encoding="utf-8")
    return path


def counts(page) -> dict[str, int]:
    return page.evaluate("() => ({nodes: network.body.data.nodes.length, edges: network.body.data.edges.length})")


def set_year_with_the_slider(page, year: int) -> None:
    page.check("#year-on")
    page.fill("#year", str(year))
    page.wait_for_function(f"() => document.getElementById('year-out').textContent === '{year}'", polling=250)


def click_node(page, iri: str) -> None:
    """Zoom to the node and click it on the canvas like a person would."""
    page.wait_for_timeout(200)  # let a pending fit of the view (after a filter change) happen first
    point = page.evaluate(
        """iri => {
            const node = citykg.data.nodes.find(n => n.iri === iri);
            network.focus(node.id, {scale: 1.6, animation: false});
            const p = network.canvasToDOM(network.getPosition(node.id));
            const box = document.getElementById('network').getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        iri,
    )
    page.mouse.click(point["x"], point["y"])


# --- the network view ------------------------------------------------------------------------------------


def test_view_loads_offline_and_counts_equal_networkx(browser, view_file: Path, proj: Projection) -> None:
    with opened(browser, view_file) as tab:
        assert counts(tab.page) == {"nodes": len(proj.graph), "edges": proj.graph.number_of_edges()}
        assert tab.page.evaluate("() => typeof bootstrap === 'undefined' && typeof vis === 'object'")
        assert tab.page.title().startswith("Testausschnitt")  # German by default
        legend = tab.page.inner_text("#class-filter")
        assert "Städtepartnerschaft" in legend and "Städtenetzwerk" in legend and "Ereignis" in legend
        tab.shot("view-fixture-all-years")


@pytest.mark.parametrize(
    ("year", "expected", "partners"),
    [
        (1970, {"nodes": 4, "edges": 4}, ["Amiens", "Leeds"]),
        (2011, {"nodes": 9, "edges": 9}, ["Amiens", "Kumasi", "Leeds", "Rostow am Don", "Xi’an", "Zwickau"]),
        (2024, {"nodes": 14, "edges": 17}, ["Amiens", "Kumasi", "Leeds", "Rostow am Don", "Xi’an", "Zwickau"]),
    ],
)
def test_year_slider(browser, view_file: Path, proj: Projection, year: int, expected, partners) -> None:
    with opened(browser, view_file) as tab:
        set_year_with_the_slider(tab.page, year)
        assert counts(tab.page) == expected
        assert counts(tab.page) == dict(zip(("nodes", "edges"), visible(proj, year).counts(), strict=True))
        shown = tab.page.evaluate(
            """() => citykg.nodeView.get()
                   .filter(n => citykg.classOf(citykg.data.nodes[n.id].iri).startsWith('partner:'))
                   .map(n => n.label).sort()"""
        )
        assert shown == partners
        tab.shot(f"view-fixture-{year}")


def test_view_opens_at_a_year_and_on_a_focus(browser, proj: Projection, tmp_path: Path) -> None:
    """--as-of opens a filtered view (physics settles only what is shown); --focus/--depth narrow it."""
    path = tmp_path / "leeds-1970.html"
    options = ViewOptions(focus=BASE + "city/leeds", depth=1, as_of=1970, lang="en")  # small: nothing folded
    path.write_text(network_html(proj, options), encoding="utf-8")
    with opened(browser, path) as tab:
        assert counts(tab.page) == {"nodes": 3, "edges": 3}  # EUROCITIES (1986) is not there yet
        assert tab.page.is_checked("#year-on") and tab.page.inner_text("#year-out") == "1970"
        tab.page.uncheck("#year-on")
        assert counts(tab.page) == {"nodes": 4, "edges": 5}
        tab.shot("view-fixture-leeds-1970")


def test_kumasi_changes_kind_and_rostov_goes_dormant(browser, view_file: Path) -> None:
    kumasi, rostov, dortmund = BASE + "city/kumasi", BASE + "city/rostov-on-don", BASE + "city/dortmund"
    with opened(browser, view_file) as tab:
        page = tab.page
        set_year_with_the_slider(page, 2011)
        assert page.evaluate("iri => citykg.classOf(iri)", kumasi) == "partner:climate"
        dashes = page.evaluate("([a, b]) => citykg.edgeOf(a, b).map(e => e.dashes)", [dortmund, rostov])
        assert dashes == [False]
        set_year_with_the_slider(page, 2024)
        assert page.evaluate("iri => citykg.classOf(iri)", kumasi) == "partner:twinning"
        dormant = page.evaluate(
            "([a, b]) => citykg.edgeOf(a, b).map(e => [e.dashes !== false, e.label])", [dortmund, rostov]
        )
        assert dormant == [[True, "Städtepartnerschaft (ruhend)"]]


def test_click_on_xian_shows_since_and_source(browser, view_file: Path) -> None:
    with opened(browser, view_file) as tab:
        click_node(tab.page, BASE + "city/xian")
        tab.page.wait_for_selector("#details:not([hidden])")
        text = tab.page.inner_text("#details")
        assert "Xi’an" in text and "seit 1992" in text
        assert "Städtepartnerschaften – Stadt Dortmund" in text and "Xi´an, China seit 1992" in text
        link = tab.page.get_attribute("#details a[href^='https://']", "href")
        assert link == "https://www.dortmund.de/themen/internationales/staedtepartnerschaften/"
        tab.shot("view-fixture-xian-details")


def test_hostile_label_runs_no_script(browser, view_file: Path) -> None:
    hostile = BASE + "person/hostile"
    with opened(browser, view_file) as tab:
        page = tab.page
        click_node(page, hostile)
        page.wait_for_selector("#details:not([hidden])")
        assert page.inner_text("#details h2") == '<img src=x onerror="window.__pwned=1">'
        page.click("button[data-lang=en]")
        assert page.inner_text("#details h2") == "<script>window.__pwned=2</script>"
        page.fill("#search", "<script>")
        page.press("#search", "Enter")
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__pwned") is None
        assert page.evaluate("() => document.querySelectorAll('img, #details script, #tip script').length") == 0
        tab.shot("view-fixture-hostile-label")


def test_language_switch_and_search(browser, view_file: Path) -> None:
    with opened(browser, view_file) as tab:
        page = tab.page
        page.click("button[data-lang=en]")
        assert page.title().startswith("Test excerpt") and page.inner_text("#counts").endswith("edges")
        labels = page.evaluate("() => citykg.nodes.get().map(n => n.label)")
        assert "Rostov-on-Don" in labels and "Rostow am Don" not in labels
        page.fill("#search", "leeds")
        page.press("#search", "Enter")
        page.wait_for_selector("#details:not([hidden])")
        assert page.inner_text("#details h2") == "Leeds" and "since 1969" in page.inner_text("#details")


def test_filters_in_the_page(browser, view_file: Path, proj: Projection) -> None:
    with opened(browser, view_file) as tab:
        page = tab.page
        page.uncheck("#group-filter input[data-key=milestone]")
        page.uncheck("#group-filter input[data-key=location]")
        expected = visible(proj, None, groups=proj.group_keys() - {"milestone", "location"}).counts()
        assert tuple(counts(page).values()) == expected
        page.select_option("#cluster", "class")
        assert page.evaluate("() => Object.keys(network.body.nodes).some(id => network.isCluster(id))")
        page.select_option("#cluster", "")
        assert not page.evaluate("() => Object.keys(network.body.nodes).some(id => network.isCluster(id))")


def test_large_view_draws_without_live_physics(browser, tmp_path: Path) -> None:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    for name in ("citykg.ttl", "vocab.ttl"):
        dataset.graph(f"urn:{name}").parse(ROOT / "ontology" / name, format="turtle")
    dataset.graph("urn:synthetic").parse(data=synthetic_turtle(700), format="turtle", publicID=BASE)
    big = project(dataset)
    path = tmp_path / "large.html"
    path.write_text(network_html(big, EVERYTHING.with_(layout_threshold=500)), encoding="utf-8")
    with opened(browser, path) as tab:
        page = tab.page
        assert page.evaluate("() => network.physics.physicsEnabled") is False
        assert counts(page) == {"nodes": 700, "edges": big.graph.number_of_edges()}
        assert page.is_visible("#large-hint")
        set_year_with_the_slider(page, 1990)
        assert tuple(counts(page).values()) == visible(big, 1990).counts()
        tab.shot("view-synthetic-700")


# --- map and timeline ------------------------------------------------------------------------------------


def test_map_loads_offline_and_shows_every_partner(browser, proj: Projection, tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    path.write_text(map_html(proj, ViewOptions()), encoding="utf-8")
    partners = {proj.label(p, "de") for p in map_model(proj, ViewOptions(), all_years=True).partners}
    with opened(browser, path, "() => window.citykgMap && window.citykgMap.ready") as tab:
        page = tab.page
        assert page.evaluate("() => citykgMap.counts()") == {"partners": 6, "lines": 7}
        markers = page.locator("[data-svg=de] circle[data-city]:visible")
        assert markers.count() == len(partners) == 6
        labels = set(page.locator("[data-svg=de] text[data-label]").all_text_contents())
        assert partners <= labels
        assert page.evaluate("() => citykgMap.setYear(1970)") == {"partners": 2, "lines": 2}
        page.click("[data-svg=de] text[data-label]:text('Leeds')")
        assert "seit 1969" in page.inner_text("#details")
        tab.shot("map-fixture-1970")


def test_timeline_loads_offline_and_shows_every_partner(browser, proj: Projection, tmp_path: Path) -> None:
    path = tmp_path / "timeline.html"
    path.write_text(timeline_html(proj, ViewOptions(lang="en")), encoding="utf-8")
    partners = [r.label["en"] for r in timeline_model(proj, ViewOptions()).rows if r.section == "partnerships"]
    with opened(browser, path, "() => window.citykgTimeline && window.citykgTimeline.ready") as tab:
        page = tab.page
        rows = page.evaluate("() => citykgTimeline.rowLabels()")
        assert all(name in rows for name in partners) and len(partners) == 6
        page.locator("[data-svg=en] [data-item]").first.click()
        assert "Amiens, Frankreich seit 1960" in page.inner_text("#details")
        tab.shot("timeline-fixture")


# --- the real graph ----------------------------------------------------------------------------------------


def test_real_graph_in_the_browser(browser, project: Project, built, tmp_path: Path) -> None:
    real = project_of(built.dataset)
    path = tmp_path / "real.html"
    path.write_text(network_html(real, EVERYTHING), encoding="utf-8")
    xian = next(n for n in real.graph if real.label(n, "en") == "Xi'an")
    with opened(browser, path) as tab:
        page = tab.page
        assert counts(page) == {"nodes": len(real.graph), "edges": real.graph.number_of_edges()}
        tab.shot("view-real-all-years")
        for year in (1970, 2011, 2024):
            set_year_with_the_slider(page, year)
            assert tuple(counts(page).values()) == visible(real, year).counts()
        set_year_with_the_slider(page, 1970)
        partners = page.evaluate(
            """() => citykg.nodeView.get().map(n => citykg.data.nodes[n.id])
                   .filter(n => citykg.classOf(n.iri).startsWith('partner:')).map(n => n.l.en).sort()"""
        )
        assert partners == ["Amiens", "Leeds"]
        tab.shot("view-real-1970")
        page.uncheck("#year-on")
        click_node(page, xian)
        page.wait_for_selector("#details:not([hidden])")
        details = page.inner_text("#details")
        assert "seit 1992" in details and page.locator("#details a[href^='https://']").count() >= 1
        tab.shot("view-real-xian")


def project_of(dataset) -> Projection:
    return project(dataset)


# --- the readable whole view (issue 13): folded, no isolated nodes, legend = what is drawn ---------------------

LEGEND_AND_SIZES = """() => {
    const scale = network.getScale();
    const fonts = citykg.nodeView.get().map(n => (n.font && n.font.size) || 14);
    return {legend: citykg.legend(), smallest: Math.min(...fonts) * scale,
            linked: citykg.edgeView.get().flatMap(e => [e.from, e.to])};
}"""


def _legend_of(shown, proj: Projection) -> dict[str, list[list]]:
    """The legend the page must show for what ``shown`` draws: drawn nodes per class, drawn edges per group."""
    from collections import Counter

    by_class = Counter(shown.classes[n] for n in shown.nodes)
    by_group = Counter(proj.graph.edges[e]["group"] for e in shown.edges)
    return {"classes": dict(by_class), "groups": dict(by_group)}


def test_whole_view_opens_readable(browser, project: Project, built, tmp_path: Path) -> None:
    """The default whole view: partners, networks and UN bodies (the rest folded), no isolated node, legend
    counts equal to what is drawn, names legible at the zoom it opens with; a click on Leeds unfolds it."""
    from citykg.views.fold import drawn, fold

    real = project_of(built.dataset)
    folding = fold(real, ViewOptions())
    expected = drawn(real, folding)
    path = tmp_path / "whole.html"
    path.write_text(network_html(real, ViewOptions()), encoding="utf-8")
    leeds = next(n for n in real.graph if real.label(n, "en") == "Leeds")
    with opened(browser, path) as tab:
        page = tab.page
        assert counts(page) == dict(zip(("nodes", "edges"), expected.counts(), strict=True))
        assert len(expected.nodes) < 60 < len(real.graph)  # readable: a fraction of the graph's 238 resources
        assert {real.graph.nodes[n]["cls"] for n in expected.nodes} <= {
            "focus",
            "network",
            "unbody",
            *{c for c in (real.graph.nodes[n]["cls"] for n in real.graph) if c.startswith("partner:")},
        }
        shown = page.evaluate(LEGEND_AND_SIZES)
        legend = {key: dict(pairs) for key, pairs in shown["legend"].items()}
        assert legend == _legend_of(expected, real)
        assert all(n > 0 for entries in legend.values() for n in entries.values())  # no "Klimapartnerschaft 0"
        drawn_ids = set(page.evaluate("() => citykg.nodeView.getIds()"))
        assert drawn_ids - {page.evaluate("() => citykg.data.focus")} <= set(shown["linked"])  # none isolated
        assert shown["smallest"] >= 12, f"labels are {shown['smallest']:.1f} px at the opening zoom"
        tab.shot("view-real-whole-folded")
        click_node(page, leeds)
        after = drawn(real, folding, unfolded=[leeds])
        page.wait_for_function(f"() => citykg.counts().nodes === {len(after.nodes)}", polling=100, timeout=5000)
        assert counts(page) == dict(zip(("nodes", "edges"), after.counts(), strict=True))
        legend = {key: dict(pairs) for key, pairs in page.evaluate("() => citykg.legend()").items()}
        assert legend == _legend_of(after, real)
        tab.shot("view-real-whole-leeds-unfolded")
        page.check("#unfold-all")
        page.check("#isolated")
        assert counts(page) == {"nodes": len(real.graph), "edges": real.graph.number_of_edges()}


def test_whole_view_with_a_year_keeps_its_events(browser, project: Project, built, tmp_path: Path) -> None:
    """With a year chosen, the folded whole view keeps that year's events reachable: folded into their
    relationship (in 1959 Amiens, whose only relation then is the council's decision, is drawn as
    "Amiens (+1)"), or into the focus when their relationship shows only in other years; unfolding the
    anchors draws every event of the year. The page draws what fold.drawn says."""
    from citykg.views.fold import anchors_in, drawn, fold

    real = project_of(built.dataset)
    folding = fold(real, ViewOptions())
    path = tmp_path / "whole.html"
    path.write_text(network_html(real, ViewOptions()), encoding="utf-8")
    amiens = next(n for n in real.graph if real.label(n, "en") == "Amiens")
    with opened(browser, path) as tab:
        page = tab.page
        for year in (1959, 2021, 2025):
            set_year_with_the_slider(page, year)
            expected = drawn(real, folding, year)
            assert counts(page) == dict(zip(("nodes", "edges"), expected.counts(), strict=True)), year
            seen = visible(real, year)
            events = {n for n in seen.nodes if real.graph.nodes[n]["cls"] == "event"}
            anchors = sorted({a for n in events for a in anchors_in(real, folding, n, seen.nodes)})
            assert events and set(anchors) <= expected.nodes, year  # every event's anchor is drawn
            after = drawn(real, folding, year, unfolded=anchors)
            assert events <= after.nodes, year
            for anchor in anchors:
                page.evaluate("iri => citykg.unfold(iri)", anchor)
            assert counts(page) == dict(zip(("nodes", "edges"), after.counts(), strict=True)), year
            assert set(page.evaluate("() => citykg.visibleIris()")) >= events
            if year == 1959:
                assert amiens in expected.nodes
                tab.shot("view-real-whole-1959-unfolded")
            for anchor in anchors:
                page.evaluate("iri => citykg.fold(iri)", anchor)


def test_ego_network_of_the_focus_city_is_readable(browser, project: Project, built, tmp_path: Path) -> None:
    """The Dortmund page's ego network (80 resources) opens folded, in a frame of the resource page's size."""
    from citykg.views import ego_network_html
    from citykg.views.fold import drawn, fold

    real = project_of(built.dataset)
    ego = select_of(real, ViewOptions(focus=real.focus, depth=1))
    expected = drawn(ego, fold(ego, ViewOptions(focus=real.focus, depth=1)))
    assert len(ego.graph) >= 60 and len(expected.nodes) <= 40
    path = tmp_path / "ego.html"
    path.write_text(ego_network_html(real, real.focus), encoding="utf-8")
    # opened at the frame's size (iframe.ego: 36rem high), so the layout settles and fits there: a resize after
    # the page settled left the fit racing vis-network's own resize handling
    with opened(browser, path, viewport=(900, 576)) as tab:
        page = tab.page
        page.evaluate("() => network.fit({animation: false})")
        assert counts(page) == dict(zip(("nodes", "edges"), expected.counts(), strict=True))
        shown = page.evaluate(LEGEND_AND_SIZES)
        assert shown["smallest"] >= 10, f"labels are {shown['smallest']:.1f} px in the frame"
        tab.shot("view-real-ego-dortmund")


def select_of(proj: Projection, options: ViewOptions) -> Projection:
    from citykg.views.network import selection

    return selection(proj, options)


# --- map labels (issue 13): no two names overlap where Chromium draws them, Europe included ------------------

#: The boxes of the map's labels as Chromium lays them out, per drawn map (static SVG or the page's maps).
LABEL_BOXES = """() => Array.from(document.querySelectorAll('svg.citykg-map')).map(svg =>
    Array.from(svg.querySelectorAll('g.labels text')).filter(t => !t.classList.contains('off')).map(t => {
        const b = t.getBoundingClientRect();
        return [t.textContent, b.left, b.top, b.right, b.bottom];
    }))"""


def overlapping(boxes: list[list]) -> list[tuple[str, str]]:
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
    ]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_map_labels_do_not_overlap(browser, built, tmp_path: Path, lang: str) -> None:
    real = project_of(built.dataset)
    options = ViewOptions(lang=lang)
    for name, document in (("map.svg", map_svg(real, options)), ("map.html", map_html(real, options))):
        path = tmp_path / name
        path.write_text(document, encoding="utf-8")
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            maps = page.evaluate(LABEL_BOXES)
        finally:
            page.close()
        assert maps and all(len(boxes) >= 10 for boxes in maps), maps  # Dortmund and its partners
        for boxes in maps:
            assert overlapping(boxes) == [], f"{name} ({lang}): labels overlap"
