"""The projection of one neighbourhood (``project_around``, what ``citykg view --focus X --depth N`` uses) is the
ego graph of the whole projection, and the Oxigraph row path (pyoxigraph directly, plain values) gives what the
rdflib path gives: on the real Dortmund graph, on a small ``citykg synth`` world and on the views' synthetic
graph (participations, engagements, awards, SDG links), with the memory and the oxigraph store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from citykg.build import build
from citykg.cli import LazyGroup, main
from citykg.config import Project, load_project
from citykg.errors import UsageError
from citykg.export import native_store
from citykg.projection import Projection, load_query, project_around, select
from citykg.projection.edges import whole_relations
from citykg.projection.rows import Lit, OxigraphRows, RdflibRows, rows_of, value_places
from citykg.projection.whole import QUERY_NAMES
from citykg.store import open_dataset
from citykg.synth import make_project, synthetic_turtle, write_project
from citykg.views import ViewOptions, network_data, network_html, project, selection
from citykg.views.commands import LAZY

ROOT = Path(__file__).resolve().parent.parent
STORES = ("memory", "oxigraph")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A small synthetic world (hubs with many partners, milestones, memberships, mayors)."""
    target = tmp_path_factory.mktemp("world")
    write_project(target, load_project(ROOT), cities=160, seed=4)
    world = load_project(target)
    build(world, validating=False, formats=("nq",))
    return world


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The views' synthetic graph: every kind of relation, SDG links of relationships, conflicts."""
    project_ = make_project(tmp_path_factory.mktemp("rich"), {"synthetic.ttl": synthetic_turtle(220, seed=5)})
    build(project_, validating=False, formats=("nq",))
    return project_


@pytest.fixture(scope="module")
def graphs(project: Project, built, world: Project, rich: Project) -> dict[str, Project]:
    return {"dortmund": project, "world": world, "rich": rich}


_OPENED: dict[tuple[str, str], tuple[object, Projection]] = {}


def opened(graphs: dict[str, Project], name: str, store: str) -> tuple[object, Projection]:
    """The dataset on a store and its whole projection (once per test module run)."""
    key = (str(graphs[name].root), store)
    if key not in _OPENED:
        dataset = open_dataset(graphs[name], store=store, quiet=True)
        _OPENED[key] = (dataset, project(dataset))
    return _OPENED[key]


def facts(proj: Projection) -> tuple[list, list]:
    """Nodes and edges with every attribute, in the graph's order (the layout depends on it)."""
    graph = proj.graph
    return (
        [(n, sorted(d.items())) for n, d in graph.nodes(data=True)],
        [(u, v, k, sorted((a, repr(b)) for a, b in d.items())) for u, v, k, d in graph.edges(keys=True, data=True)],
    )


def foci(whole: Projection) -> list[str]:
    """The dataset's focus and the first resource of every class: hubs, ordinary cities, events, networks,
    people, posts, awards, SDGs."""
    chosen = [whole.focus] if whole.focus else []
    seen: set[str] = set()
    for node, data in sorted(whole.graph.nodes(data=True)):
        if data["base_cls"] not in seen:
            seen.add(data["base_cls"])
            chosen.append(node)
    return list(dict.fromkeys(chosen))


# --- the neighbourhood is the ego graph of the whole --------------------------------------------------


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name", ["dortmund", "world", "rich"])
def test_neighbourhood_equals_the_ego_graph_of_the_whole(graphs, name: str, store: str) -> None:
    dataset, whole = opened(graphs, name, store)
    assert (native_store(dataset) is not None) == (store == "oxigraph")
    for focus in foci(whole):
        for depth in (1, 2):
            part = project_around(dataset, focus, depth)
            assert part is not None and part.scope == (focus, depth)
            want, got = select(whole, focus=focus, depth=depth), select(part, focus=focus, depth=depth)
            assert facts(got) == facts(want), (focus, depth)
            options = ViewOptions(focus=focus, depth=depth)
            page = network_data(selection(part, options), options)
            assert page == network_data(selection(whole, options), options), (focus, depth)


@pytest.mark.parametrize("store", STORES)
def test_the_page_of_a_neighbourhood_is_the_page_of_the_whole(graphs, store: str) -> None:
    dataset, whole = opened(graphs, "dortmund", store)
    for depth in (1, 2):
        options = ViewOptions(focus=whole.focus, depth=depth, lang="en")
        part = project_around(dataset, whole.focus, depth)
        assert network_html(part, options) == network_html(whole, options)
    leeds = "https://w3id.org/citykg/dortmund/city/leeds"
    options = ViewOptions(focus=leeds, depth=2)
    assert network_html(project_around(dataset, leeds, 2), options) == network_html(whole, options)


