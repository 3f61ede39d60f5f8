"""The varied graph: a small deterministic synthetic graph using every kind of node, for tests and benchmarks of views.

``synthetic_turtle(1000)`` gives about 1,000 resources that the views draw as nodes (cities, networks, UN
bodies, organisations, programmes, people, posts, events, awards, SDGs) and the relationships between them
(partnerships with milestones, memberships, tenures, participations, engagements, award conferrals), every
relationship and event with a citation, so the data validates against ontology/shapes.ttl.
"""

from __future__ import annotations

import random

from citykg.synth.world import CKG, CKGV, DCTERMS, GEO, ORG, PROV, RDFS, SCHEMA, SDG, SKOS, VOID, XSD, country_codes

_NAMESPACES = {"ckg": CKG, "ckgv": CKGV, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS,
               "schema": SCHEMA, "org": ORG, "prov": PROV, "geo": GEO, "sdg": SDG, "void": VOID}  # fmt: skip
PREFIXES = "".join(f"@prefix {name + ':':<9}<{iri}> .\n" for name, iri in _NAMESPACES.items())

KINDS = ["twinning", "twinning", "twinning", "friendship", "climate", "solidarity", "innovation", "project"]
EVENT_KINDS = ["council-decision", "signing", "visit", "delegation", "forum", "anniversary", "renewal", "statement"]
ROLES = ["participant", "host", "signatory", "delegation-lead", "speaker", "organiser"]
ENGAGEMENTS = ["commitment", "bid", "report", "participation", "cooperation"]
SYLLABLES = [
    "ar",
    "bel",
    "cor",
    "dan",
    "el",
    "fa",
    "gor",
    "hel",
    "ist",
    "jun",
    "kal",
    "lor",
    "mar",
    "nov",
    "os",
    "pol",
    "quin",
    "ros",
    "sal",
    "tor",
    "ul",
    "ven",
    "wes",
    "xan",
    "yor",
    "zel",
]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _date(rng: random.Random, first: int = 1950, last: int = 2025) -> str:
    year = rng.randint(first, last)
    precision = rng.random()
    if precision < 0.4:
        return f'"{year}"^^xsd:gYear'
    if precision < 0.6:
        return f'"{year}-{rng.randint(1, 12):02d}"^^xsd:gYearMonth'
    return f'"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"^^xsd:date'


def _year(date: str) -> int:
    return int(date[1:5])


def _node(subject: str, *statements: str) -> str:
    """One subject with its predicate-object pairs, in Turtle."""
    return subject + " " + " ;\n    ".join(statements) + " ."


def _labels(de: str, en: str) -> str:
    return f'rdfs:label "{de}"@de , "{en}"@en'


