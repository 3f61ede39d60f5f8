"""Fixtures for the server tests: a small published project, and real `citykg serve` processes on free ports.

The project is a copy of the shipped ontology, queries and settings with a small data file written here
(one city's twinnings with sources, an event, a membership, a tenure, and a city whose label holds
``<script>``), published into its build folder without SHACL validation so that the server tests do not
depend on the curated data or on shapes being edited elsewhere. ``citykg serve`` then starts without
building (the build is fresh).

Two servers run for the whole session, each a subprocess on ``--port 0`` over real HTTP:

* ``server``: read-only, ``--timeout 2 --workers 3``, with the W3C protocol data files as EXTRA graphs;
* ``update_server``: ``--allow-update`` with a token from the environment, same graphs.

Test modules use them with ``pytest_plugins = ["tests.server_conftest"]`` (or import the fixtures).
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from citykg.build import MANIFEST, STEM, apply_rules, manifest_bytes, write_atomically
from citykg.config import Project, load_project
from citykg.export import serialize
from citykg.sources import load_sources, source_files

ROOT = Path(__file__).resolve().parent.parent
W3C = Path(__file__).resolve().parent / "data" / "w3c"
KASEI = "http://kasei.us/2009/09/sparql/data/"
TOKEN = "test-token-0123456789abcdef"
XSS = "<script>alert(1)</script>"
BASE = "https://w3id.org/citykg/dortmund/"
#: Filled by the W3C harness, reported at the end of the run.
W3C_RESULTS: dict[str, dict[str, bool]] = {"protocol": {}, "service-description": {}}

DATA = """\
@prefix ckg:     <https://w3id.org/citykg/ontology#> .
@prefix ckgv:    <https://w3id.org/citykg/vocab/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema:  <http://schema.org/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix geo:     <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix wd:      <http://www.wikidata.org/entity/> .
@prefix city:    <city/> .
@prefix country: <country/> .
@prefix pship:   <partnership/> .
@prefix event:   <event/> .
@prefix orgn:    <organisation/> .
@prefix person:  <person/> .
@prefix post:    <post/> .
@prefix tenure:  <tenure/> .
@prefix mship:   <membership/> .
@prefix src:     <source/> .
@prefix cite:    <citation/> .

city:dortmund a schema:City ;
    rdfs:label "Dortmund"@de , "Dortmund"@en ;
    schema:addressCountry country:DE ;
    geo:lat "51.51494"^^xsd:decimal ; geo:long "7.466"^^xsd:decimal ;
    ckg:wikidata wd:Q1295 .

city:amiens a schema:City ;
    rdfs:label "Amiens"@de , "Amiens"@en ;
    schema:addressCountry country:FR .

city:leeds a schema:City ;
    rdfs:label "Leeds"@de , "Leeds"@en ;
    schema:addressCountry country:GB .

city:scriptville a schema:City ;
    rdfs:label "Scriptstadt <script>alert(1)</script>"@de , "Scriptville <script>alert(1)</script>"@en ;
    schema:addressCountry country:FR .

country:DE a schema:Country ; rdfs:label "Deutschland"@de , "Germany"@en ; ckg:iso3166Alpha2 "DE" .
country:FR a schema:Country ; rdfs:label "Frankreich"@de , "France"@en ; ckg:iso3166Alpha2 "FR" .
country:GB a schema:Country ; rdfs:label "Vereinigtes Königreich"@de , "United Kingdom"@en ; ckg:iso3166Alpha2 "GB" .

pship:dortmund-amiens a ckg:Partnership ;
    rdfs:label "Städtepartnerschaft Dortmund–Amiens"@de , "Dortmund–Amiens twinning"@en ;
    ckg:partner city:dortmund , city:amiens ;
    ckg:kind ckgv:twinning ;
    schema:startDate "1960"^^xsd:gYear ;
    ckg:status ckgv:active ;
    prov:qualifiedDerivation cite:dortmund-amiens .

pship:dortmund-leeds a ckg:Partnership ;
    rdfs:label "Städtepartnerschaft Dortmund–Leeds"@de , "Dortmund–Leeds twinning"@en ;
    ckg:partner city:dortmund , city:leeds ;
    ckg:kind ckgv:twinning ;
    schema:startDate "1969"^^xsd:gYear ;
    ckg:status ckgv:active ;
    prov:qualifiedDerivation cite:dortmund-leeds .

pship:dortmund-scriptville a ckg:Partnership ;
    rdfs:label "Partnerschaft <script>alert(1)</script>"@en ;
    ckg:partner city:dortmund , city:scriptville ;
    ckg:kind ckgv:twinning ;
    schema:startDate "1990"^^xsd:gYear ;
    ckg:status ckgv:active ;
    prov:qualifiedDerivation cite:dortmund-scriptville .

cite:dortmund-amiens a ckg:Citation ;
    prov:entity src:dortmund-de-staedtepartnerschaften ;
    ckg:quote "Amiens, Frankreich seit 1960"@de ;
    ckg:confidence ckgv:high .

cite:dortmund-leeds a ckg:Citation ;
    prov:entity src:dortmund-de-staedtepartnerschaften ;
    ckg:quote "Leeds, Großbritannien seit 1969"@de ;
    ckg:confidence ckgv:high .

cite:dortmund-scriptville a ckg:Citation ;
    prov:entity src:dortmund-de-staedtepartnerschaften ;
    ckg:quote "<script>alert(1)</script> seit 1990"@de ;
    ckg:confidence ckgv:unverified .

