"""The network view: one self-contained HTML file (vis-network inlined, our own page and data model).

The node and edge lists are the plain dicts vis-network's DataSets take (see ``VisData``); the page is our
own template with vis-network 9.1.2 inlined from citykg/views/assets, and every label reaches the screen as
text (canvas or ``textContent``), never as HTML. (pyvis was used as the data model before; it could not be
used offline, dropped parallel edges, and pulled in IPython.)
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from rdflib import Graph

from citykg.analytics import centrality, relation_label
from citykg.namespaces import CKGV
from citykg.projection.rows import collector_paused
from citykg.views.citations import CitationTable
from citykg.views.fold import fold
from citykg.views.i18n import CONFIDENCE_LABELS, GROUP_LABELS, LANGUAGES, STATUS_LABELS, UI
from citykg.views.layout import curvature, layout
from citykg.views.options import ViewOptions
from citykg.views.projection import Projection, project, select, today_year, visible
from citykg.views.render import page, script_json
from citykg.views.style import SYMBOLS, class_style, group_colour, kind_rank
from citykg.views.visdata import VisData


def projection_of(source: Graph | Projection) -> Projection:
    """A projection from a dataset, or the projection itself (callers may cache it per build)."""
    return source if isinstance(source, Projection) else project(source)


def selection(source: Graph | Projection, options: ViewOptions) -> Projection:
    """The part of the graph a view shows for ``options`` (focus, depth, kinds, classes)."""
    proj = projection_of(source)
    return select(proj, focus=options.focus, depth=options.depth, kinds=options.kinds, classes=options.classes)


def is_large(proj: Projection, options: ViewOptions) -> bool:
    return len(proj.graph) > options.layout_threshold


def network_html(source: Graph | Projection, options: ViewOptions | None = None) -> str:
    """The network view as one HTML document (no external requests)."""
    options = options or ViewOptions()
    with collector_paused():  # (a large view's data is some million small objects, none in a cycle)
        data = network_data(selection(source, options), options)
        title = data["title"][options.lang]
        return page(
            "network.html",
            script="network.js",
            lang=options.lang,
            title=title,
            data=script_json(data),
            embed=options.embed,
        )


def ego_network_html(
    source: Graph | Projection,
    resource: str,
    *,
    lang: str = "de",
    link_template: str | None = None,
    base: str | None = None,
    depth: int = 1,
) -> str:
    """The compact view of one resource and its direct relations, for embedding in its resource page."""
    options = ViewOptions(focus=resource, depth=depth, lang=lang, link_template=link_template, base=base, embed=True)
    return network_html(source, options)


# --------------------------------------------------------------------------------------------------------


def vis_options(large: bool, physics: bool, edge_labels: bool) -> dict[str, Any]:
    return {
        "autoResize": True,
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "color": {"inherit": False},
            "font": {"size": 10, "align": "middle", "strokeWidth": 3, "strokeColor": "#ffffff", "color": "#333333"},
            "width": 1.4,
            "selectionWidth": 2,
            "smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.2},
        },
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -14000,
                "centralGravity": 0.15,
                "springLength": 170,
                "springConstant": 0.025,
                "damping": 0.3,
                "avoidOverlap": 0.4,
            },
            "stabilization": {"enabled": physics, "iterations": 200, "updateInterval": 25, "fit": True},
            "minVelocity": 1.5,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 3_600_000,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": False,
        },
        "layout": {"improvedLayout": False, "randomSeed": 7},
    }


def network_data(proj: Projection, options: ViewOptions) -> dict[str, Any]:
    """Everything the page needs, as plain JSON-able data (also what tests compare with networkx)."""
    graph = proj.graph
    large = is_large(proj, options)
    physics = options.physics == "on" or (options.physics == "auto" and not large)
    folding = fold(proj, options)
    # a folded view opens with its relations told apart by colour (the legend), not by labels on every edge
    edge_labels = options.edge_labels if options.edge_labels is not None else not (large or folding.anchors)
    positions = layout(proj, large)
    sizes = centrality(graph, options.size_by) if len(graph) else {}
    top = max(sizes.values(), default=0.0) or 1.0

    table = CitationTable(proj)
    labels = functools.cache(proj.labels)  # (names repeat: countries, kinds, relationships of many edges)
    # the names most relations repeat (what a relation is called, the partnership a milestone belongs to) are
    # sent once, in "names", and referred to by index: a large view's data is a fifth smaller
    names: list[dict[str, str]] = []
    name_index: dict[tuple[object, ...], int] = {}

    def named(key: tuple[object, ...], make: Callable[[], dict[str, str]]) -> int:
        if key not in name_index:
            name_index[key] = len(names)
            names.append(make())
        return name_index[key]

    order = sorted(graph, key=lambda n: (n != proj.focus, n))
    index = {n: i for i, n in enumerate(order)}
    net = VisData()
    nodes = []
    for node in order:
        attrs = graph.nodes[node]
        item: dict[str, Any] = {
            "id": index[node],
            "iri": node,
            "l": labels(node),
            "c": attrs["cls"],
            "b": attrs["base_cls"],
            "v": round(10 + 26 * math.sqrt(max(sizes.get(node, 0.0), 0.0) / top), 1),
        }
        if node in positions:
            item["x"], item["y"] = positions[node]
        if attrs.get("point"):
            item.update(y0=attrs.get("y0"), y1=attrs.get("y1"), s=attrs.get("start"), e=attrs.get("end"), pt=1)
            item["ci"] = table.of(node)
        if attrs.get("country"):
            item["cc"] = attrs["country"]
            item["co"] = labels(attrs["country"])
        if attrs.get("kind"):
            item["k"] = labels(attrs["kind"])
        description = proj.texts.get(node, {}).get("http://schema.org/description")
        if description:
            item["d"] = description
        nodes.append(item)
    net.nodes = nodes

    smooth = curvature(proj, large)
    edges = []
    for number, (u, v, k, d) in enumerate(sorted(graph.edges(keys=True, data=True), key=lambda e: (e[2], e[0], e[1]))):
        how = ("relation", d["type"], d.get("qualifier"))
        item = {
            "id": number,
            "from": index[u],
            "to": index[v],
            "k": k,
            "ty": d["type"],
            "g": d["group"],
            "l": named(how, lambda d=d: {lang: relation_label(proj, d, lang) for lang in LANGUAGES}),
            "y0": d["y0"],
            "y1": d["y1"],
            "s": d["start"],
            "e": d["end"],
            "tm": 1 if d["timed"] else 0,
            "sym": 1 if d["symmetric"] else 0,
            "ci": table.of(d["rel"]),
        }
        if d["rel"]:
            if d["rel"] == k:
                item["r"] = 1  # the relationship is the key (the page reads it from "k")
            else:
                item["rel"] = d["rel"]
            if d["rel"] in proj.texts:
                item["rl"] = labels(d["rel"])
        if d.get("status"):
            item["st"] = d["status"]
        if d.get("dormant_from"):
            item["df"] = d["dormant_from"]
        if d.get("via"):
            item["via"] = named(("resource", d["via"]), lambda d=d: labels(d["via"]))
        if k in smooth:
            item["sm"] = smooth[k]
        edges.append(item)
    net.edges = edges
    net.options = vis_options(large, physics, edge_labels)
    if folding.anchors:  # fewer, more important resources: more room for their names
        spring = 120 if options.embed else 240  # a resource page's frame is small: a tighter star
        net.options["physics"]["barnesHut"].update(springLength=spring, avoidOverlap=0.8)
    net_nodes, net_edges = net.nodes, net.edges

    years = [y for n in nodes for y in (n.get("y0"), n.get("y1")) if y]
    years += [y for e in edges for y in (e["y0"], e["y1"]) if y]
    this_year = today_year()
    first = min(years, default=this_year)
    last = max([this_year, *years])
    as_of = options.as_of
    if as_of is not None:
        first, last = min(first, as_of), max(last, as_of)

    partner_kinds = sorted(
        {e["g"] for e in edges if e["ty"] == "partnership"}, key=lambda g: (kind_rank(g, proj.broader), g)
    )
    class_keys = sorted(
        {n["c"] for n in nodes} | {f"partner:{g}" for g in partner_kinds} | ({"city"} if partner_kinds else set())
    )
    class_keys.sort(key=_class_order)
    per_class = Counter(n["c"] for n in nodes)
    per_group = Counter(e["g"] for e in edges)
    classes = []
    for key in class_keys:
        colour, shape = class_style(key, proj.broader)
        classes.append(
            {
                "key": key,
                "l": {lang: proj.class_label(key, lang) for lang in LANGUAGES},
                "color": colour,
                "shape": shape,
                "sym": SYMBOLS[shape],
                "n": per_class[key],
            }
        )
    group_keys = sorted({e["g"] for e in edges}, key=lambda g: _group_order(g, partner_kinds))
    groups = [
        {
            "key": key,
            "l": {lang: _group_label(proj, key, lang) for lang in LANGUAGES},
            "color": group_colour(key, proj.broader),
            "n": per_group[key],
            "pk": 1 if key in partner_kinds else 0,
        }
        for key in group_keys
    ]
    title = dict(proj.title) if not options.title else dict.fromkeys(LANGUAGES, options.title)
    for lang in LANGUAGES:
        title.setdefault(lang, title.get("") or next(iter(title.values()), "citykg"))
    if options.focus and proj.focus:
        for lang in LANGUAGES:
            title[lang] = f"{proj.label(proj.focus, lang)} – {title[lang]}" if not options.title else title[lang]

    everything = visible(proj, None)
    return {
        "title": title,
        "lang": options.lang,
        "langs": list(LANGUAGES),
        "focus": index.get(proj.focus) if proj.focus else None,
        "years": {"min": first, "max": last, "initial": as_of},
        "showUndated": options.show_undated,
        "physics": physics,
        "large": large,
        "edgeLabels": edge_labels,
        "cluster": options.cluster,
        "embed": options.embed,
        "link": options.link_template,
        "base": options.base,
        "nodes": net_nodes,
        "edges": net_edges,
        "names": names,
        "sources": table.sources,
        "cites": table.cites,
        "classes": classes,
        "groups": groups,
        "broader": proj.broader,
        "rank": {g: kind_rank(g, proj.broader) for g in partner_kinds},
        "options": net.options,
        "status": STATUS_LABELS,
        "confidence": CONFIDENCE_LABELS,
        "ui": UI,
        "counts": {"nodes": len(everything.nodes), "edges": len(everything.edges)},
        "fold": {
            "hideIsolated": folding.hide_isolated,
            "anchors": [[index[n], [index[a] for a in anchors]] for n, anchors in sorted(folding.anchors.items())],
        },
    }


def link_for(template: str | None, iri: str, base: str | None) -> str | None:
    """The resource-page link of the details panel (the page builds the same link in JavaScript)."""
    if not template:
        return None
    path = iri[len(base) :] if base and iri.startswith(base) else iri
    return template.replace("{iri}", quote(iri, safe="")).replace("{path}", quote(path, safe="/"))


CLASS_ORDER = [
    "focus",
    "partner",
    "city",
    "network",
    "unbody",
    "organisation",
    "programme",
    "person",
    "post",
    "event",
    "award",
    "sdg",
]


def _class_order(key: str) -> tuple[int, str]:
    head = "partner" if key.startswith("partner:") else key
    return (CLASS_ORDER.index(head) if head in CLASS_ORDER else len(CLASS_ORDER), key)


def _group_order(key: str, partner_kinds: list[str]) -> tuple[int, int, str]:
    if key in partner_kinds:
        return (0, partner_kinds.index(key), key)
    order = list(GROUP_LABELS)
    return (1, order.index(key) if key in order else len(order), key)


def _group_label(proj: Projection, key: str, lang: str) -> str:
    if key in GROUP_LABELS:
        return GROUP_LABELS[key][lang]
    iri = str(CKGV[key])
    return proj.label(iri, lang) if iri in proj.texts else key


__all__ = ["ego_network_html", "network_data", "network_html", "selection"]
