"""The RDF graph projected to a directed multigraph of resources (nodes) and relations (edges).

Relationship nodes (``ckg:Partnership``, ``org:Membership``, ``ckg:Tenure``, ``ckg:Participation``,
``ckg:Engagement``, ``ckg:AwardConferral``) become edges between the resources they relate, carrying their
kind, dates, status and citations; milestones become edges from the event to the partner city; a few plain
links (organisation structure, event places, SDG links …) become edges too. Every relation is kept: two
partnerships between the same cities are two edges.

The SPARQL is in ``queries/views/*.rq``. The same year filter runs here and in the page's JavaScript
(``visible``), so the counts a test reads in the browser can be checked against networkx.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal
from rdflib.term import Node

from citykg.errors import UsageError
from citykg.namespaces import CKG, CKGV, ORG, SCHEMA
from citykg.queries import NamedQuery, Parameter, parse_header, run
from citykg.store import focus_resource
from citykg.views.i18n import CLASS_LABELS, RELATION_LABELS, pick
from citykg.views.style import kind_rank

#: Where the view queries live: ``queries/views`` of the checkout (a project may bring its own copy).
QUERY_DIR = Path(__file__).resolve().parents[2] / "queries" / "views"

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SCHEMA_DESCRIPTION = str(SCHEMA.description)

#: Class of a node by rdf:type, first match wins.
CLASS_BY_TYPE: tuple[tuple[str, str], ...] = (
    (str(SCHEMA.City), "city"),
    (str(SCHEMA.Place), "city"),
    (str(SCHEMA.AdministrativeArea), "city"),
    (str(CKG.UNBody), "unbody"),
    (str(CKG.CityNetwork), "network"),
    (str(CKG.Programme), "programme"),
    (str(CKG.Administration), "organisation"),
    (str(ORG.FormalOrganization), "organisation"),
    (str(ORG.Organization), "organisation"),
    (str(ORG.OrganizationalUnit), "organisation"),
    (str(SCHEMA.Person), "person"),
    (str(ORG.Post), "post"),
    (str(SCHEMA.Event), "event"),
    (str(CKG.Award), "award"),
    (str(CKG.SDG), "sdg"),
)
CLASS_PRIORITY = {iri: (rank, cls) for rank, (iri, cls) in enumerate(CLASS_BY_TYPE)}

#: Plain links drawn as edges: property -> (type, filter group, timed by the event at the source?)
LINKS: dict[str, tuple[str, str, bool]] = {
    str(ORG.postIn): ("postIn", "structure", False),
    str(ORG.unitOf): ("unitOf", "structure", False),
    str(CKG.awardedBy): ("awardedBy", "structure", False),
    str(CKG.runBy): ("runBy", "structure", False),
    str(SCHEMA.areaServed): ("areaServed", "structure", False),
    str(SCHEMA.location): ("location", "location", True),
    str(SCHEMA.organizer): ("organizer", "organizer", True),
    str(CKG.addressesSDG): ("sdg", "sdg", False),
    str(CKG.conflictsWith): ("conflict", "conflict", True),
}

#: Relationship types whose single date is a moment, not the start of a lasting state.
POINT_TYPES = {"participation", "conferral", "milestone", "location", "organizer", "conflict"}
SYMMETRIC_TYPES = {"partnership", "conflict"}
#: Filter group of each relationship type (partnerships are grouped by their kind).
TYPE_GROUP = {
    "membership": "membership",
    "tenure": "tenure",
    "participation": "participation",
    "engagement": "engagement",
    "conferral": "award",
    "milestone": "milestone",
}

STATUS = {str(CKGV.active): "active", str(CKGV.dormant): "dormant", str(CKGV.ended): "ended"}
CONFIDENCE = {str(CKGV.high): "high", str(CKGV.medium): "medium", str(CKGV.unverified): "unverified"}


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def year_of(value: str | None) -> int | None:
    """The year of an xsd:date, xsd:gYearMonth or xsd:gYear lexical form (None if there is none)."""
    if not value:
        return None
    match = re.match(r"^(-?\d{4})", value.strip())
    return int(match.group(1)) if match else None


def fraction_of(value: str | None) -> float | None:
    """A date as a fractional year (start of its period): 1970-04 -> 1970.25, 1992-07-22 -> 1992.55."""
    if not value:
        return None
    match = re.match(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2) or 1)
    day = int(match.group(3) or 1)
    return year + (month - 1) / 12 + (day - 1) / 365


@dataclass
class Citation:
    source: str
    url: str | None = None
    title: dict[str, str] = field(default_factory=dict)
    quote: str | None = None
    quote_lang: str | None = None
    comment: str | None = None
    confidence: str | None = None


@dataclass
class Projection:
    """The multigraph of one dataset plus what the views need besides it (names, kinds, sources)."""

    graph: nx.MultiDiGraph
    focus: str | None
    texts: dict[str, dict[str, dict[str, str]]]
    broader: dict[str, list[str]]
    citations: dict[str, list[Citation]]
    title: dict[str, str] = field(default_factory=dict)

    # -- names ---------------------------------------------------------------------------------------
    def label(self, iri: str, lang: str) -> str:
        texts = self.texts.get(iri, {})
        return pick(texts.get(SKOS_PREF) or texts.get(RDFS_LABEL), lang, "") or pick(
            texts.get(RDFS_LABEL), lang, local_name(iri)
        )

    def labels(self, iri: str) -> dict[str, str]:
        return {lang: self.label(iri, lang) for lang in ("de", "en")}

    def class_label(self, cls: str, lang: str) -> str:
        if cls.startswith("partner:"):
            kind = cls.split(":", 1)[1]
            iri = str(CKGV[kind])
            return self.label(iri, lang) if iri in self.texts else kind
        return CLASS_LABELS.get(cls, {}).get(lang, cls)

    def group_keys(self) -> set[str]:
        return {d["group"] for _, _, d in self.graph.edges(data=True)}

    def kind_keys(self) -> set[str]:
        keys: set[str] = set()
        for _, _, d in self.graph.edges(data=True):
            keys.update(d["keys"])
        return keys

    def copy_with(self, graph: nx.MultiDiGraph, focus: str | None = None) -> Projection:
        return Projection(graph, focus or self.focus, self.texts, self.broader, self.citations, self.title)

    # -- resources ------------------------------------------------------------------------------------
    def resolve(self, value: str, base: str, name: str = "resource") -> str:
        """An IRI or a path relative to the base (``city/leeds``) as a node of the graph, or a helpful error."""
        iri = str(
            Parameter(name, "resource", "an IRI or a path relative to the base, e.g. city/leeds").convert(value, base)
        )
        if iri in self.graph:
            return iri
        if iri in self.texts or any(iri == d.get("rel") for _, _, d in self.graph.edges(data=True)):
            raise UsageError(
                f"{name} {value!r} is a relationship or a term, not a resource drawn in the network",
                hint="give one of the resources it relates, e.g. a city, network or person",
            )
        raise UsageError(f"{name} {value!r} is not in the graph", hint=self._suggest(value, base))

    def _suggest(self, value: str, base: str) -> str:
        names: dict[str, str] = {}
        for node in self.graph:
            rel = node[len(base) :] if node.startswith(base) else node
            names[rel.lower()] = rel
            for text in self.labels(node).values():
                names.setdefault(text.lower(), rel)
        close = difflib.get_close_matches(value.lower().rsplit("/", 1)[-1], list(names), n=5, cutoff=0.6)
        close += difflib.get_close_matches(value.lower(), list(names), n=5, cutoff=0.6)
        found = list(dict.fromkeys(names[c] for c in close))[:4]
        if found:
            return f"did you mean {', '.join(found)}?"
        return "give an IRI or a path relative to the base, e.g. city/leeds"


# --------------------------------------------------------------------------------------------------------
# Building the projection
# --------------------------------------------------------------------------------------------------------


def load_query(name: str, folder: Path | None = None) -> NamedQuery:
    """A query of queries/views by name (``folder`` overrides where to look)."""
    for directory in (folder, QUERY_DIR):
        if directory is None:
            continue
        path = directory / f"{name}.rq"
        if path.is_file():
            return parse_header(path.read_text(encoding="utf-8"), name, path)
    raise UsageError(f"view query {name}.rq not found in {folder or QUERY_DIR}", hint="reinstall citykg")


def _rows(graph: Graph, name: str, folder: Path | None, bindings: Mapping[str, Node] | None = None):
    query = load_query(name, folder)
    return run(graph, query, bindings)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def project(dataset: Graph, *, queries: Path | None = None, focus: str | None = None) -> Projection:
    """The whole dataset as a multigraph (see the module docstring); ``focus`` defaults to void:rootResource."""
    root = focus or (str(focus_resource(dataset)) if focus_resource(dataset) is not None else None)  # type: ignore[arg-type]

    texts: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for row in _rows(dataset, "texts", queries):
        text = row.text
        if not isinstance(text, Literal):
            continue
        texts[str(row.thing)][str(row.property)].setdefault(text.language or "", str(text))

    broader: dict[str, list[str]] = defaultdict(list)
    for row in _rows(dataset, "broader", queries):
        broader[local_name(str(row.concept))].append(local_name(str(row.broader)))

    dates: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _rows(dataset, "dates", queries):
        if row.start is not None:
            dates[str(row.thing)].setdefault("start", str(row.start))
        if row.end is not None:
            dates[str(row.thing)].setdefault("end", str(row.end))

    citations = _citations(_rows(dataset, "citations", queries))

    states: dict[str, dict[str, object]] = defaultdict(dict)
    for row in _rows(dataset, "states", queries):
        rel = str(row.rel)
        if row.status is not None:
            states[rel]["status"] = STATUS.get(str(row.status), local_name(str(row.status)))
        if row.replacedBy is not None:
            states[rel]["replaced_by"] = str(row.replacedBy)
        if row.suspended is not None:
            year = year_of(str(row.suspended))
            if year is not None:
                earlier = states[rel].get("dormant_from")
                states[rel]["dormant_from"] = min(year, earlier) if isinstance(earlier, int) else year
                states[rel]["suspension"] = str(row.suspension)

    graph = nx.MultiDiGraph()
    # -- nodes
    best: dict[str, tuple[int, str]] = {}
    node_kind: dict[str, str] = {}
    for row in _rows(dataset, "nodes", queries):
        node, rank_cls = str(row.node), CLASS_PRIORITY.get(str(row.type))
        if rank_cls and (node not in best or rank_cls[0] < best[node][0]):
            best[node] = rank_cls
        if row.kind is not None:
            node_kind.setdefault(node, str(row.kind))
    for node, (_, cls) in sorted(best.items()):
        attrs: dict[str, object] = {"cls": cls, "base_cls": cls}
        if node in node_kind:
            attrs["kind"] = node_kind[node]
        when = dates.get(node, {})
        if cls == "event":
            start, end = when.get("start"), when.get("end")
            attrs.update(start=start, end=end, y0=year_of(start), y1=year_of(end) or year_of(start), point=True)
        graph.add_node(node, **attrs)

    for row in _rows(dataset, "places", queries):
        place = str(row.place)
        if place not in graph:
            continue
        if row.lat is not None and row.long is not None:
            try:
                graph.nodes[place]["lat"] = float(row.lat)
                graph.nodes[place]["long"] = float(row.long)
            except ValueError:
                pass
        if row.country is not None:
            graph.nodes[place]["country"] = str(row.country)
            if row.iso is not None:
                graph.nodes[place]["iso"] = str(row.iso)

    # -- relationships
    rel_rows = sorted(
        _rows(dataset, "relations", queries),
        key=lambda r: (str(r.type), str(r.rel), str(r["from"]), str(r.to), str(r.qualifier or "")),
    )
    milestones: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    relations: dict[tuple[str, str, str, str], str | None] = {}
    for row in rel_rows:
        kind, rel, source, target = str(row.type), str(row.rel), str(row["from"]), str(row.to)
        qualifier = None if row.qualifier is None else str(row.qualifier)
        if kind == "milestone":
            milestones[rel].append((source, target, qualifier))
            continue
        if kind == "partnership" and source >= target:
            continue  # the query gives both orders (and each partner with itself)
        relations.setdefault((kind, rel, source, target), qualifier)

    def add_edge(
        key: str,
        source: str,
        target: str,
        kind: str,
        *,
        rel: str | None,
        qualifier: str | None,
        when: Mapping[str, str],
        timed: bool,
        **extra: object,
    ) -> None:
        if source not in graph or target not in graph:
            return
        start, end = when.get("start"), when.get("end")
        y0, y1 = year_of(start), year_of(end)
        if kind in POINT_TYPES and y1 is None:
            y1 = y0
        if kind == "partnership":
            group = local_name(qualifier) if qualifier else "partnership"
            keys = {"partnership", group, *_ancestors(group, broader)}
        else:
            group = TYPE_GROUP.get(kind) or LINKS.get(str(extra.get("prop")), ("", kind, False))[1]
            keys = {group, kind} | (
                {"event"} if kind in ("participation", "milestone", "location", "organizer") else set()
            )
        state = states.get(rel or "", {})
        graph.add_edge(
            source,
            target,
            key=key,
            type=kind,
            group=group,
            keys=frozenset(keys),
            rel=rel,
            qualifier=qualifier,
            start=start,
            end=end,
            y0=y0,
            y1=y1,
            timed=timed,
            status=state.get("status"),
            dormant_from=state.get("dormant_from"),
            replaced_by=state.get("replaced_by"),
            symmetric=kind in SYMMETRIC_TYPES,
            **extra,
        )

    for (kind, rel, source, target), qualifier in relations.items():
        if kind == "partnership" and root is not None and target == root:
            source, target = target, source
        when = dates.get(rel, {})
        if kind == "participation" and not when:
            when = dates.get(target, {})  # a participation happens when its event does
        add_edge(f"{rel}", source, target, kind, rel=rel, qualifier=qualifier, when=when, timed=True)

    # a replaced partnership without an end date ends where its successor begins
    for _, _, data in graph.edges(data=True):
        if data["type"] == "partnership" and data.get("replaced_by") and data["y1"] is None:
            successor = dates.get(str(data["replaced_by"]), {}).get("start")
            data["y1"] = year_of(successor)

    for partnership, links in sorted(milestones.items()):
        partners = sorted({target for _, target, _ in links})
        others = [p for p in partners if p != root] or partners  # the partner city, not the focus itself
        for event in sorted({e for e, _, _ in links}):
            for partner in others:
                add_edge(
                    f"{event}|milestone|{partner}",
                    event,
                    partner,
                    "milestone",
                    rel=event,
                    qualifier=None,
                    when=dates.get(event, {}),
                    timed=True,
                    via=partnership,
                )

    # plain links
    edge_of_rel: dict[str, tuple[str, str]] = {}
    for u, v, data in graph.edges(data=True):
        if data["rel"] and data["type"] != "milestone":
            edge_of_rel.setdefault(data["rel"], (u, v))
    for row in sorted(_rows(dataset, "links", queries), key=lambda r: (str(r["from"]), str(r.property), str(r.to))):
        source, prop, target = str(row["from"]), str(row.property), str(row.to)
        kind, _, by_event = LINKS[prop]
        if kind == "conflict" and (source not in graph or str(target) < source):
            continue  # symmetric: one edge per pair, between resources only
        via = None
        if source not in graph and kind == "sdg" and source in edge_of_rel:
            via, (u, v) = source, edge_of_rel[source]
            source = v if v != root else u
        when = dates.get(via or source, {}) if (by_event or via) else {}
        add_edge(
            f"{row['from']}|{kind}|{target}",
            source,
            target,
            kind,
            rel=via or (str(row["from"]) if by_event else None),
            qualifier=None,
            when=when,
            timed=bool(by_event or via),
            prop=prop,
            via=via,
        )

    _assign_classes(graph, root, broader)
    title = {}
    for row in _rows(dataset, "dataset", queries):
        if isinstance(row.title, Literal):
            title.setdefault(row.title.language or "", str(row.title))
    return Projection(graph, root if root in graph else None, _plain(texts), dict(broader), dict(citations), title)


PROV_DERIVATION = "http://www.w3.org/ns/prov#qualifiedDerivation"
PROV_ENTITY = "http://www.w3.org/ns/prov#entity"
CKG_QUOTE = str(CKG.quote)
CKG_CONFIDENCE = str(CKG.confidence)
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
SCHEMA_URL = str(SCHEMA.url)
DCTERMS_TITLE = "http://purl.org/dc/terms/title"


def _citations(rows: Iterable) -> dict[str, list[Citation]]:
    """Citations per cited statement, from the one-fact-per-row answer of citations.rq."""
    cited: dict[str, list[str]] = defaultdict(list)
    facts: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        subject, prop, value = str(row.subject), str(row.property), row.value
        if prop == PROV_DERIVATION:
            cited[subject].append(str(value))
        else:
            facts[subject][prop].append(value)
    out: dict[str, list[Citation]] = {}
    for thing, names in cited.items():
        cites = []
        for name in sorted(set(names)):
            fact = facts.get(name, {})
            if not fact.get(PROV_ENTITY):
                continue
            source = str(fact[PROV_ENTITY][0])
            source_facts = facts.get(source, {})
            cite = Citation(source)
            urls = source_facts.get(SCHEMA_URL, [])
            cite.url = str(urls[0]) if urls else None
            for title in source_facts.get(DCTERMS_TITLE, []):
                lang = title.language or "" if isinstance(title, Literal) else ""
                cite.title.setdefault(lang, str(title))
            quotes = fact.get(CKG_QUOTE, [])
            if quotes:
                cite.quote = str(quotes[0])
                cite.quote_lang = quotes[0].language if isinstance(quotes[0], Literal) else None
            comments = fact.get(RDFS_COMMENT, [])
            cite.comment = str(comments[0]) if comments else None
            confidence = fact.get(CKG_CONFIDENCE, [])
            if confidence:
                cite.confidence = CONFIDENCE.get(str(confidence[0]), local_name(str(confidence[0])))
            cites.append(cite)
        cites.sort(key=lambda c: (c.url or "", c.quote or "", c.comment or ""))
        out[thing] = cites
    return out


def _plain(texts: Mapping[str, Mapping[str, Mapping[str, str]]]) -> dict[str, dict[str, dict[str, str]]]:
    return {k: {p: dict(v) for p, v in props.items()} for k, props in texts.items()}


def _ancestors(kind: str, broader: Mapping[str, list[str]]) -> set[str]:
    found: set[str] = set()
    todo = list(broader.get(kind, []))
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(broader.get(current, []))
    return found


def _assign_classes(graph: nx.MultiDiGraph, root: str | None, broader: Mapping[str, list[str]]) -> None:
    """Static classes: the focus; partner cities by their strongest partnership that has not ended."""
    for node, data in graph.nodes(data=True):
        data["cls"] = data["base_cls"]
        if node == root:
            data["cls"] = "focus"
            continue
        if data["base_cls"] != "city":
            continue
        kinds = [
            (d["status"] == "ended", kind_rank(d["group"], dict(broader)), d["group"])
            for d in _partnerships(graph, node)
        ]
        if kinds:
            data["cls"] = f"partner:{min(kinds)[2]}"


def _partnerships(graph: nx.MultiDiGraph, node: str) -> Iterable[dict]:
    for _, _, d in graph.out_edges(node, data=True):
        if d["type"] == "partnership":
            yield d
    for _, _, d in graph.in_edges(node, data=True):
        if d["type"] == "partnership":
            yield d


# --------------------------------------------------------------------------------------------------------
# Selections: what a view shows (--focus, --depth, --kinds, --classes)
# --------------------------------------------------------------------------------------------------------


def class_matches(cls: str, wanted: Iterable[str]) -> bool:
    wanted = set(wanted)
    return cls in wanted or (cls.startswith("partner:") and ("partner" in wanted or cls.split(":", 1)[1] in wanted))


def select(
    proj: Projection,
    *,
    focus: str | None = None,
    depth: int | None = None,
    kinds: Iterable[str] = (),
    classes: Iterable[str] = (),
) -> Projection:
    """The part of the projection a view shows; the focus stays in it whatever the filters."""
    graph = proj.graph
    focus = focus or proj.focus
    kinds, classes = set(kinds), set(classes)
    if kinds:
        unknown = kinds - proj.kind_keys() - _known_kinds()
        if unknown:
            raise UsageError(
                f"unknown relation kind {', '.join(sorted(unknown))}",
                hint=f"use one of {', '.join(sorted(proj.kind_keys()))}",
            )
        keep = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["keys"] & kinds]
        nodes = {n for u, v, _ in keep for n in (u, v)} | ({focus} if focus in graph else set())
        graph = nx.MultiDiGraph(graph.edge_subgraph(keep))
        graph.add_nodes_from((n, proj.graph.nodes[n]) for n in nodes)
    if classes:
        unknown = {c for c in classes if c not in CLASS_LABELS and not c.startswith("partner:")}
        unknown -= {k.split(":", 1)[-1] for k in _node_classes(proj.graph)}
        if unknown:
            raise UsageError(
                f"unknown class {', '.join(sorted(unknown))}",
                hint=f"use one of {', '.join(sorted(set(CLASS_LABELS) | {'partner'}))}",
            )
        keep_nodes = [n for n, d in graph.nodes(data=True) if n == focus or class_matches(d["cls"], classes)]
        graph = nx.MultiDiGraph(graph.subgraph(keep_nodes))
    if depth is not None:
        if focus is None or focus not in graph:
            raise UsageError("--depth needs a focus resource that is in the view", hint="give --focus IRI")
        near = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), focus, cutoff=depth)
        graph = nx.MultiDiGraph(graph.subgraph(near))
    elif not kinds and not classes:
        graph = graph.copy()
    selected = proj.copy_with(graph, focus)
    if focus != proj.focus:
        _assign_classes(graph, focus, selected.broader)
    return selected


def _known_kinds() -> set[str]:
    return {"partnership", *TYPE_GROUP.values(), "event", *(g for _, g, _ in LINKS.values()), *RELATION_LABELS}


def _node_classes(graph: nx.MultiDiGraph) -> set[str]:
    return {d["cls"] for _, d in graph.nodes(data=True)}


# --------------------------------------------------------------------------------------------------------
# The year filter (mirrored in templates/network.js: keep the two in step)
# --------------------------------------------------------------------------------------------------------


def edge_active(data: Mapping[str, object], year: int | None, show_undated: bool = False) -> bool | None:
    """True/False for a dated relation at ``year``; None for a structural link (decided by its source)."""
    if year is None:
        return True
    if not data["timed"]:
        return None
    y0, y1 = data["y0"], data["y1"]
    if y0 is None:
        return show_undated and (y1 is None or year <= y1)  # type: ignore[operator]
    return y0 <= year and (y1 is None or year <= y1)  # type: ignore[operator]


def node_active(data: Mapping[str, object], year: int | None) -> bool:
    """Resources with dates of their own (events) exist in the years they span."""
    if not data.get("point") or data.get("y0") is None:
        return False
    if year is None:
        return True
    return data["y0"] <= year <= (data.get("y1") or data["y0"])  # type: ignore[operator]


def class_at(
    graph: nx.MultiDiGraph,
    node: str,
    year: int | None,
    active: set[tuple[str, str, str]],
    broader: dict[str, list[str]],
) -> str:
    """A city's class in ``year``: its strongest partnership active then, else a plain city."""
    data = graph.nodes[node]
    if year is None or data["cls"] == "focus" or data["base_cls"] != "city":
        return data["cls"]
    kinds = [
        (kind_rank(d["group"], broader), d["group"])
        for u, v, k, d in _incident(graph, node)
        if d["type"] == "partnership" and (u, v, k) in active
    ]
    return f"partner:{min(kinds)[1]}" if kinds else "city"


