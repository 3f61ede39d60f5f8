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
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import networkx as nx
from rdflib import Graph

from citykg.errors import UsageError
from citykg.namespaces import CKG, CKGV, ORG, SCHEMA
from citykg.queries import NamedQuery, Parameter, parse_header
from citykg.store import focus_resource
from citykg.views.i18n import CLASS_LABELS, RELATION_LABELS, pick
from citykg.views.rows import BlankId, Lit, Row, Rows, Value, as_text, first, order_key, rows_of
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
    #: Set on a part of the projection (``project_around``): the focus and depth it holds the neighbourhood
    #: of, and the whole projection, for what the part cannot answer (another selection, an unknown relation
    #: kind or class, suggestions for a name that is not in the part).
    scope: tuple[str, int] | None = field(default=None, repr=False, compare=False)
    whole: Callable[[], Projection] | None = field(default=None, repr=False, compare=False)

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


#: The view queries the projection is built from (queries/views/NAME.rq).
QUERY_NAMES = ("texts", "broader", "dates", "citations", "states", "nodes", "places", "relations", "links", "dataset")


@dataclass
class Answers:
    """The rows of the view queries, as plain values (citykg.views.rows): all of them, or enough of them for one
    neighbourhood (:func:`project_around`)."""

    texts: list[Row] = field(default_factory=list)
    broader: list[Row] = field(default_factory=list)
    dates: list[Row] = field(default_factory=list)
    citations: list[Row] = field(default_factory=list)
    states: list[Row] = field(default_factory=list)
    nodes: list[Row] = field(default_factory=list)
    places: list[Row] = field(default_factory=list)
    relations: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    dataset: list[Row] = field(default_factory=list)


def _root(dataset: Graph, focus: str | None) -> str | None:
    if focus:
        return focus
    root = focus_resource(dataset)  # type: ignore[arg-type]
    return None if root is None else str(root)


def project(dataset: Graph, *, queries: Path | None = None, focus: str | None = None) -> Projection:
    """The whole dataset as a multigraph (see the module docstring); ``focus`` defaults to void:rootResource.

    On the Oxigraph store the queries run on pyoxigraph directly and their terms are read as plain values
    (citykg.views.rows); on rdflib's store rdflib runs them. Both give the same projection."""
    source = rows_of(dataset)
    answers = Answers(**{name: source.rows(load_query(name, queries)) for name in QUERY_NAMES})
    return build(answers, _root(dataset, focus))


def build(answers: Answers, root: str | None) -> Projection:
    """The projection from the rows of the view queries. Where a resource has several values of something it
    shows one (a label per language, a start date …), it shows the first in the order of ``rows.order_key``, so
    the projection never depends on the order a store returns rows in, nor on duplicate rows."""
    texts = _texts(answers.texts)
    broader = _broader(answers.broader)
    dates = _dates(answers.dates)
    citations = _citations(answers.citations)
    states = _states(answers.states)

    graph = nx.MultiDiGraph()
    best, node_kind = _classes_of(answers.nodes)
    for node, (_, cls) in sorted(best.items()):
        attrs: dict[str, object] = {"cls": cls, "base_cls": cls}
        if node in node_kind:
            attrs["kind"] = node_kind[node]
        when = dates.get(node, {})
        if cls == "event":
            start, end = when.get("start"), when.get("end")
            attrs.update(start=start, end=end, y0=year_of(start), y1=year_of(end) or year_of(start), point=True)
        graph.add_node(node, **attrs)
    _add_places(graph, answers.places)

    no_dates: dict[str, str] = {}
    for spec in edge_specs(answers.relations, answers.links, graph, root):
        when = no_dates
        for key in spec.when:
            when = dates.get(key, no_dates)
            if when:
                break
        start, end = when.get("start"), when.get("end")
        y0, y1 = year_of(start), year_of(end)
        kind = spec.kind
        if kind in POINT_TYPES and y1 is None:
            y1 = y0
        if kind == "partnership":
            group = local_name(spec.qualifier) if spec.qualifier else "partnership"
            keys = {"partnership", group, *_ancestors(group, broader)}
        else:
            group = TYPE_GROUP.get(kind) or LINKS.get(str(spec.extra.get("prop")), ("", kind, False))[1]
            keys = {group, kind} | (
                {"event"} if kind in ("participation", "milestone", "location", "organizer") else set()
            )
        state = states.get(spec.rel or "", {})
        replaced_by = state.get("replaced_by")
        if kind == "partnership" and replaced_by and y1 is None:
            # a replaced partnership without an end date ends where its successor begins
            y1 = year_of(dates.get(str(replaced_by), {}).get("start"))
        graph.add_edge(
            spec.source,
            spec.target,
            key=spec.key,
            type=kind,
            group=group,
            keys=frozenset(keys),
            rel=spec.rel,
            qualifier=spec.qualifier,
            start=start,
            end=end,
            y0=y0,
            y1=y1,
            timed=spec.timed,
            status=state.get("status"),
            dormant_from=state.get("dormant_from"),
            replaced_by=replaced_by,
            symmetric=kind in SYMMETRIC_TYPES,
            **spec.extra,
        )

    _assign_classes(graph, root, broader)
    title: dict[str, str] = {}
    for _, value in sorted(answers.dataset, key=lambda row: order_key(row[1])):
        if isinstance(value, Lit):
            title.setdefault(value.language or "", value.value)
    return Projection(graph, root if root in graph else None, texts, broader, citations, title)


