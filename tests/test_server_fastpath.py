"""The fast path (citykg.server.fastpath) answers byte for byte as the full application does.

One in-process server state over the test project, two applications on it: with the fast path and without.
Every request of the matrix below goes to both; status, every header in order and the body must be equal
(no answer cache: both really evaluate). The requests the fast path is meant to answer must not reach the
full application; the others (browsers, refusals before a query runs, updates, other methods) must.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import URIRef

from citykg.queries import Catalogue
from citykg.server.app import create_app
from citykg.server.datasets import Holdings
from citykg.server.namedqueries import example_values
from citykg.server.served import prepare
from citykg.server.settings import Settings
from citykg.server.state import ServerState
from tests.server_conftest import BASE, make_project

SELECT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
DESCRIBE = f"DESCRIBE <{BASE}city/dortmund>"
SMALL = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label LIMIT 1"
HINT = "PREFIX schema: <https://schema.org/> SELECT ?s WHERE { ?s a schema:City }"
SYNTAX = "SELECT ?s WHERE { ?s ?p }"
SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
FROM_UNKNOWN = "SELECT * FROM <http://example.org/nothing> WHERE { ?s ?p ?o }"
UPDATE = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
PROGRAM = "application/sparql-results+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FORMATS = ["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdfxml", "trig", "nq", "srj", "text/csv", "bogus"]


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, object, list[int]]]:
    project = make_project(tmp_path_factory.mktemp("fastpath"))
    served = prepare(project, [], writable=False)
    holdings = Holdings(
        served.location, project.base, focus=URIRef(served.focus) if served.focus else None, triples=served.triples
    )
    settings = Settings(base_url="http://127.0.0.1:8000/", cache_mb=0, max_body=4096, timeout=20)
    state = ServerState(settings, project, holdings, Catalogue(project.queries_dir), None, served.location)
    state.pool.start()
    fast, full = create_app(state, fast=True), create_app(state, fast=False)
    reached: list[int] = []
    inner = fast.app

    async def recording(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        reached.append(1)
        await inner(scope, receive, send)

    fast.app = recording
    try:
        yield fast, full, reached
    finally:
        state.pool.close()
        served.remove()


def call(app, method: str, target: str, headers: dict[str, str], body: list[bytes]) -> tuple[int, list, bytes]:  # type: ignore[no-untyped-def]
    """One request through the ASGI application: the status, the raw header list and the body."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode("latin-1"),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    parts = list(body) or [b""]
    sent: list[dict] = []

    async def receive() -> dict:
        if parts:
            chunk = parts.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(parts)}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    data = b"".join(bytes(m.get("body", b"")) for m in sent[1:])
    return start["status"], list(start["headers"]), data


def both(apps, method: str, target: str, headers: dict[str, str] | None = None, body: list[bytes] | None = None):  # type: ignore[no-untyped-def]
    fast, full, reached = apps
    before = len(reached)
    a = call(fast, method, target, headers or {}, body or [])
    b = call(full, method, target, headers or {}, body or [])
    assert a == b, (method, target, headers)
    return a, len(reached) > before


def sparql(text: str, **params: str) -> str:
    return "/sparql?" + urlencode({"query": text, **params})


@pytest.mark.parametrize("text", [SELECT, ASK, CONSTRUCT, DESCRIBE, SMALL, HINT])
@pytest.mark.parametrize("fmt", FORMATS)
def test_formats(apps, text: str, fmt: str) -> None:
    (status, headers, body), declined = both(apps, "GET", sparql(text, format=fmt), {"Accept-Encoding": "gzip"})
    assert status in (200, 400, 406)
    assert not declined or status != 200  # every answer the fast path can give, it gives
    if (b"content-encoding", b"gzip") in headers:
        assert gzip.decompress(body)


@pytest.mark.parametrize(
    "accept",
    [
        None,
        PROGRAM,
        "application/json",
        "text/csv",
        "*/*",
        "text/turtle",
        "application/n-triples;q=0.5, text/csv",
        "image/png",
        BROWSER,
        "text/html",
    ],
)
@pytest.mark.parametrize("text", [SELECT, CONSTRUCT])
@pytest.mark.parametrize("encoding", [None, "gzip", "gzip;q=0", "br, *"])
def test_negotiation(apps, accept: str | None, text: str, encoding: str | None) -> None:
    headers = {k: v for k, v in {"Accept": accept, "Accept-Encoding": encoding}.items() if v is not None}
    (status, _, _), declined = both(apps, "GET", sparql(text), headers)
    assert declined == (status != 200 or accept in (BROWSER, "text/html")) or status == 406