def synthetic_turtle(nodes: int, seed: int = 7) -> str:
    """Turtle (IRIs relative to the base) with about ``nodes`` drawable resources; same seed, same text."""
    rng = random.Random(seed)
    nodes = max(nodes, 60)
    share = {"city": 0.42, "event": 0.25, "person": 0.11, "post": 0.05, "network": 0.05, "unbody": 0.01,
             "organisation": 0.04, "programme": 0.02, "award": 0.03}  # fmt: skip
    count = {k: max(2, int(nodes * v)) for k, v in share.items()}
    count["city"] = nodes - sum(v for k, v in count.items() if k != "city") - 17
    out = [PREFIXES]
    cite_no = 0

    def cite(subject: str) -> str:
        nonlocal cite_no
        cite_no += 1
        out.append(
            _node(
                f"<citation/c{cite_no}>",
                "a ckg:Citation",
                f"prov:entity <source/s{rng.randint(1, 60)}>",
                f'ckg:quote "Synthetic evidence {cite_no} for {subject}."@en',
                "ckg:supportsProperty rdfs:label",  # it quotes no date (the quote check, citykg.quotes)
                f"ckg:confidence ckgv:{rng.choice(['high', 'medium', 'unverified'])}",
            )
        )
        return f"<citation/c{cite_no}>"

    out.append(
        _node(
            "<dataset>",
            "a void:Dataset",
            _labels("Synthetischer Testgraph", "Synthetic test graph"),
            'dcterms:title "Synthetischer Testgraph"@de , "Synthetic test graph"@en',
            "void:rootResource <city/c0>",
        )
    )
    for number in range(1, 61):
        out.append(
            _node(
                f"<source/s{number}>",
                "a ckg:Source",
                _labels(f"Quelle {number}", f"Source {number}"),
                f'dcterms:title "Synthetic source {number}"@en',
                f"schema:url <https://example.org/synthetic/{number}>",
            )
        )
    countries = country_codes(40)
    for code in countries:
        out.append(
            _node(
                f"<country/{code}>",
                "a schema:Country",
                _labels(f"Land {code}", f"Country {code}"),
                f'ckg:iso3166Alpha2 "{code}"',
            )
        )
    for n in range(1, 18):
        out.append(
            _node(
                f"sdg:{n}",
                "a ckg:SDG",
                _labels(f"Ziel {n}", f"Goal {n}"),
                f'skos:prefLabel "SDG {n}"@de , "SDG {n}"@en',
            )
        )

    cities = [f"<city/c{i}>" for i in range(count["city"])]
    for i, city in enumerate(cities):
        name = "Focus City" if i == 0 else _name(rng) + f" {i}"
        lat, lon = (51.5, 7.47) if i == 0 else (rng.uniform(-45, 65), rng.uniform(-170, 175))
        out.append(
            _node(
                city,
                "a schema:City",
                _labels(name, name),
                f"schema:addressCountry <country/{rng.choice(countries)}>",
                f'geo:lat "{lat:.4f}"^^xsd:decimal',
                f'geo:long "{lon:.4f}"^^xsd:decimal',
            )
        )

    def typed(prefix: str, kind: str, how_many: int, rdf_type: str, label: str) -> list[str]:
        made = [f"<{prefix}/{kind}{i}>" for i in range(how_many)]
        for i, iri in enumerate(made):
            out.append(_node(iri, f"a {rdf_type}", _labels(f"{label} {i}", f"{label} {i}")))
        return made

    networks = typed("organisation", "n", count["network"], "ckg:CityNetwork", "Netzwerk")
    unbodies = typed("organisation", "u", count["unbody"], "ckg:UNBody", "UN body")
    organisations = typed("organisation", "o", count["organisation"], "org:FormalOrganization", "Organisation")
    programmes = [f"<programme/p{i}>" for i in range(count["programme"])]
    for i, iri in enumerate(programmes):
        out.append(
            _node(
                iri,
                "a ckg:Programme",
                _labels(f"Programm {i}", f"Programme {i}"),
                f"ckg:runBy {rng.choice(unbodies)}",
                f"ckg:addressesSDG sdg:{rng.randint(1, 17)}",
            )
        )
    posts = [f"<post/q{i}>" for i in range(count["post"])]
    for i, iri in enumerate(posts):
        out.append(
            _node(iri, "a org:Post", _labels(f"Stelle {i}", f"Post {i}"), f"org:postIn {rng.choice(organisations)}")
        )
    people = [f"<person/h{i}>" for i in range(count["person"])]
    for iri in people:
        out.append(_node(iri, "a schema:Person", f'rdfs:label "{_name(rng)} {_name(rng)}"'))
    awards = [f"<award/a{i}>" for i in range(count["award"])]
    for i, iri in enumerate(awards):
        out.append(
            _node(iri, "a ckg:Award", _labels(f"Preis {i}", f"Award {i}"), f"ckg:awardedBy {rng.choice(organisations)}")
        )

    # partnerships: the focus city with many, the others by preference for popular cities
    weights = [1 / (i + 10) ** 0.7 for i in range(len(cities))]
    partnerships: list[str] = []
    pairs: set[tuple[int, int]] = set()
    target = int(len(cities) * 1.3)
    while len(partnerships) < target:
        a = 0 if rng.random() < 0.12 else rng.choices(range(len(cities)), weights)[0]
        b = rng.randrange(1, len(cities))
        if a == b or (min(a, b), max(a, b)) in pairs:
            continue
        pairs.add((min(a, b), max(a, b)))
        number = len(partnerships)
        iri = f"<partnership/p{number}>"
        start = _date(rng, 1950, 2024)
        status = rng.choices(["active", "dormant", "ended"], [0.8, 0.1, 0.1])[0]
        end = [f'schema:endDate "{rng.randint(_year(start), 2025)}"^^xsd:gYear'] if status == "ended" else []
        out.append(
            _node(
                iri,
                "a ckg:Partnership",
                _labels(f"Partnerschaft {number}", f"Partnership {number}"),
                f"ckg:partner {cities[a]} , {cities[b]}",
                f"ckg:kind ckgv:{rng.choice(KINDS)}",
                f"schema:startDate {start}",
                *end,
                f"ckg:status ckgv:{status}",
                f"prov:qualifiedDerivation {cite(iri)}",
            )
        )
        partnerships.append(iri)

    for i in range(count["event"]):
        iri = f"<event/e{i}>"
        milestone = [f"ckg:milestoneOf {rng.choice(partnerships)}"] if partnerships and rng.random() < 0.6 else []
        out.append(
            _node(
                iri,
                "a schema:Event",
                _labels(f"Ereignis {i}", f"Event {i}"),
                f"ckg:kind ckgv:{rng.choice(EVENT_KINDS)}",
                f"schema:startDate {_date(rng, 1955, 2025)}",
                f"schema:location {rng.choice(cities)}",
                *milestone,
                f"prov:qualifiedDerivation {cite(iri)}",
            )
        )
        for k in range(rng.randint(1, 3)):
            part = f"<participation/e{i}-{k}>"
            out.append(
                _node(
                    part,
                    "a ckg:Participation",
                    _labels(f"Teilnahme {i}-{k}", f"Participation {i}-{k}"),
                    f"ckg:event {iri}",
                    f"ckg:participant {rng.choice(people)}",
                    f"ckg:role ckgv:{rng.choice(ROLES)}",
                    f"prov:qualifiedDerivation {cite(part)}",
                )
            )
    for i, person in enumerate(people):
        iri = f"<tenure/t{i}>"
        start = _date(rng, 1950, 2020)
        end = (
            [f'schema:endDate "{min(_year(start) + rng.randint(2, 16), 2025)}"^^xsd:gYear']
            if rng.random() < 0.7
            else []
        )
        out.append(
            _node(
                iri,
                "a ckg:Tenure",
                _labels(f"Amtszeit {i}", f"Tenure {i}"),
                f"ckg:holder {person}",
                f"ckg:post {rng.choice(posts)}",
                f"schema:startDate {start}",
                *end,
                f"prov:qualifiedDerivation {cite(iri)}",
            )
        )
    memberships = 0
    for network in networks:
        for member in rng.sample(cities, k=min(len(cities), rng.randint(3, 30))):
            iri = f"<membership/m{memberships}>"
            memberships += 1
            start = [f"schema:startDate {_date(rng, 1960, 2024)}"] if rng.random() < 0.8 else []
            out.append(
                _node(
                    iri,
                    "a org:Membership",
                    _labels(f"Mitgliedschaft {memberships}", f"Membership {memberships}"),
                    f"org:member {member}",
                    f"org:organization {network}",
                    *start,
                    f"prov:qualifiedDerivation {cite(iri)}",
                )
            )
    for i in range(max(4, len(cities) // 8)):
        iri = f"<engagement/g{i}>"
        out.append(
            _node(
                iri,
                "a ckg:Engagement",
                _labels(f"Engagement {i}", f"Engagement {i}"),
                f"ckg:actor {rng.choice(cities[:20])}",
                f"ckg:counterpart {rng.choice(unbodies + programmes)}",
                f"ckg:kind ckgv:{rng.choice(ENGAGEMENTS)}",
                f"schema:startDate {_date(rng, 1990, 2025)}",
                f"ckg:addressesSDG sdg:{rng.randint(1, 17)}",
                f"prov:qualifiedDerivation {cite(iri)}",
            )
        )
    for i in range(max(3, len(awards) * 2)):
        iri = f"<conferral/k{i}>"
        out.append(
            _node(
                iri,
                "a ckg:AwardConferral",
                _labels(f"Verleihung {i}", f"Conferral {i}"),
                f"ckg:recipient {rng.choice(cities)}",
                f"ckg:award {rng.choice(awards)}",
                f"schema:startDate {_date(rng, 1960, 2025)}",
                f"prov:qualifiedDerivation {cite(iri)}",
            )
        )
    return "\n".join(out) + "\n"
