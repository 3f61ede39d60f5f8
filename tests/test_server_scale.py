"""The server's pages at scale (issue 9): resource pages read the store with a few bound queries and list a hub's
first relationship nodes; above ``views.WHOLE_LIMIT`` triples the views are drawn from the focus's
neighbourhood (the same documents as from the whole projection) and a view of everything is refused.

The limits are lowered here so that the small fixture project of tests/server_conftest.py takes the paths a
million-triple world takes; the app runs in-process (no workers: pages and views never use them).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import URIRef

from citykg.queries import Catalogue
from citykg.server import describe as describing
from citykg.server import views
from citykg.server.app import create_app
from citykg.server.datasets import LABELS, Holdings
from citykg.server.settings import Settings
from citykg.server.state import ServerState
from tests.server_conftest import BASE, make_project

FOCUSED = [
    "/view?focus=city/leeds&depth=1",
    "/view?focus=city/dortmund&depth=1&embed=1&lang=de",
    "/view?focus=Amiens&depth=2",
    "/timeline?focus=city/dortmund&depth=1",
    "/timeline?focus=city/amiens&depth=1&format=svg",
    "/map?focus=city/dortmund",
    "/map?lang=de&format=svg",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return make_project(tmp_path_factory.mktemp("scale"))


def fetch(project, paths: list[str]) -> list[httpx.Response]:  # type: ignore[no-untyped-def]
    """GET each path from a fresh in-process server over the project's build (nothing cached between runs)."""
    store = ox.Store()
    store.bulk_load(path=str(project.build_dir / "citykg.nq"), format=ox.RdfFormat.N_QUADS)
    graphs = [URIRef(g.value) for g in store.named_graphs()]
    holdings = Holdings(store, project.base, focus=URIRef(BASE + "city/dortmund"), graph_names=graphs)
    settings = Settings(base_url="http://127.0.0.1:8000/")
    state = ServerState(settings, project, holdings, Catalogue(project.queries_dir), None, Path("/nonexistent"))

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            return [await client.get(path, headers={"accept": "text/html"}) for path in paths]

    return asyncio.run(run())


def test_focused_views_at_scale_are_the_views_of_the_whole_projection(project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    whole = fetch(project, FOCUSED)
    assert [r.status_code for r in whole] == [200] * len(FOCUSED)
    monkeypatch.setattr(views, "WHOLE_LIMIT", 10)  # every dataset is "large": the scoped path
    scoped = fetch(project, FOCUSED)
    for path, a, b in zip(FOCUSED, whole, scoped, strict=True):
        assert b.status_code == 200, (path, b.text)
        assert a.content == b.content, path
        assert a.headers["etag"] == b.headers["etag"]


def test_a_view_of_everything_or_of_a_hub_is_refused_at_scale(project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(views, "WHOLE_LIMIT", 10)
    monkeypatch.setattr(views, "NEIGHBOURHOOD_LIMIT", 3)  # Dortmund has more statements pointing at it
    everything, timeline, hub, leeds, unknown, page = fetch(
        project,
        [
            "/view",
            "/timeline?focus=city/leeds",
            "/view?focus=city/dortmund&depth=1",
            "/view?focus=city/leeds&depth=1",
            "/view?focus=city/nowhere&depth=1",
            "/page/city/dortmund",
        ],
    )
    assert everything.status_code == 400 and "too large to draw" in everything.text
    assert "depth=" in everything.text  # says what to give
    assert timeline.status_code == 400 and "too large to draw" in timeline.text
    assert hub.status_code == 400 and "statements pointing at it" in hub.text
    assert leeds.status_code == 200
    assert unknown.status_code == 400 and "nowhere" in unknown.text
    assert page.status_code == 200 and "<iframe" not in page.text  # a hub's page embeds no ego network


def test_a_hub_lists_its_first_relationship_nodes_in_date_order(project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = ox.Store()
    store.bulk_load(path=str(project.build_dir / "citykg.nq"), format=ox.RdfFormat.N_QUADS)
    holdings = Holdings(store, project.base, graph_names=[])
    dortmund = URIRef(BASE + "city/dortmund")
    full = describing.describe(holdings, dortmund)
    assert len(full.relations) == full.relation_total >= 4
    dates = [min((str(d) for _, d in r.dates), default="9999") for r in full.relations]
    assert dates == sorted(dates)
    monkeypatch.setattr(describing, "RELATION_CAP", 2)
    capped = describing.describe(holdings, dortmund)
    assert capped.relation_total == full.relation_total
    assert capped.relations == full.relations[:2]  # the same nodes, statements and citations
    assert capped.outgoing == full.outgoing and capped.incoming == full.incoming
    graph = describing.description_graph(holdings, dortmund)  # the RDF form holds what the page shows
    shown = {r.iri for r in capped.relations}
    detailed = {s for s, p, o in graph if o != dortmund and p not in LABELS and s in {r.iri for r in full.relations}}
    assert detailed == shown
    (page,) = fetch_capped(project, monkeypatch)
    assert f"and {full.relation_total - 2} more" in page.text


def fetch_capped(project, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(describing, "RELATION_CAP", 2)
    return fetch(project, ["/page/city/dortmund?lang=en"])
