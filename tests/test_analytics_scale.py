"""``citykg analyze`` and ``citykg path`` without the whole projection give what the whole projection gives: the
lean projection (citykg.projection.network) is the whole one node for node and edge for edge in everything
the analytics read, the report made from it is the same, and the chain found by the search from both ends
(citykg.projection.between) is the chain on the whole projection, pair by pair (unreachable pairs and
--kinds included): on the real Dortmund graph, a small ``citykg synth`` world and the views' synthetic graph
(every kind of relation, SDG links of relationships, conflicts)."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest

from citykg.analytics import analyze, chain_json, format_analysis, format_chain, restrict, shortest_chain
from citykg.build import build
from citykg.config import Project, load_project
from citykg.errors import UsageError
from citykg.projection import Projection, project, select
from citykg.projection.between import project_between
from citykg.projection.network import project_network
from citykg.store import open_dataset
from citykg.synth import make_project, synthetic_turtle, write_project

ROOT = Path(__file__).resolve().parent.parent
#: What the analytics read of a node and of an edge (the lean projection leaves out places and citations).
NODE_KEYS = ("cls", "base_cls", "kind", "point")
EDGE_KEYS = ("type", "group", "keys", "rel", "qualifier", "timed", "status", "symmetric", "prop", "via")


def synth_world(target: Path, cities: int, seed: int) -> Project:
    """A built ``citykg synth`` world (N-Quads only)."""
    write_project(target, load_project(ROOT), cities=cities, seed=seed)
    world = load_project(target)
    build(world, validating=False, formats=("nq",))
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return synth_world(tmp_path_factory.mktemp("world"), cities=240, seed=11)


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project_ = make_project(tmp_path_factory.mktemp("rich"), {"synthetic.ttl": synthetic_turtle(220, seed=5)})
    build(project_, validating=False, formats=("nq",))
    return project_


@pytest.fixture(scope="module")
def graphs(project: Project, built, world: Project, rich: Project) -> dict[str, Project]:
    return {"dortmund": project, "world": world, "rich": rich}


_OPENED: dict[str, tuple[object, Projection]] = {}


def opened(graphs: dict[str, Project], name: str) -> tuple[object, Projection]:
    if name not in _OPENED:
        dataset = open_dataset(graphs[name], store="oxigraph", quiet=True)
        _OPENED[name] = (dataset, project(dataset))
    return _OPENED[name]


def picks(graph, attrs, keys):  # type: ignore[no-untyped-def]
    return {k: attrs.get(k) for k in keys}


@pytest.mark.parametrize("name", ["dortmund", "world", "rich"])
def test_lean_projection_is_the_whole_one(graphs: dict[str, Project], name: str) -> None:
    dataset, whole = opened(graphs, name)
    lean = project_network(dataset, dated=True)
    assert list(lean.graph.nodes) == list(whole.graph.nodes)
    assert {n: picks(lean.graph, d, (*NODE_KEYS, "y0", "y1")) for n, d in lean.graph.nodes(data=True)} == {
        n: picks(whole.graph, d, (*NODE_KEYS, "y0", "y1")) for n, d in whole.graph.nodes(data=True)
    }
    dated = (*EDGE_KEYS, "start", "end", "y0", "y1", "dormant_from", "replaced_by")
    assert [(u, v, k, picks(lean.graph, d, dated)) for u, v, k, d in lean.graph.edges(keys=True, data=True)] == [
        (u, v, k, picks(whole.graph, d, dated)) for u, v, k, d in whole.graph.edges(keys=True, data=True)
    ]
    assert not dict(lean.texts)  # names only when asked for
    undated = project_network(dataset)
    assert [
        (u, v, k, picks(undated.graph, d, EDGE_KEYS)) for u, v, k, d in undated.graph.edges(keys=True, data=True)
    ] == [(u, v, k, picks(whole.graph, d, EDGE_KEYS)) for u, v, k, d in whole.graph.edges(keys=True, data=True)]


@pytest.mark.parametrize("name", ["dortmund", "world", "rich"])
@pytest.mark.parametrize(("lang", "top", "year"), [("de", 10, None), ("en", 3, None), ("en", 5, 1995)])
def test_report_from_the_lean_projection(graphs: dict[str, Project], name: str, lang: str, top: int, year) -> None:  # type: ignore[no-untyped-def]
    dataset, whole = opened(graphs, name)
    lean = project_network(dataset, dated=year is not None)
    expected = analyze(restrict(whole, year), top=top, lang=lang, year=year)
    got = analyze(restrict(lean, year), top=top, lang=lang, year=year)
    assert got.as_json() == expected.as_json()
    assert format_analysis(got) == format_analysis(expected)


def pairs(whole: Projection, chosen: Projection, count: int, seed: int) -> list[tuple[str, str]]:
    """Pairs of resources with relations of the chosen kinds, a few without, and one resource with itself."""
    pick = random.Random(seed)
    inside = sorted(chosen.graph)
    nodes = pick.sample(inside, min(len(inside), 10)) + pick.sample(sorted(whole.graph), 2)
    return [*list(itertools.combinations(nodes, 2))[:count], (nodes[0], nodes[0])]


@pytest.mark.parametrize("name", ["dortmund", "world", "rich"])
@pytest.mark.parametrize("kinds", [(), ("partnership",), ("membership", "twinning"), ("event",)])
def test_scoped_path_is_the_whole_path(graphs: dict[str, Project], name: str, kinds: tuple[str, ...]) -> None:
    dataset, whole = opened(graphs, name)
    try:
        chosen = select(whole, kinds=kinds)
    except UsageError:
        pytest.skip(f"no relation of kinds {kinds} in {name}")
    seen = {"none": 0, "chain": 0, "absent": 0, "whole": 0}
    for a, b in pairs(whole, chosen, 40, seed=len(name) + len(kinds)):
        part = project_between(dataset, a, b, kinds=kinds)
        assert part is not None
        try:
            scoped = select(part, kinds=kinds)
        except UsageError:  # a kind no relation in reach has: the command projects everything
            seen["whole"] += 1
            continue
        if a not in chosen.graph or b not in chosen.graph:
            seen["absent"] += 1
            assert a not in scoped.graph or b not in scoped.graph
            continue
        assert a in scoped.graph and b in scoped.graph
        expected, got = shortest_chain(chosen, a, b), shortest_chain(scoped, a, b)
        seen["none" if expected is None else "chain"] += 1
        assert chain_json(scoped, got, "en") == chain_json(chosen, expected, "en")
        assert format_chain(scoped, got, "de", a, b) == format_chain(chosen, expected, "de", a, b)
        assert len(part.graph) <= len(whole.graph)
    assert seen["chain"] > seen["whole"]


def test_unreachable_pairs(graphs: dict[str, Project]) -> None:
    """Resources of different components (after --kinds) have no chain in either."""
    dataset, whole = opened(graphs, "rich")
    chosen = select(whole, kinds=("membership",))
    import networkx as nx

    parts = sorted(nx.weakly_connected_components(chosen.graph), key=lambda c: (-len(c), min(c)))
    assert len(parts) > 1
    a, b = min(parts[0]), min(parts[1])
    assert shortest_chain(chosen, a, b) is None
    part = project_between(dataset, a, b, kinds=("membership",))
    assert part is not None and shortest_chain(select(part, kinds=("membership",)), a, b) is None


@pytest.mark.parametrize("name", ["dortmund", "world", "rich"])
def test_lists_are_the_whole_projection(graphs: dict[str, Project], name: str) -> None:
    """network_of's lists are the projection's nodes (in its order), classes and edges with their groups, one for
    one, on every kind of relation (the rich graph: SDG links of relationships, conflicts, the focus city's
    milestones), whatever the size of the graph."""
    from collections import Counter

    from citykg.projection.network import network_of

    dataset, whole = opened(graphs, name)
    net = network_of(dataset)
    assert net.nodes == list(whole.graph.nodes)
    assert net.classes == [d["cls"] for _, d in whole.graph.nodes(data=True)]
    got = Counter((net.nodes[u], net.nodes[v], g) for u, v, g in zip(net.sources, net.targets, net.groups, strict=True))
    assert got == Counter((u, v, d["group"]) for u, v, d in whole.graph.edges(data=True))
    assert len(net.groups) == whole.graph.number_of_edges() > 0


def test_query_codes_are_the_projections() -> None:
    """The short codes of network-nodes.rq and network-links.rq stand for the classes and links of the
    projection's model (CLASS_BY_TYPE, LINKS), type for type and property for property."""
    import re

    from citykg.namespaces import PREFIXES
    from citykg.projection import load_query
    from citykg.projection.model import CLASS_BY_TYPE, LINKS

    def iri(name: str) -> str:
        prefix, _, local = name.partition(":")
        return str(PREFIXES[prefix]) + local

    nodes = load_query("network-nodes").text
    assert [(iri(t), c) for t, c in re.findall(r'\(([\w]+:\w+) "(\w+)"\)', nodes)] == list(CLASS_BY_TYPE)
    links = load_query("network-links").text
    found = {iri(p): code for p, code in re.findall(r'\?from ([\w]+:\w+) \?to \. BIND \("(\w+)"', links)}
    assert found == {prop: kind for prop, (kind, _, _) in LINKS.items()}


