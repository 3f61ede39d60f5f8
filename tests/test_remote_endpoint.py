"""The SPARQL client against a scripted stub server on loopback: retries and backoff on 429/5xx, the
User-Agent, credentials from the environment (never shown), Basic and Digest challenges, timeouts,
truncated results, and messages that name the endpoint and say what to do."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from citykg.errors import UsageError
from citykg.queries import adhoc
from citykg.remote import endpoint as endpoint_module
from citykg.remote.endpoint import Credentials, Endpoint, credentials, prologue_for, retry_after, run_remote
from citykg.remote.errors import AuthError, RemoteError, redact
from citykg.remote.graphstore import GraphStore, layout

ONE_ROW = json.dumps(
    {
        "head": {"vars": ["x", "s"]},
        "results": {
            "bindings": [
                {
                    "x": {"type": "uri", "value": "http://ex/a"},
                    "s": {"type": "literal", "value": "plain", "datatype": "http://www.w3.org/2001/XMLSchema#string"},
                }
            ]
        },
    }
).encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = ONE_ROW
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/sparql-results+json"})
    delay: float = 0.0


@dataclass
class Stub:
    url: str
    replies: list[Reply]
    seen: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub("", [])

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
            reply = state.replies.pop(0) if len(state.replies) > 1 else state.replies[0]
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff pauses instead of sleeping through them."""
    pauses: list[float] = []
    original = endpoint_module.with_retries

    def recorded(call, retries=None, sleep=None):
        return original(call, retries, pauses.append)

    monkeypatch.setattr(endpoint_module, "with_retries", recorded)
    import citykg.remote.graphstore as graphstore

    monkeypatch.setattr(graphstore, "with_retries", recorded)
    return pauses


QUERY = adhoc("SELECT ?x ?s WHERE { ?x ?p ?s }")


def test_answer_becomes_an_rdflib_result_with_plain_strings(stub: Stub) -> None:
    stub.replies = [Reply()]
    result = run_remote(stub.url, QUERY, {}, timeout=5, graph="http://ex/g")
    row = {str(k): v for k, v in result.bindings[0].items()}
    assert str(row["x"]) == "http://ex/a"
    assert row["s"].datatype is None  # xsd:string made plain, as the embedded store gives it
    request = stub.seen[0]
    assert request["method"] == "POST"
    form = parse_qs(request["body"].decode())
    assert form["default-graph-uri"] == ["http://ex/g"]
    assert request["headers"]["User-Agent"].startswith("citykg/")


def test_predeclared_prefixes_are_sent_and_parameters_bound(stub: Stub) -> None:
    from rdflib import Literal

    stub.replies = [Reply()]
    query = adhoc("SELECT ?x WHERE { ?x a schema:City ; rdfs:label ?l FILTER (lang(?l) = ?lang) }")
    run_remote(stub.url, query, {"lang": Literal("de")}, timeout=5)
    text = parse_qs(stub.seen[0]["body"].decode())["query"][0]
    assert "PREFIX schema: <http://schema.org/>" in text and "PREFIX rdfs:" in text
    assert "PREFIX ckg:" not in text
    assert 'VALUES (?lang) { ("de") }' in text


def test_prologue_leaves_declared_prefixes_alone() -> None:
    assert prologue_for("PREFIX schema: <http://x/> SELECT * { ?a schema:b ?c }") == ""
    assert "PREFIX org:" in prologue_for("SELECT * { ?a org:memberOf ?c }")
    assert prologue_for('SELECT * { ?a ?b "org: no" }') == "PREFIX org: <http://www.w3.org/ns/org#>\n"


def test_5xx_is_retried_with_backoff(stub: Stub, no_waiting: list[float]) -> None:
    stub.replies = [Reply(503, b"busy"), Reply(502, b"proxy"), Reply()]
    result = run_remote(stub.url, QUERY, {}, timeout=5)
    assert len(result.bindings) == 1
    assert len(stub.seen) == 3
    assert no_waiting == [0.5, 1.0]


def test_429_honours_retry_after_and_gives_up(stub: Stub, no_waiting: list[float]) -> None:
    stub.replies = [Reply(429, b"slow down", {"Retry-After": "7"})]
    with pytest.raises(RemoteError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=5)
    assert len(stub.seen) == 4  # the request and three retries
    assert no_waiting == [7.0, 7.0, 7.0]
    assert "too many requests (HTTP 429)" in str(failure.value)
    assert retry_after({"Retry-After": "3600"}, 0) == 30.0


def test_4xx_is_not_retried_and_names_the_problem(stub: Stub) -> None:
    stub.replies = [Reply(400, b"Parse error: unexpected '}' at line 3")]
    with pytest.raises(RemoteError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=5)
    assert len(stub.seen) == 1
    message = str(failure.value)
    assert stub.url in message and "HTTP 400" in message and "unexpected '}'" in message


def test_404_hints_at_the_endpoint_paths(stub: Stub) -> None:
    stub.replies = [Reply(404, b"no such path")]
    with pytest.raises(RemoteError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=5)
    assert "/query" in failure.value.hint and "/sparql" in failure.value.hint


def test_a_silent_server_times_out(stub: Stub) -> None:
    stub.replies = [Reply(delay=10)]
    started = time.monotonic()
    with pytest.raises(RemoteError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=1)
    assert time.monotonic() - started < 9  # gave up long before the stub answers, even on a loaded machine
    assert f"{stub.url}: no answer to query within 1 s" in str(failure.value)