class EdgeSpec(NamedTuple):
    """One edge of the projection before its dates and states are known: ``when`` names the resources whose
    dates it takes (the first that has any)."""

    key: str
    source: str
    target: str
    kind: str
    rel: str | None
    qualifier: str | None
    when: tuple[str, ...]
    timed: bool
    extra: Mapping[str, object] = {}


def edge_specs(
    relations: Iterable[Row], links: Iterable[Row], nodes: Container[str], root: str | None
) -> list[EdgeSpec]:
    """The edges between resources that the rows of relations.rq and links.rq give (one rule for the whole
    graph and for a neighbourhood): relationships, partnership milestones, plain links."""
    out: list[EdgeSpec] = []
    milestones: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen: dict[tuple[str, str, str, str], str | None] = {}
    for row in relations:
        rel, kind, source, target = (v if type(v) is str else str(as_text(v)) for v in row[:4])
        if kind == "milestone":
            milestones[rel].append((source, target))
            continue
        if kind == "partnership":
            if source == target:
                continue  # the query gives each partner with itself, and both orders: one edge per pair
            source, target = min(source, target), max(source, target)
        qualifier = as_text(row[4]) or ""
        key = (kind, rel, source, target)
        if key not in seen or qualifier < (seen[key] or ""):
            seen[key] = qualifier or None  # the first qualifier of a relation
    edge_of_rel: dict[str, tuple[str, str]] = {}
    for (kind, rel, source, target), qualifier in sorted(seen.items()):
        if kind == "partnership" and root is not None and target == root:
            source, target = target, source
        if source not in nodes or target not in nodes:
            continue
        when = (rel, target) if kind == "participation" else (rel,)  # a participation happens when its event does
        out.append(EdgeSpec(rel, source, target, kind, rel, qualifier, when, True))
        if rel not in edge_of_rel or (source, target) < edge_of_rel[rel]:
            edge_of_rel[rel] = (source, target)

    for partnership, pairs in sorted(milestones.items()):
        partners = sorted({target for _, target in pairs})
        others = [p for p in partners if p != root] or partners  # the partner city, not the focus itself
        for event in sorted({e for e, _ in pairs}):
            if event not in nodes:
                continue
            for partner in others:
                if partner in nodes:
                    key = f"{event}|milestone|{partner}"
                    out.append(
                        EdgeSpec(key, event, partner, "milestone", event, None, (event,), True, {"via": partnership})
                    )

    for origin, prop, target in sorted({(as_text(r[0]), as_text(r[1]), as_text(r[2])) for r in links}):
        kind, _, by_event = LINKS[prop]
        source = origin
        if kind == "conflict" and (source not in nodes or target < source):
            continue  # symmetric: one edge per pair, between resources only
        via = None
        if source not in nodes and kind == "sdg" and source in edge_of_rel:
            via, (u, v) = source, edge_of_rel[source]
            source = v if v != root else u
        if source not in nodes or target not in nodes:
            continue
        timed = bool(by_event or via)
        out.append(
            EdgeSpec(
                f"{origin}|{kind}|{target}",
                source,
                target,
                kind,
                via or (origin if by_event else None),
                None,
                ((via or source),) if timed else (),
                timed,
                {"prop": prop, "via": via},
            )
        )
    return out


