"""Build a :class:`~citykg.profile.model.Profile` from the dataset (graph reads only, no query text)."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, ORG, RDF

from citykg.analytics import shared_memberships
from citykg.errors import UsageError
from citykg.namespaces import CKG, CKGV, SCHEMA
from citykg.profile import dates
from citykg.profile.model import Milestone, Person, Profile, Reader, Statement, Value

#: German and English words of the profile (labels of things come from the graph).
WORDS = {
    "de": {
        "with": "mit",
        "member": "{city} ist Mitglied",
        "engaged": "{kind} von {city}",
        "since": "seit",
        "undated": "ohne belegtes Datum",
        "from": "hervorgegangen aus der {kind} ({span})",
        "became": "übergegangen in die {kind}",
        "no_memberships": "Zu den Mitgliedschaften von {name} enthält der Graph keine Angaben.",
        "none_shared": "Der Graph kennt keine gemeinsamen Netzwerke oder Programme von {a} und {b}.",
    },
    "en": {
        "with": "with",
        "member": "{city} is a member",
        "engaged": "{kind} of {city}",
        "since": "since",
        "undated": "no documented date",
        "from": "successor of the {kind} ({span})",
        "became": "succeeded by the {kind}",
        "no_memberships": "The graph holds no memberships of {name}.",
        "none_shared": "The graph knows no network or programme shared by {a} and {b}.",
    },
}
EVENT_LINKS = (SCHEMA.location, CKG.participant, SCHEMA.organizer, SCHEMA.about, SCHEMA.attendee)
STATUS_EVENTS = {"dormant": ("suspension",), "active": ("renewal", "reaffirmation", "upgrade")}


def relations(r: Reader, subject: URIRef, focus: URIRef) -> list[tuple[URIRef, str]]:
    """The relationship nodes between ``focus`` and ``subject``: partnerships, memberships, engagements."""
    ds = r.ds
    found: list[tuple[URIRef, str]] = []
    for node in set(ds.subjects(CKG.partner, subject)):
        if (node, CKG.partner, focus) in ds and subject != focus:
            found.append((node, "partnership"))
    for node in set(ds.subjects(ORG.organization, subject)):
        if (node, ORG.member, focus) in ds:
            found.append((node, "membership"))
    for node in set(ds.subjects(CKG.counterpart, subject)):
        if (node, CKG.actor, focus) in ds:
            found.append((node, "engagement"))
    return sorted(found, key=lambda f: (dates.sort_key(r.value(f[0], SCHEMA.startDate)), str(f[0])))


def milestones_of(r: Reader, node: URIRef) -> list[Milestone]:
    # in IRI order: reading a milestone numbers its sources, and a set's order changes with Python's hash seed
    return [milestone(r, event) for event in sorted(set(r.ds.subjects(CKG.milestoneOf, node)), key=str)]


def milestone(r: Reader, event: URIRef) -> Milestone:
    start = r.value(event, SCHEMA.startDate)
    return Milestone(
        str(event),
        dates.human(start, r.lang),
        dates.sort_key(start),
        dates.year_of(start),
        r.label(event),
        r.label(r.value(event, CKG.kind)) if r.value(event, CKG.kind) is not None else "",
        r.text(event, SCHEMA.description),
        r.citations(event, SCHEMA.startDate, start),
    )


def statement(r: Reader, node: URIRef, kind_of: str, focus: URIRef) -> Statement:
    words = WORDS[r.lang]
    city = r.label(focus)
    kind = r.value(node, CKG.kind)
    start, end = r.value(node, SCHEMA.startDate), r.value(node, SCHEMA.endDate)
    status = r.value(node, CKG.status)
    kind_text = r.label(kind) if kind is not None else r.label(r.value(node, RDF.type))
    if kind_of == "partnership":
        head = Value(f"{kind_text} {words['with']} {city}", r.citations(node, CKG.kind, kind))
    elif kind_of == "membership":
        head = Value(words["member"].format(city=city), r.citations(node))
    else:
        head = Value(words["engaged"].format(kind=kind_text, city=city), r.citations(node, CKG.kind, kind))
    since = None
    if start is not None or end is not None:
        prop, value = (SCHEMA.startDate, start) if start is not None else (SCHEMA.endDate, end)
        since = Value(dates.span(start, end, r.lang), r.citations(node, prop, value))
    elif kind_of != "partnership":
        documented = r.value(node, CKG.documentedOn)
        since = Value(f"({words['undated']}{', ' + dates.human(documented, r.lang) if documented is not None else ''})")
    status_value = None
    if status is not None:
        text = r.label(status)
        local = str(status).rsplit("/", 1)[-1]
        changed = [
            m
            for m in milestones_of(r, node)
            if any(str(r.value(URIRef(m.iri), CKG.kind)) == str(CKGV[k]) for k in STATUS_EVENTS.get(local, ()))
        ]
        if local == "dormant" and changed:
            latest = max(changed, key=lambda m: m.sort)
            text += f" {words['since']} {latest.date}"
        elif local == "ended" and end is not None:
            text += f" {words['since']} {dates.human(end, r.lang)}"
        status_value = Value(text, r.citations(node, CKG.status, status))
    predecessor = None
    older = r.value(node, DCTERMS.replaces) or next(iter(sorted(r.ds.subjects(DCTERMS.isReplacedBy, node))), None)
    if isinstance(older, URIRef):
        span = dates.span(r.value(older, SCHEMA.startDate), r.value(older, SCHEMA.endDate), r.lang)
        predecessor = words["from"].format(kind=r.label(r.value(older, CKG.kind)), span=span).replace(" ()", "")
    parts = [head.text + (" " + since.text if since else "")]
    if status_value:
        parts.append(
            status_value.text.lower() if r.lang == "de" and status_value.text[:1].isupper() else status_value.text
        )
    if predecessor:
        parts.append(predecessor)
    sentence = ", ".join(parts) + "."
    return Statement(str(node), kind_of, head, since, status_value, predecessor, sentence,
                     dates.year_of(start), dates.year_of(end))  # fmt: skip


def people(r: Reader, events: list[URIRef]) -> list[Person]:
    """Who took part in the milestones and events: mayors, delegations, contacts."""
    found: list[Person] = []
    for event in events:
        start = r.value(event, SCHEMA.startDate)
        for part in sorted(r.ds.subjects(CKG.event, event), key=str):
            who = r.value(part, CKG.participant)
            if who is None or (who, RDF.type, SCHEMA.Person) not in r.ds:
                continue
            role = r.value(part, CKG.role)
            found.append(Person(r.label(who), r.label(role) if role is not None else "", r.label(event),
                                dates.human(start, r.lang), dates.sort_key(start)))  # fmt: skip
    return sorted(found, key=lambda p: (p.sort, p.name))


def build_profile(dataset, subject: URIRef, focus: URIRef | None, *, lang: str = "de", base: str = "") -> Profile:  # type: ignore[no-untyped-def]
    """The profile of ``subject`` as seen from ``focus`` (the dataset's focus city)."""
    r = Reader(dataset, lang)
    if (subject, None, None) not in dataset:
        raise UsageError(f"{subject} is not described in the graph")
    if focus is not None and subject == focus:
        raise UsageError(f"{r.label(subject)} is the focus city itself", hint="give a partner city, network or UN body")
    rels = relations(r, subject, focus) if focus is not None else []
    statements = [statement(r, node, kind, focus) for node, kind in rels]  # type: ignore[arg-type]
    miles = sorted(
        {m.iri: m for node, _ in rels for m in milestones_of(r, node)}.values(), key=lambda m: (m.sort, m.label)
    )
    milestone_iris = {m.iri for m in miles}
    others = set()
    for link in EVENT_LINKS:
        others |= {e for e in dataset.subjects(link, subject) if (e, RDF.type, SCHEMA.Event) in dataset}
    for part in dataset.subjects(CKG.participant, subject):
        event = r.value(part, CKG.event)
        if event is not None:
            others.add(event)
    events = sorted(
        (milestone(r, e) for e in sorted(others, key=str) if str(e) not in milestone_iris),
        key=lambda m: (m.sort, m.label),
    )
    shared, note = _shared(r, dataset, subject, focus, lang, base)
    kind = r.value(subject, RDF.type)
    return Profile(
        str(subject),
        r.label(subject),
        r.label(kind) if kind is not None else "",
        lang,
        str(focus) if focus is not None else None,
        r.label(focus) if focus is not None else "",
        statements,
        miles,
        people(r, [URIRef(m.iri) for m in miles + events]),
        events,
        shared,
        note,
        r.sources,
        r.text(subject, SCHEMA.description),
    )


def _shared(r: Reader, dataset, subject: URIRef, focus: URIRef | None, lang: str, base: str):  # type: ignore[no-untyped-def]
    """Networks and programmes both cities belong to or engage with; says so when the graph cannot tell."""
    words = WORDS[lang]
    if focus is None or (subject, RDF.type, SCHEMA.City) not in dataset:
        return [], None
    has_any = (None, ORG.member, subject) in dataset or (None, CKG.actor, subject) in dataset
    if not has_any:
        return [], words["no_memberships"].format(name=r.label(subject))
    links = shared_memberships(dataset, str(focus), str(subject), lang=lang, base=base)
    labels = [str(e["label"]) for e in links]
    return labels, None if labels else words["none_shared"].format(a=r.label(focus), b=r.label(subject))
