"""Folding: what a readable network view draws when it opens.

The whole network has some 240 resources; drawn at once no label can be read. So a view opens with the
resources staff think in (the focus city, its partner cities, networks and UN bodies: the *core*) and folds
every other resource (events, people, posts, programmes, SDGs …) into the nearest core resource it hangs
on, preferring a partner or network over the focus city: a partnership's milestones are folded into the
partner city. A click on a core resource unfolds what is folded into it. Resources with no drawn relation
are left out unless asked for (``isolated``), except those holding folded resources visible in the chosen
year: the events of a year stay reachable from their relationship. The page (network.js) applies the same
rule; ``drawn`` is its mirror, for tests and for the command's report.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from citykg.projection import Projection, Visible, visible
from citykg.views.options import ViewOptions

#: Classes that are drawn when a view opens (partner classes are "partner:KIND").
CORE_CLASSES = ("focus", "network", "unbody")
#: An ego network (a view with --depth) folds only from this many resources on (Dortmund's has 80).
EGO_FOLD_FROM = 40


def is_core(cls: str) -> bool:
    return cls in CORE_CLASSES or cls.startswith("partner:")


@dataclass
class Fold:
    """``anchors``: each folded resource and the core resources whose click unfolds it (empty: none does)."""

    anchors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hide_isolated: bool = True


def folds(proj: Projection, options: ViewOptions) -> bool:
    """Whether a view of ``proj`` (already selected) with ``options`` folds: the whole view does unless
    ``unfold``; an ego network (``depth``) only when it is large."""
    if options.unfold:
        return False
    return options.depth is None or len(proj.graph) >= EGO_FOLD_FROM


def fold(proj: Projection, options: ViewOptions) -> Fold:
    """The fold of a view: which resources start folded, into what; and whether isolated ones are hidden.
    (Computed once per projection and options: the page and the command's report ask for it.)"""
    key = ("fold", options.depth is None, options.isolated, options.unfold)
    if key not in proj.memo:
        proj.memo[key] = _fold(proj, options)
    return proj.memo[key]  # type: ignore[return-value]


def _fold(proj: Projection, options: ViewOptions) -> Fold:
    hide_isolated = options.depth is None and not options.isolated
    if not folds(proj, options):
        return Fold({}, hide_isolated)
    graph = proj.graph
    focus = proj.focus if proj.focus in graph else None
    undirected: dict[str, set[str]] = defaultdict(set)
    for u, v in graph.edges():
        if u != v:
            undirected[u].add(v)
            undirected[v].add(u)
    core = {n for n, d in graph.nodes(data=True) if is_core(d["cls"]) or n == focus}
    # a core resource related to no other core resource is folded too (it would stand alone otherwise)
    core = {n for n in core if n == focus or any(m in core for m in undirected[n])}
    # breadth first from every core resource through the others: the nearest core resources are the anchors
    found: dict[str, tuple[int, set[str]]] = {}
    queue: deque[str] = deque()
    for anchor in sorted(core):
        for node in sorted(undirected[anchor]):
            if node in core:
                continue
            if node not in found:
                found[node] = (1, set())
                queue.append(node)
            found[node][1].add(anchor)
    while queue:
        node = queue.popleft()
        distance, anchors = found[node]
        for other in sorted(undirected[node]):
            if other in core:
                continue
            if other not in found:
                found[other] = (distance + 1, set(anchors))
                queue.append(other)
            elif found[other][0] == distance + 1:
                found[other][1].update(anchors)
    result: dict[str, tuple[str, ...]] = {}
    for node in sorted(set(graph) - core):
        anchors = found.get(node, (0, set()))[1]
        if focus in anchors and len(anchors) > 1:
            anchors = anchors - {focus}  # a milestone of Leeds unfolds with Leeds, not with the focus
        result[node] = tuple(sorted(anchors))
    return Fold(result, hide_isolated)


def anchors_in(proj: Projection, fold_: Fold, node: str, shown: set[str]) -> tuple[str, ...]:
    """The anchors of a folded ``node`` in a year whose view holds ``shown``: its own, or the focus when none of
    them is shown then (an event of 2021 whose partner network shows only in other years unfolds from the focus)."""
    own = fold_.anchors[node]
    if own and proj.focus in shown and not shown.intersection(own):
        return (proj.focus,)
    return own


def drawn(
    proj: Projection,
    fold_: Fold,
    year: int | None = None,
    *,
    unfolded: Iterable[str] = (),
    show_undated: bool = False,
) -> Visible:
    """What the page draws for ``year`` with the core resources ``unfolded`` opened (mirror of network.js)."""
    seen = visible(proj, year, show_undated=show_undated)
    opened = set(unfolded)
    anchors = {n: anchors_in(proj, fold_, n, seen.nodes) for n in seen.nodes if n in fold_.anchors}
    nodes = {n for n in seen.nodes if n not in anchors or opened.intersection(anchors[n])}
    holding = {a for n in seen.nodes - nodes for a in anchors[n]}
    edges = {(u, v, k) for u, v, k in seen.edges if u in nodes and v in nodes}
    if fold_.hide_isolated:
        # a resource holding folded ones is not isolated: with a year chosen, a partner whose only relation
        # that year is a milestone (Amiens in 1959) stays drawn, "Amiens (+1)", and a click shows the event
        linked = {n for u, v, _ in edges for n in (u, v)} | holding
        nodes = {n for n in nodes if n in linked or n == proj.focus}
    return Visible(nodes, edges, {n: seen.classes[n] for n in nodes})
