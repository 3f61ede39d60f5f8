"""The W3C SPARQL 1.1 Protocol and Service Description tests, replayed from their manifests over HTTP.

Every protocol test is run as written: method, path (``/sparql/`` mapped to the endpoint's path),
headers and body (in the manifest's character encoding), then the status class, the result format
(boolean, tabular, RDF) and the boolean are checked as the manifest says. Tests whose requests carry an
update run against the ``--allow-update`` server, with its token added as ``Authorization``; the others
against the read-only one. Both hold the manifest's graphs (data1.rdf … data3.rdf, and data0.rdf empty)
as named graphs. The three service-description tests are checked as their names say; the schema test
validates the description with SHACL shapes written from the SD vocabulary's domains and ranges.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

pytest.register_assert_rewrite("server_conftest")
from server_conftest import TOKEN, W3C  # noqa: E402
from server_conftest import W3C_RESULTS as RESULTS  # noqa: E402

pytest_plugins = ["server_conftest"]

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    statuses: set[int]
    fmt: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request] = field(default_factory=list)

    @property
    def updates(self) -> bool:
        for r in self.requests:
            types = [v for k, v in r.headers if k.lower() == "content-type"]
            body = (r.body or b"").decode("utf-8", "replace")
            if any("sparql-update" in t for t in types) or body.startswith("update=") or "update=" in r.path:
                return True
        return False


def _list(graph: Graph, node) -> list:
    return list(Collection(graph, node)) if node is not None else []


def load_protocol(path: Path) -> list[ProtocolTest]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _list(graph, graph.value(manifest, MF.entries)):
        test = ProtocolTest(str(entry).rsplit("#", 1)[-1], str(graph.value(entry, MF.name)))
        action = graph.value(entry, MF.action)
        for req in _list(graph, graph.value(action, HT.requests)):
            headers = [
                (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
                for h in _list(graph, graph.value(req, HT.headers))
            ]
            body_node = graph.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            resp = graph.value(req, HT.resp)
            statuses = {int(str(s).rsplit("StatusCode", 1)[-1][0]) for s in graph.objects(resp, MF.expectedStatus)}
            fmt = graph.value(resp, MF.expectedFormat)
            boolean = graph.value(resp, MF.expectedBoolean)
            test.requests.append(
                Request(
                    str(graph.value(req, HT.methodName)),
                    str(graph.value(req, HT.absolutePath)),
                    headers,
                    body,
                    statuses,
                    str(fmt) if fmt is not None else None,
                    boolean.toPython() if isinstance(boolean, Literal) else None,
                )
            )
        tests.append(test)
    return tests


def load_sd(path: Path) -> list[str]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    return [str(e).rsplit("#", 1)[-1] for e in _list(graph, graph.value(manifest, MF.entries))]


PROTOCOL = load_protocol(W3C / "protocol" / "manifest.ttl")
SERVICE = load_sd(W3C / "service-description" / "manifest.ttl")


def test_manifests_hold_every_test() -> None:
    assert len(PROTOCOL) == 34
    assert len(SERVICE) == 3


def boolean_of(response: httpx.Response) -> bool:
    kind = response.headers["content-type"].split(";")[0].strip()
    if kind in ("application/sparql-results+json", "application/json"):
        return json.loads(response.content)["boolean"]
    if kind in ("application/sparql-results+xml", "application/xml", "text/xml"):
        root = ET.fromstring(response.content)
        value = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
        assert value is not None, response.text
        return value.text.strip() == "true"
    raise AssertionError(f"a boolean result in {kind}")


def check_format(response: httpx.Response, fmt: str) -> None:
    kind = response.headers["content-type"].split(";")[0].strip()
    if fmt == "boolean":
        boolean_of(response)
    elif fmt == "tabular":
        assert kind in TABULAR, kind
        if kind.endswith("json"):
            assert "results" in json.loads(response.content)
        elif kind.endswith("xml"):
            ET.fromstring(response.content)
        else:
            delimiter = "," if kind == "text/csv" else "\t"
            rows = list(csv.reader(io.StringIO(response.text), delimiter=delimiter))
            assert rows and rows[0]
    elif fmt == "RDF":
        assert kind in RDF_TYPES, kind
        Graph().parse(data=response.content, format=RDF_TYPES[kind])
    else:
        raise AssertionError(f"unknown expected format {fmt}")


def replay(base: str, test: ProtocolTest, auth: bool) -> None:
    with httpx.Client(timeout=20, follow_redirects=False) as client:
        for request in test.requests:
            path = request.path.replace("/sparql/", "/sparql", 1)
            headers = list(request.headers)
            if auth:
                headers.append(("Authorization", f"Bearer {TOKEN}"))
            response = client.request(request.method, base.rstrip("/") + path, headers=headers, content=request.body)
            assert response.status_code // 100 in request.statuses, (
                f"{test.name}: {request.method} {path}: status {response.status_code}, expected "
                f"{sorted(request.statuses)}xx: {response.text[:300]}"
            )
            if request.fmt:
                check_format(response, request.fmt)
            if request.boolean is not None:
                assert boolean_of(response) is request.boolean, f"{test.name}: {response.text[:200]}"


@pytest.mark.parametrize("test", PROTOCOL, ids=[t.name for t in PROTOCOL])
def test_protocol(test: ProtocolTest, request: pytest.FixtureRequest) -> None:
    target = request.getfixturevalue("update_server" if test.updates else "server")
    RESULTS["protocol"][test.name] = False
    replay(target.url, test, auth=test.updates)
    RESULTS["protocol"][test.name] = True


SD_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix ex: <http://example.org/sd-shapes#> .

ex:Service a sh:NodeShape ; sh:targetClass sd:Service ;
  sh:property [ sh:path sd:endpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
                sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ;
  sh:property [ sh:path sd:resultFormat ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:feature ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:defaultEntailmentRegime ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:defaultDataset ; sh:maxCount 1 ; sh:class sd:Dataset ] .
ex:Dataset a sh:NodeShape ; sh:targetClass sd:Dataset ;
  sh:property [ sh:path sd:defaultGraph ; sh:maxCount 1 ; sh:class sd:Graph ] ;
  sh:property [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .
ex:NamedGraph a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
  sh:property [ sh:path sd:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:graph ; sh:maxCount 1 ; sh:class sd:Graph ] .
"""


