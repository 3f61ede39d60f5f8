"""CORS as a browser enforces it: a page of another origin (``localhost`` where the server is ``127.0.0.1``,
both loopback) fetches the endpoint and a data document with headers that browser tools add
(X-Requested-With, Cache-Control), which makes Chromium send a preflight. The page's own CSP is bypassed: it
stands in for a tool hosted elsewhere. Skipped without Chromium (failed when CI=true), like the other browser
tests."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("server_conftest")
pytest_plugins = ["server_conftest"]

from test_server_browser import browser  # noqa: E402, F401 - the shared Chromium fixture

SCRIPT = """async ([url, init]) => {
  try {
    const r = await fetch(url, init);
    return {status: r.status, type: r.headers.get('content-type'), body: (await r.text()).slice(0, 200)};
  } catch (e) { return {error: String(e)}; }
}"""


def test_fetch_from_another_origin_with_extra_headers(browser, server) -> None:  # noqa: F811
    assert server.url.startswith("http://127.0.0.1:")
    context = browser.new_context(bypass_csp=True)
    tab = context.new_page()
    tab.goto(server.url.replace("127.0.0.1", "localhost") + "dumps/")
    extra = {"X-Requested-With": "XMLHttpRequest", "Cache-Control": "no-cache"}
    post = {
        "method": "POST",
        "headers": {**extra, "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        "body": "ASK { ?s ?p ?o }",
    }
    answer = tab.evaluate(SCRIPT, [server.endpoint, post])
    assert answer.get("status") == 200, answer
    assert '"boolean": true' in answer["body"]
    document = tab.evaluate(SCRIPT, [server.url + "city/dortmund", {"headers": {**extra, "Accept": "text/turtle"}}])
    assert document.get("status") == 200 and document["type"].startswith("text/turtle"), document
    context.close()
