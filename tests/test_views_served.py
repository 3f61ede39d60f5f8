"""The views served by `citykg serve` (/view, /map, /timeline, the ego network of a resource page), in
headless Chromium: nothing may be requested from any host but the server itself.

These routes are wired in citykg/server by the server's owners (see docs/views.md, "Serving the views");
until the server answers /view, the tests here skip and say so. A missing browser skips too, and fails with
CI=true, as in tests/test_views_browser.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from citykg.build import build
from citykg.config import Project
from citykg.store import open_dataset
from citykg.views import project, visible
from citykg.views.render import CHROMIUM_ARGS, chromium_path
from citykg.views.synthetic import make_project

FIXTURE = Path(__file__).parent / "data" / "views" / "fixture"
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
        if running.get("view").status_code == 404:
            pytest.skip("the server does not route /view yet (wire citykg.views as docs/views.md describes)")
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
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, served, path: str, ready: str):
    """A page of the served instance; returns (page, requests elsewhere, console errors, close)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    elsewhere: list[str] = []
    errors: list[str] = []
    origin = served.url.rstrip("/")
    page.route(
        re.compile(r".*"),
        lambda route: (
            route.continue_()
            if route.request.url.startswith(origin)
            else (elsewhere.append(route.request.url), route.abort())
        ),
    )
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served.url + path.lstrip("/"))
    page.wait_for_function(ready, polling=250, timeout=60_000)
    return page, elsewhere, errors, context.close


def test_served_view_like_the_file(browser, served, fixture_project: Project) -> None:
    proj = project(open_dataset(fixture_project, quiet=True))
    page, elsewhere, errors, close = open_page(browser, served, "view?lang=de", "() => window.citykg && citykg.stable")
    try:
        counts = "() => ({nodes: network.body.data.nodes.length, edges: network.body.data.edges.length})"
        assert page.evaluate(counts) == {"nodes": len(proj.graph), "edges": proj.graph.number_of_edges()}
        for year in (1970, 2011, 2024):
            page.check("#year-on")
            page.fill("#year", str(year))
            assert tuple(page.evaluate(counts).values()) == visible(proj, year).counts()
        page.uncheck("#year-on")
        page.evaluate("() => citykg.select('%s')" % (BASE + "city/xian"))
        assert "seit 1992" in page.inner_text("#details")
        assert page.evaluate("() => window.__pwned") is None
        assert elsewhere == [] and errors == []
    finally:
        close()


def test_served_view_takes_the_command_parameters(browser, served) -> None:
    page, elsewhere, errors, close = open_page(
        browser, served, "view?focus=city/leeds&depth=1&as-of=1970&lang=en", "() => window.citykg && citykg.stable"
    )
    try:
        assert page.evaluate("() => citykg.data.years.initial") == 1970
        assert page.evaluate("() => citykg.data.nodes.length") == 4 and page.title().startswith("Leeds")
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
        frame.wait_for_function("() => window.citykg && citykg.stable", polling=250, timeout=60_000)
        assert frame.evaluate("() => citykg.data.nodes.length") == 4
        assert elsewhere == [] and errors == []
    finally:
        close()
