"""Words and ranks of the projection's classes, relations, statuses and partnership kinds, in German and English.

They sit below views and analytics, which both use them; labels of resources and SKOS concepts come from the
data, these are only the words the data does not hold.
"""

from __future__ import annotations

LANGUAGES = ("de", "en")

#: Node classes: what a resource is drawn as. ``partner:KIND`` classes take their name from the kind's label.
CLASS_LABELS: dict[str, dict[str, str]] = {
    "focus": {"de": "Stadt im Mittelpunkt", "en": "City in focus"},
    "city": {"de": "Stadt", "en": "City"},
    "partner": {"de": "Partnerstadt", "en": "Partner city"},
    "network": {"de": "Städtenetzwerk", "en": "City network"},
    "unbody": {"de": "UN-Organisation", "en": "UN body"},
    "organisation": {"de": "Organisation", "en": "Organisation"},
    "programme": {"de": "Programm", "en": "Programme"},
    "person": {"de": "Person", "en": "Person"},
    "post": {"de": "Stelle", "en": "Post"},
    "event": {"de": "Ereignis", "en": "Event"},
    "award": {"de": "Auszeichnung", "en": "Award"},
    "sdg": {"de": "Nachhaltigkeitsziel (SDG)", "en": "Sustainable Development Goal"},
}

#: Relation types and link properties: the edge label when the data gives no kind or role.
RELATION_LABELS: dict[str, dict[str, str]] = {
    "partnership": {"de": "Partnerschaft", "en": "partnership"},
    "membership": {"de": "Mitglied von", "en": "member of"},
    "tenure": {"de": "hat inne", "en": "holds"},
    "participation": {"de": "nimmt teil an", "en": "takes part in"},
    "engagement": {"de": "engagiert sich bei", "en": "engages with"},
    "conferral": {"de": "erhielt", "en": "received"},
    "milestone": {"de": "Meilenstein von", "en": "milestone of"},
    "location": {"de": "findet statt in", "en": "held in"},
    "organizer": {"de": "veranstaltet von", "en": "organised by"},
    "sdg": {"de": "betrifft", "en": "addresses"},
    "postIn": {"de": "Stelle in", "en": "post in"},
    "unitOf": {"de": "Teil von", "en": "unit of"},
    "awardedBy": {"de": "verliehen von", "en": "awarded by"},
    "runBy": {"de": "getragen von", "en": "run by"},
    "areaServed": {"de": "zuständig für", "en": "serves"},
    "conflict": {"de": "widerspricht", "en": "conflicts with"},
}

#: Relation groups: what the filter of relation kinds offers (partnership kinds are added from the data).
GROUP_LABELS: dict[str, dict[str, str]] = {
    "membership": {"de": "Mitgliedschaften", "en": "Memberships"},
    "tenure": {"de": "Amtszeiten", "en": "Tenures"},
    "participation": {"de": "Teilnahmen", "en": "Participations"},
    "engagement": {"de": "Engagements", "en": "Engagements"},
    "award": {"de": "Auszeichnungen", "en": "Awards"},
    "milestone": {"de": "Meilensteine", "en": "Milestones"},
    "location": {"de": "Orte von Ereignissen", "en": "Event places"},
    "organizer": {"de": "Veranstalter", "en": "Organisers"},
    "sdg": {"de": "SDG-Bezüge", "en": "SDG links"},
    "structure": {"de": "Organisationsstruktur", "en": "Organisation structure"},
    "conflict": {"de": "Widersprüche", "en": "Conflicting claims"},
    "partnership": {"de": "Partnerschaften", "en": "Partnerships"},
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "active": {"de": "aktiv", "en": "active"},
    "dormant": {"de": "ruhend", "en": "dormant"},
    "ended": {"de": "beendet", "en": "ended"},
}

CONFIDENCE_LABELS: dict[str, dict[str, str]] = {
    "high": {"de": "hoch", "en": "high"},
    "medium": {"de": "mittel", "en": "medium"},
    "unverified": {"de": "unbestätigt", "en": "unverified"},
}

#: Partnership kinds (local names of the ckgv: concepts), strongest first: a city with several partnerships
#: is drawn as the strongest that holds.
PARTNER_KINDS = ("twinning", "intra-german", "friendship", "climate", "solidarity", "innovation", "project")


def kind_rank(kind: str, broader: dict[str, list[str]] | None = None) -> float:
    """Strength of a partnership kind: lower is stronger; unknown kinds rank after their broader kind."""
    if kind in PARTNER_KINDS:
        return float(PARTNER_KINDS.index(kind))
    for parent in (broader or {}).get(kind, []):
        if parent in PARTNER_KINDS:
            return PARTNER_KINDS.index(parent) + 0.5
    return float(len(PARTNER_KINDS) + 1)


def pick(texts: dict[str, str] | None, lang: str, fallback: str = "") -> str:
    """The text in ``lang``, else a plain (untagged) one, else the other language, else ``fallback``."""
    if not texts:
        return fallback
    for key in (lang, ""):
        if texts.get(key):
            return texts[key]
    for key in LANGUAGES:
        if texts.get(key):
            return texts[key]
    return next((t for t in texts.values() if t), fallback)


#: The words of the reports of `citykg analyze`, `citykg path` and `citykg shared`.
REPORT_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "network": "Netz",
        "as_of": "Stand",
        "nodes": "Knoten",
        "edges": "Beziehungen",
        "components": "Komponenten",
        "largest": "größte",
        "by_class": "Knoten nach Klasse",
        "by_relation": "Beziehungen nach Art",
        "degree": "Grad (Zahl der Beziehungen)",
        "betweenness": "Zwischenzentralität (betweenness)",
        "sampled": "geschätzt aus {k} zufälligen Startknoten (Seed 7), nicht exakt",
        "eigenvector": "Eigenvektorzentralität",
        "pagerank": "PageRank",
        "top": "Die {k} höchsten nach",
        "component": "Komponente",
        "more": "weitere",
        "no_path": "Keine Verbindung zwischen {a} und {b}.",
        "steps": "Schritte",
        "shared_none": "Keine gemeinsamen Netzwerke oder Organisationen von {a} und {b}.",
        "shared_unknown": "Der Graph enthält keine Mitgliedschaften oder Engagements von {b}; ob {a} und {b} "
        "Netzwerke oder UN-Programme teilen, lässt sich daraus nicht sagen.",
        "shared_head": "Was {a} und {b} verbindet",
        "member": "Mitglied",
        "engaged": "Engagement",
        "since": "seit",
        "source": "Quelle",
    },
    "en": {
        "network": "Network",
        "as_of": "as of",
        "nodes": "nodes",
        "edges": "relations",
        "components": "components",
        "largest": "largest",
        "by_class": "Nodes by class",
        "by_relation": "Relations by kind",
        "degree": "degree (number of relations)",
        "betweenness": "betweenness centrality",
        "sampled": "estimated from {k} random source nodes (seed 7), not exact",
        "eigenvector": "eigenvector centrality",
        "pagerank": "PageRank",
        "top": "Top {k} by",
        "component": "component",
        "more": "more",
        "no_path": "No connection between {a} and {b}.",
        "steps": "Steps",
        "shared_none": "{a} and {b} share no network or organisation.",
        "shared_unknown": "The graph holds no membership or engagement of {b}; whether {a} and {b} share "
        "networks or UN programmes cannot be told from it.",
        "shared_head": "What links {a} and {b}",
        "member": "member",
        "engaged": "engagement",
        "since": "since",
        "source": "source",
    },
}
