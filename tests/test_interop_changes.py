"""``/changes`` in English and German (issue 14): the page with the site's language switch and words, and the
Atom feed, chosen like every page by ``?lang=`` or ``Accept-Language``. Uses the git history of test_diff."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest

pytest.register_assert_rewrite("server_conftest")
from server_conftest import Server, start_server  # noqa: E402
from test_diff import history  # noqa: E402, F401 - the project with two versions in git

from citykg.config import load_project  # noqa: E402
from citykg.server.i18n import TEXT  # noqa: E402
from citykg.versions import build_version  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PAGE_WORDS = ("changes", "served_version", "atom_feed", "compare_versions", "commit")


@pytest.fixture(scope="module")
def served(history: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    running = start_server(load_project(history), log=tmp_path_factory.mktemp("changes") / "server.log")
    yield running
    running.stop()


@pytest.mark.parametrize(("lang", "index", "other"), [("en", 0, "de"), ("de", 1, "en")])
def test_changes_page_in_both_languages(served: Server, lang: str, index: int, other: str) -> None:
    by_param = served.get("changes", params={"lang": lang}, headers={"Accept": "text/html"})
    by_header = served.get("changes", headers={"Accept": "text/html", "Accept-Language": f"{lang};q=0.9"})
    for page in (by_param, by_header):
        assert page.status_code == 200 and page.headers["content-language"] == lang
        assert f'<html lang="{lang}">' in page.text
        for key in PAGE_WORDS:
            assert TEXT[key][index] in page.text, (lang, key)
        assert TEXT["changes"][1 - index] not in page.text
        assert "Leeds: its English name and a description" in page.text  # the commit's own words stay
    # the counts in the page's words, and the language switch to the other language, as on every page
    removed_added = TEXT["change_counts"][index].format(removed=1, added=2, n=1)
    assert removed_added in by_param.text
    assert f'hreflang="{other}"' in by_param.text and f"lang={other}" in by_param.text
    assert "Accept-Language" in by_param.headers["vary"]
    # links on the page keep an explicitly chosen language
    links = re.findall(r'href="(/resource\?[^"]*)"', by_param.text)
    assert links and all(f"lang={lang}" in link for link in links), links


def test_changes_feed_in_both_languages(served: Server) -> None:
    version = build_version(load_project(served_project_root(served)))
    english = served.get("changes", params={"format": "atom"})
    german = served.get("changes", params={"format": "atom", "lang": "de"})
    by_header = served.get("changes", headers={"Accept": "application/atom+xml", "Accept-Language": "de-DE"})
    assert german.content == by_header.content != english.content
    assert german.headers["content-language"] == "de" and english.headers["content-language"] == "en"
    assert german.headers["etag"] != english.headers["etag"]
    for response, lang, title in (
        (english, "en", f"{version}: 1 removed, 2 added"),
        (german, "de", f"{version}: 1 entfernt, 2 hinzugefügt"),
    ):
        feed = ET.fromstring(response.content)
        assert feed.get(XML_LANG) == lang
        assert feed.find(f"{ATOM}title").text == TEXT["feed_title"][0 if lang == "en" else 1]
        entries = feed.findall(f"{ATOM}entry")
        assert entries[0].find(f"{ATOM}title").text == title
        selfs = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
        assert httpx.get(selfs[0]).content == response.content  # the self link gives this feed back
    german_summary = ET.fromstring(german.content).findall(f"{ATOM}entry")[0].find(f"{ATOM}summary").text
    assert "Ressourcen geändert" in german_summary and "city/leeds" in german_summary


def served_project_root(server: Server) -> Path:
    return Path(server.process.args[server.process.args.index("--project") + 1])
