"""No triple of the build sits in two graphs.

Oxigraph's union default graph keeps one solution per quad, so a triple stated in two source files is counted
twice by `COUNT(*)` on the endpoint while VoID (and rdflib) count it once: the backends would disagree.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from citykg.build import BuildResult


def test_every_triple_is_stated_in_one_graph_only(built: BuildResult) -> None:
    graphs: dict[tuple[ox.Term, ...], set[str]] = defaultdict(set)
    for quad in built.store:
        graphs[(quad.subject, quad.predicate, quad.object)].add(str(quad.graph_name))
    repeated = {triple: names for triple, names in graphs.items() if len(names) > 1}
    assert not repeated, "\n".join(f"{' '.join(map(str, t))} in {sorted(n)}" for t, n in list(repeated.items())[:10])
