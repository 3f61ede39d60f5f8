"""Betweenness and eigenvector centrality of large simple graphs with numpy and scipy (the ``analytics`` extra):
the algorithms networkx runs, node by node in Python, as sparse matrix products over all nodes at once.

- :func:`betweenness` is Brandes' algorithm from the same sampled sources as ``nx.betweenness_centrality(G,
  k, seed=…)``, a batch of sources at a time (breadth-first levels as products with the adjacency matrix),
  rescaled as networkx rescales a sampled estimate without endpoints;
- :func:`eigenvector` is the power iteration of ``nx.eigenvector_centrality`` (start 1/n, iterate with
  A + I, unit Euclidean length, converged when the L1 change is below n * tol).

Both give networkx's values up to rounding (the order of the sums differs): citykg.analytics uses them only
where networkx's Python loops are too slow (tests/test_analytics_scale.py compares them)."""

from __future__ import annotations

import math
import random
from typing import Any, NamedTuple

import networkx as nx

#: Sources per batch of the betweenness estimate (each a column of n floats in a few n x batch matrices).
BATCH = 64


def available() -> bool:
    try:
        import numpy  # noqa: F401
        import scipy.sparse  # noqa: F401
    except ImportError:
        return False
    return True


class Adjacency(NamedTuple):
    """The simple undirected graph of a networkx graph as a symmetric 0/1 matrix (direction, parallel edges and
    self-loops dropped), its nodes in the graph's order, and its number of edges."""

    matrix: Any
    nodes: list
    edges: int


def adjacency(graph: nx.Graph) -> Adjacency:
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    pairs = [(index[u], index[v]) for u, v in graph.edges()]
    return adjacency_of(nodes, [u for u, _ in pairs], [v for _, v in pairs])


def adjacency_of(nodes: list, sources: list[int], targets: list[int]) -> Adjacency:
    """The simple undirected graph of edges given as positions in ``nodes`` (both lists as long as the edges).
    The matrix is canonical (sorted columns, no duplicates), so the sums over it do not depend on the order
    the edges came in: the same graph gives the same figures to the last bit."""
    import numpy as np
    import scipy.sparse as sp

    u, v = np.asarray(sources, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    loops = u == v
    u, v = u[~loops], v[~loops]
    n = len(nodes)
    matrix = sp.csr_matrix((np.ones(2 * len(u)), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    matrix.sum_duplicates()
    matrix.sort_indices()
    matrix.data[:] = 1.0  # parallel edges summed up: one per neighbour
    return Adjacency(matrix, nodes, matrix.nnz // 2)


def components(graph: Adjacency) -> list[list]:
    """The connected components (as networkx's weakly connected ones: direction does not matter), each a list
    of nodes, by breadth-first search over the matrix's rows. (scipy.sparse.csgraph would take longer to
    import than this takes at 1M triples.)"""
    starts, ends = graph.matrix.indptr.tolist(), graph.matrix.indices.tolist()
    nodes = graph.nodes
    seen = bytearray(len(nodes))
    parts = []
    for origin in range(len(nodes)):
        if seen[origin]:
            continue
        seen[origin] = 1
        members = [origin]
        for here in members:  # (the list grows as it is read: breadth first)
            for other in ends[starts[here] : starts[here + 1]]:
                if not seen[other]:
                    seen[other] = 1
                    members.append(other)
        parts.append([nodes[i] for i in members])
    return parts


def sources(nodes: list, k: int, seed: int) -> list:
    """The sources networkx samples for ``betweenness_centrality(graph, k, seed=seed)`` (nodes: the graph's)."""
    return random.Random(seed).sample(list(nodes), k)


def betweenness(graph: Adjacency, k: int, seed: int) -> dict:
    """Normalised betweenness estimated from ``k`` sampled sources (endpoints excluded), as networkx."""
    import numpy as np

    matrix, nodes, _ = graph
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    total = np.zeros(n)
    sampled = sources(nodes, k, seed)
    for start in range(0, len(sampled), BATCH):
        total += _dependencies(matrix, [index[s] for s in sampled[start : start + BATCH]])
    scale_source = 1 / ((k - 1) * (n - 2)) if k > 1 else math.nan
    scale_other = 1 / (k * (n - 2))
    chosen = set(sampled)
    if n - 1 < 2:
        return dict(zip(nodes, total.tolist(), strict=True))
    return {v: b * (scale_source if v in chosen else scale_other) for v, b in zip(nodes, total.tolist(), strict=True)}


def _dependencies(matrix: Any, batch: list[int]) -> Any:
    """The summed dependencies of every node on the sources of ``batch`` (Brandes), one column per source.
    (Each level a mask, kept for the way back. The passes over the n x batch arrays, not the matrix products,
    are most of the time, so each is a plain pass, without ``where=``: what a mask leaves out is multiplied by
    0 and added as 0.0, which changes no sum, and the division is by sigma with the unreached nodes' 0 made 1,
    so nothing is infinite. The arithmetic per element is Brandes' as networkx does it, bit for bit the same
    as with masked operations.)"""
    import numpy as np

    n, width = matrix.shape[0], len(batch)
    columns = np.arange(width)
    sigma = np.zeros((n, width))
    sigma[batch, columns] = 1.0
    unseen = np.ones((n, width), dtype=bool)
    unseen[batch, columns] = False
    levels = [~unseen]  # levels[d]: the nodes d steps from each source
    frontier = sigma.copy()
    while True:
        reached = matrix @ frontier
        new = reached > 0
        new &= unseen
        if not new.any():
            break
        levels.append(new)
        unseen &= ~new
        reached *= new
        sigma += reached  # (0 where new: the number of shortest paths to each newly reached node)
        frontier = reached
    divisor = sigma.copy()
    divisor[unseen] = 1.0  # (never reached: their share is multiplied by 0 anyway)
    delta = np.zeros((n, width))
    share = np.empty((n, width))
    gain = np.empty((n, width))
    for d in range(len(levels) - 1, 1, -1):  # the sources themselves (level 0) gain nothing
        np.add(delta, 1.0, out=share)
        share /= divisor
        share *= levels[d]
        back = matrix @ share
        np.multiply(sigma, back, out=gain)
        gain *= levels[d - 1]
        delta += gain
    return delta.sum(axis=1)


def eigenvector(graph: Adjacency, *, max_iter: int = 2000, tol: float = 1e-9) -> dict:
    """Eigenvector centrality by networkx's power iteration (raises PowerIterationFailedConvergence as it)."""
    import numpy as np

    matrix, nodes, _ = graph
    n = len(nodes)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = last + matrix @ last
        norm = math.sqrt(float((x * x).sum())) or 1.0  # (not x @ x: OpenBLAS's threads on a busy machine)
        x = x / norm
        if float(np.abs(x - last).sum()) < n * tol:
            return dict(zip(nodes, x.tolist(), strict=True))
    raise nx.PowerIterationFailedConvergence(max_iter)