event:dortmund-amiens-1960-proclamation a schema:Event ;
    rdfs:label "Proklamation der Städtepartnerschaft Dortmund–Amiens"@de ,
        "Proclamation of the Dortmund–Amiens twinning"@en ;
    ckg:kind ckgv:proclamation ;
    ckg:milestoneOf pship:dortmund-amiens ;
    schema:startDate "1960-04-02"^^xsd:date ;
    schema:location city:dortmund ;
    prov:qualifiedDerivation cite:dortmund-amiens-1960-proclamation .

cite:dortmund-amiens-1960-proclamation a ckg:Citation ;
    prov:entity src:dortmund-de-staedtepartnerschaften ;
    ckg:quote "Am 2. April 1960 wurde die Partnerschaft proklamiert"@de ;
    ckg:confidence ckgv:medium .

src:dortmund-de-staedtepartnerschaften a ckg:Source ;
    dcterms:title "Städtepartnerschaften – Stadt Dortmund"@de ;
    schema:url <https://www.dortmund.de/themen/internationales/staedtepartnerschaften/> ;
    rdfs:label "dortmund.de: Städtepartnerschaften"@de .

orgn:eurocities a ckg:CityNetwork ; rdfs:label "EUROCITIES"@de , "EUROCITIES"@en .
mship:dortmund-eurocities a org:Membership ;
    rdfs:label "Mitgliedschaft Dortmunds in EUROCITIES"@de , "Dortmund's membership in EUROCITIES"@en ;
    org:member city:dortmund ; org:organization orgn:eurocities ;
    prov:qualifiedDerivation cite:dortmund-amiens .

person:fabian-zeuch a schema:Person ; rdfs:label "Fabian Zeuch" .
post:urban-diplomacy-coordinator a org:Post ;
    rdfs:label "Koordinator Globale Städte-Diplomatie"@de , "Coordinator for Global Urban Diplomacy"@en .
tenure:fabian-zeuch-urban-diplomacy-coordinator a ckg:Tenure ;
    rdfs:label "Fabian Zeuch, Koordinator"@de , "Fabian Zeuch, coordinator"@en ;
    ckg:holder person:fabian-zeuch ; ckg:post post:urban-diplomacy-coordinator ;
    schema:startDate "2020-11-01"^^xsd:date ;
    prov:qualifiedDerivation cite:dortmund-leeds .
"""


def make_project(target: Path) -> Project:
    """A small project under ``target``, published (build written) without validation."""
    shutil.copytree(ROOT / "ontology", target / "ontology", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ROOT / "queries", target / "queries")
    shutil.copy(ROOT / "citykg.toml", target / "citykg.toml")
    (target / "graph").mkdir()
    if (ROOT / "graph" / "dataset.ttl").is_file():
        shutil.copy(ROOT / "graph" / "dataset.ttl", target / "graph" / "dataset.ttl")
    (target / "graph" / "fixture.ttl").write_text(DATA, encoding="utf-8")
    project = load_project(target)
    publish(project)
    return project


def publish(project: Project) -> None:
    dataset = load_sources(project, source_files(project))
    apply_rules(dataset, project)
    outputs = {f"{STEM}.{fmt}": serialize(dataset, fmt, project.base) for fmt in ("ttl", "nt", "jsonld", "trig", "nq")}
    write_atomically(project.build_dir, outputs)
    write_atomically(project.build_dir, {MANIFEST: manifest_bytes(project, outputs)})


def w3c_extras(folder: Path) -> list[str]:
    """The W3C protocol graphs as EXTRA arguments; data0.rdf (named by the manifest, no triples) is empty."""
    empty = folder / "data0.nt"
    empty.write_text("", encoding="utf-8")
    extras = [f"{KASEI}data0.rdf={empty}"]
    extras += [f"{KASEI}data{n}.rdf={W3C / 'protocol' / f'data{n}.nt'}" for n in (1, 2, 3)]
    return extras


@dataclass
class Server:
    url: str  # ends with "/"
    process: subprocess.Popen
    log: Path

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path.lstrip("/"), timeout=kwargs.pop("timeout", 20), **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return httpx.post(self.url + path.lstrip("/"), timeout=kwargs.pop("timeout", 20), **kwargs)

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def stop(self) -> None:
        """Stop the server; a traceback in its log (an unexpected exception) fails the session."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()
        log = self.log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log, f"the server logged an exception:\n{log[-4000:]}"


def start_server(project: Project, *args: str, env: dict[str, str] | None = None, log: Path) -> Server:
    command = [sys.executable, "-m", "citykg", "--project", str(project.root), "serve", "--port", "0", *args]
    handle = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=handle, text=True, env={**os.environ, **(env or {})}, cwd=project.root
    )
    handle.close()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and process.poll() is None:
        if selector.select(timeout=0.5):
            line = process.stdout.readline()
            break
    selector.close()
    match = re.search(r"listening on (http://\S+/)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"citykg serve did not start: {line!r}\n{log.read_text(encoding='utf-8')}")
    return Server(match.group(1), process, log)


@pytest.fixture(scope="session")
def server_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("server-project"))


@pytest.fixture(scope="session")
def server(server_project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    running = start_server(
        server_project, "--timeout", "2", "--workers", "3", *w3c_extras(folder), log=folder / "server.log"
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def update_server(server_project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("update-server")
    running = start_server(
        server_project,
        "--allow-update",
        "--timeout",
        "5",
        *w3c_extras(folder),
        env={"CITYKG_UPDATE_TOKEN": TOKEN},
        log=folder / "server.log",
    )
    yield running
    running.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    for suite, results in W3C_RESULTS.items():
        if results:
            terminalreporter.write_line(f"W3C SPARQL 1.1 {suite} tests: {sum(results.values())}/{len(results)} passed")