@pytest.mark.parametrize("store", STORES)
def test_selections_of_a_neighbourhood_equal_those_of_the_whole(graphs, store: str) -> None:
    dataset, whole = opened(graphs, "rich", store)
    for focus in foci(whole)[:4]:
        for depth in (1, 2):
            part = project_around(dataset, focus, depth)
            for kinds, classes in (
                (("twinning", "membership"), ()),
                ((), ("partner", "network")),
                (("partnership", "sdg"), ("city", "sdg")),
            ):
                want = select(whole, focus=focus, depth=depth, kinds=kinds, classes=classes)
                assert facts(select(part, focus=focus, depth=depth, kinds=kinds, classes=classes)) == facts(want)
            assert facts(select(part, focus=focus, depth=0)) == facts(select(whole, focus=focus, depth=0))
            # what the part cannot answer comes from the whole: the same errors, other selections
            for kinds in (("nosuchkind",),):
                with pytest.raises(UsageError) as expected:
                    select(whole, focus=focus, depth=depth, kinds=kinds)
                with pytest.raises(UsageError) as got:
                    select(part, focus=focus, depth=depth, kinds=kinds)
                assert str(got.value) == str(expected.value) and got.value.hint == expected.value.hint
    other = foci(whole)[-1]
    assert facts(select(part, focus=other, depth=1)) == facts(select(whole, focus=other, depth=1))
    assert facts(select(part)) == facts(select(whole))
    with pytest.raises(UsageError) as got:
        part.resolve("city/atlantis", "https://w3id.org/citykg/dortmund/")
    assert "not in the graph" in str(got.value)


def test_a_small_neighbourhood_reads_little_of_a_large_store(graphs) -> None:
    dataset, whole = opened(graphs, "world", "oxigraph")
    ordinary = min(
        (n for n, d in whole.graph.nodes(data=True) if d["base_cls"] == "city"), key=lambda n: whole.graph.degree(n)
    )
    source = rows_of(dataset)
    assert isinstance(source, OxigraphRows)
    part = project_around(dataset, ordinary, 1, source=source)
    assert part is not None and len(part.graph) < len(whole.graph) / 4
    assert source.read_whole <= {"broader", "dataset"}  # everything else restricted by VALUES blocks
    # every query run is timed, with its rows: a restricted one under its name, marked as restricted
    restricted = {f"{name} (restricted)" for name in QUERY_NAMES}
    assert {"nodes (restricted)", "relations (restricted)"} <= {name for name, _, _ in source.timings}
    assert {name for name, _, _ in source.timings} <= {"broader", "dataset"} | restricted
    assert all(rows >= 0 and seconds >= 0 for _, rows, seconds in source.timings)
    assert sum(rows for name, rows, _ in source.timings if name == "nodes (restricted)") >= len(part.graph)


def test_no_neighbourhood_for_what_is_not_a_node(graphs) -> None:
    dataset, whole = opened(graphs, "dortmund", "oxigraph")
    assert project_around(dataset, "https://w3id.org/citykg/dortmund/city/atlantis", 1) is None
    rel = next(d["rel"] for _, _, d in whole.graph.edges(data=True) if d["type"] == "partnership")
    assert project_around(dataset, rel, 1) is None  # a relationship is an edge, not a node


# --- the Oxigraph row path gives what the rdflib path gives ---------------------------------------------


@pytest.mark.parametrize("name", ["dortmund", "world", "rich"])
def test_oxigraph_rows_give_the_projection_rdflib_gives(graphs, name: str) -> None:
    (_, memory), (dataset, oxigraph) = opened(graphs, name, "memory"), opened(graphs, name, "oxigraph")
    assert isinstance(rows_of(dataset), OxigraphRows)
    assert facts(oxigraph) == facts(memory)
    assert (oxigraph.texts, oxigraph.citations, oxigraph.broader, oxigraph.title, oxigraph.focus) == (
        memory.texts,
        memory.citations,
        memory.broader,
        memory.title,
        memory.focus,
    )
    options = ViewOptions()
    assert network_data(oxigraph, options) == network_data(memory, options)


NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{name}" for name in ("decimal", "double", "float", "integer")}


def canonical(rows) -> list[str]:
    """Rows, sorted, with numbers by value: Oxigraph keeps numeric literals in canonical form (-7.3030 is
    read back as -7.303), rdflib keeps the lexical form of the source; the projection reads both as floats."""

    def value(term):
        if isinstance(term, Lit) and term.datatype in NUMERIC:
            return Lit(repr(float(term.value)), None, term.datatype)
        return term

    return sorted(repr(tuple(map(value, row))) for row in rows)


