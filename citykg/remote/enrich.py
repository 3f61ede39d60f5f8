"""Enrichment from Wikidata: coordinates, population, country and labels of every resource with a
``ckg:wikidata`` link, written to ``graph/enrichment/wikidata.ttl`` with provenance.

Curated statements win. What the curated sources (everything but ``graph/enrichment/``) already say is
never repeated or contradicted on the curated resource:

* **added** to the resource (in the enrichment file, so in its own named graph
  ``{base}graph/enrichment/wikidata``) only where the curated sources have no value for the property:
  the population (``wdt:P1082``; the ontology has no population property of its own), coordinates
  (``geo:lat``/``geo:long``, as a pair, only where neither is curated) and labels (``rdfs:label``, only in
  a language with no curated label);
* **recorded as an alternative** where a curated value exists and Wikidata's differs: on a node
  ``<resource>/wikidata`` (a ``prov:Entity``, ``prov:alternateOf`` the resource) holding Wikidata's
  coordinates (if more than :data:`COORDINATE_TOLERANCE` degrees away), country (if its ISO code differs),
  labels (``schema:name``) and population;
* otherwise (the values agree) nothing is written.

Every resource that gets anything cites one ``ckg:Citation`` (confidence medium) of the source
``<source/wikidata-query-service>``: the endpoint's URL, the retrieval as a ``prov:Activity`` with start and
end time, and the SPARQL query (``queries/wikidata/facts.rq``) it ran, a batch of items at a time. The file
uses IRIs relative to the dataset base, like the curated files, and validates against the shapes.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from citykg.bindings import with_values
from citykg.build import write_atomically
from citykg.config import Project
from citykg.namespaces import CKG, CKGV, GEO, PREFIXES, SCHEMA, WD, WDT
from citykg.queries import run
from citykg.remote.endpoint import DEFAULT_TIMEOUT, Endpoint, query_file
from citykg.remote.reconcile import BATCH, WIKIDATA, qid
from citykg.sources import load_sources, source_files

DCTERMS = PREFIXES["dcterms"]
#: Coordinates closer than this (in degrees, about 500 m) count as the same.
COORDINATE_TOLERANCE = Decimal("0.005")
SOURCE = "source/wikidata-query-service"
ACTIVITY = "source/wikidata-query-service/retrieval"
_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?Point\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


def default_output(project: Project) -> Path:
    return project.graph_dir / "enrichment" / "wikidata.ttl"


@dataclass
class Facts:
    """What Wikidata says about one item."""

    item: str
    coordinates: tuple[Decimal, Decimal] | None = None  # (lat, long)
    population: tuple[Decimal, str] | None = None  # (amount, date or "")
    country: tuple[str, str] | None = None  # (QID IRI, ISO code or "")
    labels: dict[str, str] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.coordinates or self.population or self.country or self.labels)


def parse_point(value: object) -> tuple[Decimal, Decimal] | None:
    """(lat, long) from a WKT ``Point(long lat)`` (Wikidata's P625 value), or None."""
    match = _POINT.match(str(value))
    if not match:
        return None
    try:
        longitude, latitude = Decimal(match.group(1)), Decimal(match.group(2))
    except InvalidOperation:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def collect(rows: list[dict[str, object]]) -> dict[str, Facts]:
    """Facts per item from the rows of facts.rq; where Wikidata has several values, the choice is stable."""
    facts: dict[str, Facts] = {}
    points: dict[str, list[tuple[Decimal, Decimal]]] = {}
    populations: dict[str, list[tuple[str, Decimal]]] = {}
    countries: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        item = str(row["item"])
        entry = facts.setdefault(item, Facts(item))
        if row.get("coordinates") is not None and (point := parse_point(row["coordinates"])):
            points.setdefault(item, []).append(point)
        if row.get("population") is not None:
            try:
                amount = Decimal(str(row["population"]))
            except InvalidOperation:
                continue
            date = str(row["populationDate"])[:10] if row.get("populationDate") is not None else ""
            populations.setdefault(item, []).append((date, amount))
        if row.get("country") is not None:
            countries.setdefault(item, []).append((str(row["country"]), str(row.get("countryCode") or "")))
        label = row.get("label")
        if isinstance(label, Literal) and label.language in ("de", "en"):
            current = entry.labels.get(label.language)
            entry.labels[label.language] = min(current, str(label)) if current else str(label)
    for item, values in points.items():
        facts[item].coordinates = sorted(values)[0]
    for item, values in populations.items():
        date, amount = max(values)  # the latest point in time
        facts[item].population = (amount, date)
    for item, values in countries.items():
        facts[item].country = sorted(values)[0]
    return facts


@dataclass
class EnrichResult:
    path: Path
    endpoint: str
    items: int
    found: int
    added: Counter[str] = field(default_factory=Counter)
    alternatives: Counter[str] = field(default_factory=Counter)
    agreeing: Counter[str] = field(default_factory=Counter)
    not_found: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0


def curated_items(project: Project, output: Path) -> list[dict[str, object]]:
    """Resources with ckg:wikidata and their curated values, from the sources without the enrichment."""
    enrichment = project.graph_dir / "enrichment"
    files = [
        f
        for f in source_files(project)
        if not f.path.resolve().is_relative_to(enrichment.resolve()) and f.path.resolve() != output.resolve()
    ]
    dataset = load_sources(project, files)
    query = query_file("wikidata/items-here.rq", project.queries_dir)
    return [{str(k): v for k, v in row.asdict().items()} for row in run(dataset, query)]


def enrich(
    project: Project,
    *,
    endpoint: str = WIKIDATA,
    output: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    batch: int = BATCH,
    clock: Callable[[], dt.datetime] | None = None,
) -> EnrichResult:
    """Fetch facts for every resource with a Wikidata link and write the enrichment file."""
    started = time.perf_counter()
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    path = (output or default_output(project)).resolve()
    rows = curated_items(project, path)
    resources: dict[str, dict[str, object]] = {}
    for row in rows:  # one resource per item; several rows only where curated values repeat
        resources.setdefault(str(row["resource"]), row)
    items = sorted({str(r["item"]) for r in resources.values()})
    client = Endpoint(endpoint, timeout=timeout)
    template = query_file("wikidata/facts.rq", project.queries_dir)
    begin = now()
    answers: list[dict[str, object]] = []
    for first in range(0, len(items), batch):
        chunk = items[first : first + batch]
        text = with_values(template.text, [{"item": URIRef(i)} for i in chunk], ["item"])
        answers += client.select(text, f"the facts of {len(chunk)} Wikidata item(s)")
    end = now()
    facts = collect(answers)
    result = EnrichResult(path, client.shown, len(items), sum(1 for i in items if i in facts and not facts[i].empty()))
    graph = Graph()
    base = project.base
    source = URIRef(base + SOURCE)
    activity = URIRef(base + ACTIVITY)
    for resource, curated in sorted(resources.items()):
        item = str(curated["item"])
        known = facts.get(item)
        if known is None or known.empty():
            result.not_found.append(qid(item) or item)
            continue
        _enrich_one(graph, URIRef(resource), curated, known, result, base, source)
    if len(graph):
        _provenance(graph, source, activity, client.shown, template.text, begin, end, batch)
    data = render_turtle(graph, base, header(client.shown, end))
    write_atomically(path.parent, {path.name: data.encode("utf-8")})
    result.triples = len(graph)
    result.seconds = time.perf_counter() - started
    return result


def _enrich_one(
    graph: Graph,
    resource: URIRef,
    curated: dict[str, object],
    facts: Facts,
    result: EnrichResult,
    base: str,
    source: URIRef,
) -> None:
    q = qid(facts.item) or facts.item
    alternative = URIRef(f"{resource}/wikidata")
    citation = URIRef(f"{base}citation/wikidata-{q.lower()}-enrichment")
    added: list[str] = []
    alternatives: list[str] = []
    if facts.population:
        amount, date = facts.population
        value = _number(amount)
        when = f" ({date})" if date else ""
        if curated.get("population") is None:
            graph.add((resource, WDT.P1082, value))
            added.append(f"population {amount:,.0f}{when} (P1082)")
            result.added["population"] += 1
        elif Decimal(str(curated["population"])) != amount:
            graph.add((alternative, WDT.P1082, value))
            alternatives.append(f"population {amount:,.0f}{when}")
            result.alternatives["population"] += 1
        else:
            result.agreeing["population"] += 1
    if facts.coordinates:
        lat, long = facts.coordinates
        here = (curated.get("lat"), curated.get("long"))
        if here == (None, None):
            graph.add((resource, GEO.lat, _decimal(lat)))
            graph.add((resource, GEO.long, _decimal(long)))
            added.append(f"coordinates {lat}, {long} (P625)")
            result.added["coordinates"] += 1
        elif None in here or max(abs(Decimal(str(here[0])) - lat), abs(Decimal(str(here[1])) - long)) > (
            COORDINATE_TOLERANCE
        ):
            graph.add((alternative, GEO.lat, _decimal(lat)))
            graph.add((alternative, GEO.long, _decimal(long)))
            alternatives.append(f"coordinates {lat}, {long}")
            result.alternatives["coordinates"] += 1
        else:
            result.agreeing["coordinates"] += 1
    if facts.country:
        country, code = facts.country
        ours = str(curated["countryCode"]) if curated.get("countryCode") is not None else None
        if ours is not None and code and ours != code:
            graph.add((alternative, SCHEMA.addressCountry, URIRef(country)))
            alternatives.append(f"country {qid(country)} ({code})")
            result.alternatives["country"] += 1
        elif ours is not None and code:
            result.agreeing["country"] += 1
        # no curated country: not added, since a country here is a resource of the graph, not a Wikidata item
    for lang in ("de", "en"):
        label = facts.labels.get(lang)
        if label is None:
            continue
        ours = curated.get(f"label{lang.capitalize()}")
        if ours is None:
            graph.add((resource, RDFS.label, Literal(label, lang=lang)))
            added.append(f"label {label!r}@{lang}")
            result.added["labels"] += 1
        elif str(ours) != label:
            graph.add((alternative, SCHEMA.name, Literal(label, lang=lang)))
            alternatives.append(f"label {label!r}@{lang}")
            result.alternatives["labels"] += 1
        else:
            result.agreeing["labels"] += 1
    if not added and not alternatives:
        return
    parts = []
    if added:
        parts.append("added: " + "; ".join(added))
    if alternatives:
        parts.append("differing from the curated values, kept as alternatives: " + "; ".join(alternatives))
    graph.add((citation, RDF.type, CKG.Citation))
    graph.add((citation, PROV.entity, source))
    graph.add((citation, CKG.confidence, CKGV.medium))
    graph.add((citation, RDFS.comment, Literal(f"Wikidata {q}: " + "; ".join(parts), lang="en")))
    graph.add((resource, PROV.qualifiedDerivation, citation))
    if alternatives:
        label = str(curated.get("labelEn") or curated.get("labelDe") or resource)
        graph.add((alternative, RDF.type, PROV.Entity))
        graph.add((alternative, RDFS.label, Literal(f"{label} according to Wikidata ({q})", lang="en")))
        graph.add((alternative, PROV.alternateOf, resource))
        graph.add((alternative, PROV.qualifiedDerivation, citation))


def _number(amount: Decimal) -> Literal:
    if amount == amount.to_integral_value():
        return Literal(str(int(amount)), datatype=XSD.integer)
    return _decimal(amount)


def _decimal(value: Decimal) -> Literal:
    text = format(value.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def _provenance(
    graph: Graph,
    source: URIRef,
    activity: URIRef,
    endpoint: str,
    query: str,
    begin: dt.datetime,
    end: dt.datetime,
    batch: int,
) -> None:
    graph.add((source, RDF.type, CKG.Source))
    graph.add((source, RDFS.label, Literal("Wikidata Query Service", lang="en")))
    graph.add(
        (
            source,
            DCTERMS.title,
            Literal("Wikidata: coordinates, population, country and labels of linked items", lang="en"),
        )
    )
    graph.add((source, SCHEMA.url, URIRef(endpoint)))
    graph.add((source, PROV.wasGeneratedBy, activity))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal("citykg enrich: retrieval from Wikidata", lang="en")))
    graph.add((activity, PROV.startedAtTime, _timestamp(begin)))
    graph.add((activity, PROV.endedAtTime, _timestamp(end)))
    graph.add((activity, PROV.used, URIRef(endpoint)))
    body = "\n".join(line for line in query.splitlines() if not line.startswith("#+")).strip()
    graph.add(
        (
            activity,
            RDFS.comment,
            Literal(f"queries/wikidata/facts.rq, with VALUES ?item in batches of {batch}:\n{body}"),
        )
    )


