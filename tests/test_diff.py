"""Versions and `citykg diff`: build folders, project folders and git revisions compared statement by
statement, in words and as RDF; the version in VoID/DCAT, the dumps' names and headers; /changes (HTML, Atom)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL

pytest.register_assert_rewrite("server_conftest")
from server_conftest import BASE, make_project, publish, start_server  # noqa: E402

from citykg.cli import main  # noqa: E402
from citykg.config import load_project  # noqa: E402
from citykg.diff import ADDED, REMOVED, changelog, diff  # noqa: E402
from citykg.server.void import DCAT_VERSION  # noqa: E402
from citykg.versions import build_version, inputs_digest  # noqa: E402

LEEDS_LABEL = '"Leeds"@en ;'
ATOM = "{http://www.w3.org/2005/Atom}"


def _git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=citykg test", "-c", "user.email=test@example.org", "-C", str(root), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _edit(project_root: Path) -> None:
    """Rename Leeds in English and add a population: one statement removed, two added, about one resource."""
    data = project_root / "graph" / "fixture.ttl"
    text = data.read_text(encoding="utf-8")
    assert LEEDS_LABEL in text
    data.write_text(
        text.replace(LEEDS_LABEL, '"City of Leeds"@en ;\n    schema:description "a city in Yorkshire"@en ;'),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small project in git with two versions of its data (the second renames Leeds)."""
    root = tmp_path_factory.mktemp("history")
    make_project(root)
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first version")
    _edit(root)
    _git(root, "commit", "-qam", "Leeds: its English name and a description")
    (root / "queries" / "twin-cities.rq").write_text("# only a query changed\nASK {}\n", encoding="utf-8")
    _git(root, "commit", "-qam", "a query only: no new version")
    publish(load_project(root))
    return root


def test_versions_are_stable_and_follow_the_sources(history: Path) -> None:
    project = load_project(history)
    assert build_version(project) == build_version(project)
    assert build_version(project).startswith("0.1.0+") and len(build_version(project).split("+")[1]) == 12
    assert inputs_digest({"a": "1"}) != inputs_digest({"a": "2"}) != inputs_digest({"b": "2"})


def test_diff_of_two_revisions_in_words_and_as_rdf(history: Path) -> None:
    args = ["--project", str(history), "diff", "HEAD~2", "HEAD"]
    words = CliRunner().invoke(main, args)
    assert words.exit_code == 0, words.output
    assert "1 statements removed, 2 added, about 1 resources" in words.stdout
    assert '  - rdfs:label "Leeds"@en' in words.stdout
    assert '  + rdfs:label "City of Leeds"@en' in words.stdout
    assert "\ncity/leeds\n" in words.stdout
    rdf = CliRunner().invoke(main, [*args, "--format", "trig"])
    assert rdf.exit_code == 0
    change = Dataset()
    change.parse(data=rdf.stdout, format="trig")
    leeds = URIRef(BASE + "city/leeds")
    assert set(change.graph(REMOVED)) == {
        (leeds, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Leeds", lang="en"))
    }
    assert len(change.graph(ADDED)) == 2
    same = CliRunner().invoke(main, ["--project", str(history), "diff", "HEAD~1", "HEAD"])
    assert same.stdout.startswith("no change between")


def test_build_folder_and_sources_agree(history: Path, tmp_path: Path) -> None:
    project = load_project(history)
    old_build = tmp_path / "old-build"
    shutil.copytree(project.build_dir, old_build)
    assert not diff(project, str(old_build), str(history)).added  # the build holds what the sources say
    change = diff(project, "HEAD~2", str(old_build))
    assert len(change.removed) == 1 and len(change.added) == 2
    bad = CliRunner().invoke(main, ["--project", str(history), "diff", "no-such-rev", "HEAD"])
    assert bad.exit_code == 2 and "no folder and no git revision" in bad.output


def test_changelog_skips_commits_that_change_no_statement(history: Path) -> None:
    entries = changelog(load_project(history), 5)
    assert [e.subject for e in entries] == ["Leeds: its English name and a description", "first version"]
    assert (entries[0].added, entries[0].removed, entries[0].resources) == (2, 1, [BASE + "city/leeds"])
    assert entries[0].version == build_version(load_project(history))


def test_served_versions_and_changes(history: Path, tmp_path: Path) -> None:
    project = load_project(history)
    server = start_server(project, log=tmp_path / "server.log")
    try:
        version = build_version(project)
        void = Graph().parse(
            data=server.get("/.well-known/void", headers={"Accept": "text/turtle"}).text, format="turtle"
        )
        datasets = set(void.subjects(DCAT_VERSION, Literal(version)))
        assert datasets and any((d, OWL.versionInfo, Literal(version)) in void for d in datasets)
        assert any(void.value(d, DCTERMS.modified) is not None for d in datasets)
        dump = server.get("/dumps/citykg.nt")
        assert dump.headers["x-citykg-version"] == version
        assert f'filename="citykg-{version}.nt"' in dump.headers["content-disposition"]
        assert server.get(f"/dumps/citykg-{version}.nt").content == dump.content
        page = server.get("/changes", headers={"Accept": "text/html"})
        assert page.status_code == 200 and version in page.text
        assert "Leeds: its English name and a description" in page.text and "city/leeds" in page.text
        feed = server.get("/changes", headers={"Accept": "application/atom+xml"})
        assert feed.headers["content-type"].startswith("application/atom+xml")
        entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
        assert entries[0].find(f"{ATOM}title").text == f"{version}: 1 removed, 2 added"
        assert httpx.get(server.url + "changes?format=atom").content == feed.content
    finally:
        server.stop()
