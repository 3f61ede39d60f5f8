"""`citykg serve` over real HTTP: SPARQLWrapper in every format and form, negotiation, Linked Data, dumps,
VoID, the graph store, named queries, errors, the network policy, path tricks and escaping."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
import warnings
from urllib.parse import quote, urlsplit

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, VOID
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

pytest.register_assert_rewrite("server_conftest")
from server_conftest import BASE, XSS  # noqa: E402

pytest_plugins = ["server_conftest"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
CITIES = "PREFIX schema: <http://schema.org/> SELECT ?city WHERE { ?city a schema:City } ORDER BY ?city"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def kind(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def parse_rdf(response: httpx.Response) -> Graph:
    return Graph().parse(data=response.content, format=RDF_PARSERS[kind(response)])


# -- SPARQLWrapper as the client ------------------------------------------------------------------------------
def wrapper(server, query: str, fmt: str, method: str = GET) -> SPARQLWrapper:
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    else:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [GET, POST, POSTDIRECTLY])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(server, fmt: str, method: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # SPARQLWrapper warns about unexpected content types
        result = wrapper(server, CITIES, fmt, method).query()
        converted = result.convert()
    cities = sorted(f"{BASE}city/{c}" for c in ("amiens", "dortmund", "leeds", "scriptville"))
    if fmt == JSON:
        assert [b["city"]["value"] for b in converted["results"]["bindings"]] == cities
    elif fmt == XML:
        values = [node.firstChild.data for node in converted.getElementsByTagName("uri")]
        assert values == cities
    elif fmt == CSV:
        assert converted.decode().split("\r\n")[1:5] == cities
    else:
        assert converted.decode().splitlines()[1:] == [f"<{c}>" for c in cities]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server, fmt: str) -> None:
    result = wrapper(server, "ASK { ?s a <http://schema.org/City> }", fmt).query().convert()
    if fmt == JSON:
        assert result["boolean"] is True
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_sparqlwrapper_graphs(server, form: str, fmt: str) -> None:
    query = (
        f"CONSTRUCT {{ <{BASE}city/dortmund> ?p ?o }} WHERE {{ <{BASE}city/dortmund> ?p ?o }}"
        if form == "CONSTRUCT"
        else f"DESCRIBE <{BASE}city/dortmund>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = wrapper(server, query, fmt).query()
        content_type = result.response.headers["content-type"].split(";")[0]
        converted = result.convert()
    if isinstance(converted, Graph):
        graph = converted
    else:
        parser = {"text/turtle": "turtle", "application/ld+json": "json-ld"}[content_type]
        graph = Graph().parse(data=converted, format=parser)
    assert (URIRef(f"{BASE}city/dortmund"), RDF.type, URIRef("http://schema.org/City")) in graph


# -- content negotiation over HTTP ----------------------------------------------------------------------------
NEGOTIATION = [
    # (query form, Accept, format parameter, expected media type)
    ("SELECT", None, None, "application/sparql-results+json"),
    ("SELECT", "*/*", None, "application/sparql-results+json"),
    ("SELECT", "application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("SELECT", "application/json", None, "application/sparql-results+json"),
    ("SELECT", "text/csv;q=0.5, text/tab-separated-values", None, "text/tab-separated-values"),
    ("SELECT", "text/csv, text/tab-separated-values;q=0.1", None, "text/csv"),
    ("SELECT", "application/xml;q=0.9, */*;q=0.1", None, "application/sparql-results+xml"),
    ("SELECT", "text/turtle", "csv", "text/csv"),
    ("SELECT", None, "application/sparql-results+xml", "application/sparql-results+xml"),
    ("SELECT", BROWSER, None, "text/html"),
    ("SELECT", None, "html", "text/html"),
    ("ASK", "application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("CONSTRUCT", None, None, "text/turtle"),
    ("CONSTRUCT", "application/n-triples", None, "application/n-triples"),
    ("CONSTRUCT", "application/ld+json", None, "application/ld+json"),
    ("CONSTRUCT", "application/rdf+xml", None, "application/rdf+xml"),
    ("CONSTRUCT", "application/json", None, "application/ld+json"),
    ("CONSTRUCT", "application/sparql-results+json, text/turtle;q=0.5", None, "text/turtle"),
    ("CONSTRUCT", None, "nt", "application/n-triples"),
    ("DESCRIBE", "application/rdf+xml, text/turtle;q=0.2", None, "application/rdf+xml"),
]
FORM_QUERIES = {
    "SELECT": CITIES,
    "ASK": "ASK {}",
    "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{BASE}city/leeds> AS ?s) ?s ?p ?o }}",
    "DESCRIBE": f"DESCRIBE <{BASE}city/leeds>",
}


@pytest.mark.parametrize(("form", "accept", "fmt", "expected"), NEGOTIATION)
def test_negotiation_over_http(server, form: str, accept: str | None, fmt: str | None, expected: str) -> None:
    params = {"query": FORM_QUERIES[form]} | ({"format": fmt} if fmt else {})
    headers = {"Accept": accept} if accept else {"Accept": ""}
    response = server.get("/sparql", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert kind(response) == expected
    assert "Accept" in response.headers["vary"]
    if expected in RDF_PARSERS:
        parse_rdf(response)


def test_not_acceptable(server) -> None:
    response = server.get("/sparql", params={"query": CITIES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.text
    response = server.get("/sparql", params={"query": CITIES, "format": "turtle"})
    assert response.status_code == 406


def test_not_acceptable_for_a_graph_lists_every_graph_format(server) -> None:
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"
    response = server.get("/sparql", params={"query": construct}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.text and "application/trig" in response.text
    assert "application/n-quads" in response.text


def test_every_rdf_response_parses(server) -> None:
    targets = [
        ("/sparql", {}),
        ("/.well-known/void", {}),
        ("/ontology", {}),
        ("/ontology/shapes", {}),
        ("/rdf-graph-store", {"default": ""}),
        ("/rdf-graph-store", {"graph": "http://kasei.us/2009/09/sparql/data/data1.rdf"}),
        ("/data/city/dortmund", {}),
        ("/resource", {"iri": "https://w3id.org/citykg/vocab/twinning"}),
    ]
    for path, params in targets:
        for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
            response = server.get(path, params=params, headers={"Accept": media})
            assert response.status_code == 200, (path, media, response.text)
            if path != "/ontology/shapes":
                assert kind(response) == media, (path, media)
            assert len(parse_rdf(response)) > 0, (path, media)


# -- service description, VoID, DCAT ---------------------------------------------------------------------------
def test_service_description_describes_the_dataset(server) -> None:
    graph = parse_rdf(server.get("/sparql", headers={"Accept": "text/turtle"}))
    service = next(graph.subjects(SD.endpoint, URIRef(server.endpoint)))
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, VOID.triples, None) in graph
    names = set(graph.objects(None, SD.name))
    assert URIRef("http://kasei.us/2009/09/sparql/data/data1.rdf") in names
    assert URIRef(f"{server.url}.well-known/void") in set(
        graph.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))
    )
    html = server.get("/sparql", headers={"Accept": BROWSER})
    assert html.status_code == 200 and "<textarea" in html.text


def test_void_and_dcat(server, server_project) -> None:
    graph = parse_rdf(server.get("/.well-known/void", headers={"Accept": "text/turtle"}))
    dataset = URIRef(f"{BASE}dataset")
    triples = int(graph.value(dataset, VOID.triples))
    count = server.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    assert triples == int(count["results"]["bindings"][0]["n"]["value"])
    for predicate in (VOID.entities, VOID.classes, VOID.properties):
        assert int(graph.value(dataset, predicate)) > 0
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(server.endpoint)
    assert str(graph.value(dataset, VOID.uriSpace)) == BASE
    assert graph.value(dataset, URIRef("http://purl.org/dc/terms/license")) is not None
    manifest = json.loads((server_project.build_dir / "manifest.json").read_text())
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 5
    for distribution in distributions:
        name = str(distribution).rsplit("/", 1)[-1]
        checksum = graph.value(distribution, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == manifest["outputs"][name]
        assert int(graph.value(distribution, DCAT.byteSize)) == (server_project.build_dir / name).stat().st_size
        assert str(graph.value(distribution, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
    assert (None, DCAT.endpointURL, URIRef(server.endpoint)) in graph


# -- dumps -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["citykg.ttl", "citykg.nt", "citykg.jsonld", "citykg.trig", "citykg.nq"])
def test_dumps(server, server_project, name: str) -> None:
    data = (server_project.build_dir / name).read_bytes()
    digest = json.loads((server_project.build_dir / "manifest.json").read_text())["outputs"][name]
    response = server.get(f"/dumps/{name}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["etag"] == f'"{digest}"' == f'"{hashlib.sha256(data).hexdigest()}"'
    assert "last-modified" in response.headers
    again = server.get(
        f"/dumps/{name}", headers={"If-None-Match": response.headers["etag"], "Accept-Encoding": "identity"}
    )
    assert again.status_code == 304
    since = server.get(
        f"/dumps/{name}",
        headers={"If-Modified-Since": response.headers["last-modified"], "Accept-Encoding": "identity"},
    )
    assert since.status_code == 304
    with httpx.stream("GET", server.url + f"dumps/{name}", headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in zipped.headers["vary"]
    assert gzip.decompress(raw) == data
    head = httpx.head(server.url + f"dumps/{name}")
    assert head.status_code == 200 and head.content == b""


def test_unknown_dump(server) -> None:
    for name in ("citykg.rdf", "manifest.json", "nothing"):
        assert server.get(f"/dumps/{name}").status_code == 404


# -- graph store protocol ----------------------------------------------------------------------------------------
def test_graph_store_read_only(server) -> None:
    one = server.get(
        "/rdf-graph-store",
        params={"graph": "http://kasei.us/2009/09/sparql/data/data2.rdf"},
        headers={"Accept": "application/n-triples"},
    )
    assert one.status_code == 200
    assert "data2.rdf" in one.text and len(parse_rdf(one)) == 1
    default = server.get("/rdf-graph-store?default", headers={"Accept": "text/turtle"})
    assert default.status_code == 200 and len(parse_rdf(default)) > 100
    assert server.get("/rdf-graph-store", params={"graph": "http://example.org/none"}).status_code == 404
    assert server.get("/rdf-graph-store").status_code == 400
    for method in ("PUT", "POST", "DELETE"):
        response = httpx.request(method, server.url + "rdf-graph-store?default", content=b"<a> <b> <c> .")
        assert response.status_code == 405 and "read-only" in response.text


# -- named queries -------------------------------------------------------------------------------------------------
def test_named_query_list(server) -> None:
    listing = server.get("/queries", headers={"Accept": "application/json"})
    assert listing.status_code == 200
    names = {q["name"]: q for q in listing.json()}
    assert "twin-cities" in names
    assert names["partnerships-as-of"]["parameters"][0]["name"] == "year"
    assert names["twin-cities"]["url"] == server.url + "queries/twin-cities"
    html = server.get("/queries", headers={"Accept": BROWSER})
    assert html.status_code == 200 and "/queries/twin-cities" in html.text


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_named_query_runs_in_every_format(server, fmt: str) -> None:
    response = server.get("/queries/partnerships-as-of", params={"year": "1970", "format": fmt})
    assert response.status_code == 200, response.text
    if fmt == "json":
        partners = {b["partner"]["value"] for b in response.json()["results"]["bindings"]}
        assert partners == {f"{BASE}city/amiens", f"{BASE}city/leeds"}
    else:
        assert f"{BASE}city/leeds" in response.text
    assert (
        server.get("/queries/partnerships-as-of", params={"year": "1965", "format": fmt}).text.count("city/leeds") == 0
    )


def test_named_query_html_form_and_table(server) -> None:
    form = server.get("/queries/partnerships-as-of", headers={"Accept": BROWSER})
    assert form.status_code == 200
    assert 'name="year"' in form.text and "<table" not in form.text
    run = server.get("/queries/partnerships-as-of", params={"year": "1970"}, headers={"Accept": BROWSER})
    assert run.status_code == 200
    assert 'class="results"' in run.text and 'href="/page/city/leeds"' in run.text
    assert "format=csv" in run.text


def test_named_query_errors(server) -> None:
    bad = server.get("/queries/partnerships-as-of", params={"year": "nineteen", "format": "json"})
    assert bad.status_code == 400 and "year" in bad.text
    missing = server.get("/queries/partnerships-as-of", params={"format": "json"})
    assert missing.status_code == 400 and "year" in missing.text
    unknown = server.get("/queries/partnerships-as-of", params={"year": "1970", "colour": "red", "format": "json"})
    assert unknown.status_code == 400 and "colour" in unknown.text
    absent = server.get("/queries/twin-citys")
    assert absent.status_code == 404 and "twin-cities" in absent.text
    html = server.get("/queries/partnerships-as-of", params={"year": "nineteen"}, headers={"Accept": BROWSER})
    assert html.status_code == 400 and "year" in html.text


# -- Linked Data -----------------------------------------------------------------------------------------------------
def test_dereference_303(server) -> None:
    html = server.get("/city/dortmund", headers={"Accept": BROWSER})
    assert html.status_code == 303 and html.headers["location"] == "/page/city/dortmund"
    assert "Accept" in html.headers["vary"]
    turtle = server.get("/city/dortmund", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 303 and turtle.headers["location"] == "/data/city/dortmund.ttl"
    for media, ext in (
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
    ):
        response = server.get("/city/dortmund", headers={"Accept": media})
        assert response.headers["location"] == f"/data/city/dortmund.{ext}"
        document = server.get(response.headers["location"])
        assert kind(document) == media
        graph = parse_rdf(document)
        assert (URIRef(f"{BASE}city/dortmund"), RDF.type, URIRef("http://schema.org/City")) in graph


def test_data_document_holds_relations_sources_and_labels(server) -> None:
    graph = parse_rdf(server.get("/data/city/dortmund.ttl"))
    partnership = URIRef(f"{BASE}partnership/dortmund-leeds")
    citation = URIRef(f"{BASE}citation/dortmund-leeds")
    assert (partnership, URIRef("https://w3id.org/citykg/ontology#partner"), URIRef(f"{BASE}city/dortmund")) in graph
    assert (partnership, URIRef("http://schema.org/startDate"), None) in graph
    assert (citation, URIRef("https://w3id.org/citykg/ontology#quote"), None) in graph
    assert (
        URIRef(f"{BASE}city/leeds"),
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("Leeds", lang="en"),
    ) in graph
    negotiated = server.get("/data/city/dortmund", headers={"Accept": "application/n-triples"})
    assert kind(negotiated) == "application/n-triples"
    assert negotiated.headers["content-location"] == "/data/city/dortmund.nt"


def test_resource_page(server) -> None:
    response = server.get("/page/city/dortmund", headers={"Accept": BROWSER, "Accept-Language": "de"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "de"
    text = response.text
    assert "<h1>Dortmund" in text
    assert 'href="/page/partnership/dortmund-leeds"' in text and "Städtepartnerschaft Dortmund–Leeds" in text
    assert "Leeds, Großbritannien seit 1969" in text  # the quote of a citation
    assert 'href="https://www.dortmund.de/themen/internationales/staedtepartnerschaften/"' in text
    assert "1960-04-02" in text  # a date of a related event
    links = response.headers["link"]
    for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
        assert f'type="{media}"' in links
    english = server.get("/page/city/dortmund", params={"lang": "en"}, headers={"Accept-Language": "de"})
    assert "Dortmund–Leeds twinning" in english.text and english.headers["content-language"] == "en"
    assert "lang=de" in english.text  # the language switch


def test_vocabulary_ontology_and_graph_pages(server) -> None:
    concept = server.get(
        "/resource", params={"iri": "https://w3id.org/citykg/vocab/twinning"}, headers={"Accept": BROWSER}
    )
    assert concept.status_code == 200 and "Twinning" in concept.text
    ontology = server.get("/ontology", headers={"Accept": BROWSER})
    assert ontology.status_code == 200
    for anchor in ('id="Partnership"', 'id="classes"', 'id="properties"', 'id="schemes"', 'id="shapes"'):
        assert anchor in ontology.text
    turtle = server.get("/ontology", headers={"Accept": "text/turtle"})
    assert (URIRef("https://w3id.org/citykg/ontology#Partnership"), None, None) in parse_rdf(turtle)
    graph_page = server.get("/page/graph/fixture", headers={"Accept": BROWSER})
    assert graph_page.status_code == 200 and "rdf-graph-store?graph=" in graph_page.text


def test_unknown_iri_404_helps(server) -> None:
    html = server.get("/page/city/dortmunt", headers={"Accept": BROWSER})
    assert html.status_code == 404
    assert 'href="/page/city/dortmund"' in html.text and 'name="q"' in html.text
    plain = server.get("/city/dortmunt")
    assert plain.status_code == 404 and f"<{BASE}city/dortmund>" in plain.text


def test_search(server) -> None:
    response = server.get("/search", params={"q": "leeds"}, headers={"Accept": BROWSER})
    assert 'href="/page/city/leeds"' in response.text
    typed = server.get("/search", params={"type": "http://schema.org/Country"}, headers={"Accept": BROWSER})
    assert "Germany" in typed.text and "Leeds" not in typed.text


def test_landing_and_query_pages(server) -> None:
    home = server.get("/", headers={"Accept": BROWSER})
    assert home.status_code == 200
    for link in ('href="/queries"', 'href="/sparql"', 'href="/dumps/"', 'href="/ontology"', "/.well-known/void"):
        assert link in home.text
    assert re.search(r"<strong>[\d,]+</strong> triples", home.text)
    page = server.get("/sparql", params={"query": CITIES, "format": "html"})
    assert page.status_code == 200 and 'href="/page/city/amiens"' in page.text
    assert "PREFIX ckg:" in server.get("/sparql", headers={"Accept": BROWSER}).text
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"format={fmt}" in page.text
    german = server.get("/", headers={"Accept": BROWSER, "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert "Benannte Abfragen" in german.text


# -- errors and limits ---------------------------------------------------------------------------------------------
def test_syntax_error_names_the_position(server) -> None:
    response = server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "line 1" in response.text and "Traceback" not in response.text


def test_body_cap(server) -> None:
    big = b"ASK {} #" + b"x" * (1024 * 1024 + 10)
    response = server.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413

    def chunks():
        for _ in range(1100):
            yield b"#" + b"y" * 1023

    streamed = httpx.post(
        server.endpoint, content=chunks(), headers={"Content-Type": "application/sparql-query"}, timeout=20
    )
    assert streamed.status_code == 413


def test_methods_and_cors(server) -> None:
    assert httpx.request("PATCH", server.endpoint).status_code == 405
    assert httpx.delete(server.url + "queries").status_code == 405
    preflight = httpx.options(
        server.endpoint, headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert server.get("/sparql", params={"query": "ASK {}"}).headers["access-control-allow-origin"] == "*"


# -- the network policy --------------------------------------------------------------------------------------------
REFUSED = [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", None, 403, "SERVICE"),
    ("SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", None, 403, "SERVICE"),
    ("SELECT * WHERE { ?x ?y ?z . SERVICE ?x { ?s ?p ?o } }", None, 403, "SERVICE"),
    ("ASK { FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }", None, 403, "SERVICE"),
    ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", None, 400, "http://example.org/data.ttl"),
    (
        "SELECT * FROM NAMED <http://example.org/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        None,
        400,
        "http://example.org/data.ttl",
    ),
    ("ASK {}", {"default-graph-uri": "http://example.org/remote.ttl"}, 400, "http://example.org/remote.ttl"),
    ("ASK {}", {"named-graph-uri": "http://127.0.0.1:1/x"}, 400, "http://127.0.0.1:1/x"),
]


@pytest.mark.parametrize(("query", "params", "status", "named"), REFUSED)
def test_foreign_iris_refused(server, query: str, params: dict | None, status: int, named: str) -> None:
    response = server.get("/sparql", params={"query": query, **(params or {})})
    assert response.status_code == status, response.text
    assert named in response.text


def test_load_refused(update_server) -> None:
    from server_conftest import TOKEN

    response = update_server.post(
        "/sparql",
        data={"update": "LOAD <http://example.org/data.ttl>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 403 and "LOAD" in response.text


# -- path tricks on every route ------------------------------------------------------------------------------------
ROUTES = [
    "",
    "sparql/",
    "queries/",
    "dumps/",
    "static/",
    "page/",
    "data/",
    "ontology/",
    "resource/",
    ".well-known/",
    "page/city/",
    "view/",
    "map/",
    "timeline/",
]
TRICKS = [
    "../../../../etc/passwd",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2F..%2F..%2Fcitykg.toml",
    "..%5c..%5cpyproject.toml",
    "..\\..\\pyproject.toml",
    "./style.css",
    "%2e/style.css",
    ".%2e/app.py",
    "x/%00/y",
    "citykg.ttl%2f..%2f..%2fmanifest.json",
    "%252e%252e/%252e%252e/etc/passwd",
]


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A request with the path exactly as given (HTTP clients normalise dot segments)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


@pytest.mark.parametrize("route", ROUTES)
def test_path_tricks(server, route: str) -> None:
    for trick in TRICKS:
        status, data = raw_get(server.url, "/" + route + trick)
        assert status in (400, 404), (route, trick, status)
        for secret in (b"root:", b"[dataset]", b"[project]", b"import ", b"@prefix"):
            assert secret not in data, (route, trick)


# -- escaping ----------------------------------------------------------------------------------------------------------
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def html_pages(server) -> list[tuple[str, dict]]:
    cities = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE { ?s rdfs:label ?label }"
    return [
        ("/page/city/scriptville", {}),
        ("/page/city/scriptville", {"lang": "de"}),
        ("/page/partnership/dortmund-scriptville", {}),
        ("/page/city/dortmund", {}),
        ("/page/source/dortmund-de-staedtepartnerschaften", {}),
        ("/resource", {"iri": f"{BASE}city/scriptville"}),
        ("/search", {"q": "script"}),
        ("/search", {"type": "http://schema.org/City"}),
        ("/queries/twin-cities", {}),
        ("/queries/sources-of", {"resource": "partnership/dortmund-scriptville"}),
        ("/sparql", {"query": cities, "format": "html"}),
        ("/sparql", {"query": f"DESCRIBE <{BASE}city/scriptville>", "format": "html"}),
        ("/page/city/scriptvill", {}),  # 404 with suggestions
    ]


def test_script_label_is_text_on_every_page(server) -> None:
    for path, params in html_pages(server):
        response = server.get(path, params=params, headers={"Accept": BROWSER})
        assert response.headers["content-type"].startswith("text/html"), path
        assert XSS not in response.text, (path, params)
        assert ESCAPED in response.text, (path, params)


def test_user_input_is_text_on_error_pages(server) -> None:
    cases = [
        ("/queries/" + quote(XSS, safe=""), {}),
        ("/sparql", {"query": f"SELECT {XSS}", "format": "html"}),
        ("/search", {"q": XSS}),
        ("/page/" + quote(XSS, safe=""), {}),
        ("/resource", {"iri": "http://example.org/" + XSS}),
        ("/queries/partnerships-as-of", {"year": XSS}),
    ]
    for path, params in cases:
        response = server.get(path, params=params, headers={"Accept": BROWSER})
        assert response.status_code < 500
        assert "<script>" not in response.text, path