def test_nothing_listening() -> None:
    with pytest.raises(RemoteError) as failure:
        run_remote("http://127.0.0.1:9/sparql", QUERY, {}, timeout=2)
    assert "cannot connect (connection refused)" in str(failure.value)


def test_truncated_results_are_an_error(stub: Stub) -> None:
    stub.replies = [Reply(headers={"Content-Type": "application/sparql-results+json", "X-SPARQL-MaxRows": "1"})]
    with pytest.raises(RemoteError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=5)
    assert "cut off at 1 rows" in str(failure.value) and "ResultSetMaxRows" in failure.value.hint


def test_garbage_is_not_a_result(stub: Stub) -> None:
    stub.replies = [Reply(body=b"<html>hello</html>", headers={"Content-Type": "text/html"})]
    with pytest.raises(RemoteError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=5)
    assert "is not a SPARQL result" in str(failure.value)


def test_credentials_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITYKG_PASSWORD", raising=False)
    with pytest.raises(UsageError) as failure:
        credentials("dba", None)
    assert "CITYKG_PASSWORD" in str(failure.value)
    with pytest.raises(UsageError):
        credentials(None, "SOME_VAR")
    with pytest.raises(UsageError):
        credentials("dba", "not a name")
    monkeypatch.setenv("MY_PW", "s3cret-value")
    creds = credentials("dba", "MY_PW")
    assert creds == Credentials("dba", "s3cret-value", "MY_PW")
    assert "s3cret" not in repr(creds) and "s3cret" not in str(creds)


def test_basic_challenge_is_answered_and_a_refusal_never_shows_the_password(
    stub: Stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_PW", "hunter2-secret")
    challenge = Reply(401, b"who are you", {"WWW-Authenticate": 'Basic realm="stub"'})
    stub.replies = [challenge, Reply()]
    result = run_remote(stub.url, QUERY, {}, timeout=5, user="alice", password_env="STUB_PW")
    assert len(result.bindings) == 1
    assert "Authorization" not in stub.seen[0]["headers"]  # nothing sent before the store asks
    assert stub.seen[1]["headers"]["Authorization"].startswith("Basic ")
    stub.replies = [challenge]
    stub.seen.clear()
    with pytest.raises(AuthError) as failure:
        run_remote(stub.url, QUERY, {}, timeout=5, user="alice", password_env="STUB_PW")
    message = str(failure.value)
    assert "refused the credentials of user 'alice'" in message and "$STUB_PW" in message
    assert "hunter2" not in message


def test_graph_store_answers_digest_and_basic_challenges(stub: Stub) -> None:
    digest = 'Digest realm="SPARQL", nonce="abc", qop="auth", algorithm="MD5", opaque="x"'
    stub.replies = [Reply(401, b"", {"WWW-Authenticate": digest}), Reply(200, b""), Reply(200, b"")]
    profile = layout("generic", stub.url, authenticated=True, gsp_url=stub.url)
    with GraphStore(profile, Credentials("dba", "pw", "X"), timeout=5) as store:
        store.delete_graph("http://ex/g", "clearing")
        store.post_triples("http://ex/g", b"<http://a> <http://b> <http://c> .\n", "loading")
    first, second, third = stub.seen
    assert "Authorization" not in first["headers"] and first["method"] == "DELETE" and not first["body"]
    assert second["headers"]["Authorization"].startswith("Digest ")
    assert third["headers"]["Authorization"].startswith("Digest ")  # the challenge is reused: no resend
    assert third["body"].startswith(b"<http://a>")
    stub.replies = [Reply(401, b"", {"WWW-Authenticate": 'Basic realm="x"'}), Reply(200, b"")]
    stub.seen.clear()
    with GraphStore(profile, Credentials("dba", "pw", "X"), timeout=5) as store:
        store.update("DROP SILENT GRAPH <http://ex/g>", "dropping")
    assert stub.seen[1]["headers"]["Authorization"].startswith("Basic ")


def test_graph_store_errors_are_clear(stub: Stub) -> None:
    stub.replies = [Reply(500, b"Virtuoso 42000 Error SR186:SECURITY: No permission to execute procedure")]
    profile = layout("virtuoso", stub.url, authenticated=False)
    store = GraphStore(layout("generic", stub.url, authenticated=False, gsp_url=stub.url), timeout=5)
    with store, pytest.raises(AuthError) as failure:
        store.update("DROP SILENT GRAPH <http://ex/g>", "dropping")
    assert "does not let anonymous users write" in str(failure.value)
    assert profile.update_url.endswith("/sparql") and profile.graph_param == "graph-uri"
    assert layout("virtuoso", stub.url, authenticated=True).gsp_url.endswith("/sparql-graph-crud-auth")
    assert layout("oxigraph", "http://h:7878/query", authenticated=False).gsp_url == "http://h:7878/store"


def test_urls_lose_their_user_information() -> None:
    assert redact("https://bob:pa55@example.org:8890/sparql?x=1") == "https://example.org:8890/sparql?x=1"
    assert redact("http://example.org/sparql") == "http://example.org/sparql"


def test_bad_endpoint_urls_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        Endpoint("ftp://example.org/sparql")
    with pytest.raises(UsageError):
        Endpoint("http://127.0.0.1:1/sparql", timeout=0)
