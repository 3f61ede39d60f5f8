"""The projection's model: what a node and an edge of the multigraph are, the classes and relation kinds,
and :class:`Projection` (the multigraph plus names, sources and concepts). See citykg/projection/__init__.py."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from citykg.errors import UsageError
from citykg.namespaces import CKG, CKGV, ORG, SCHEMA
from citykg.projection.words import CLASS_LABELS, kind_rank, pick
from citykg.queries import Parameter

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


@functools.cache
def local_name(iri: str) -> str:
    """The last segment of an IRI (cached: the same few kinds and qualifiers come up on every edge)."""
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
    #: Set on a part of the projection (``project_around``): the focus and depth it holds the neighbourhood
    #: of, and the whole projection, for what the part cannot answer (another selection, an unknown relation
    #: kind or class, suggestions for a name that is not in the part).
    scope: tuple[str, int] | None = field(default=None, repr=False, compare=False)
    whole: Callable[[], Projection] | None = field(default=None, repr=False, compare=False)
    #: Set by ``select`` on what it returns: the (focus, depth, kinds) it was selected with, so that selecting
    #: the same again (the command selects, then the page) returns it instead of copying it again.
    selected: tuple[str | None, int | None, frozenset[str]] | None = field(default=None, repr=False, compare=False)
    #: What is computed from the graph for a view (``visible``, the fold), by what it was computed for: the
    #: page's data and the command's report ask for the same (a projection's graph is not changed once built
    #: or selected; ``select`` copies).
    memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False, compare=False)

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
        if self.whole is not None:
            return self.whole().resolve(value, base, name)
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


def add_edges(graph: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str, dict]], *, copy: bool = True) -> None:
    """``graph.add_edges_from(edges)`` for keyed edges (a repeated key updates the edge's data), without its
    per-edge overhead (a call of ``add_edge`` and a cache reset per edge: 3x the time on 50k edges). The edges'
    data dicts are copied unless ``copy`` is false (fresh dicts the caller hands over)."""
    succ, pred, node_data = graph._succ, graph._pred, graph._node
    for u, v, key, data in edges:
        for n in (u, v):
            if n not in succ:
                succ[n], pred[n], node_data[n] = {}, {}, {}
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = succ[u][v] = pred[v][u] = {}
        if key in keydict:
            keydict[key].update(data)
        else:
            keydict[key] = dict(data) if copy else data
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(graph)
