"""Independent clients against `citykg serve` over real HTTP: rdflib (SPARQLStore, Dataset, Graph.parse),
SPARQLWrapper, httpx where no client library exists (compression, ETag, Range), and Chromium for CORS from
another origin. Each test is one defect of issue 14 that such a client hit."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

pytest.register_assert_rewrite("server_conftest")
from server_conftest import BASE  # noqa: E402

pytest_plugins = ["server_conftest"]

CITIES = "SELECT ?c WHERE { ?c a <http://schema.org/City> }"


def _fixture_graph(server) -> str:
    """The named graph holding the fixture data (its IRI comes from the build, so ask the server)."""
    found = SPARQLWrapper(server.endpoint)
    found.setQuery("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?c a <http://schema.org/City> } }")
    found.setReturnFormat(JSON)
    names = [b["g"]["value"] for b in found.queryAndConvert()["results"]["bindings"]]
    assert len(names) == 1, names
    return names[0]


# -- named graphs dereference to their triples ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["turtle", "nt", "json-ld", "xml"])
def test_named_graph_iri_dereferences_to_its_triples(server, fmt: str) -> None:
    name = _fixture_graph(server)
    assert name.startswith(BASE)
    expected = Graph()
    expected.parse(server.url + "rdf-graph-store?" + str(httpx.QueryParams({"graph": name})), format="turtle")
    assert len(expected) > 50
    fetched = Graph()
    fetched.parse(server.url + name.removeprefix(BASE), format=fmt)  # rdflib's own conneg and 303
    assert {t for t in expected} <= {t for t in fetched}


# -- text/plain is N-Triples ---------------------------------------------------------------------------------------
def test_rdflib_parse_nt_gets_ntriples(server) -> None:
    graph = Graph()
    graph.parse(server.url + "city/dortmund", format="nt")  # rdflib sends Accept: text/plain, */*;q=0.1
    assert (URIRef(BASE + "city/dortmund"), None, None) in graph


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        ("text/plain", "application/n-triples", "nt"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/trig", "application/trig", "trig"),
    ],
)
def test_construct_in_ntriples_nquads_and_trig(server, accept: str, media_type: str, parser: str) -> None:
    text = "CONSTRUCT { ?c a <http://schema.org/City> } WHERE { ?c a <http://schema.org/City> }"
    response = server.get("/sparql", params={"query": text}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    parsed = Dataset()
    parsed.parse(data=response.content, format=parser)
    assert len(list(parsed.quads((None, None, None, None)))) == 4


def test_graph_store_offers_quads_with_the_graph_name(server) -> None:
    name = _fixture_graph(server)
    response = server.get("/rdf-graph-store", params={"graph": name}, headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    parsed = Dataset()
    parsed.parse(data=response.content, format="nquads")
    assert {g.identifier for g in parsed.graphs() if len(g)} == {URIRef(name)}


def test_unknown_format_is_a_bad_request(server) -> None:
    for path in ("/sparql?query=ASK%7B%7D&format=bogus", "/city/dortmund?format=bogus", "/.well-known/void?format=x"):
        response = server.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert "not a format" in response.text
    # a known format the route cannot give stays 406
    assert server.get("/sparql", params={"query": "ASK {}", "format": "ttl"}).status_code == 406


# -- rdflib's Dataset and the schema: trap -------------------------------------------------------------------------
def test_rdflib_dataset_over_sparqlstore(server) -> None:
    store = SPARQLStore(server.endpoint, returnFormat="json")
    dataset = Dataset(store=store)  # rdflib's default: queries name urn:x-rdflib:default as default-graph-uri
    assert URIRef("urn:x-rdflib:default") == DATASET_DEFAULT_GRAPH_ID
    rows = list(dataset.query("SELECT ?c WHERE { ?c a <http://schema.org/City> }"))
    assert len(rows) == 4
    assert dataset.query("ASK { ?c a <http://schema.org/City> }").askAnswer is True
    store.method = "POST"
    assert len(list(dataset.query(CITIES))) == 4


def test_schema_https_trap_is_named(server) -> None:
    store = SPARQLStore(server.endpoint)
    graph = Graph(store=store)
    assert str(dict(graph.namespaces())["schema"]) == "https://schema.org/"  # what rdflib 7 predeclares
    assert len(list(graph.query("SELECT ?c WHERE { ?c a schema:City }"))) == 0  # the trap itself
    # the documented way out (README, docs/python.md): bind schema: to the data's http IRI
    graph.bind("schema", "http://schema.org/", override=True, replace=True)
    assert len(list(graph.query("SELECT ?c WHERE { ?c a schema:City }"))) == 4
    # and the server says what went wrong, in a header that every client can read
    text = "PREFIX schema: <https://schema.org/>\nSELECT ?c WHERE { ?c a schema:City }"
    response = server.get("/sparql", params={"query": text})
    assert response.status_code == 200 and "http://schema.org/" in response.headers["x-citykg-hint"]
    assert "x-citykg-hint" not in server.get("/sparql", params={"query": CITIES}).headers


# -- compression, ETags, ranges ------------------------------------------------------------------------------------
def test_results_and_documents_are_gzipped(server) -> None:
    big = "SELECT * WHERE { ?s ?p ?o }"
    for path, params in (("/sparql", {"query": big}), ("/data/city/dortmund.ttl", None)):
        plain = httpx.get(server.url + path.lstrip("/"), params=params, headers={"Accept-Encoding": "identity"})
        packed = httpx.get(server.url + path.lstrip("/"), params=params, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        assert packed.content == plain.content  # httpx decodes
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
    tiny = httpx.get(server.endpoint, params={"query": "ASK {}"}, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in tiny.headers  # not worth it


def test_data_and_graph_store_send_etags(server) -> None:
    name = _fixture_graph(server)
    for path, params in (("data/city/dortmund.ttl", None), ("rdf-graph-store", {"graph": name})):
        first = httpx.get(server.url + path, params=params, headers={"Accept-Encoding": "identity"})
        etag = first.headers["etag"]
        assert etag.startswith('"')
        again = httpx.get(server.url + path, params=params, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        zipped = httpx.get(server.url + path, params=params, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["etag"] == "W/" + etag  # other bytes, same document: a weak tag
        revalidated = httpx.get(server.url + path, params=params, headers={"If-None-Match": zipped.headers["etag"]})
        assert revalidated.status_code == 304
        assert httpx.get(server.url + path, params=params, headers={"If-None-Match": '"other"'}).status_code == 200


def test_range_on_dumps(server) -> None:
    whole = server.get("/dumps/citykg.nt", headers={"Accept-Encoding": "identity"})
    assert whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    part = server.get("/dumps/citykg.nt", headers={"Range": "bytes=10-109", "Accept-Encoding": "gzip"})
    assert part.status_code == 206
    assert part.content == whole.content[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{size}"
    assert "content-encoding" not in part.headers
    tail = server.get("/dumps/citykg.nt", headers={"Range": "bytes=-20"})
    assert tail.status_code == 206 and tail.content == whole.content[-20:]
    assert server.get("/dumps/citykg.nt", headers={"Range": f"bytes={size}-"}).status_code == 416
    stale = server.get("/dumps/citykg.nt", headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert stale.status_code == 200 and stale.content == whole.content


# -- CORS from another origin --------------------------------------------------------------------------------------
def test_preflight_reflects_requested_headers(server) -> None:
    preflight = httpx.options(
        server.endpoint,
        headers={
            "Origin": "http://localhost:9",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-requested-with, cache-control, content-type",
        },
    )
    assert preflight.status_code == 204
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"x-requested-with", "cache-control", "content-type"} <= allowed
    bad = httpx.options(
        server.url + "data/city/dortmund.ttl",
        headers={"Origin": "http://x", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "a b"},
    )
    assert bad.status_code == 204 and "a b" not in bad.headers["access-control-allow-headers"]


# -- JSON-LD is compact: the prefixes as @context, graph names kept ------------------------------------------------
def test_jsonld_documents_and_answers_are_compact(server) -> None:
    construct = {"query": "CONSTRUCT { ?c a <http://schema.org/City> } WHERE { ?c a <http://schema.org/City> }"}
    for path, turtle_path, params in (
        ("data/city/dortmund.jsonld", "data/city/dortmund.ttl", None),
        ("sparql", "sparql", construct),
    ):
        response = httpx.get(server.url + path, params=params, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
        document = response.json()
        assert isinstance(document, dict) and document["@context"]["schema"] == "http://schema.org/"
        turtle = httpx.get(server.url + turtle_path, params=params, headers={"Accept": "text/turtle"}).content
        expected = Graph().parse(data=turtle, format="turtle")
        assert len(expected) > 3
        assert set(Graph().parse(data=response.content, format="json-ld")) == set(expected)
    name = _fixture_graph(server)
    store = httpx.get(server.url + "rdf-graph-store", params={"graph": name}, headers={"Accept": "application/ld+json"})
    assert "@context" in store.json()


def test_http_hints_speak_of_url_parameters(server) -> None:
    """A 400 from a named query names the URL parameter (?year=…), not the CLI option (--param year=…)."""
    response = server.get("/queries/partnerships-as-of", params={"format": "csv"})
    assert response.status_code == 400
    assert "needs the parameter year" in response.text and "?year=" in response.text
    assert "--param" not in response.text
