"""The whole projection from the rows of the view queries (queries/views/*.rq); the edge rule it shares with the
neighbourhood and the analytics is in ``citykg.projection.edges`` (re-exported here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph

from citykg.errors import UsageError
from citykg.projection.edges import EdgeSpec, edge_keys, edge_specs, whole_relations
from citykg.projection.model import (
    CLASS_PRIORITY,
    CONFIDENCE,
    POINT_TYPES,
    QUERY_DIR,
    RDFS_LABEL,
    SCHEMA_DESCRIPTION,
    SKOS_PREF,
    STATUS,
    SYMMETRIC_TYPES,
    Citation,
    Projection,
    _assign_classes,
    add_edges,
    local_name,
    year_of,
)
from citykg.projection.rows import Lit, Row, Value, Whole, as_text, collector_paused, first, order_key, rows_of
from citykg.queries import NamedQuery, parse_header
from citykg.store import focus_resource

__all__ = ["Answers", "EdgeSpec", "build", "edge_keys", "edge_specs", "load_query", "project"]


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
    #: The edges of ``relations`` and ``links`` between the nodes of ``nodes`` (``edge_specs``), where the
    #: caller has them already (a neighbourhood computes them to find its extent).
    specs: list[EdgeSpec] | None = None


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
    with collector_paused():
        answers = Answers(
            **{name: source.rows(load_query(name, queries), whole=derived(name, queries)) for name in QUERY_NAMES}
        )
        return build(answers, _root(dataset, focus))


def derived(name: str, queries: Path | None = None) -> Whole | None:
    """How the whole answer of the view query ``name`` is computed where not by the query itself (relations.rq:
    from edges.rq, three times faster on Oxigraph)."""
    return whole_relations(load_query("edges", queries)) if name == "relations" else None


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
    specs = answers.specs if answers.specs is not None else edge_specs(answers.relations, answers.links, graph, root)
    ancestors: dict[str, set[str]] = {}
    edges = []
    for spec in specs:
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
        group, keys = edge_keys(spec, broader, ancestors)
        state = states.get(spec.rel or "", {})
        replaced_by = state.get("replaced_by")
        if kind == "partnership" and replaced_by and y1 is None:
            # a replaced partnership without an end date ends where its successor begins
            y1 = year_of(dates.get(str(replaced_by), {}).get("start"))
        attrs = {
            "type": kind,
            "group": group,
            "keys": keys,
            "rel": spec.rel,
            "qualifier": spec.qualifier,
            "start": start,
            "end": end,
            "y0": y0,
            "y1": y1,
            "timed": spec.timed,
            "status": state.get("status"),
            "dormant_from": state.get("dormant_from"),
            "replaced_by": replaced_by,
            "symmetric": kind in SYMMETRIC_TYPES,
        }
        if spec.extra:
            attrs.update(spec.extra)
        edges.append((spec.source, spec.target, spec.key, attrs))
    add_edges(graph, edges, copy=False)

    _assign_classes(graph, root, broader)
    title: dict[str, str] = {}
    for _, value in sorted(answers.dataset, key=lambda row: order_key(row[1])):
        if isinstance(value, Lit):
            title.setdefault(value.language or "", value.value)
    return Projection(graph, root if root in graph else None, texts, broader, citations, title)


#: The codes of texts.rq's ?property (short literals, see citations.rq) and the properties they stand for.
TEXT_PROPERTIES = {"label": RDFS_LABEL, "prefLabel": SKOS_PREF, "description": SCHEMA_DESCRIPTION}


def _texts(rows: Iterable[Row]) -> dict[str, dict[str, dict[str, str]]]:
    texts: dict[str, dict[str, dict[str, str]]] = {}
    for thing, prop, value in rows:
        if not isinstance(value, Lit):
            continue  # names and descriptions are literals
        code = prop.value if type(prop) is Lit else str(prop)
        by_lang = texts.setdefault(str(thing), {}).setdefault(TEXT_PROPERTIES.get(code, code), {})
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


#: The codes of citations.rq's ?property (short literals: Oxigraph returns them without a string lookup).
#: ``PROV_DERIVATION`` and ``PROV_ENTITY`` are what a row holds for prov:qualifiedDerivation and prov:entity.
PROV_DERIVATION = Lit("derivation")
PROV_ENTITY = Lit("entity")
IS_CITATION = Lit("Citation")
IS_SOURCE = Lit("Source")
CKG_QUOTE = Lit("quote")
CKG_CONFIDENCE = Lit("confidence")
RDFS_COMMENT = Lit("comment")
SCHEMA_URL = Lit("url")
DCTERMS_TITLE = Lit("title")


def _citations(rows: Iterable[Row]) -> dict[str, list[Citation]]:
    """Citations per cited statement, from the one-fact-per-row answer of citations.rq."""
    cited: dict[str, set[str]] = defaultdict(set)
    facts: dict[str, dict[str, list[Value]]] = {}
    types: dict[str, set[str]] = defaultdict(set)
    for subject, prop, value in rows:
        # (subjects are IRIs or blank nodes, read as str; a blank node's label as a plain str)
        if type(subject) is not str:
            subject = str(subject)
        code = prop.value if type(prop) is Lit else str(prop)  # (compared as str: 3x faster than as Lit)
        if code == "derivation":
            cited[subject].add(value if type(value) is str else str(as_text(value)))
        elif value is None:
            types[subject].add(code)
        else:
            by_prop = facts.get(subject)
            if by_prop is None:
                by_prop = facts[subject] = defaultdict(list)
            by_prop[code].append(value)
    out: dict[str, list[Citation]] = {}
    for thing, names in cited.items():
        cites = []
        for name in sorted(names):
            fact = facts.get(name, {}) if IS_CITATION.value in types.get(name, ()) else {}
            if not fact.get(PROV_ENTITY.value):
                continue
            source = str(as_text(first(fact[PROV_ENTITY.value])))
            source_facts = facts.get(source, {}) if IS_SOURCE.value in types.get(source, ()) else {}
            cite = Citation(source)
            urls = source_facts.get(SCHEMA_URL.value, [])
            cite.url = as_text(first(urls)) if urls else None
            for title in sorted(source_facts.get(DCTERMS_TITLE.value, []), key=order_key):
                lang = (title.language or "") if isinstance(title, Lit) else ""
                cite.title.setdefault(lang, str(as_text(title)))
            quotes = fact.get(CKG_QUOTE.value, [])
            if quotes:
                quote = first(quotes)
                cite.quote = as_text(quote)
                cite.quote_lang = quote.language if isinstance(quote, Lit) else None
            comments = fact.get(RDFS_COMMENT.value, [])
            cite.comment = as_text(first(comments)) if comments else None
            confidence = fact.get(CKG_CONFIDENCE.value, [])
            if confidence:
                level = str(as_text(first(confidence)))
                cite.confidence = CONFIDENCE.get(level, local_name(level))
            cites.append(cite)
        cites.sort(key=lambda c: (c.url or "", c.quote or "", c.comment or ""))
        out[thing] = cites
    return out
