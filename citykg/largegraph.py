"""The report of the whole network at scale (``citykg analyze`` without a selection): from the lean lists of
citykg.projection.network and one sparse matrix (numpy/scipy) instead of a networkx multigraph, the same report
as citykg.analytics makes from the projection (tests/test_analytics_scale.py compares them)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from citykg import centrality as fast
from citykg.analytics import EXACT_BETWEENNESS_LIMIT, Analysis, analyze, report, sparse_centralities
from citykg.errors import UsageError
from citykg.projection.network import Network


def analyze_network(net: Network, *, top: int = 10, lang: str = "de") -> Analysis | None:
    """:func:`analyze` of the whole graph from its lean lists (citykg.projection.network.network_of), without
    a networkx graph: degrees, components and centralities from one sparse matrix (numpy/scipy). The same
    report as ``analyze(project(dataset))`` (tests/test_analytics_scale.py); None where that one computes
    exactly with networkx (a small graph, one without edges, no numpy/scipy): the caller analyses the
    projection."""
    if top < 1:
        raise UsageError("--top must be at least 1")
    if len(net.nodes) <= EXACT_BETWEENNESS_LIMIT or not fast.available():
        return None
    import numpy as np

    matrix = fast.adjacency_of(net.nodes, net.sources, net.targets)
    found = sparse_centralities(matrix)
    if found is None:
        return None
    others, sample = found
    size = len(net.nodes)
    counts = np.bincount(np.asarray(net.sources, dtype=np.int64), minlength=size) + np.bincount(
        np.asarray(net.targets, dtype=np.int64), minlength=size
    )
    degree = dict(zip(net.nodes, counts.astype(float).tolist(), strict=True))
    classes = dict(zip(net.nodes, net.classes, strict=True))
    parts = fast.components(matrix)
    relations = Counter(net.groups)
    return report(
        net.proj, classes, {"degree": degree} | others, sample, parts, relations, len(net.groups), top=top, lang=lang
    )


def analyze_graph(dataset, *, top: int = 10, lang: str = "de") -> Analysis:  # type: ignore[no-untyped-def]
    """The report of the whole graph (no selection, no year): from the lean lists where the graph is large
    (:func:`analyze_network`), else from the lean projection (the answers read for the lists are reused)."""
    from citykg.projection.network import network_of, project_network
    from citykg.projection.rows import rows_of

    source = rows_of(dataset)
    with collector_paused():
        result = analyze_network(network_of(dataset, source=source), top=top, lang=lang)
        return result or analyze(project_network(dataset, source=source), top=top, lang=lang)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while millions of rows, tuples and dicts are made that form no
    cycles: it would walk them again and again for nothing (a sixth of ``citykg analyze`` at 1M triples)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