def test_restricted_rows_are_those_of_the_whole_answer(graphs) -> None:
    """VALUES blocks where citykg.bindings.with_values puts them; the same rows as filtering the whole answer
    (which is what the rdflib path does)."""
    dataset, whole = opened(graphs, "rich", "oxigraph")
    memory, _ = opened(graphs, "rich", "memory")
    nodes = sorted(whole.graph)[::7]
    rels = sorted({d["rel"] for _, _, d in whole.graph.edges(data=True) if d["rel"]})[::5]
    asked = {
        "relations": ("from", nodes),
        "links": ("to", nodes),
        "nodes": ("node", nodes),
        "texts": ("thing", nodes + rels),
        "places": ("place", nodes),
        "dates": ("thing", rels),
        "states": ("rel", rels),
        "citations": ("subject", rels),
    }
    for name, (var, iris) in asked.items():
        query = load_query(name)
        oxigraph, rdflib = OxigraphRows(dataset, native_store(dataset)), RdflibRows(memory)
        oxigraph.batch = 25  # several batches
        restricted = canonical(oxigraph.rows(query, var, iris))
        assert oxigraph.read_whole == set(), name
        assert restricted == canonical(rdflib.rows(query, var, iris)), name
        assert restricted == canonical(OxigraphRows(dataset, native_store(dataset)).rows(query, var, iris, share=1e-9))
    relations = load_query("relations")
    assert len(value_places(relations.text, "from")) == relations.text.count("UNION") + 1  # the 7 branches alone
    places = load_query("places")
    assert len(value_places(places.text, "place")) == 2  # both branches, not the OPTIONAL
    links = load_query("links")  # a UNION and a closing FILTER: the branches alone
    assert len(value_places(links.text, "to")) == links.text.count("UNION") + 1
    nodes = load_query("nodes")  # no UNION: the WHERE group
    assert value_places(nodes.text, "node") == [nodes.text.index("WHERE {") + len("WHERE {")]


@pytest.mark.parametrize(
    ("where", "branches_alone"),
    [
        ("{ ?s ?p ?o } UNION { ?s ?q ?o }", True),  # every solution comes from a restricted branch
        ("{ ?s ?p ?o } UNION { ?s ?q ?o } FILTER (isIRI(?o))", True),
        ("?s ?r ?x . { ?s ?p ?o } UNION { ?s ?q ?o }", False),  # a pattern beside the union: WHERE and branches
        ("{ ?s ?p ?o } UNION { ?s ?q ?o } ?s ?r ?x", False),
        ("{ ?s ?p ?o } UNION { ?x ?q ?o }", False),  # a branch without ?s: WHERE and the other branch
        ("{ ?s ?p ?o } { ?s ?q ?o }", False),  # a join of groups, not a union
        ("{ ?s ?p ?o } UNION { ?s ?q ?o } FILTER (?o) { ?s ?r ?x }", False),  # a group after the FILTER
        ("{ ?s ?p ?o } UNION { ?s ?q ?o } OPTIONAL { ?s ?r ?x }", False),
    ],
)
def test_values_go_into_the_branches_alone_only_where_they_hold_every_solution(
    where: str, branches_alone: bool
) -> None:
    """Where the WHERE group is only a UNION of branches that mention the variable, restricting the branches
    restricts every solution; anything else beside them keeps the WHERE group's block."""
    text = f"SELECT * WHERE {{ {where} }}"
    places = value_places(text, "s")
    after_where = text.index("WHERE {") + len("WHERE {")
    branches = [m.end() for m in re.finditer(r"(?<!OPTIONAL )\{(?= \?s)", text) if m.end() > after_where]
    assert places == (branches if branches_alone else sorted([after_where, *branches]))


@pytest.mark.parametrize("name", ["dortmund", "rich"])
@pytest.mark.parametrize("store", STORES)
def test_relations_from_edges_are_the_rows_of_relations(graphs, name: str, store: str) -> None:
    """The whole answer of relations.rq, computed from edges.rq (the projection's way, faster on Oxigraph), holds
    the same rows but a partner paired with itself (no edge), whatever the order and duplicates."""
    dataset, _ = opened(graphs, name, store)
    source = rows_of(dataset)
    direct = {row for row in source.rows(load_query("relations")) if row[2] != row[3] or row[1] != Lit("partnership")}
    derived = rows_of(dataset).rows(load_query("relations"), whole=whole_relations(load_query("edges")))
    assert set(derived) == direct
    assert any(row[1] == Lit("partnership") for row in derived) and any(row[1] == Lit("milestone") for row in derived)


# --- the command ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("store", STORES)
def test_view_command_with_a_depth_draws_the_ego_graph(graphs, store: str, tmp_path: Path, monkeypatch) -> None:
    for name, target in LAZY.items():
        monkeypatch.setitem(LazyGroup.lazy, name, target)
    world = graphs["world"]
    _, whole = opened(graphs, "world", store)
    runner = CliRunner()
    for focus, depth in ((None, 1), ("city/c7", 2)):
        out = tmp_path / f"{store}-{depth}.html"
        args = ["--project", str(world.root), "--store", store, "view", "--depth", str(depth), "-o", str(out)]
        result = runner.invoke(main, [*args, *(["--focus", focus] if focus else [])])
        assert result.exit_code == 0, result.output
        html = out.read_text(encoding="utf-8")
        data = json.loads(re.search(r'id="citykg-data">(.*?)</script>', html, re.S).group(1))
        iri = world.base + focus if focus else None
        options = ViewOptions(focus=iri, depth=depth, base=world.base)
        expected = network_data(selection(selection(whole, options), options), options)
        assert data == json.loads(json.dumps(expected))
    result = runner.invoke(
        main, ["--project", str(world.root), "--store", store, "view", "--focus", "city/c7x", "--depth", "1"]
    )
    assert result.exit_code == 2 and "not in the graph" in result.output and "did you mean" in result.output
