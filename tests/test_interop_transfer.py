"""Issue 14, the rest of transfer: CONSTRUCT and DESCRIBE named queries in N-Quads and TriG, gzip for HEAD and for
streamed responses, ETag and Range per encoding. Over real HTTP against `citykg serve`; the answers are read
by real clients (rdflib's URL parser, SPARQLWrapper) where one exists.

Besides the session's read-only ``server``, this module starts one of its own on a copy of the fixture project
with two extra named queries (``tests/data/interop/*.rq``: a CONSTRUCT and a DESCRIBE) and
``CITYKG_DUMP_GZIP_CACHE=0``, so that every gzipped dump is streamed from disk rather than cached.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from rdflib import Dataset, Graph, URIRef
from SPARQLWrapper import TURTLE, SPARQLWrapper
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

pytest.register_assert_rewrite("server_conftest")
from server_conftest import BASE, Server, make_project, start_server  # noqa: E402

from citykg.server.transfer import Compress, gzip_bytes  # noqa: E402

pytest_plugins = ["server_conftest"]

DATA = Path(__file__).resolve().parent / "data" / "interop"
CKG = "https://w3id.org/citykg/ontology#"
#: Headers that must be the same for HEAD and GET (RFC 9110 §9.3.2), besides the status. Transfer-Encoding is
#: hop-by-hop: uvicorn sends none for HEAD.
SAME = ("content-type", "content-encoding", "content-length", "etag", "vary", "content-range", "accept-ranges")


@pytest.fixture(scope="module")
def streaming(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("interop-transfer")
    project = make_project(folder / "project")
    for query in DATA.glob("*.rq"):
        shutil.copy(query, project.queries_dir / query.name)
    running = start_server(project, env={"CITYKG_DUMP_GZIP_CACHE": "0"}, log=folder / "server.log")
    MANIFESTS[running.url] = project.build_dir / "manifest.json"
    yield running
    running.stop()


MANIFESTS: dict[str, Path] = {}


def _manifest(server: Server) -> dict:
    return json.loads(MANIFESTS[server.url].read_text(encoding="utf-8"))


# -- CONSTRUCT / DESCRIBE named queries in N-Quads and TriG -----------------------------------------------------------
def _triples(dataset: Dataset) -> set:
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}


@pytest.mark.parametrize(
    ("name", "params"), [("partner-graph", {}), ("resource-description", {"resource": "city/leeds"})]
)
def test_named_graph_queries_answer_in_quads(streaming: Server, name: str, params: dict) -> None:
    url = streaming.url + f"queries/{name}"
    turtle = streaming.get(f"queries/{name}", params=params, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200, turtle.text
    expected = {t for t in Graph().parse(data=turtle.content, format="turtle")}
    assert len(expected) >= 5
    for fmt, accept, media_type, parser in (
        ("nq", None, "application/n-quads", "nquads"),
        ("trig", None, "application/trig", "trig"),
        (None, "application/n-quads", "application/n-quads", "nquads"),
        (None, "application/trig", "application/trig", "trig"),
        ("n-quads", None, "application/n-quads", "nquads"),
    ):
        query = {**params, **({"format": fmt} if fmt else {})}
        response = streaming.get(f"queries/{name}", params=query, headers={"Accept": accept} if accept else {})
        assert response.status_code == 200, (fmt, accept, response.text)
        assert response.headers["content-type"].startswith(media_type)
        parsed = Dataset().parse(data=response.content, format=parser)
        assert _triples(parsed) == expected, (fmt, accept)
        # the default graph of a dataset of one graph: no graph names in the answer
        assert {g for _, _, _, g in parsed.quads((None, None, None, None))} <= {None, parsed.default_graph.identifier}
    # rdflib's own fetch (its Accept for trig), and with ?format= for N-Quads (rdflib has no Accept for it)
    fetched = Dataset().parse(url + ("?" + str(httpx.QueryParams(params)) if params else ""), format="trig")
    assert _triples(fetched) == expected
    query = str(httpx.QueryParams({**params, "format": "nq"}))
    assert _triples(Dataset().parse(f"{url}?{query}", format="nquads")) == expected


def test_named_query_page_offers_the_quad_formats(streaming: Server) -> None:
    page = streaming.get("queries/partner-graph", headers={"Accept": "text/html"})
    assert page.status_code == 200
    for key in ("ttl", "nt", "jsonld", "rdfxml", "trig", "nq"):
        assert f"format={key}" in page.text, key


def test_select_named_query_refuses_quads(streaming: Server) -> None:
    response = streaming.get("queries/twin-cities", headers={"Accept": "application/n-quads"})
    assert response.status_code == 406 and "text/csv" in response.text
    assert streaming.get("queries/partner-graph", params={"format": "csv"}).status_code == 406


def test_sparqlwrapper_construct_in_quads(server) -> None:
    text = f"CONSTRUCT {{ ?p <{CKG}partner> ?c }} WHERE {{ ?p <{CKG}partner> ?c }}"
    expected = None
    for accept, parser in (("text/turtle", "turtle"), ("application/n-quads", "nquads"), ("application/trig", "trig")):
        client = SPARQLWrapper(server.endpoint)
        client.setQuery(text)
        client.setReturnFormat(TURTLE)
        client.setOnlyConneg(True)  # no format= parameter: the Accept header decides
        client.addCustomHttpHeader("Accept", accept)  # SPARQLWrapper has no N-Quads/TriG format of its own
        response = client.query().response
        assert response.headers["Content-Type"].startswith(accept)
        triples = _triples(Dataset().parse(data=response.read(), format=parser))
        assert len(triples) >= 6
        expected = expected or triples
        assert triples == expected, accept


# -- gzip for HEAD --------------------------------------------------------------------------------------------------
def _head_and_get(server: Server, path: str, **kwargs) -> tuple[httpx.Response, httpx.Response]:
    url = server.url + path.lstrip("/")
    head = httpx.head(url, timeout=20, **kwargs)
    get = httpx.get(url, timeout=20, **kwargs)
    return head, get


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
@pytest.mark.parametrize(
    "path", ["data/city/dortmund.ttl", "sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D", "dumps/citykg.nt"]
)
def test_head_has_the_headers_of_get(server, streaming: Server, path: str, encoding: str) -> None:
    for running in (server, streaming):  # a cached and a streamed gzipped dump
        head, get = _head_and_get(running, path, headers={"Accept-Encoding": encoding})
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        for name in SAME:
            assert head.headers.get(name) == get.headers.get(name), (path, encoding, name)
        assert ("content-encoding" in get.headers) == (encoding == "gzip")


# -- streamed dumps: gzip as they are sent, ETag per encoding, Range over the identity bytes --------------------------
@pytest.mark.parametrize("name", ["citykg.nt", "citykg.trig", "citykg.jsonld"])
def test_streamed_dump_is_gzipped(streaming: Server, name: str) -> None:
    digest = _manifest(streaming)["outputs"][name]
    plain = streaming.get(f"dumps/{name}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert hashlib.sha256(plain.content).hexdigest() == digest
    assert plain.headers["content-length"] == str(len(plain.content))
    with httpx.stream("GET", streaming.url + f"dumps/{name}", headers={"Accept-Encoding": "gzip"}) as packed:
        raw = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers.get("transfer-encoding") == "chunked" and "content-length" not in packed.headers
        etag = packed.headers["etag"]
    assert gzip.decompress(raw) == plain.content
    assert raw == gzip_bytes(plain.content)  # deterministic: the same bytes as the in-memory form
    assert etag == f'"{digest}-gzip"' and plain.headers["etag"] == f'"{digest}"'
    again = streaming.get(f"dumps/{name}", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    # the identity tag does not validate the gzipped form, nor the other way round
    identity = {"Accept-Encoding": "identity"}
    assert streaming.get(f"dumps/{name}", headers={**identity, "If-None-Match": etag}).status_code == 200
    unzipped = streaming.get(
        f"dumps/{name}", headers={"If-None-Match": plain.headers["etag"], "Accept-Encoding": "gzip"}
    )
    assert unzipped.status_code == 200


def test_range_on_a_gzipable_dump_is_over_the_identity_bytes(streaming: Server) -> None:
    whole = streaming.get("dumps/citykg.ttl", headers={"Accept-Encoding": "identity"}).content
    etag = streaming.get("dumps/citykg.ttl", headers={"Accept-Encoding": "identity"}).headers["etag"]
    gzip_etag = streaming.get("dumps/citykg.ttl", headers={"Accept-Encoding": "gzip"}).headers["etag"]
    size = len(whole)
    for spec, first, end in (("bytes=100-1099", 100, 1100), (f"bytes={size - 50}-", size - 50, size)):
        for method in ("GET", "HEAD"):
            part = httpx.request(
                method, streaming.url + "dumps/citykg.ttl", headers={"Range": spec, "Accept-Encoding": "gzip"}
            )
            assert part.status_code == 206
            assert "content-encoding" not in part.headers and part.headers["etag"] == etag
            assert part.headers["content-range"] == f"bytes {first}-{end - 1}/{size}"
            assert part.headers["content-length"] == str(end - first)
            assert part.content == (whole[first:end] if method == "GET" else b"")
    # If-Range with the gzipped form's tag names other bytes: the whole (gzipped) dump, not a part
    stale = streaming.get(
        "dumps/citykg.ttl", headers={"Range": "bytes=0-9", "If-Range": gzip_etag, "Accept-Encoding": "gzip"}
    )
    assert stale.status_code == 200 and stale.content == whole and stale.headers["content-encoding"] == "gzip"
    fresh = streaming.get("dumps/citykg.ttl", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and fresh.content == whole[:10]


def test_static_files_revalidate_in_gzip(server) -> None:
    first = server.get("static/style.css", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    again = server.get("static/style.css", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


# -- a streamed response through the compression layer (no route of the server streams yet) ------------------------
LINES = [f'<{BASE}s{n}> <{BASE}p> "{n}" .\n'.encode() for n in range(5000)]


async def _stream(request):  # type: ignore[no-untyped-def]
    async def body():  # type: ignore[no-untyped-def]
        for start in range(0, len(LINES), 500):
            yield b"".join(LINES[start : start + 500])
            await asyncio.sleep(0)

    return StreamingResponse(body(), media_type="application/n-triples", headers={"ETag": '"lines"'})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def stream_app() -> Iterator[str]:
    app = Compress(Starlette(routes=[Route("/lines", _stream, methods=["GET", "HEAD"])]))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/lines"
    server.should_exit = True
    thread.join(timeout=10)


def test_compress_gzips_a_stream_as_it_comes(stream_app: str) -> None:
    expected = b"".join(LINES)
    plain = httpx.get(stream_app, headers={"Accept-Encoding": "identity"})
    assert plain.content == expected and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["vary"] and plain.headers["etag"] == '"lines"'
    with httpx.stream("GET", stream_app, headers={"Accept-Encoding": "gzip"}) as packed:
        raw = b"".join(packed.iter_raw())
        headers = packed.headers
    assert headers["content-encoding"] == "gzip" and headers["etag"] == 'W/"lines"'
    assert zlib.decompress(raw, 31) == expected and len(raw) < len(expected) / 3
    head = httpx.head(stream_app, headers={"Accept-Encoding": "gzip"})
    assert head.headers["content-encoding"] == "gzip" and head.headers["etag"] == 'W/"lines"'
    assert "content-length" not in head.headers
    graph = Graph().parse(data=httpx.get(stream_app, headers={"Accept-Encoding": "gzip"}).content, format="nt")
    assert (URIRef(f"{BASE}s42"), URIRef(f"{BASE}p"), None) in graph
