"""Property-based fuzzing of the endpoint over HTTP: whatever the parameters, headers and body, the server
answers (no hang) and never with a 500 or a traceback."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

FRAGMENTS = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "{",
    "}",
    "?s",
    "?p",
    "?o",
    "<http://a/b>",
    "a",
    ".",
    ";",
    "FILTER",
    "(",
    ")",
    "OPTIONAL",
    "UNION",
    "GRAPH",
    "SERVICE",
    "FROM",
    "NAMED",
    "LIMIT 5",
    "ORDER BY",
    "COUNT(*)",
    "BIND",
    "AS",
    "VALUES",
    '"x"@en',
    "1",
    "PREFIX x: <http://x/>",
    "x:y",
    "#",
    "\n",
    "*",
    "INSERT DATA",
    "CLEAR ALL",
    "LOAD",
    "<file:///etc/passwd>",
    "REGEX",
    "STR",
    "|",
    "/",
    "^",
    "+",
    "$v",
    "_:b",
    "true",
    "NOT EXISTS",
]
PARAMS = ["query", "update", "default-graph-uri", "named-graph-uri", "using-graph-uri", "format", "lang", "x"]
ACCEPTS = [
    "*/*",
    "text/html",
    "application/sparql-results+json",
    "text/csv",
    "text/turtle",
    "application/rdf+xml",
    "application/ld+json;q=0.5",
    "image/png",
    "",
    "text/*;q=abc",
    ",,,;",
    "*/*;q=0",
]
TYPES = [
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "text/plain",
    "application/sparql-query; charset=latin1",
    "multipart/form-data",
    "",
    "application/json",
]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
sparqlish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), text), max_size=12).map(" ".join)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


SEGMENTS = ["page", "data", "city", "dortmund", "..", ".", "%2e", "%2F", "queries", "x.ttl", "static", "dumps"]
FUZZ = settings(
    max_examples=100,
    deadline=timedelta(seconds=20),  # every request also has a 15 s client timeout: no hang goes unnoticed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "OPTIONS"]),
    params=st.lists(st.tuples(st.sampled_from(PARAMS), st.one_of(sparqlish, text)), max_size=4),
    accept=st.one_of(st.sampled_from(ACCEPTS), header_text),
    content_type=st.one_of(st.sampled_from(TYPES), header_text),
    body=st.one_of(st.binary(max_size=200), sparqlish.map(lambda s: s.encode()), st.just(b"")),
    path=st.sampled_from(
        ["/sparql", "/sparql/", "/rdf-graph-store", "/queries/twin-cities", "/resource", "/search", "/"]
    ),
)
def test_endpoint_never_fails(server, method, params, accept, content_type, body, path) -> None:
    headers = {"Accept": accept.strip()}
    if content_type.strip():
        headers["Content-Type"] = content_type.strip()
    try:
        response = httpx.request(
            method,
            server.url.rstrip("/") + path,
            params=params,
            headers=headers,
            content=body if method != "GET" else None,
            timeout=15,
        )
    except httpx.LocalProtocolError:  # the client refuses to send it (e.g. an empty header value)
        assume(False)
        return
    assert response.status_code < 500 or response.status_code == 503, response.text[:500]
    assert "Traceback" not in response.text


@settings(FUZZ, max_examples=60)
@given(query=sparqlish, fmt=st.sampled_from(["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdfxml", "html"]))
def test_queries_never_fail(server, query: str, fmt: str) -> None:
    response = httpx.post(server.endpoint, data={"query": query, "format": fmt}, timeout=15)
    assert response.status_code in (200, 400, 403, 406, 503), response.text[:500]
    assert "Traceback" not in response.text


@settings(FUZZ, max_examples=60)
@given(path=st.lists(st.one_of(st.sampled_from(SEGMENTS), text), max_size=5))
def test_paths_never_fail(server, path: list[str]) -> None:
    url = server.url + "/".join(quote(part, safe="%") for part in path)
    response = httpx.get(url, headers={"Accept": "text/html"}, timeout=15)
    assert response.status_code in (200, 303, 400, 404), (url, response.status_code, response.text[:300])
    assert "Traceback" not in response.text


VIEW_PARAMS = [
    "focus",
    "depth",
    "kinds",
    "classes",
    "as-of",
    "as_of",
    "lang",
    "size-by",
    "cluster",
    "physics",
    "layout-threshold",
    "edge-labels",
    "show-undated",
    "embed",
    "since",
    "until",
    "format",
    "x",
]
VIEW_VALUES = [
    "city/dortmund",
    "city/leeds",
    "city/scriptville",
    "city/amiens",
    "partnership/dortmund-leeds",
    "https://w3id.org/citykg/dortmund/city/leeds",
    "0",
    "1",
    "3",
    "-1",
    "1970",
    "2024",
    "99999",
    "de",
    "en",
    "twinning,membership",
    "partner",
    "class",
    "country",
    "on",
    "off",
    "svg",
    "html",
    "true",
    "",
]


@settings(FUZZ, max_examples=80)
@given(
    path=st.sampled_from(["/view", "/map", "/timeline"]),
    params=st.lists(st.tuples(st.sampled_from(VIEW_PARAMS), st.one_of(st.sampled_from(VIEW_VALUES), text)), max_size=4),
)
def test_views_never_fail(server, path: str, params: list[tuple[str, str]]) -> None:
    response = httpx.get(server.url + path.lstrip("/"), params=params, timeout=15)
    assert response.status_code in (200, 400), (path, params, response.text[:500])
    assert "Traceback" not in response.text
