"""The served views over real HTTP: /view, /map and /timeline with the commands' parameters, their
Content-Security-Policy, 400 for bad parameters (never a 500), the cache (ETag, 304, gzip), the ego network
on resource pages, the links from the landing page, escaping, and an update seen by the next view.

The pages themselves are checked in Chromium in tests/test_views_served.py."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytest.register_assert_rewrite("server_conftest")
from server_conftest import BASE, TOKEN, XSS, Server, start_server  # noqa: E402

from citykg.views import page_csp  # noqa: E402

pytest_plugins = ["server_conftest"]

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def data_of(response: httpx.Response) -> dict:
    """The JSON a view page carries (its own script reads it with JSON.parse)."""
    match = re.search(r'<script type="application/json" id="citykg-data">(.*?)</script>', response.text, re.S)
    assert match, "the page has no data block"
    return json.loads(match.group(1))


def directives(header: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";") if part.strip()}


# -- the three routes -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/view", "/map", "/timeline"])
def test_view_pages_send_their_own_policy(server, path: str) -> None:
    response = server.get(path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert policy == page_csp(response.text) + "; frame-ancestors 'self'"
    parts = directives(policy)
    assert parts["script-src"].count("'sha256-") >= 2 and "'self'" not in parts["script-src"]
    assert parts["default-src"] == "default-src 'none'" and parts["connect-src"] == "connect-src 'none'"
    assert parts["frame-ancestors"] == "frame-ancestors 'self'"
    assert "http" not in policy  # no other host anywhere
    assert response.headers["content-language"] == "de"  # the commands' default language


@pytest.mark.parametrize("path", ["/map", "/timeline"])
def test_static_svg(server, path: str) -> None:
    response = server.get(path, params={"format": "svg", "lang": "en"})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith(("<svg", "<?xml"))
    assert "Leeds" in response.text and "Amiens" in response.text
    assert XSS not in response.text
    parts = directives(response.headers["content-security-policy"])
    assert "script-src" not in parts and parts["default-src"] == "default-src 'none'"


def test_other_pages_keep_the_strict_policy(server) -> None:
    for path in ("/", "/queries", "/page/source/dortmund-de-staedtepartnerschaften"):
        policy = server.get(path, headers={"Accept": BROWSER}).headers["content-security-policy"]
        parts = directives(policy)
        assert parts["script-src"] == "script-src 'self'", path
        assert parts["frame-ancestors"] == "frame-ancestors 'none'", path
        assert "frame-src" not in parts, path


def test_view_takes_the_command_parameters(server) -> None:
    response = server.get("/view", params={"focus": "city/leeds", "depth": "1", "as-of": "1970", "lang": "en"})
    assert response.status_code == 200, response.text
    data = data_of(response)
    assert {n["iri"] for n in data["nodes"]} == {BASE + "city/leeds", BASE + "city/dortmund"}
    assert data["years"]["initial"] == 1970
    assert response.headers["content-language"] == "en"
    # the details panel links to the resource pages of this server
    assert data["link"] == "/resource?iri={iri}&lang=en"
    kinds = data_of(server.get("/view", params={"kinds": "membership"}))
    assert {n["iri"] for n in kinds["nodes"]} == {BASE + "city/dortmund", BASE + "organisation/eurocities"}
    repeated = data_of(server.get("/view", params=[("kinds", "twinning"), ("kinds", "membership")]))
    assert BASE + "organisation/eurocities" in {n["iri"] for n in repeated["nodes"]}
    assert BASE + "city/amiens" in {n["iri"] for n in repeated["nodes"]}
    embedded = server.get("/view", params={"focus": BASE + "city/dortmund", "depth": "1", "embed": "1"})
    assert 'class="embed"' in embedded.text


def test_the_details_link_opens_the_resource_page(server) -> None:
    data = data_of(server.get("/view"))
    for node in data["nodes"]:
        href = data["link"].replace("{iri}", httpx.URL("", params={"i": node["iri"]}).query.decode()[2:])
        response = server.get(href, headers={"Accept": BROWSER})
        assert response.status_code == 200, (node["iri"], href)


BAD = [
    ("/view", {"depth": "-1"}, "depth"),
    ("/view", {"depth": "two"}, "depth"),
    ("/view", {"as-of": "1970x"}, "as-of"),
    ("/view", {"lang": "fr"}, "language"),
    ("/view", {"kinds": "twining"}, "twining"),
    ("/view", {"classes": "spaceship"}, "spaceship"),
    ("/view", {"focus": "city/dortmunt"}, "city/dortmund"),  # with a suggestion
    ("/view", {"focus": "partnership/dortmund-leeds"}, "relationship"),
    ("/view", {"size-by": "size"}, "size"),
    ("/view", {"cluster": "colour"}, "colour"),
    ("/view", {"physics": "maybe"}, "physics"),
    ("/view", {"layout-threshold": "0"}, "threshold"),
    ("/view", {"edge-labels": "perhaps"}, "edge-labels"),
    ("/view", {"colour": "red"}, "unknown parameter"),
    ("/view", {"format": "svg"}, "format"),
    ("/view", [("depth", "1"), ("depth", "2")], "more than once"),
    ("/map", {"format": "pdf"}, "format"),
    ("/map", {"depth": "1"}, "unknown parameter"),
    ("/map", {"focus": "city/leeds"}, "coordinates"),
    ("/timeline", {"since": "2000", "until": "1990"}, "before"),
    ("/timeline", {"as-of": "1990"}, "unknown parameter"),
]


@pytest.mark.parametrize(("path", "params", "words"), BAD)
def test_bad_parameters_are_400_with_the_message(server, path: str, params, words: str) -> None:
    response = server.get(path, params=params)
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"].startswith("text/plain")
    assert words in response.text, response.text
    assert "Traceback" not in response.text


def test_bad_parameter_page_for_browsers_escapes_the_input(server) -> None:
    response = server.get("/view", params={"focus": XSS}, headers={"Accept": BROWSER})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert XSS not in response.text and "&lt;script&gt;" in response.text
    unknown = server.get("/view", params={XSS: "1"}, headers={"Accept": BROWSER})
    assert unknown.status_code == 400 and XSS not in unknown.text


def test_labels_stay_data(server) -> None:
    for path in ("/view", "/map", "/timeline"):
        response = server.get(path, params={"lang": "en"})
        assert XSS not in response.text, path
    data = data_of(server.get("/view", params={"lang": "en"}))
    labels = [label for n in data["nodes"] for label in n["l"].values()]
    assert "Scriptville <script>alert(1)</script>" in labels  # as text, for textContent and the canvas


# -- caching -----------------------------------------------------------------------------------------------------------
def test_cached_per_parameter_set_with_etag_and_gzip(server) -> None:
    first = server.get("/view", params={"focus": "city/leeds", "depth": "1"})
    same = server.get("/view", params={"focus": f"{BASE}city/leeds", "depth": "1"})  # the same options, spelt out
    assert first.headers["etag"] == same.headers["etag"] and first.content == same.content
    other = server.get("/view", params={"focus": "city/leeds", "depth": "2"})
    assert other.headers["etag"] != first.headers["etag"]
    assert first.headers["content-encoding"] == "gzip" and first.headers["etag"].endswith('-gzip"')
    assert "Accept-Encoding" in first.headers["vary"]
    plain = server.get("/view", params={"focus": "city/leeds", "depth": "1"}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == first.content
    again = server.get(
        "/view", params={"focus": "city/leeds", "depth": "1"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    head = httpx.head(server.url + "view", timeout=20)
    assert head.status_code == 200 and head.content == b""


# -- resource pages and the landing page ---------------------------------------------------------------------------
def test_resource_page_embeds_its_ego_network(server) -> None:
    response = server.get("/page/city/leeds", headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert response.status_code == 200
    parts = directives(response.headers["content-security-policy"])
    assert parts["frame-src"] == "frame-src 'self'"
    assert parts["script-src"] == "script-src 'self'" and parts["frame-ancestors"] == "frame-ancestors 'none'"
    match = re.search(r'<iframe class="ego" src="([^"]+)"', response.text)
    assert match, "no ego-network frame"
    src = html.unescape(match.group(1))
    url = urlsplit(src)
    assert url.path == "/view"
    assert parse_qs(url.query) == {"focus": [BASE + "city/leeds"], "depth": ["1"], "embed": ["1"], "lang": ["en"]}
    frame = server.get(src)
    assert frame.status_code == 200
    assert directives(frame.headers["content-security-policy"])["frame-ancestors"] == "frame-ancestors 'self'"
    assert {n["iri"] for n in data_of(frame)["nodes"]} == {BASE + "city/leeds", BASE + "city/dortmund"}
    via_resource = server.get("/resource", params={"iri": BASE + "city/leeds"}, headers={"Accept": BROWSER})
    assert '<iframe class="ego"' in via_resource.text


def test_pages_of_things_not_drawn_have_no_frame(server) -> None:
    for path in ("/page/partnership/dortmund-leeds", "/page/source/dortmund-de-staedtepartnerschaften"):
        response = server.get(path, headers={"Accept": BROWSER})
        assert response.status_code == 200 and "<iframe" not in response.text, path


def test_landing_page_and_nav_link_the_views(server) -> None:
    home = server.get("/", headers={"Accept": BROWSER, "Accept-Language": "de"})
    for path in ("/view", "/map", "/timeline"):
        assert home.text.count(f'href="{path}?lang=de"') >= 2, path  # the list of ways in and the nav
    page = server.get("/queries", headers={"Accept": BROWSER}, params={"lang": "en"})
    assert 'href="/view?lang=en"' in page.text and ">Timeline<" in page.text


# -- updates -----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def update_server(server_project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A writable server of this module's own: the session's is shared with the W3C update tests, which clear
    graphs, so what a view shows after them depends on which tests ran before on the same worker."""
    folder = tmp_path_factory.mktemp("views-update-server")
    running = start_server(
        server_project,
        "--allow-update",
        "--timeout",
        "5",
        env={"CITYKG_UPDATE_TOKEN": TOKEN},
        log=folder / "server.log",
    )
    yield running
    running.stop()