def _timestamp(moment: dt.datetime) -> Literal:
    text = moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Literal(text, datatype=XSD.dateTime)


def header(endpoint: str, when: dt.datetime) -> str:
    stamp = when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return (
        f"# Written by `citykg enrich` from {endpoint} at {stamp}. Do not edit: run it again.\n"
        "# What Wikidata adds to the curated graph (population, and coordinates and labels where none are\n"
        "# curated), and where it differs from curated values, Wikidata's values as alternatives on\n"
        "# <resource>/wikidata nodes. IRIs are relative to the dataset base, as in the curated files.\n"
    )


def render_turtle(graph: Graph, base: str, head: str = "") -> str:
    """Deterministic Turtle with IRIs under ``base`` written relative to it (resolved again when parsed)."""
    namespaces = {
        "ckg": str(CKG),
        "ckgv": str(CKGV),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "xsd": str(XSD),
        "prov": str(PROV),
        "schema": str(SCHEMA),
        "dcterms": str(DCTERMS),
        "geo": str(GEO),
        "wd": str(WD),
        "wdt": str(WDT),
    }

    def name(term: object) -> str:
        if isinstance(term, URIRef):
            text = str(term)
            if text.startswith(base):
                return f"<{text[len(base) :]}>"
            for prefix, namespace in namespaces.items():
                local = text[len(namespace) :]
                if text.startswith(namespace) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local):
                    return f"{prefix}:{local}"
            return f"<{text}>"
        if isinstance(term, Literal) and term.datatype is not None:
            value = Literal(str(term)).n3()
            return f"{value}^^{name(term.datatype)}"
        return term.n3()  # type: ignore[attr-defined]

    used = set()
    blocks = []
    for subject in sorted(set(graph.subjects()), key=str):
        pairs = sorted(graph.predicate_objects(subject), key=lambda po: (po[0] != RDF.type, str(po[0]), po[1].n3()))
        lines = []
        for index, (predicate, obj) in enumerate(pairs):
            verb = "a" if predicate == RDF.type else name(predicate)
            lines.append(f"    {verb} {name(obj)}" + (" ;" if index < len(pairs) - 1 else " ."))
        blocks.append(f"{name(subject)}\n" + "\n".join(lines))
    body = "\n\n".join(blocks)
    for prefix in namespaces:
        if re.search(rf"(?<![\w<\"]){prefix}:", body):
            used.add(prefix)
    prefixes = "\n".join(f"@prefix {p}: <{namespaces[p]}> ." for p in sorted(used))
    return head + ("\n" if head else "") + prefixes + ("\n\n" if prefixes else "") + body + ("\n" if body else "")
