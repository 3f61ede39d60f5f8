"""Network analytics over the projection of the graph (networkx): counts, centralities, components,
shortest chains of relations, shared memberships.

Conventions, so the numbers can be checked by hand:

- *degree* counts relations: a node with two partnerships to the same city has degree 2 for that city;
- *betweenness* and *eigenvector* centrality are computed on the simple undirected graph (direction and
  parallel relations collapsed), normalised as networkx does (betweenness by 2/((n-1)(n-2)), eigenvector to
  unit Euclidean length);
- *components* are the weakly connected components.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from citykg import centrality as fast
from citykg.chains import (  # citykg path lives in citykg.chains; re-exported for the callers of analytics
    Chain,
    Hop,
    chain_json,
    dates_text,
    format_chain,
    relation_label,
    shortest_chain,
)
from citykg.errors import UsageError
from citykg.namespaces import CKGV
from citykg.projection import Projection, visible
from citykg.projection.words import REPORT_WORDS

#: Above this many nodes betweenness is estimated from a sample of sources (seeded, so it is repeatable), and
#: both betweenness and eigenvector centrality are computed with numpy/scipy where installed (citykg.centrality).
EXACT_BETWEENNESS_LIMIT = 2000
#: How many sources the estimate uses (networkx's ``k``): as many as fit a budget of edge visits (each source
#: is one breadth-first search over the whole network), between 20 and 300; with numpy/scipy a search costs
#: about a tenth (sparse products over all nodes at once, a batch of sources at a time), so the budget is larger.
BETWEENNESS_SAMPLE = 300
BETWEENNESS_BUDGET = 3_000_000
FAST_BETWEENNESS_BUDGET = 8_000_000


def betweenness_sample(simple: nx.Graph, edges: int | None = None) -> int | None:
    """The number of sources betweenness is estimated from, or None when it is computed exactly (``edges``: the
    simple graph's number of edges, where known)."""
    return sample_size(len(simple), simple.number_of_edges() if edges is None else edges)


def sample_size(nodes: int, edges: int) -> int | None:
    """:func:`betweenness_sample` of a simple graph of ``nodes`` nodes and ``edges`` edges."""
    if nodes <= EXACT_BETWEENNESS_LIMIT:
        return None
    budget = FAST_BETWEENNESS_BUDGET if fast.available() else BETWEENNESS_BUDGET
    return min(nodes, BETWEENNESS_SAMPLE, max(20, budget // max(1, edges)))


def simple_graph(graph: nx.MultiDiGraph) -> nx.Graph:
    """Direction and parallel relations collapsed; self-loops dropped."""
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    return simple


def centrality(graph: nx.MultiDiGraph, measure: str) -> dict[str, float]:
    """degree, betweenness, eigenvector or pagerank of every node (see the module docstring)."""
    if len(graph) == 0:
        return {}
    if measure == "degree":
        return {n: float(d) for n, d in graph.degree()}
    if measure in ("betweenness", "eigenvector"):
        return centralities(graph)[0][measure]
    if measure == "pagerank":
        return nx.pagerank(simple_graph(graph))
    raise UsageError(f"unknown centrality {measure!r}", hint="use degree, betweenness, eigenvector or pagerank")


def centralities(graph: nx.MultiDiGraph) -> tuple[dict[str, dict[str, float]], int | None]:
    """Betweenness and eigenvector centrality, and the sources betweenness was estimated from (None: exact).
    Large graphs with numpy/scipy installed: as sparse matrix products (citykg.centrality), from the matrix of
    the simple graph without building it in networkx."""
    if len(graph) > EXACT_BETWEENNESS_LIMIT and fast.available():
        found = sparse_centralities(fast.adjacency(graph))
        if found is not None:
            return found
    simple = simple_graph(graph)
    sample = betweenness_sample(simple)
    betweenness = nx.betweenness_centrality(simple, k=sample, seed=7 if sample else None)
    return {"betweenness": betweenness, "eigenvector": eigenvector(simple)}, sample


def sparse_centralities(matrix: fast.Adjacency) -> tuple[dict[str, dict[str, float]], int] | None:
    """:func:`centralities` of a large graph from its matrix (None where the estimate does not apply: a small
    graph or one without edges)."""
    sample = sample_size(len(matrix.nodes), matrix.edges)
    if sample is None or not matrix.edges:
        return None
    try:
        values = fast.eigenvector(matrix, max_iter=2000, tol=1e-9)
    except nx.PowerIterationFailedConvergence:
        simple = nx.Graph()
        simple.add_nodes_from(matrix.nodes)
        rows, cols = matrix.matrix.nonzero()
        simple.add_edges_from(
            (matrix.nodes[u], matrix.nodes[v]) for u, v in zip(rows.tolist(), cols.tolist(), strict=True)
        )
        values = eigenvector(simple)
    return {"betweenness": fast.betweenness(matrix, sample, 7), "eigenvector": values}, sample


def eigenvector(simple: nx.Graph) -> dict[str, float]:
    """Eigenvector centrality; on a graph without edges every node gets 0."""
    if simple.number_of_edges() == 0:
        return dict.fromkeys(simple, 0.0)
    try:
        return nx.eigenvector_centrality(simple, max_iter=2000, tol=1e-9)
    except nx.PowerIterationFailedConvergence:
        from citykg.errors import require

        require("scipy", "eigenvector centrality on this graph (power iteration did not converge)", "analytics")
        return nx.eigenvector_centrality_numpy(simple)


# --------------------------------------------------------------------------------------------------------
# citykg analyze
# --------------------------------------------------------------------------------------------------------


@dataclass
class Ranked:
    iri: str
    label: str
    cls: str
    value: float


@dataclass
class Component:
    """A connected component: its size and its first members (by degree, then name)."""

    size: int
    members: list[Ranked]


@dataclass
class Analysis:
    nodes: int
    edges: int
    by_class: list[tuple[str, str, int]]
    by_relation: list[tuple[str, str, int]]
    top: dict[str, list[Ranked]]
    components: list[Component]
    year: int | None = None
    lang: str = "de"
    notes: list[str] = field(default_factory=list)
    betweenness_sample: int | None = None  # sources of the estimate; None: exact

    def as_json(self) -> dict[str, object]:
        def ranked(items: Iterable[Ranked]) -> list[dict[str, object]]:
            return [{"iri": r.iri, "label": r.label, "class": r.cls, "value": round(r.value, 6)} for r in items]

        return {
            "year": self.year,
            "nodes": self.nodes,
            "edges": self.edges,
            "components": len(self.components),
            "by_class": [{"class": k, "label": label, "count": n} for k, label, n in self.by_class],
            "by_relation": [{"kind": k, "label": label, "count": n} for k, label, n in self.by_relation],
            "top": {measure: ranked(items) for measure, items in self.top.items()},
            "betweenness_sample": self.betweenness_sample,
            "component_sizes": [c.size for c in self.components],
            "component_members": [ranked(c.members) for c in self.components],
        }


def restrict(proj: Projection, year: int | None, show_undated: bool = False) -> Projection:
    """The projection as it stood in ``year`` (the same rule as the views' year slider)."""
    if year is None:
        return proj
    seen = visible(proj, year, show_undated=show_undated)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((n, {**proj.graph.nodes[n], "cls": seen.classes[n]}) for n in seen.nodes)
    graph.add_edges_from((u, v, k, proj.graph.edges[u, v, k]) for u, v, k in seen.edges)
    return proj.copy_with(graph)


#: How many members of each component the report lists.
MEMBERS = 10


def analyze(proj: Projection, *, top: int = 10, lang: str = "de", year: int | None = None) -> Analysis:
    """Counts, the top ``top`` nodes by degree, betweenness and eigenvector centrality, and components.

    Names are read only for what the report prints and for the ties that decide what it prints (ranks and
    members are ordered by value, then name, then IRI): on a projection whose ``texts`` fetch names when asked
    (citykg.projection.network) only those are fetched."""
    if top < 1:
        raise UsageError("--top must be at least 1")
    graph = proj.graph
    degree = {n: float(d) for n, d in graph.degree()}
    others, sample = centralities(graph) if len(graph) else ({"betweenness": {}, "eigenvector": {}}, None)
    return report(
        proj,
        {n: d["cls"] for n, d in graph.nodes(data=True)},
        {"degree": degree} | others,
        sample,
        list(nx.weakly_connected_components(graph)),
        Counter(d["group"] for _, _, d in graph.edges(data=True)),
        graph.number_of_edges(),
        top=top,
        lang=lang,
        year=year,
    )


def report(
    proj: Projection,
    classes: Mapping[str, str],
    measures: dict[str, Mapping[str, float]],
    sample: int | None,
    parts: list[Collection[str]],
    relations: Counter[str],
    edges: int,
    *,
    top: int,
    lang: str,
    year: int | None = None,
) -> Analysis:
    """The report from the measures of every node (``classes``: each node's class), its components and the
    number of relations per group."""
    fetch = getattr(proj.texts, "fetch", None)

    def label(node: str) -> str:
        return proj.label(node, lang)

    degree = measures["degree"]
    leaders = {m: leading(values, top) for m, values in measures.items()}
    members = [leading({n: degree[n] for n in c}, MEMBERS) for c in parts]
    counted = Counter(classes.values())
    if fetch is not None:
        terms = {str(CKGV[k.split(":", 1)[1]]) for k in counted if k.startswith("partner:")}
        fetch(terms | {str(CKGV[g]) for g in relations} | {n for c in leaders.values() for n in c[1]})
        fetch(n for c in members for n in c[1])

    def ranked(values: Mapping[str, float], candidates: tuple[int, list[str]], whole: bool = False) -> list[Ranked]:
        count, nodes = candidates
        ordered = sorted(nodes, key=lambda n: (-values[n], label(n), n))[:count]
        return [Ranked(n, label(n), classes[n], int(values[n]) if whole else values[n]) for n in ordered]

    components = sorted(
        (Component(len(c), ranked(degree, m, whole=True)) for c, m in zip(parts, members, strict=True)),
        key=lambda c: (-c.size, c.members[0].label, c.members[0].iri),
    )
    return Analysis(
        nodes=len(classes),
        edges=edges,
        by_class=[(k, proj.class_label(k, lang), n) for k, n in sorted(counted.items(), key=lambda i: (-i[1], i[0]))],
        by_relation=[
            (k, group_label(proj, k, lang), n) for k, n in sorted(relations.items(), key=lambda i: (-i[1], i[0]))
        ],
        top={m: ranked(measures[m], leaders[m]) for m in measures},
        components=components,
        year=year,
        lang=lang,
        betweenness_sample=sample,
    )


def leading(values: Mapping[str, float], count: int) -> tuple[int, list[str]]:
    """``count`` and the nodes that can be among the ``count`` first by value (highest first): all those with
    a value at least the ``count``-th highest (which of the ties come first depends on their names)."""
    if len(values) <= count:
        return count, list(values)
    bound = sorted(values.values(), reverse=True)[count - 1]
    return count, [n for n, v in values.items() if v >= bound]


def group_label(proj: Projection, group: str, lang: str) -> str:
    from citykg.projection.words import GROUP_LABELS

    if group in GROUP_LABELS:
        return GROUP_LABELS[group][lang]
    iri = str(CKGV[group])
    return proj.label(iri, lang) if iri in proj.texts else group


def format_analysis(result: Analysis) -> str:
    words = REPORT_WORDS[result.lang]
    lines = []
    head = f"{words['network']}" + (f" ({words['as_of']} {result.year})" if result.year is not None else "")
    largest = result.components[0].size if result.components else 0
    lines.append(
        f"{head}: {result.nodes} {words['nodes']}, {result.edges} {words['edges']}, "
        f"{len(result.components)} {words['components']} ({words['largest']}: {largest} {words['nodes']})"
    )
    lines.append("")
    lines.append(f"{words['by_class']}:")
    lines.extend(f"  {n:>5}  {label}" for _, label, n in result.by_class)
    lines.append(f"{words['by_relation']}:")
    lines.extend(f"  {n:>5}  {label}" for _, label, n in result.by_relation)
    for measure, items in result.top.items():
        lines.append("")
        sampled = measure == "betweenness" and result.betweenness_sample
        note = f" ({words['sampled'].format(k=result.betweenness_sample)})" if sampled else ""
        lines.append(f"{words['top'].format(k=len(items))} {words[measure]}{note}:")
        for number, item in enumerate(items, start=1):
            value = f"{item.value:.0f}" if measure == "degree" else f"{item.value:.4f}"
            lines.append(f"  {number:>2}. {item.label:<40} {value}")
    lines.append("")
    lines.append(f"{words['components']}:")
    for number, component in enumerate(result.components[:10], start=1):
        names = ", ".join(r.label for r in component.members[:5])
        extra = f", … (+{component.size - 5} {words['more']})" if component.size > 5 else ""
        lines.append(f"  {number:>2}. {component.size:>4} {words['nodes']}: {names}{extra}")
    if len(result.components) > 10:
        lines.append(f"  … {len(result.components) - 10} {words['more']}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------------
# citykg shared
# --------------------------------------------------------------------------------------------------------


def shared_memberships(
    dataset, city: str, partner: str, *, lang: str = "de", base: str = "", queries=None
) -> list[dict[str, object]]:
    """Organisations both cities are members of or engage with (queries/views/shared-memberships.rq)."""
    from citykg.projection import load_query
    from citykg.queries import bind, run

    query = load_query("shared-memberships", queries)
    bindings = bind(query, {"city": city, "partner": partner, "lang": lang}, base, None)
    links: dict[str, dict[str, object]] = {}
    for row in run(dataset, query, bindings):
        organisation = str(row.organisation)
        entry = links.setdefault(
            organisation, {"organisation": organisation, "label": str(row.organisationLabel), "city": [], "partner": []}
        )
        for side, link, relation, start in (
            ("city", row.cityLink, row.cityRelation, row.cityStart),
            ("partner", row.partnerLink, row.partnerRelation, row.partnerStart),
        ):
            item = {"link": str(link), "relation": str(relation), "start": None if start is None else str(start)}
            if item not in entry[side]:  # type: ignore[operator]
                entry[side].append(item)  # type: ignore[union-attr]
    return sorted(links.values(), key=lambda e: (str(e["label"]).lower(), str(e["organisation"])))


def partner_links_known(dataset, partner: str) -> bool:  # type: ignore[no-untyped-def]
    """Does the graph record any membership or engagement of ``partner`` (else "none shared" means "unknown")?"""
    from rdflib import URIRef
    from rdflib.namespace import ORG

    from citykg.namespaces import CKG

    node = URIRef(partner)
    return (None, ORG.member, node) in dataset or (None, CKG.actor, node) in dataset


def format_shared(
    proj: Projection, city: str, partner: str, links: list[dict[str, object]], lang: str, known: bool = True
) -> str:
    words = REPORT_WORDS[lang]
    a, b = proj.label(city, lang), proj.label(partner, lang)
    if not links and not known:
        return words["shared_unknown"].format(a=a, b=b) + "\n"
    if not links:
        return words["shared_none"].format(a=a, b=b) + "\n"
    lines = [words["shared_head"].format(a=a, b=b) + ":"]
    for entry in links:
        parts = []
        for side, name in (("city", a), ("partner", b)):
            for item in entry[side]:  # type: ignore[union-attr]
                how = words["member"] if item["link"] == "membership" else words["engaged"]
                since = f" {words['since']} {item['start']}" if item["start"] else ""
                parts.append(f"{name}: {how}{since}")
        lines.append(f"  {entry['label']} — " + "; ".join(parts))
    return "\n".join(lines) + "\n"


__all__ = [
    "Analysis", "Chain", "Hop", "analyze", "centrality", "chain_json", "dates_text", "format_analysis",
    "format_chain", "format_shared", "partner_links_known", "relation_label", "restrict", "shared_memberships",
    "shortest_chain", "simple_graph",
]  # fmt: skip
