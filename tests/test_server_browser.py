"""The pages in headless Chromium with every non-local request blocked: the landing page loads, a named
query runs from the query page and its table shows, a resource page shows its links and sources, and a
label holding <script> never runs. Screenshots go to tests/artifacts/ (git-ignored).

Needs Debian's chromium and Playwright's Python package; skipped without them, failed when CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

CHROMIUM = os.environ.get("CITYKG_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    origin = server.url.rstrip("/")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    blocked: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(origin + "/") or r.request.url == origin:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route(re.compile(r".*"), route)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.citykg = {"blocked": blocked, "errors": errors, "dialogs": dialogs, "origin": origin}
    yield tab
    context.close()
    assert blocked == [], f"requests to other hosts were attempted: {blocked}"
    assert dialogs == [], f"a script ran: {dialogs}"
    assert errors == [], f"page errors: {errors}"


def test_landing_page(page) -> None:
    page.goto(page.citykg["origin"] + "/")
    assert page.locator("h1").inner_text().strip()
    assert page.locator("a[href='/queries']").count() >= 1
    assert page.locator("text=triples").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)
    page.click("text=DE")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("text=Benannte Abfragen").count() >= 1


def test_named_query_from_the_query_page(page) -> None:
    page.goto(page.citykg["origin"] + "/sparql")
    page.select_option("#examples", "twin-cities")
    assert "ckg:Partnership" in page.input_value("#query")
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    rows = page.locator("table.results tbody tr").count()
    assert rows >= 3
    assert page.locator("table.results a[href^='/page/']").count() >= rows
    page.screenshot(path=str(ARTIFACTS / "query-page.png"), full_page=True)


def test_named_query_form(page) -> None:
    page.goto(page.citykg["origin"] + "/queries/partnerships-as-of")
    page.fill("#p-year", "1970")
    page.click("#run")
    page.wait_for_selector("table.results tbody tr")
    assert "Leeds" in page.locator("table.results").inner_text()
    page.screenshot(path=str(ARTIFACTS / "named-query.png"), full_page=True)


def test_resource_page_links_and_sources(page) -> None:
    page.goto(page.citykg["origin"] + "/city/dortmund")  # 303 to the page
    assert page.url.endswith("/page/city/dortmund")
    assert page.locator("h1").inner_text().startswith("Dortmund")
    assert page.locator("#relations a[href^='/page/partnership/']").count() >= 2
    assert page.locator("li.citation").count() >= 3
    assert page.locator("li.citation blockquote").first.inner_text().startswith("„")
    page.screenshot(path=str(ARTIFACTS / "resource.png"), full_page=True)
    page.click("#relations a[href='/page/partnership/dortmund-leeds']")
    assert page.url.endswith("/page/partnership/dortmund-leeds")
    assert "Leeds, Großbritannien seit 1969" in page.locator("#sources").inner_text()
    assert page.locator("#sources a[href^='https://www.dortmund.de/']").count() == 1


def test_script_label_stays_text(page) -> None:
    page.goto(page.citykg["origin"] + "/page/city/scriptville")
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    page.goto(page.citykg["origin"] + "/queries/twin-cities")
    page.wait_for_selector("table.results")
    assert "<script>alert(1)</script>" in page.locator("table.results").inner_text()
    page.screenshot(path=str(ARTIFACTS / "escaped.png"), full_page=True)