# --- centralities of large graphs (citykg.centrality) --------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_sparse_centralities_are_networkx(seed: int) -> None:
    """Brandes from the same sampled sources and the same power iteration give networkx's values (a random
    graph with hubs, isolated nodes and a second component, over the size where analyze estimates)."""
    import networkx as nx

    from citykg import centrality
    from citykg.analytics import EXACT_BETWEENNESS_LIMIT
    from citykg.analytics import centrality as measure

    pytest.importorskip("scipy")
    graph = nx.barabasi_albert_graph(EXACT_BETWEENNESS_LIMIT + 300, 2, seed=seed)
    graph.add_edges_from((f"x{i}", f"x{i + 1}") for i in range(40))  # a second component, a chain
    graph.add_nodes_from(["alone", "also alone"])
    graph = nx.relabel_nodes(graph, {n: f"urn:n{n}" for n in graph})
    for k in (1, 7, 90):
        expected = nx.betweenness_centrality(graph, k=k, seed=7)
        got = centrality.betweenness(centrality.adjacency(graph), k, 7)
        assert got.keys() == expected.keys()
        assert all(got[n] == pytest.approx(expected[n], abs=1e-12) or math.isnan(expected[n]) for n in graph)
    parts = centrality.components(centrality.adjacency(graph))
    assert sorted(map(sorted, parts)) == sorted(map(sorted, nx.connected_components(graph)))
    assert len(parts) == 4  # (the graph, the chain and the two isolated nodes)
    expected = nx.eigenvector_centrality(graph, max_iter=2000, tol=1e-9)
    got = centrality.eigenvector(centrality.adjacency(graph), max_iter=2000, tol=1e-9)
    assert all(got[n] == pytest.approx(expected[n], abs=1e-12) for n in graph)
    multi = nx.MultiDiGraph(graph)
    assert measure(multi, "betweenness") == pytest.approx(
        nx.betweenness_centrality(graph, k=measure_sample(graph), seed=7), abs=1e-12
    )


