"""What a profile says about a partner city, network or UN body, gathered from the graph.

It leads with the relations to the focus city (one :class:`Statement` per relation: kind, since, status and
since when, predecessor), then milestones in date order, people, other events, shared networks and the
sources, each source next to the value it supports (ckg:supportsProperty / ckg:supportsValue, see
docs/views.md); where the data does not say what a citation supports, the node's citations stand for all of
its values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS
from rdflib.term import Node

from citykg.namespaces import CKG, SCHEMA

CKGV = "https://w3id.org/citykg/vocab/"
LABELS = (SKOS.prefLabel, RDFS.label, SCHEMA.name)


@dataclass
class Source:
    number: int
    title: str
    url: str | None
    quote: str | None


@dataclass
class Value:
    """A value shown to people, with the numbers of the sources that support it."""

    text: str
    sources: list[int] = field(default_factory=list)


@dataclass
class Statement:
    """One relation to the focus city, in words."""

    iri: str
    kind: str
    head: Value  # "Städtepartnerschaft mit Dortmund"
    since: Value | None
    status: Value | None
    predecessor: str | None
    sentence: str
    start_year: int | None
    end_year: int | None

    @property
    def shared_sources(self) -> list[int] | None:
        """The sources, when every value has the same ones (then they are cited once, at the end)."""
        groups = [v.sources for v in (self.head, self.since, self.status) if v is not None and v.sources]
        return groups[0] if groups and all(g == groups[0] for g in groups) else None


@dataclass
class Milestone:
    iri: str
    date: str
    sort: str
    year: int | None
    label: str
    kind: str
    description: str
    sources: list[int]


@dataclass
class Person:
    name: str
    role: str
    at: str
    date: str
    sort: str


@dataclass
class Profile:
    iri: str
    label: str
    what: str  # the class label, e.g. "Stadt"
    lang: str
    focus: str | None
    focus_label: str
    statements: list[Statement]
    milestones: list[Milestone]
    people: list[Person]
    events: list[Milestone]
    shared: list[str]
    shared_note: str | None
    sources: list[Source]
    description: str


class Reader:
    """Labels and citations of one dataset in one language."""

    def __init__(self, dataset, lang: str) -> None:  # type: ignore[no-untyped-def]
        self.ds = dataset
        self.lang = lang
        self.sources: list[Source] = []
        self._numbers: dict[str, int] = {}

    def label(self, node: Node | None) -> str:
        if node is None:
            return ""
        if isinstance(node, Literal):
            return str(node)
        found: dict[str, str] = {}
        for predicate in LABELS:
            for value in self.ds.objects(node, predicate):
                if isinstance(value, Literal):
                    found.setdefault((value.language or "").lower(), str(value))
        for key in (self.lang, "", "en", "de"):
            if key in found:
                return found[key]
        if found:
            return next(iter(found.values()))
        return str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].replace("-", " ")

    def text(self, node: Node | None, predicate: URIRef) -> str:
        """A literal in the page's language (else any)."""
        values = [v for v in self.ds.objects(node, predicate) if isinstance(v, Literal)]
        for value in values:
            if (value.language or "") == self.lang:
                return str(value)
        return str(values[0]) if values else ""

    def value(self, node: Node, predicate: URIRef) -> Node | None:
        return next(iter(sorted(self.ds.objects(node, predicate), key=str)), None)

    def _number(self, citation: Node) -> int:
        key = str(citation)
        if key not in self._numbers:
            source = self.value(citation, PROV.entity)
            url = self.value(source, SCHEMA.url) if source is not None else None
            title = self.text(source, DCTERMS.title) if source is not None else ""
            quote = self.text(citation, CKG.quote) or self.text(citation, RDFS.comment)
            self.sources.append(Source(len(self.sources) + 1, title or str(url or source or ""), url and str(url),
                                       quote or None))  # fmt: skip
            self._numbers[key] = len(self.sources)
        return self._numbers[key]

    def citations(self, node: Node, prop: URIRef | None = None, value: Node | None = None) -> list[int]:
        """Numbers of the sources of ``node``'s ``prop`` = ``value`` (spec: statement-level provenance)."""
        cites = sorted(self.ds.objects(node, PROV.qualifiedDerivation), key=str)
        if prop is not None and any((c, CKG.supportsProperty, None) in self.ds for c in cites):
            chosen = []
            for cite in cites:
                props = set(self.ds.objects(cite, CKG.supportsProperty))
                values = set(self.ds.objects(cite, CKG.supportsValue))
                if prop in props and (not values or value is None or value in values):
                    chosen.append(cite)
            cites = chosen or [c for c in cites if (c, CKG.supportsProperty, None) not in self.ds]
        return sorted({self._number(c) for c in cites})