def test_an_update_is_seen_by_the_next_view(update_server) -> None:
    town = BASE + "city/viewtown"
    before = update_server.get("/view")
    assert before.status_code == 200 and town not in before.text
    cached = update_server.get("/view", headers={"If-None-Match": before.headers["etag"]})
    assert cached.status_code == 304
    text = f"""
        PREFIX ckg: <https://w3id.org/citykg/ontology#>
        PREFIX ckgv: <https://w3id.org/citykg/vocab/>
        PREFIX schema: <http://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        INSERT DATA {{ GRAPH <http://example.org/views> {{
            <{town}> a schema:City ; rdfs:label "Viewtown"@en , "Sichtstadt"@de .
            <{BASE}partnership/dortmund-viewtown> a ckg:Partnership ; ckg:partner <{BASE}city/dortmund> , <{town}> ;
                ckg:kind ckgv:twinning ; schema:startDate "2001"^^xsd:gYear .
        }} }}"""
    response = update_server.post("/sparql", data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    after = update_server.get("/view", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and town in {n["iri"] for n in data_of(after)["nodes"]}
    assert "Sichtstadt" in update_server.get("/timeline").text
    page = update_server.get("/page/city/viewtown", headers={"Accept": BROWSER})
    assert '<iframe class="ego"' in page.text