def measure_sample(graph) -> int:  # type: ignore[no-untyped-def]
    from citykg.analytics import betweenness_sample

    sample = betweenness_sample(graph)
    assert sample is not None and 20 <= sample <= 300
    return sample


# --- the whole graph's report without networkx (analytics.analyze_network) -----------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A ``citykg synth`` world above the size from which the whole graph's report is made without networkx."""
    return synth_world(tmp_path_factory.mktemp("large"), cities=450, seed=3)


@pytest.mark.parametrize(("lang", "top"), [("de", 10), ("en", 4)])
def test_report_from_lists_is_networkx_report(large: Project, lang: str, top: int) -> None:
    """The lists of network_of are the projection's nodes, classes and edges, and the report made from them with
    scipy (degrees, components, centralities from one matrix) is the report of the whole projection made with
    networkx (its multigraph's degrees and weakly connected components), to the last digit."""
    import networkx as nx

    from citykg.analytics import EXACT_BETWEENNESS_LIMIT
    from citykg.largegraph import analyze_graph, analyze_network
    from citykg.projection.network import network_of

    pytest.importorskip("scipy")
    dataset = open_dataset(large, store="oxigraph", quiet=True)
    whole = project(dataset)
    assert len(whole.graph) > EXACT_BETWEENNESS_LIMIT
    net = network_of(dataset)
    assert net.nodes == list(whole.graph.nodes)
    assert net.classes == [d["cls"] for _, d in whole.graph.nodes(data=True)]
    edges = sorted(
        (net.nodes[u], net.nodes[v], g) for u, v, g in zip(net.sources, net.targets, net.groups, strict=True)
    )
    assert edges == sorted((u, v, d["group"]) for u, v, d in whole.graph.edges(data=True))
    expected = analyze(whole, top=top, lang=lang)
    assert len(expected.components) == nx.number_weakly_connected_components(whole.graph)
    got = analyze_network(net, top=top, lang=lang)
    assert got is not None and got.betweenness_sample == expected.betweenness_sample is not None
    assert got.as_json() == expected.as_json()
    assert format_analysis(got) == format_analysis(expected)
    assert analyze_graph(dataset, top=top, lang=lang).as_json() == expected.as_json()


def test_small_graphs_are_analysed_with_networkx(graphs: dict[str, Project]) -> None:
    """Below the size of estimates the whole graph's report is networkx's exact one (the Dortmund report)."""
    from citykg.largegraph import analyze_graph, analyze_network
    from citykg.projection.network import network_of

    dataset, whole = opened(graphs, "dortmund")
    assert analyze_network(network_of(dataset)) is None
    assert format_analysis(analyze_graph(dataset, lang="en")) == format_analysis(analyze(whole, lang="en"))
