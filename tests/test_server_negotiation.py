"""Table tests of the pure parts: content negotiation, the protocol's request rules, path checks, EXTRA specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from citykg.server.app import path_problem
from citykg.server.datasets import Extra
from citykg.server.negotiation import (
    CONSTRUCTED,
    GRAPH,
    TABULAR,
    NotAcceptable,
    by_name,
    choose,
    parse_accept,
    preferred_language,
    prefers_html,
)
from citykg.server.protocol import Operation, ProtocolError, hints, parse_operation

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

CHOICES = [
    # (Accept, format parameter, offers, expected key or None for 406)
    (None, None, TABULAR, "json"),
    ("", None, TABULAR, "json"),
    ("*/*", None, TABULAR, "json"),
    ("*", None, TABULAR, "json"),
    ("application/sparql-results+xml", None, TABULAR, "xml"),
    ("application/xml", None, TABULAR, "xml"),
    ("text/xml", None, TABULAR, "xml"),
    ("application/json", None, TABULAR, "json"),
    ("text/csv", None, TABULAR, "csv"),
    ("text/tab-separated-values", None, TABULAR, "tsv"),
    ("text/*", None, TABULAR, "csv"),
    ("text/csv;q=0.2, text/tab-separated-values;q=0.8", None, TABULAR, "tsv"),
    ("text/csv, application/sparql-results+json", None, TABULAR, "json"),  # equal q: server order
    ("application/sparql-results+json;q=0, */*", None, TABULAR, "xml"),
    ("text/*;q=0.9, text/csv;q=0.1", None, TABULAR, "tsv"),  # the more specific range wins for csv
    ("APPLICATION/SPARQL-RESULTS+XML", None, TABULAR, "xml"),
    ('application/sparql-results+json; charset="utf-8"; q=0.5, text/csv; q=0.4', None, TABULAR, "json"),
    ("application/json;q=abc, text/csv", None, TABULAR, "csv"),
    ("garbage, ;;;, /, text/", None, TABULAR, "json"),
    ("image/png", None, TABULAR, None),
    ("text/turtle", None, TABULAR, None),
    (None, None, GRAPH, "ttl"),
    ("*/*", None, GRAPH, "ttl"),
    ("application/rdf+xml", None, GRAPH, "rdfxml"),
    ("application/xml", None, GRAPH, "rdfxml"),
    ("application/ld+json", None, GRAPH, "jsonld"),
    ("application/json", None, GRAPH, "jsonld"),
    ("application/n-triples", None, GRAPH, "nt"),
    ("text/n3", None, GRAPH, "ttl"),
    ("application/sparql-results+json, text/turtle;q=0.1", None, GRAPH, "ttl"),
    (BROWSER, None, ("html", *GRAPH), "html"),
    (BROWSER, None, GRAPH, "rdfxml"),
    ("text/turtle", "csv", TABULAR, "csv"),
    (None, "json", TABULAR, "json"),
    (None, "JSON", TABULAR, "json"),
    (None, "srx", TABULAR, "xml"),
    (None, "text/tab-separated-values", TABULAR, "tsv"),
    (None, "json", GRAPH, "jsonld"),
    (None, "xml", GRAPH, "rdfxml"),
    (None, "turtle", GRAPH, "ttl"),
    (None, "n3", GRAPH, "ttl"),
    (None, "rdf+xml", GRAPH, "rdfxml"),
    (None, "application/ld+json,application/x-json+ld", GRAPH, "jsonld"),
    (None, "json-ld", GRAPH, "jsonld"),
    (None, "csv", GRAPH, None),
    (None, "nonsense", TABULAR, None),
    (None, "   ", TABULAR, "json"),
    ("text/plain", None, GRAPH, "nt"),  # RDF 2004's N-Triples type (rdflib's format="nt")
    ("text/plain, */*;q=0.1", None, ("html", *GRAPH), "nt"),
    ("text/plain", None, TABULAR, None),
    ("application/n-quads", None, CONSTRUCTED, "nq"),
    ("application/trig", None, CONSTRUCTED, "trig"),
]


@pytest.mark.parametrize(("fmt", "status"), [("bogus", 400), ("ttl", 406), ("bogus,also-bogus", 400), ("x,csv", 406)])
def test_unknown_format_is_400_known_but_unoffered_406(fmt: str, status: int) -> None:
    with pytest.raises(NotAcceptable) as caught:
        choose(None, ("json",), fmt)
    assert caught.value.status == status


@pytest.mark.parametrize(("accept", "fmt", "offers", "expected"), CHOICES)
def test_choose(accept: str | None, fmt: str | None, offers: tuple[str, ...], expected: str | None) -> None:
    if expected is None:
        with pytest.raises(NotAcceptable):
            choose(accept, offers, fmt)
    else:
        assert choose(accept, offers, fmt) == expected


def test_parse_accept_bounds_q() -> None:
    ranges = parse_accept("a/b;q=7, c/d;q=-1, e/f;q=nan, g/h")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("a", "b", 1.0),
        ("c", "d", 0.0),
        ("e", "f", 0.0),
        ("g", "h", 1.0),
    ]
    assert parse_accept("*/json") == []


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER, True),
        ("text/html", True),
        ("*/*", False),
        (None, False),
        ("application/sparql-results+json, text/html;q=0.5", False),
        ("text/turtle, text/html", True),
        ("text/html;q=0", False),
    ],
)
def test_prefers_html(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("de", "de"),
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr, de;q=0.5", "de"),
        ("en-GB, de;q=0.9", "en"),
        ("fr", "en"),
        ("de;q=0.1, en;q=0.2", "en"),
        ("*", "en"),
    ],
)
def test_preferred_language(header: str | None, expected: str) -> None:
    assert preferred_language(header, ("en", "de"), "en") == expected


def test_by_name() -> None:
    assert by_name("application/sparql-results+json").key == "json"
    assert by_name("text/csv; charset=utf-8").key == "csv"
    assert by_name("png") is None


FORM = "application/x-www-form-urlencoded"
OPERATIONS = [
    # (method, query string, content type, body, expected Operation or status)
    ("GET", b"query=ASK%20%7B%7D", None, b"", Operation("query", "ASK {}")),
    ("GET", b"", None, b"", Operation("description")),
    ("GET", b"format=ttl", None, b"", Operation("description", format="ttl")),
    ("HEAD", b"query=ASK+%7B%7D", None, b"", Operation("query", "ASK {}")),
    ("GET", b"query=a&query=b", None, b"", 400),
    ("GET", b"update=CLEAR%20ALL", None, b"", 405),
    ("GET", b"query=", None, b"", 400),
    ("GET", b"query=%FF", None, b"", 400),
    ("GET", b"query=ASK{}&default-graph-uri=not%20an%20iri", None, b"", 400),
    ("GET", b"query=ASK{}&using-graph-uri=http://a/", None, b"", 400),
    (
        "GET",
        b"query=ASK{}&default-graph-uri=http://a/&default-graph-uri=http://b/&named-graph-uri=http://c/",
        None,
        b"",
        Operation("query", "ASK{}", ("http://a/", "http://b/"), ("http://c/",)),
    ),
    ("POST", b"", FORM, b"query=ASK+%7B%7D", Operation("query", "ASK {}")),
    ("POST", b"default-graph-uri=http://a/", FORM, b"query=ASK", Operation("query", "ASK", ("http://a/",))),
    # rdflib's Dataset names its default graph urn:x-rdflib:default: this server's default graph
    ("GET", b"query=ASK&default-graph-uri=urn:x-rdflib:default", None, b"", Operation("query", "ASK")),
    (
        "GET",
        b"query=ASK&default-graph-uri=urn:x-rdflib:default&default-graph-uri=http://a/",
        None,
        b"",
        Operation("query", "ASK", ("http://a/",)),
    ),
    ("POST", b"", f"{FORM}; charset=UTF-8", b"update=CLEAR+ALL", Operation("update", "CLEAR ALL")),
    ("POST", b"", f"{FORM}; charset=ISO-8859-1", b"query=ASK", 415),
    ("POST", b"", FORM, b"update=a&update=b", 400),
    ("POST", b"", FORM, b"query=a&update=b", 400),
    ("POST", b"", FORM, b"", 400),
    ("POST", b"", FORM, b"update=CLEAR+ALL&default-graph-uri=http://a/", 400),
    ("POST", b"", "application/sparql-query", b"ASK {}", Operation("query", "ASK {}")),
    ("POST", b"", "Application/SPARQL-Query; charset=utf-8", b"ASK {}", Operation("query", "ASK {}")),
    ("POST", b"", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 415),
    ("POST", b"", "application/sparql-query", "ASK {}".encode("utf-16"), 400),
    ("POST", b"query=ASK", "application/sparql-query", b"ASK {}", 400),
    ("POST", b"", "application/sparql-update", b"CLEAR ALL", Operation("update", "CLEAR ALL")),
    (
        "POST",
        b"using-graph-uri=http://a/&using-named-graph-uri=http://b/",
        "application/sparql-update",
        b"CLEAR ALL",
        Operation("update", "CLEAR ALL", using=("http://a/",), using_named=("http://b/",)),
    ),
    ("POST", b"", "text/plain", b"ASK {}", 415),
    ("POST", b"", "multipart/form-data; boundary=x", b"--x--", 415),
    ("POST", b"", None, b"query=ASK", 400),
    ("POST", b"", None, b"ASK {}", 400),
    ("PUT", b"query=ASK", FORM, b"", 405),
    ("DELETE", b"", None, b"", 405),
]


@pytest.mark.parametrize(("method", "query_string", "content_type", "body", "expected"), OPERATIONS)
def test_parse_operation(method: str, query_string: bytes, content_type: str | None, body: bytes, expected) -> None:
    if isinstance(expected, int):
        with pytest.raises(ProtocolError) as caught:
            parse_operation(method, query_string, content_type, body)
        assert caught.value.status == expected
        assert caught.value.message
    else:
        assert parse_operation(method, query_string, content_type, body) == expected


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (b"/page/city/dortmund", False),
        (b"/page/city/m%C3%BCnster", False),
        (b"/static/style.css", False),
        (b"/page/../etc/passwd", True),
        (b"/page/%2e%2e/etc/passwd", True),
        (b"/page/%2E%2E/etc/passwd", True),
        (b"/static/.%2e/app.py", True),
        (b"/static/..%2fapp.py", True),
        (b"/static/..%5capp.py", True),
        (b"/static/..\\app.py", True),
        (b"/./static/style.css", True),
        (b"/page/a%00b", True),
        (b"/page/%zz", True),
        (b"/" + b"a" * 5000, True),
    ],
)
def test_path_problem(path: bytes, refused: bool) -> None:
    assert (path_problem(path) is not None) is refused


def test_extra_specs(tmp_path: Path) -> None:
    plain = tmp_path / "data.ttl"
    plain.write_text("")
    odd = tmp_path / "a=b.ttl"
    odd.write_text("")
    assert Extra.parse(str(plain)) == Extra(plain)
    assert Extra.parse(f"http://example.org/g?x=1={plain}") == Extra(plain, "http://example.org/g?x=1")
    assert Extra.parse(str(odd)) == Extra(odd)
    assert Extra(plain).graph_iri == "urn:citykg:extra:data.ttl"


@pytest.mark.parametrize(
    ("text", "hinted"),
    [
        ("PREFIX schema: <https://schema.org/>\nSELECT ?c { ?c a schema:City }", True),
        ("SELECT ?c { ?c a <https://schema.org/City> }", True),
        ("PREFIX s: <https://schema.org/>\nPREFIX schema: <http://schema.org/>\nSELECT ?c { ?c a schema:City }", False),
        ("PREFIX schema: <http://schema.org/> SELECT ?c { ?c a schema:City }", False),
        ("SELECT ?c { ?c <http://schema.org/url> <https://schema.org/> }", True),
    ],
)
def test_schema_https_hint(text: str, hinted: bool) -> None:
    assert bool(hints(text)) is hinted
