"""Profiles for city staff: the relationship in one German sentence, milestones in date order, people,
sources next to values, dates at the source's precision; the CLI's HTML and PDF (pdftoppm renders it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from citykg.cli import main
from citykg.config import Project
from citykg.errors import UsageError
from citykg.profile import build_profile
from citykg.profile.dates import human, sort_key
from citykg.profile.render import profile_html
from citykg.store import focus_resource, open_dataset

BASE = "https://w3id.org/citykg/dortmund/"
CURIE = re.compile(r"\b(ckgv?|schema|xsd|rdfs|skos|org|prov|dcterms):[A-Za-z]")


@pytest.mark.parametrize(
    ("value", "de", "en"),
    [
        (Literal("2024-05-14", datatype=XSD.date), "14. Mai 2024", "14 May 2024"),
        (Literal("2024-05", datatype=XSD.gYearMonth), "Mai 2024", "May 2024"),
        (Literal("2024", datatype=XSD.gYear), "2024", "2024"),
        (Literal("1970-03-01", datatype=XSD.date), "1. März 1970", "1 March 1970"),
    ],
)
def test_dates_as_people_write_them(value: Literal, de: str, en: str) -> None:
    assert human(value, "de") == de and human(value, "en") == en


def test_a_year_sorts_before_later_days_of_that_year() -> None:
    assert sort_key(Literal("1969", datatype=XSD.gYear)) < sort_key(Literal("1969-06-02", datatype=XSD.date))


@pytest.fixture(scope="module")
def dataset(project: Project, built):
    return open_dataset(project)


def profile_of(dataset, path: str, lang: str = "de"):
    return build_profile(dataset, URIRef(BASE + path), focus_resource(dataset), lang=lang, base=BASE)


def test_leeds_leads_with_the_sentence(dataset) -> None:
    leeds = profile_of(dataset, "city/leeds")
    assert [s.sentence for s in leeds.statements] == ["Städtepartnerschaft mit Dortmund seit 1969, aktiv."]
    assert leeds.statements[0].since.sources, "the start date names its source"
    sorts = [m.sort for m in leeds.milestones]
    assert sorts == sorted(sorts) and len(sorts) >= 4
    assert leeds.milestones[0].date == "2. Juni 1969"
    assert any(p.name == "Heinrich Sondermann" for p in leeds.people)


def test_english(dataset) -> None:
    leeds = profile_of(dataset, "city/leeds", "en")
    assert leeds.statements[0].sentence == "Twinning with Dortmund since 1969, active."
    assert leeds.milestones[0].date == "2 June 1969"


def test_status_since_and_predecessor(dataset) -> None:
    rostov = profile_of(dataset, "city/rostov-on-don")
    assert rostov.statements[0].sentence == "Städtepartnerschaft mit Dortmund seit 1977, ruhend seit 31. März 2022."
    zhytomyr = profile_of(dataset, "city/zhytomyr")
    twinning = next(s for s in zhytomyr.statements if s.head.text.startswith("Städtepartnerschaft"))
    assert "hervorgegangen aus der Solidaritätspartnerschaft (23. Februar 2023 – 9. Juli 2025)" in twinning.sentence


def test_network_profile_says_membership(dataset) -> None:
    eurocities = profile_of(dataset, "organisation/eurocities")
    assert eurocities.statements[0].sentence.startswith("Dortmund ist Mitglied")


def test_partner_without_memberships_says_so(dataset) -> None:
    assert "enthält der Graph keine Angaben" in (profile_of(dataset, "city/leeds").shared_note or "")


def test_the_focus_city_is_refused(dataset) -> None:
    with pytest.raises(UsageError):
        profile_of(dataset, "city/dortmund")


def test_page_shows_no_curie_datatype_or_tag(dataset) -> None:
    html = profile_html(profile_of(dataset, "city/leeds"))
    visible = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1])
    assert "Städtepartnerschaft mit Dortmund seit 1969, aktiv." in re.sub(r"\s+", " ", visible)
    assert not CURIE.search(visible) and "^^" not in visible and "@de" not in visible
    assert "<script" not in html  # the profile needs no script at all


@pytest.fixture
def run(project: Project, built):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])

    return invoke


def test_cli_html_by_german_name(run, tmp_path) -> None:
    out = tmp_path / "schytomyr.html"
    result = run("profile", "schytomyr", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Schytomyr" in out.read_text(encoding="utf-8")


def test_cli_typo_and_focus_exit_2(run, tmp_path) -> None:
    assert run("profile", "lees", "-o", str(tmp_path / "x.html")).exit_code == 2
    assert run("profile", "Dortmund", "-o", str(tmp_path / "y.html")).exit_code == 2


@pytest.mark.parametrize("page_format", ["a4", "16:9", "slide"])
def test_cli_pdf_opens(run, tmp_path, page_format: str) -> None:
    if not shutil.which("pdftoppm") or not shutil.which("/usr/bin/chromium"):
        reason = "needs pdftoppm (poppler-utils) and chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: scripts/install_test_components.sh installs them)")
        pytest.skip(reason)
    out = tmp_path / "leeds.pdf"
    paper = ("--page", page_format) if page_format == "slide" else ("--format", page_format)
    result = run("profile", "Leeds", *paper, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert text.lstrip().startswith("Leeds") and "1969" in text
    size = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", size).groups())
    assert (width < height) if page_format == "a4" else (width > height)


def test_leeds_profile_in_chromium(dataset, tmp_path) -> None:
    """What a person sees of the German Leeds profile: the sentence with 1969, milestones in date order with
    dates in words, no CURIE, datatype or language tag anywhere on the page."""
    from citykg.views.render import CHROMIUM_ARGS, chromium_path

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or chromium_path() is None:
        reason = "needs Chromium and Playwright's Python package"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the browser tests must run)")
        pytest.skip(reason)
    path = tmp_path / "leeds.html"
    path.write_text(profile_html(profile_of(dataset, "city/leeds")), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
            page.goto(path.as_uri())
            text = page.evaluate("() => document.body.innerText")
            sentence = page.locator("p.sentence").first.inner_text()
            sorts = page.locator("ol.milestones li").evaluate_all("items => items.map(li => li.dataset.sort)")
            dates = page.locator("ol.milestones li time").all_inner_texts()
        finally:
            browser.close()
    assert sentence.startswith("Städtepartnerschaft mit Dortmund seit 1969, aktiv.")
    assert len(sorts) >= 4 and sorts == sorted(sorts)
    assert dates[0] == "2. Juni 1969" and not any(re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", d) for d in dates)
    assert not CURIE.search(text) and "^^" not in text and "@de" not in text and "@en" not in text
