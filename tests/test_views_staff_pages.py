"""A named-query page as German staff read it (issue 13), in headless Chromium: German title, description,
parameter help and column headers from the query header, dates in words ("1. November 2020"), and no CURIE,
datatype or language tag in the table. On the server of tests/server_conftest.py (its fixture data).
Skipped without Chromium and Playwright, failed with CI=true.
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
CURIE = re.compile(r"\b(ckgv?|schema|xsd|rdfs|skos|org|prov|dcterms):[A-Za-z]")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = "needs Playwright's Python package and Chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from citykg.views.render import CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_named_query_page_in_german(browser, server) -> None:
    origin = server.url.rstrip("/")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="de-DE")
    elsewhere: list[str] = []
    context.route(
        re.compile(r".*"),
        lambda r: r.continue_() if r.request.url.startswith(origin) else (elsewhere.append(r.request.url), r.abort()),
    )
    page = context.new_page()
    try:
        page.goto(origin + "/queries/post-holders?lang=de")
        page.wait_for_load_state("load")
        if page.locator("table.results tbody tr").count() == 0:
            page.click("#run")
        page.wait_for_selector("table.results tbody tr")
        assert page.locator("h1").inner_text().startswith("Wer welches Amt innehat")
        main = page.locator("main").inner_text()
        assert "Personen in Ämtern mit Beginn und Ende jeder Amtszeit" in main
        headers = page.locator("table.results thead th").all_inner_texts()
        assert headers[:3] == ["Person", "Name", "Amt"] and "Von" in headers and "Bis" in headers
        table = page.locator("table.results").inner_text()
        assert "1. November 2020" in table and "2020-11-01" not in table
        assert not CURIE.search(table) and "^^" not in table and "@de" not in table
        assert elsewhere == []
    finally:
        context.close()


def _cells(html: str) -> list[list[str]]:
    body = html.split('<table class="results">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


@pytest.mark.parametrize(("lang", "high"), [("de", "hoch"), ("en", "high")])
def test_named_query_page_codes_in_words(server, lang: str, high: str) -> None:
    """The confidence column (a code literal the query derives from ckgv:high) shows the vocabulary's label in
    the page's language, linked to the concept; the CSV download keeps the code."""
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    origin = server.url.rstrip("/")
    params = {"resource": "city/amiens", "lang": lang}
    page = Request(f"{origin}/queries/sources-of?{urlencode(params)}", headers={"Accept": "text/html"})
    with urlopen(page) as response:
        html = response.read().decode("utf-8")
    head = re.findall(r'<th title="([^"]+)"', html)
    rows = _cells(html)
    levels = {row[head.index("confidence")] for row in rows}
    assert rows and high in levels and levels <= {"hoch", "mittel", "unbestätigt", "high", "medium", "unverified"}
    assert (lang == "en") == ("high" in levels) and "/vocab/high" in html
    with urlopen(f"{origin}/queries/sources-of?{urlencode({**params, 'format': 'csv'})}") as response:
        csv = response.read().decode("utf-8")
    assert ",high" in csv and "hoch" not in csv
