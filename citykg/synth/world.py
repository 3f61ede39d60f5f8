"""The scale world: a deterministic synthetic world of city relations in the project's own ontology.

Shaped like the real thing: a few hub cities with hundreds of partners (Zipf-like popularity), partnerships
of several kinds with dates, status and milestones, networks with memberships, mayors in posts, visits,
and a citation with a source behind every relationship and event, so the shapes, the named queries, the
views and the pages all work on it. The same ``cities`` and ``seed`` always give the same bytes.

It writes N-Triples-style Turtle line by line (rdflib would take minutes to serialise a million triples).
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

CKG = "https://w3id.org/citykg/ontology#"
CKGV = "https://w3id.org/citykg/vocab/"
SCHEMA = "http://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDFS_LABEL = f"{RDFS}label"
XSD = "http://www.w3.org/2001/XMLSchema#"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SDG = "http://metadata.un.org/sdg/"

KINDS = [("twinning", 0.7), ("project", 0.12), ("climate", 0.08), ("solidarity", 0.04), ("innovation", 0.06)]
MILESTONES = ["council-decision", "signing", "renewal", "reaffirmation"]
CONFIDENCE = [("high", 0.8), ("medium", 0.2)]
SYNTH_BASE = "https://synth.citykg.example/"


@dataclass(frozen=True)
class SynthStats:
    cities: int
    partnerships: int
    memberships: int
    triples: int


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class _Writer:
    """Counts what it writes, so the caller can report the size without parsing the output."""

    def __init__(self, out: TextIO, base: str) -> None:
        self.out = out
        self.base = base
        self.triples = 0

    def node(self, path: str) -> str:
        return f"<{self.base}{path}>"

    def triple(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} <{p}> {o} .\n")
        self.triples += 1

    def typed(self, s: str, cls: str) -> None:
        self.triple(s, RDF_TYPE, _iri(cls))

    def labels(self, s: str, en: str, de: str) -> None:
        self.triple(s, RDFS_LABEL, _lit(en, "en"))
        self.triple(s, RDFS_LABEL, _lit(de, "de"))


def _weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def country_codes(count: int) -> list[str]:
    """``count`` two-letter codes, AA, AB, ... (made-up countries for both synthetic graphs)."""
    pairs = (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase)
    return [code for _, code in zip(range(count), pairs, strict=False)]


def _year(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


def generate(
    out: TextIO, *, cities: int, seed: int = 1, base: str = SYNTH_BASE, tick: Callable[[int], None] | None = None
) -> SynthStats:
    """Write the synthetic graph to ``out``; returns what was written. ``tick(n)`` reports progress: n more
    of the ``2 * cities`` steps (partnerships, then memberships, city by city) are done."""
    tick = tick or (lambda n: None)
    if cities < 2:
        raise ValueError("at least two cities")
    rng = random.Random(seed)
    w = _Writer(out, base)
    sources = [w.node(f"source/s{i}") for i in range(max(10, cities // 20))]
    for i, source in enumerate(sources):
        w.typed(source, f"{CKG}Source")
        w.triple(source, f"{DCTERMS}title", _lit(f"Synthetic source {i}", "en"))
        w.triple(source, RDFS_LABEL, _lit(f"Synthetic source {i}", "en"))
        w.triple(source, f"{SCHEMA}url", _iri(f"https://sources.synth.example/{i}"))

    citation_count = 0

    def cite(node: str) -> None:
        nonlocal citation_count
        citation_count += 1
        citation = w.node(f"citation/c{citation_count}")
        w.typed(citation, f"{CKG}Citation")
        w.triple(citation, f"{PROV}entity", rng.choice(sources))
        w.triple(citation, f"{CKG}quote", _lit(f"Synthetic evidence {citation_count}", "en"))
        # it quotes no date, so it supports the node's label, not its dates (the quote check, citykg.quotes)
        w.triple(citation, f"{CKG}supportsProperty", _iri(RDFS_LABEL))
        w.triple(citation, f"{CKG}confidence", _iri(CKGV + _weighted(rng, CONFIDENCE)))
        w.triple(node, f"{PROV}qualifiedDerivation", citation)

    codes = country_codes(min(676, max(5, cities // 40)))
    for code in codes:
        country = w.node(f"country/{code}")
        w.typed(country, f"{SCHEMA}Country")
        w.labels(country, f"Country {code}", f"Land {code}")
        w.triple(country, f"{CKG}iso3166Alpha2", _lit(code))

    city_nodes = [w.node(f"city/c{i}") for i in range(cities)]
    for i, city in enumerate(city_nodes):
        w.typed(city, f"{SCHEMA}City")
        w.labels(city, f"City {i}", f"Stadt {i}")
        w.triple(city, f"{SCHEMA}addressCountry", w.node(f"country/{codes[i % len(codes)]}"))
        w.triple(city, f"{GEO}lat", _typed(f"{rng.uniform(-60, 70):.5f}", "decimal"))
        w.triple(city, f"{GEO}long", _typed(f"{rng.uniform(-179, 179):.5f}", "decimal"))

    # Zipf-like popularity: a few hubs with hundreds of partners, most cities with a handful
    cumulative = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(cities)))
    population = range(cities)
    partnerships = 0
    seen: set[tuple[int, int]] = set()
    for a in range(cities):
        if a % 1000 == 999:
            tick(1000)
        for _ in range(3 if a % 2 else 2):
            b = rng.choices(population, cum_weights=cumulative)[0]
            pair = (min(a, b), max(a, b))
            if a == b or pair in seen:
                continue
            seen.add(pair)
            partnerships += 1
            _partnership(w, rng, cite, partnerships, city_nodes[pair[0]], city_nodes[pair[1]])

    networks = [w.node(f"organisation/n{i}") for i in range(max(3, cities // 40))]
    for i, network in enumerate(networks):
        w.typed(network, f"{CKG}CityNetwork")
        w.labels(network, f"Network {i}", f"Netzwerk {i}")
    memberships = 0
    tick(cities % 1000)
    for i, city in enumerate(city_nodes):
        if i % 1000 == 999:
            tick(1000)
        for network in rng.sample(networks, k=min(len(networks), 1 + (i % 3))):
            memberships += 1
            node = w.node(f"membership/m{memberships}")
            w.typed(node, f"{ORG}Membership")
            w.labels(node, f"Membership {memberships}", f"Mitgliedschaft {memberships}")
            w.triple(node, f"{ORG}member", city)
            w.triple(node, f"{ORG}organization", network)
            w.triple(node, f"{SCHEMA}startDate", _typed(str(_year(rng, 1980, 2024)), "gYear"))
            cite(node)

    tick(cities % 1000)
    for i, city in enumerate(city_nodes[: max(1, cities // 10)]):
        _mayor(w, rng, cite, i, city)

    dataset = w.node("dataset")
    w.typed(dataset, f"{VOID}Dataset")
    w.labels(dataset, "Synthetic city relations", "Synthetische Städtebeziehungen")
    w.triple(dataset, f"{VOID}rootResource", city_nodes[0])
    return SynthStats(cities, partnerships, memberships, w.triples)


def _partnership(w: _Writer, rng: random.Random, cite, n: int, a: str, b: str) -> None:
    node = w.node(f"partnership/p{n}")
    kind = _weighted(rng, KINDS)
    start = _year(rng, 1950, 2024)
    w.typed(node, f"{CKG}Partnership")
    w.labels(node, f"Partnership {n}", f"Partnerschaft {n}")
    w.triple(node, f"{CKG}partner", a)
    w.triple(node, f"{CKG}partner", b)
    w.triple(node, f"{CKG}kind", _iri(CKGV + kind))
    w.triple(node, f"{SCHEMA}startDate", _typed(str(start), "gYear"))
    roll = rng.random()
    status = "active" if roll < 0.85 else ("dormant" if roll < 0.92 else "ended")
    w.triple(node, f"{CKG}status", _iri(CKGV + status))
    if status == "ended":
        w.triple(node, f"{SCHEMA}endDate", _typed(str(_year(rng, start, 2025)), "gYear"))
    cite(node)
    for m, kind_of_event in enumerate(rng.sample(MILESTONES, k=rng.randint(1, 2))):
        event = w.node(f"event/p{n}-{m}")
        w.typed(event, f"{SCHEMA}Event")
        w.labels(event, f"Milestone {m} of partnership {n}", f"Meilenstein {m} der Partnerschaft {n}")
        w.triple(event, f"{CKG}kind", _iri(CKGV + kind_of_event))
        w.triple(event, f"{CKG}milestoneOf", node)
        w.triple(
            event, f"{SCHEMA}startDate", _typed(f"{_year(rng, start, 2025)}-{rng.randint(1, 12):02d}", "gYearMonth")
        )
        w.triple(event, f"{SCHEMA}location", a)
        cite(event)
    if status == "dormant":
        event = w.node(f"event/p{n}-suspension")
        w.typed(event, f"{SCHEMA}Event")
        w.labels(event, f"Suspension of partnership {n}", f"Aussetzung der Partnerschaft {n}")
        w.triple(event, f"{CKG}kind", _iri(CKGV + "suspension"))
        w.triple(event, f"{CKG}milestoneOf", node)
        w.triple(event, f"{SCHEMA}startDate", _typed(str(_year(rng, start, 2025)), "gYear"))
        cite(event)


def _mayor(w: _Writer, rng: random.Random, cite, i: int, city: str) -> None:
    admin = w.node(f"organisation/a{i}")
    w.typed(admin, f"{CKG}Administration")
    w.labels(admin, f"Administration of city {i}", f"Verwaltung der Stadt {i}")
    w.triple(admin, f"{SCHEMA}areaServed", city)
    post = w.node(f"post/mayor-{i}")
    w.typed(post, f"{ORG}Post")
    w.labels(post, f"Mayor of city {i}", f"Bürgermeister der Stadt {i}")
    w.triple(post, f"{ORG}postIn", admin)
    person = w.node(f"person/p{i}")
    w.typed(person, f"{SCHEMA}Person")
    w.triple(person, RDFS_LABEL, _lit(f"Person {i}"))
    tenure = w.node(f"tenure/t{i}")
    w.typed(tenure, f"{CKG}Tenure")
    w.labels(tenure, f"Person {i}, mayor of city {i}", f"Person {i}, Bürgermeister der Stadt {i}")
    w.triple(tenure, f"{CKG}holder", person)
    w.triple(tenure, f"{CKG}post", post)
    w.triple(tenure, f"{SCHEMA}startDate", _typed(str(_year(rng, 1990, 2024)), "gYear"))
    cite(tenure)


def generate_with_progress(out: TextIO, *, cities: int, seed: int = 1) -> SynthStats:
    """:func:`generate` with a progress bar on stderr (when it is a terminal and not ``citykg -q``)."""
    from citykg import progress

    with progress.bar(2 * cities, f"synthesising {cities:,} cities") as bar:
        return generate(out, cities=cities, seed=seed, tick=bar.update)