def _incident(graph: nx.MultiDiGraph, node: str):
    yield from graph.out_edges(node, keys=True, data=True)
    yield from graph.in_edges(node, keys=True, data=True)


@dataclass
class Visible:
    nodes: set[str]
    edges: set[tuple[str, str, str]]
    classes: dict[str, str]

    def counts(self) -> tuple[int, int]:
        return len(self.nodes), len(self.edges)


def visible(
    proj: Projection,
    year: int | None = None,
    *,
    groups: Iterable[str] | None = None,
    classes: Iterable[str] | None = None,
    show_undated: bool = False,
) -> Visible:
    """What the page shows for a year (None: all years), relation groups and classes (None: all)."""
    graph = proj.graph
    groups = None if groups is None else set(groups)
    classes = None if classes is None else set(classes)
    focus = proj.focus if proj.focus in graph else None

    timed_active: set[tuple[str, str, str]] = set()
    structural: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for u, v, k, d in graph.edges(keys=True, data=True):
        if groups is not None and d["group"] not in groups:
            continue
        state = edge_active(d, year, show_undated)
        if state is None:
            structural[u].append((u, v, k))
        elif state:
            timed_active.add((u, v, k))

    cls = {n: class_at(graph, n, year, timed_active, proj.broader) for n in graph}
    allowed = {n for n in graph if n == focus or classes is None or cls[n] in classes}

    edges = {(u, v, k) for u, v, k in timed_active if u in allowed and v in allowed}
    nodes = {n for u, v, _ in edges for n in (u, v)}
    if focus is not None:
        nodes.add(focus)
    for n, d in graph.nodes(data=True):
        if n in allowed and (node_active(d, year) or (year is None and graph.degree(n) == 0)):
            nodes.add(n)
    todo = list(nodes)
    while todo:
        source = todo.pop()
        for u, v, k in structural.get(source, ()):
            if v in allowed:
                edges.add((u, v, k))
                if v not in nodes:
                    nodes.add(v)
                    todo.append(v)
    return Visible(nodes, edges, {n: cls[n] for n in nodes})


def today_year() -> int:
    return dt.date.today().year
