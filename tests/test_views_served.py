"""The views served by `citykg serve` (/view, /map, /timeline, the ego network of a resource page), in
headless Chromium: nothing may be requested from any host but the server itself, and no page logs an error.

The server runs on the views' fixture project (tests/data/views/fixture/, the counts of docs/views.md),
started by tests/server_conftest.py. A missing browser skips the browser tests, and fails them with CI=true,
as in tests/test_views_browser.py; the HTTP checks here (400s, Content-Security-Policy) always run.
Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from citykg.build import build
from citykg.config import Project
from citykg.store import open_dataset
from citykg.synth import make_project
from citykg.views import page_csp, project, visible
from citykg.views.render import CHROMIUM_ARGS, chromium_path

FIXTURE = Path(__file__).parent / "data" / "views" / "fixture"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BASE = "https://w3id.org/citykg/dortmund/"


def _need(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project_ = make_project(tmp_path_factory.mktemp("views-served"), FIXTURE)
    assert build(project_).report.conforms
    return project_


@pytest.fixture(scope="module")
def served(fixture_project: Project, tmp_path_factory: pytest.TempPathFactory):
    try:
        from server_conftest import start_server
    except ImportError:
        pytest.skip("tests/server_conftest.py (the server's test harness) is not there")
    running = start_server(fixture_project, log=tmp_path_factory.mktemp("served") / "server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the Python package playwright is not installed")
    if chromium_path() is None:
        _need("no chromium at /usr/bin/chromium (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, served, path: str, ready: str):
    """A page of the served instance; returns (page, requests elsewhere, errors and dialogs, close)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    elsewhere: list[str] = []
    errors: list[str] = []
    origin = served.url.rstrip("/")
    # routed on the context, so frames and popups are covered too
    context.route(
        re.compile(r".*"),
        lambda route: (
            route.continue_()
            if route.request.url.startswith(origin + "/")
            else (elsewhere.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss()))
    page.goto(served.url + path.lstrip("/"))
    page.wait_for_function(ready, polling=250, timeout=60_000)
    return page, elsewhere, errors, context.close


def shot(page, name: str) -> None:
    page.wait_for_timeout(150)  # the view fits itself to what is shown after a change
    page.screenshot(path=str(ARTIFACTS / f"served-{name}.png"))


COUNTS = "() => ({nodes: network.body.data.nodes.length, edges: network.body.data.edges.length})"
READY = "() => window.citykg && citykg.stable"


def test_served_view_like_the_file(browser, served, fixture_project: Project) -> None:
    proj = project(open_dataset(fixture_project, quiet=True))
    page, elsewhere, errors, close = open_page(browser, served, "view?lang=de&unfold=1&isolated=1", READY)
    try:
        assert page.evaluate(COUNTS) == {"nodes": len(proj.graph), "edges": proj.graph.number_of_edges()}
        shot(page, "view")
        for year in (1970, 2011, 2024):
            page.check("#year-on")
            page.fill("#year", str(year))
            page.wait_for_function(f"() => document.getElementById('year-out').textContent === '{year}'")
            assert tuple(page.evaluate(COUNTS).values()) == visible(proj, year).counts()
            shot(page, f"view-{year}")
        page.uncheck("#year-on")
        page.evaluate("() => citykg.select('%s')" % (BASE + "city/xian"))
        assert "seit 1992" in page.inner_text("#details")
        assert page.evaluate("() => window.__pwned") is None
        assert elsewhere == [] and errors == []
    finally:
        close()


def test_served_view_takes_the_command_parameters(browser, served) -> None:
    page, elsewhere, errors, close = open_page(
        browser, served, "view?focus=city/leeds&depth=1&as-of=1970&lang=en", READY
    )
    try:
        assert page.evaluate("() => citykg.data.years.initial") == 1970
        assert page.evaluate("() => citykg.data.nodes.length") == 4 and page.title().startswith("Leeds")
        assert elsewhere == [] and errors == []
    finally:
        close()


def test_a_node_links_to_its_resource_page(browser, served) -> None:
    page, elsewhere, errors, close = open_page(browser, served, "view?lang=de", READY)
    try:
        page.evaluate("() => citykg.select('%s')" % (BASE + "city/xian"))
        link = page.locator("#details a", has_text="Ressourcenseite öffnen")
        assert link.get_attribute("href") == "/resource?iri=" + quote(BASE + "city/xian", safe="") + "&lang=de"
        link.click()
        page.wait_for_url(re.compile(r".*/resource\?iri="))
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text().startswith("Xi’an")
        assert page.locator("iframe.ego").count() == 1
        assert elsewhere == [] and errors == []
    finally:
        close()


def test_landing_page_links_the_views(browser, served) -> None:
    page, elsewhere, errors, close = open_page(browser, served, "?lang=de", "() => document.readyState === 'complete'")
    try:
        for path, ready in (("/view", READY), ("/map", "() => window.citykgMap && citykgMap.ready")):
            page.goto(served.url + "?lang=de")
            page.click(f"main a[href^='{path}?']")
            page.wait_for_function(ready, polling=250, timeout=60_000)
            assert page.url.startswith(served.url + path.lstrip("/"))
        assert elsewhere == [] and errors == []
    finally:
        close()


@pytest.mark.parametrize(("path", "ready"), [("map", "citykgMap"), ("timeline", "citykgTimeline")])
def test_served_map_and_timeline_show_every_partner(browser, served, path: str, ready: str) -> None:
    page, elsewhere, errors, close = open_page(browser, served, path, f"() => window.{ready} && {ready}.ready")
    try:
        text = page.locator("[data-svg]:not([hidden]) svg").first.text_content()
        for partner in ("Amiens", "Leeds", "Rostow am Don", "Kumasi", "Xi’an", "Zwickau"):
            assert partner in text
        shot(page, path)
        assert elsewhere == [] and errors == []
    finally:
        close()


def test_resource_page_embeds_its_ego_network(browser, served) -> None:
    page, elsewhere, errors, close = open_page(
        browser, served, "page/city/leeds", "() => document.readyState === 'complete'"
    )
    try:
        frame = next((f for f in page.frames if "view" in f.url), None)
        assert frame is not None, "the resource page has no ego-network frame"
        frame.wait_for_function(READY, polling=250, timeout=60_000)
        assert frame.evaluate("() => citykg.data.nodes.length") == 4
        assert frame.evaluate(COUNTS)["nodes"] == 4  # drawn, not only carried
        box = page.locator("iframe.ego").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200
        page.locator("#network").scroll_into_view_if_needed()
        shot(page, "resource-ego")
        assert elsewhere == [] and errors == []
    finally:
        close()


def test_a_bad_parameter_is_a_400_page(browser, served) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(served.url + "view?as-of=soon")
        assert response is not None and response.status == 400
        assert "as-of='soon' is not a whole number" in page.inner_text("body")
    finally:
        context.close()


# -- over HTTP (no browser needed) ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("depth=-1", "depth must be 0 or more"),
        ("focus=city/xain", "did you mean Xi’an (city/xian)"),
        ("kinds=twining", "unknown relation kind twining"),
        ("lang=fr", "language 'fr' is not offered"),
        ("colour=red", "unknown parameter 'colour'"),
    ],
)
def test_bad_parameters_are_400(served, query: str, words: str) -> None:
    response = served.get("view?" + query)
    assert response.status_code == 400 and words in response.text, response.text


def test_content_security_policy_headers(served) -> None:
    for path in ("view", "map", "timeline", "view?focus=city/leeds&depth=1&embed=1"):
        response = served.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == page_csp(response.text) + "; frame-ancestors 'self'"
    resource = served.get("page/city/leeds", headers={"Accept": "text/html"})
    policy = resource.headers["content-security-policy"]
    assert "frame-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert served.get("/", headers={"Accept": "text/html"}).headers["content-security-policy"] == policy.replace(
        "; frame-src 'self'", ""
    )