def _texts(rows: Iterable[Row]) -> dict[str, dict[str, dict[str, str]]]:
    texts: dict[str, dict[str, dict[str, str]]] = {}
    for thing, prop, value in rows:
        if not isinstance(value, Lit):
            continue  # names and descriptions are literals
        by_lang = texts.setdefault(str(thing), {}).setdefault(str(prop), {})
        lang = value.language or ""
        if lang not in by_lang or value.value < by_lang[lang]:
            by_lang[lang] = value.value
    return texts


def _broader(rows: Iterable[Row]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for concept, parent in rows:
        found[local_name(str(as_text(concept)))].add(local_name(str(as_text(parent))))
    return {concept: sorted(found[concept]) for concept in sorted(found)}


def _dates(rows: Iterable[Row]) -> dict[str, dict[str, str]]:
    dates: dict[str, dict[str, str]] = {}
    for thing, start, end in rows:
        for name, value in (("start", start), ("end", end)):
            if value is not None:
                when = dates.setdefault(str(thing), {})
                lexical = str(as_text(value))
                if name not in when or lexical < when[name]:
                    when[name] = lexical
    return dates


def _states(rows: Iterable[Row]) -> dict[str, dict[str, object]]:
    statuses: dict[str, set[str]] = defaultdict(set)
    successors: dict[str, set[str]] = defaultdict(set)
    suspensions: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for rel, status, replaced_by, suspended, suspension in rows:
        rel = str(rel)
        if status is not None:
            statuses[rel].add(str(as_text(status)))
        if replaced_by is not None:
            successors[rel].add(str(as_text(replaced_by)))
        if suspended is not None:
            year = year_of(as_text(suspended))
            if year is not None:
                suspensions[rel].add((year, str(as_text(suspension))))
    states: dict[str, dict[str, object]] = defaultdict(dict)
    for rel, values in statuses.items():
        status = min(values)
        states[rel]["status"] = STATUS.get(status, local_name(status))
    for rel, values in successors.items():
        states[rel]["replaced_by"] = min(values)
    for rel, pairs in suspensions.items():
        year, suspension = min(pairs)
        states[rel]["dormant_from"] = year
        states[rel]["suspension"] = suspension
    return dict(states)


def _classes_of(rows: Iterable[Row]) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """The class of each node (the first of CLASS_BY_TYPE it has) and its kind (events)."""
    best: dict[str, tuple[int, str]] = {}
    kinds: dict[str, str] = {}
    for node, rdf_type, kind in rows:
        node = str(node)
        rank_cls = CLASS_PRIORITY.get(str(as_text(rdf_type)))
        if rank_cls and (node not in best or rank_cls[0] < best[node][0]):
            best[node] = rank_cls
        if kind is not None:
            value = str(as_text(kind))
            if node not in kinds or value < kinds[node]:
                kinds[node] = value
    return best, kinds


def _add_places(graph: nx.MultiDiGraph, rows: Iterable[Row]) -> None:
    coordinates: dict[str, list[tuple[str, str]]] = defaultdict(list)
    countries: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for place, lat, long, country, iso in rows:
        place = str(place)
        if place not in graph:
            continue
        if lat is not None and long is not None:
            coordinates[place].append((str(as_text(lat)), str(as_text(long))))
        if country is not None:
            countries[place].append((str(as_text(country)), "" if iso is None else str(as_text(iso))))
    for place, pairs in coordinates.items():
        for lat, long in sorted(pairs):
            try:
                graph.nodes[place]["lat"], graph.nodes[place]["long"] = float(lat), float(long)
                break
            except ValueError:
                continue
    for place, pairs in countries.items():
        country = min(pairs)[0]
        graph.nodes[place]["country"] = country
        codes = sorted(iso for c, iso in pairs if c == country and iso)
        if codes:
            graph.nodes[place]["iso"] = codes[0]


PROV_DERIVATION = "http://www.w3.org/ns/prov#qualifiedDerivation"
PROV_ENTITY = "http://www.w3.org/ns/prov#entity"
CKG_QUOTE = str(CKG.quote)
CKG_CONFIDENCE = str(CKG.confidence)
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
SCHEMA_URL = str(SCHEMA.url)
DCTERMS_TITLE = "http://purl.org/dc/terms/title"


def _citations(rows: Iterable[Row]) -> dict[str, list[Citation]]:
    """Citations per cited statement, from the one-fact-per-row answer of citations.rq."""
    cited: dict[str, set[str]] = defaultdict(set)
    facts: dict[str, dict[str, list[Value]]] = defaultdict(lambda: defaultdict(list))
    for subject, prop, value in rows:
        subject, prop = str(subject), str(prop)
        if prop == PROV_DERIVATION:
            cited[subject].add(str(as_text(value)))
        else:
            facts[subject][prop].append(value)
    out: dict[str, list[Citation]] = {}
    for thing, names in cited.items():
        cites = []
        for name in sorted(names):
            fact = facts.get(name, {})
            if not fact.get(PROV_ENTITY):
                continue
            source = str(as_text(first(fact[PROV_ENTITY])))
            source_facts = facts.get(source, {})
            cite = Citation(source)
            urls = source_facts.get(SCHEMA_URL, [])
            cite.url = as_text(first(urls)) if urls else None
            for title in sorted(source_facts.get(DCTERMS_TITLE, []), key=order_key):
                lang = (title.language or "") if isinstance(title, Lit) else ""
                cite.title.setdefault(lang, str(as_text(title)))
            quotes = fact.get(CKG_QUOTE, [])
            if quotes:
                quote = first(quotes)
                cite.quote = as_text(quote)
                cite.quote_lang = quote.language if isinstance(quote, Lit) else None
            comments = fact.get(RDFS_COMMENT, [])
            cite.comment = as_text(first(comments)) if comments else None
            confidence = fact.get(CKG_CONFIDENCE, [])
            if confidence:
                level = str(as_text(first(confidence)))
                cite.confidence = CONFIDENCE.get(level, local_name(level))
            cites.append(cite)
        cites.sort(key=lambda c: (c.url or "", c.quote or "", c.comment or ""))
        out[thing] = cites
    return out


# --------------------------------------------------------------------------------------------------------
# The neighbourhood of one resource (citykg view --focus X --depth N on a large graph)
# --------------------------------------------------------------------------------------------------------


class _Unscopable(Exception):
    """The neighbourhood cannot be fetched on its own (it runs through blank nodes): project everything."""


def project_around(
    dataset: Graph, focus: str, depth: int, *, queries: Path | None = None, source: Rows | None = None
) -> Projection | None:
    """Enough of the projection for the views of the depth-``depth`` neighbourhood of ``focus``: the queries run
    only for the resources and relationships within reach, so the time grows with the neighbourhood, not the
    graph. ``select(part, focus=focus, depth=depth, …)`` equals ``select(project(dataset), focus=focus,
    depth=depth, …)`` (kinds and classes included), node for node and edge for edge with every attribute, and
    every name, date and source those need. None when ``focus`` is not drawn as a node (the caller projects
    everything and reports the error from there).

    How: the neighbourhood is found hop by hop, from the focus outwards, with the same edge rule as the whole
    projection (``edge_specs``) on rows of relations.rq and links.rq restricted to the frontier (as ?from and
    as ?to), with every partnership's milestones and every SDG-linked relationship complete. Then the rows of
    the other queries are fetched for what is within reach: nodes, relationships, their dates, states,
    citations and sources, names, places. Partnerships of the outermost resources lead outside too, since a
    partner city's class depends on all its partnerships."""
    source = source or rows_of(dataset)
    root = _root(dataset, None)
    try:
        answers = _Neighbourhood(source, queries, root).collect(focus, depth)
    except _Unscopable:
        return None
    if answers is None:
        return None
    part = build(answers, root)
    part.scope = (focus, depth)
    part.whole = lambda: project(dataset, queries=queries)
    return part


SDG_PROPERTY = str(CKG.addressesSDG)

#: From what share of the store's typed resources on a query's whole answer is read rather than one restricted
#: to a neighbourhood (Oxigraph; measured on the 1M-triple synthetic world: the break-even of a whole answer
#: read in index order against the IRIs looked up one by one). Relations are what the neighbourhood grows by:
#: from a large ring on, the next one is larger still.
WHOLE_SHARE = {
    "relations": 0.02,
    "links": 0.01,
    "nodes": 0.12,
    "texts": 0.06,
    "dates": 0.05,
    "states": 0.02,
    "citations": 0.2,
    "places": 0.025,
}


class _Neighbourhood:
    def __init__(self, source: Rows, queries: Path | None, root: str | None) -> None:
        self.source = source
        self.query = {name: load_query(name, queries) for name in QUERY_NAMES}
        self.root = root
        self.nodes: list[Row] = []
        self.node_set: set[str] = set()
        self.checked: set[str] = set()
        self.relations: set[Row] = set()
        self.links: set[Row] = set()
        self.done: dict[tuple[str, str], set[str]] = defaultdict(set)  # (query, variable) -> IRIs asked for

    # -- fetching ------------------------------------------------------------------------------------------
    def rows(self, name: str, var: str, iris: Iterable[str]) -> list[Row]:
        done = self.done[(name, var)]
        wanted = {iri for iri in iris if iri not in done}
        if any(isinstance(iri, BlankId) for iri in wanted):
            raise _Unscopable
        done.update(wanted)
        return self.source.rows(self.query[name], var, wanted, share=WHOLE_SHARE[name]) if wanted else []

    def check(self, iris: Iterable[str | None]) -> None:
        """Learn which of these are drawn as nodes (blank nodes never are: nodes.rq keeps IRIs only)."""
        wanted = {iri for iri in iris if iri is not None and not isinstance(iri, BlankId) and iri not in self.checked}
        self.checked |= wanted
        for row in self.source.rows(self.query["nodes"], "node", wanted, share=WHOLE_SHARE["nodes"]) if wanted else ():
            self.nodes.append(row)
            if CLASS_PRIORITY.get(str(as_text(row[1]))):
                self.node_set.add(str(row[0]))

    def relations_of(self, var: str, iris: Iterable[str]) -> list[Row]:
        rows = self.rows("relations", var, iris)
        self.relations.update(rows)
        # a milestone edge needs every milestone of its partnership (which partner is not the root)
        self.complete({r[0] for r in rows if as_text(r[1]) == "milestone"})
        return rows

    def complete(self, rels: Iterable[Value]) -> None:
        """Every row of relations.rq for these relationships, and which of their ends are nodes."""
        rows = self.rows("relations", "rel", {r for r in rels if r is not None})
        self.relations.update(rows)
        self.check(as_text(v) for r in rows for v in (r[2], r[3]))

    def links_of(self, var: str, iris: Iterable[str], *, ends: bool = True) -> list[Row]:
        """Rows of links.rq; ``ends``: learn which of their ends are nodes (the outermost ring needs not: an
        edge from it to an end not yet checked leads outside)."""
        rows = self.rows("links", var, iris)
        self.links.update(rows)
        if ends:
            self.check(as_text(v) for r in rows for v in (r[0], r[2]))
        # an SDG link of a relationship is drawn from one of the relationship's ends, chosen among all of them
        sdg = [r for r in rows if as_text(r[1]) == SDG_PROPERTY]
        self.check(as_text(r[0]) for r in sdg)
        self.complete({r[0] for r in sdg if as_text(r[0]) not in self.node_set})
        return rows

    # -- the neighbourhood -----------------------------------------------------------------------------------
    def collect(self, focus: str, depth: int) -> Answers | None:
        self.check([focus, self.root])
        if focus not in self.node_set:
            return None
        distance = {focus: 0}
        frontier = {focus}
        for hop in range(depth + 1):
            last = hop == depth
            if last:
                # the outermost ring: edges among its own resources, and every partnership of its cities
                found = self.relations_of("from", frontier)
                self.check(as_text(r[3]) for r in found if as_text(r[1]) == "partnership")
                self.links_of("from", frontier, ends=False)
                self.links_of("to", frontier, ends=False)
                break
            found = self.relations_of("from", frontier) + self.relations_of("to", frontier)
            self.check(as_text(v) for r in found for v in (r[2], r[3]))
            self.links_of("from", frontier)
            self.links_of("to", frontier)
            # SDG links of the relationships at the frontier lead from the frontier
            self.links_of("from", {str(as_text(r[0])) for r in found if as_text(r[1]) != "milestone"})
            distance = self._distances(focus, hop + 1)
            frontier = {n for n, d in distance.items() if d == hop + 1}
            if not frontier:
                break
        return self._answers(focus, depth)

    def _specs(self) -> list[EdgeSpec]:
        return edge_specs(self.relations, self.links, self.node_set, self.root)

    def _distances(self, focus: str, cutoff: int) -> dict[str, int]:
        neighbours: dict[str, set[str]] = defaultdict(set)
        for spec in self._specs():
            neighbours[spec.source].add(spec.target)
            neighbours[spec.target].add(spec.source)
        distance = {focus: 0}
        ring = [focus]
        for step in range(1, cutoff + 1):
            following = []
            for node in ring:
                for other in neighbours.get(node, ()):
                    if other not in distance:
                        distance[other] = step
                        following.append(other)
            ring = following
        return distance

    def _answers(self, focus: str, depth: int) -> Answers:
        specs = self._specs()
        reach = self._distances(focus, depth)
        inside = [s for s in specs if s.source in reach and s.target in reach]
        touching = [s for s in specs if s.source in reach or s.target in reach]
        rels = {s.rel for s in inside if s.rel} | {str(s.extra["via"]) for s in inside if s.extra.get("via")}
        # a partner city's class depends on the status of all its partnerships
        states = self.rows("states", "rel", {s.rel for s in touching if s.rel and s.kind == "partnership"} | rels)
        successors = {str(as_text(r[2])) for r in states if r[2] is not None and str(as_text(r[0])) in rels}
        classes, _ = _classes_of(self.nodes)
        events = {n for n in reach if classes.get(n, (0, ""))[1] == "event"}
        when = {key for s in inside for key in s.when}
        dates = self.rows("dates", "thing", events | rels | when | successors)
        cited = self.rows("citations", "subject", rels | events)
        names = {str(as_text(r[2])) for r in cited if r[1] == PROV_DERIVATION and r[2] is not None}
        cited += self.rows("citations", "subject", names)
        origins = {str(as_text(r[2])) for r in cited if r[1] == PROV_ENTITY and r[2] is not None}
        cited += self.rows("citations", "subject", origins)
        places = self.rows("places", "place", reach)
        countries = {str(as_text(r[3])) for r in places if r[3] is not None}
        kinds = {str(as_text(r[2])) for r in self.nodes if r[2] is not None and str(r[0]) in reach}
        qualifiers = {s.qualifier for s in inside if s.qualifier}
        terms = {str(CKGV[local_name(q)]) for q in qualifiers} | {
            str(CKGV[g]) for g in ("partnership", *TYPE_GROUP.values(), *(g for _, g, _ in LINKS.values()))
        }
        texts = self.rows("texts", "thing", set(reach) | rels | countries | kinds | qualifiers | terms | origins)
        return Answers(
            texts=texts,
            broader=self.source.rows(self.query["broader"]),
            dates=dates,
            citations=cited,
            states=states,
            nodes=self.nodes,
            places=places,
            relations=list(self.relations),
            links=list(self.links),
            dataset=self.source.rows(self.query["dataset"]),
        )


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
    if proj.whole is not None and (
        proj.scope is None
        or depth is None
        or focus != proj.scope[0]
        or depth > proj.scope[1]
        or (kinds and kinds - proj.kind_keys() - _known_kinds())
        or (classes and _unknown_classes(proj, classes))
    ):
        # a part of the projection only holds one neighbourhood, and not every kind and class of the whole
        return select(proj.whole(), focus=focus, depth=depth, kinds=kinds, classes=classes)
    if kinds:
        unknown = kinds - proj.kind_keys() - _known_kinds()
        if unknown:
            raise UsageError(
                f"unknown relation kind {', '.join(sorted(unknown))}",
                hint=f"use one of {', '.join(sorted(proj.kind_keys()))}",
            )
        keep = {(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["keys"] & kinds}
        nodes = {n for u, v, _ in keep for n in (u, v)} | ({focus} if focus in graph else set())
        graph = subgraph(graph, nodes, keep)
    if classes:
        unknown = _unknown_classes(proj, classes)
        if unknown:
            raise UsageError(
                f"unknown class {', '.join(sorted(unknown))}",
                hint=f"use one of {', '.join(sorted(set(CLASS_LABELS) | {'partner'}))}",
            )
        keep_nodes = {n for n, d in graph.nodes(data=True) if n == focus or class_matches(d["cls"], classes)}
        graph = subgraph(graph, keep_nodes)
    if depth is not None:
        if focus is None or focus not in graph:
            raise UsageError("--depth needs a focus resource that is in the view", hint="give --focus IRI")
        graph = subgraph(graph, within(graph, focus, depth))
    elif not kinds and not classes:
        graph = graph.copy()
    selected = proj.copy_with(graph, focus)
    if focus != proj.focus:
        _assign_classes(graph, focus, selected.broader)
    return selected


def subgraph(
    graph: nx.MultiDiGraph, nodes: Container[str], edges: Container[tuple[str, str, str]] | None = None
) -> nx.MultiDiGraph:
    """A copy of the part of ``graph`` on ``nodes`` (and only ``edges``, if given), nodes and edges in the order
    of ``graph``. (networkx's subgraph views list the nodes of a small subgraph in the order of a set, which
    changes from run to run with Python's string hashing, and the layout with it.)"""
    sub = nx.MultiDiGraph()
    sub.graph.update(graph.graph)
    sub.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n in nodes)
    sub.add_edges_from(
        (u, v, k, d)
        for u, neighbours in graph.adjacency()
        if u in nodes
        for v, keyed in neighbours.items()
        if v in nodes
        for k, d in keyed.items()
        if edges is None or (u, v, k) in edges
    )
    return sub


def within(graph: nx.MultiDiGraph, focus: str, depth: int) -> dict[str, int]:
    """The resources within ``depth`` relations of ``focus`` (whatever their direction), with their distance."""
    distance = {focus: 0}
    ring = [focus]
    succ, pred = graph.succ, graph.pred
    for step in range(1, depth + 1):
        following = []
        for node in ring:
            for neighbours in (succ[node], pred[node]):
                for other in neighbours:
                    if other not in distance:
                        distance[other] = step
                        following.append(other)
        ring = following
    return distance


def _unknown_classes(proj: Projection, classes: set[str]) -> set[str]:
    unknown = {c for c in classes if c not in CLASS_LABELS and not c.startswith("partner:")}
    return unknown - {k.split(":", 1)[-1] for k in _node_classes(proj.graph)}


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