@pytest.mark.parametrize(
    "target,status",
    [
        (sparql(SYNTAX), 400),
        (sparql(SERVICE), 403),
        (sparql(FROM_UNKNOWN), 400),
        (sparql(SELECT, **{"default-graph-uri": "http://example.org/nothing"}), 400),
        (sparql(SELECT, **{"named-graph-uri": "not an iri"}), 400),
        (sparql(UPDATE), 400),
        ("/sparql?" + urlencode({"update": UPDATE}), 405),
        ("/sparql?query=", 400),
        ("/sparql", 406),  # the service description has no JSON results form
        ("/sparql/?" + urlencode({"query": SMALL}), 200),
        ("/sparql?" + urlencode([("query", SMALL), ("query", ASK)]), 400),
    ],
)
def test_errors_and_other_operations(apps, target: str, status: int) -> None:
    for method in ("GET", "HEAD"):
        (got, _, _), _ = both(apps, method, target, {"Accept": PROGRAM})
        assert got == status
    both(apps, "GET", target, {"Accept": BROWSER})


@pytest.mark.parametrize(
    "content_type,body,fast",
    [
        ("application/x-www-form-urlencoded", [urlencode({"query": SELECT}).encode()], True),
        ("application/x-www-form-urlencoded", [b"query=ASK", b"%20%7B%7D"], True),
        ("application/sparql-query", [SELECT.encode()], True),
        ("application/sparql-query", [SYNTAX.encode()], True),  # refused by the engine: answered here
        ("application/sparql-query; charset=latin-1", [SELECT.encode()], False),
        ("application/sparql-update", [UPDATE.encode()], False),
        ("text/plain", [SELECT.encode()], False),
        ("application/sparql-query", [b"\xff"], False),
        ("application/sparql-query", [b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 3000, b"x" * 3000], False),  # 413
    ],
)
def test_posts(apps, content_type: str, body: list[bytes], fast: bool) -> None:
    _, declined = both(apps, "POST", "/sparql", {"Content-Type": content_type, "Accept": PROGRAM}, body)
    assert declined != fast


def test_other_methods_reach_the_full_application(apps) -> None:
    for method in ("PUT", "DELETE", "OPTIONS"):
        (status, _, _), declined = both(apps, method, sparql(ASK))
        assert declined and status in (204, 405)


def named_targets() -> list[str]:
    root = Path(__file__).resolve().parent.parent
    targets = []
    for query in Catalogue(root / "queries"):
        values = example_values(query, "en", BASE, URIRef(BASE + "city/dortmund"))
        params = {k: str(v).removeprefix(BASE) for k, v in values.items()}
        for fmt in ("json", "csv", "ttl", None):
            targets.append(f"/queries/{query.name}?" + urlencode({**params, **({"format": fmt} if fmt else {})}))
    return targets


@pytest.mark.parametrize("target", named_targets())
def test_named_queries(apps, target: str) -> None:
    (status, _, _), declined = both(apps, "GET", target, {"Accept-Encoding": "gzip"})
    assert not declined or status != 200
    both(apps, "HEAD", target, {"Accept": "text/csv"})
    both(apps, "GET", target, {"Accept": BROWSER})


@pytest.mark.parametrize(
    "target",
    [
        "/queries/no-such-query",
        "/queries/twin-cities?city=city/dortmund&city=city/leeds",
        "/queries/twin-cities?nonsense=1",
        "/queries/events?year=not-a-year",
        "/queries/twin-cities?format=bogus",
        "/queries/twin-cities?format=html",
        "/queries/",
        "/queries/twin-cities/more",
    ],
)
def test_named_refusals_reach_the_full_application(apps, target: str) -> None:
    _, declined = both(apps, "GET", target, {"Accept": PROGRAM})
    assert declined


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s WHERE { ?s a schema:City } ORDER BY ?s",  # predeclared prefix, no PREFIX line
        "PREFIX schema: <http://schema.org/> SELECT ?s WHERE { ?s a schema:City } ORDER BY ?s",
        "PREFIX schema: <urn:other:> SELECT ?s WHERE { ?s a schema:City } ORDER BY ?s",  # its own wins: 0 rows
        "SELECT ?s WHERE { ?s a nope:City }",  # an unknown prefix: the same syntax error as ever
    ],
)
def test_predeclared_prefixes(apps, text: str) -> None:
    """Queries may use the predeclared prefixes without PREFIX lines; a prefix the text declares wins."""
    (status, _, body), _ = both(apps, "GET", sparql(text, format="csv"))
    rows = body.decode().splitlines()[1:]
    if "nope:" in text:
        assert status == 400 and b"Prefix not found" in body
    elif "urn:other" in text:
        assert status == 200 and rows == []
    else:
        assert status == 200 and f"{BASE}city/dortmund" in rows