def service_description(server, accept: str | None) -> Graph:
    headers = {"Accept": accept} if accept else {}
    response = server.get("/sparql", headers=headers)
    assert response.status_code == 200, response.text
    kind = response.headers["content-type"].split(";")[0].strip()
    assert kind in RDF_TYPES, f"Accept {accept!r} gave {kind}"
    return Graph().parse(data=response.content, format=RDF_TYPES[kind])


def sd_returns_rdf(server) -> None:
    for accept in (None, "*/*", "text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"):
        assert len(service_description(server, accept)) > 10


def sd_has_endpoint_triple(server) -> None:
    graph = service_description(server, "text/turtle")
    assert (None, SD.endpoint, URIRef(server.endpoint)) in graph


def sd_conforms_to_schema(server) -> None:
    graph = service_description(server, "text/turtle")
    assert (None, RDF.type, SD.Service) in graph
    shapes = Graph().parse(data=SD_SHAPES, format="turtle")
    conforms, _, text = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, text


SD_CHECKS = {
    "has-endpoint-triple": sd_has_endpoint_triple,
    "returns-rdf": sd_returns_rdf,
    "conforms-to-schema": sd_conforms_to_schema,
}


@pytest.mark.parametrize("name", SERVICE)
def test_service_description(name: str, server) -> None:
    RESULTS["service-description"][name] = False
    SD_CHECKS[name](server)
    RESULTS["service-description"][name] = True


def test_update_refused_without_allow_update(server) -> None:
    response = server.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 403
    assert "read-only" in response.text


def test_update_needs_the_token(update_server) -> None:
    for auth in (None, "Bearer wrong-token-000000000000", "Basic dXNlcjpwYXNz", f"Bearer{TOKEN}"):
        headers = {"Content-Type": "application/sparql-update"} | ({"Authorization": auth} if auth else {})
        response = update_server.post("/sparql", content=b"CLEAR ALL", headers=headers)
        assert response.status_code == 401, auth
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_update_is_seen_by_later_queries_and_pages(update_server) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    text = (
        "INSERT DATA { GRAPH <http://example.org/g> { <https://w3id.org/citykg/dortmund/city/newtown> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "Newtown"@en } }'
    )
    response = update_server.post("/sparql", data={"update": text}, headers=auth)
    assert response.status_code == 200, response.text
    for _ in range(4):  # every worker sees it
        ask = update_server.get("/sparql", params={"query": 'ASK { ?s ?p "Newtown"@en }'})
        assert ask.json()["boolean"] is True
    page = update_server.get("/page/city/newtown", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Newtown" in page.text
