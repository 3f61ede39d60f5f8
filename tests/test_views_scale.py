"""The view of a hub's 2-hop neighbourhood in a large synthetic world (``citykg synth --cities 900``, about
100k triples: what CI affords on 2 cores) drawn in Chromium: the CLI writes it from the scoped projection,
and the nodes and edges drawn are those networkx finds within two relations of the hub in the whole
projection."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pytest

from citykg.build import build
from citykg.config import Project, load_project
from citykg.store import open_dataset
from citykg.synth import SYNTH_BASE, write_project
from citykg.views import project

ROOT = Path(__file__).resolve().parent.parent
CITIES = 900
HUB = f"{SYNTH_BASE}city/c0"

pytest.importorskip("playwright")
from test_views_browser import browser, opened  # noqa: E402,F401  (the module's browser fixture)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Project:
    target = tmp_path_factory.mktemp("world-900")
    write_project(target, load_project(ROOT), cities=CITIES)
    world = load_project(target)
    build(world, validating=False, formats=("nq",))
    return world


def test_hub_neighbourhood_view_draws_what_networkx_finds(browser, world: Project, tmp_path: Path) -> None:  # noqa: F811
    html = tmp_path / "hub.html"
    started = time.perf_counter()
    # --unfold: everything within two relations is drawn (by default events and people fold into their anchor)
    command = ["-q", "--project", str(world.root), "view", "--focus", "city/c0", "--depth", "2", "--unfold"]
    command += ["-o", str(html)]
    subprocess.run(
        [sys.executable, "-m", "citykg", *command],
        check=True,
        capture_output=True,
        timeout=120,
    )
    written = time.perf_counter() - started
    whole = project(open_dataset(world, store="oxigraph", quiet=True)).graph
    reach = nx.ego_graph(whole.to_undirected(as_view=True), HUB, radius=2)
    expected_edges = whole.subgraph(reach.nodes).number_of_edges()
    assert len(reach) > 500, "the hub's neighbourhood should be large"
    with opened(browser, html) as tab:
        drawn = tab.page.evaluate(
            "() => ({nodes: network.body.data.nodes.length, edges: network.body.data.edges.length})"
        )
    assert drawn == {"nodes": len(reach), "edges": expected_edges}, f"written in {written:.1f} s"
