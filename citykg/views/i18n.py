"""German and English strings of the views: classes, relations and the words of the page controls.

Labels of resources and SKOS concepts come from the data; these are only the words the data does not hold.
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

#: Words of the page controls; the page switches between the two sets without reloading.
UI: dict[str, dict[str, str]] = {
    "de": {
        "classes": "Klassen",
        "relations": "Beziehungen",
        "year": "Jahr",
        "all_years": "alle Jahre",
        "time_filter": "Stand im Jahr",
        "show_undated": "undatierte zeigen",
        "search": "Suchen …",
        "search_button": "Finden",
        "not_found": "Nicht gefunden",
        "not_visible": "Im gewählten Stand nicht sichtbar",
        "nodes": "Knoten",
        "edges": "Kanten",
        "of": "von",
        "legend": "Legende",
        "details": "Details",
        "close": "Schließen",
        "type": "Art",
        "dates": "Zeitraum",
        "since": "seit",
        "until": "bis",
        "status": "Status",
        "dormant_from": "ruhend seit",
        "sources": "Quellen",
        "no_sources": "keine Quelle angegeben",
        "confidence": "Verlässlichkeit",
        "relations_of": "Beziehungen",
        "country": "Land",
        "iri": "IRI",
        "open_page": "Ressourcenseite öffnen",
        "cluster": "Gruppieren",
        "cluster_none": "nicht gruppieren",
        "cluster_class": "nach Klasse",
        "cluster_country": "nach Land",
        "edge_labels": "Kantenbeschriftung",
        "fit": "Alles zeigen",
        "dormant": "ruhend",
        "ended": "beendet",
        "undated": "ohne Datum",
        "milestone_of": "Meilenstein von",
        "via": "über",
        "all": "alle",
        "none": "keine",
        "hint_large": "Große Ansicht: Positionen vorberechnet, Physik aus. Eingrenzen mit --focus, --depth, --kinds.",
        "language": "Sprache",
        "partners": "Partner",
        "kind": "Art",
        "map_title": "Partnerstädte",
        "timeline_title": "Zeitleiste",
        "description": "Beschreibung",
        "cluster_open": "Doppelklick öffnet die Gruppe",
        "unfold_all": "alles ausklappen",
        "show_isolated": "auch ohne Beziehung",
        "folded": "eingeklappt",
        "unfold": "ausklappen",
        "fold": "einklappen",
        "fold_hint": "Ein Klick auf einen Partner oder ein Netzwerk klappt seine Ereignisse, Personen … aus.",
    },
    "en": {
        "classes": "Classes",
        "relations": "Relations",
        "year": "Year",
        "all_years": "all years",
        "time_filter": "As of year",
        "show_undated": "show undated",
        "search": "Search …",
        "search_button": "Find",
        "not_found": "Not found",
        "not_visible": "Not visible in the chosen view",
        "nodes": "nodes",
        "edges": "edges",
        "of": "of",
        "legend": "Legend",
        "details": "Details",
        "close": "Close",
        "type": "Type",
        "dates": "Period",
        "since": "since",
        "until": "until",
        "status": "Status",
        "dormant_from": "dormant since",
        "sources": "Sources",
        "no_sources": "no source given",
        "confidence": "confidence",
        "relations_of": "Relations",
        "country": "Country",
        "iri": "IRI",
        "open_page": "Open resource page",
        "cluster": "Group",
        "cluster_none": "no grouping",
        "cluster_class": "by class",
        "cluster_country": "by country",
        "edge_labels": "Edge labels",
        "fit": "Show all",
        "dormant": "dormant",
        "ended": "ended",
        "undated": "undated",
        "milestone_of": "milestone of",
        "via": "via",
        "all": "all",
        "none": "none",
        "hint_large": "Large view: positions precomputed, physics off. Narrow it with --focus, --depth, --kinds.",
        "language": "Language",
        "partners": "Partners",
        "kind": "Kind",
        "map_title": "Partner cities",
        "timeline_title": "Timeline",
        "description": "Description",
        "cluster_open": "double-click opens the group",
        "unfold_all": "unfold everything",
        "show_isolated": "also without relations",
        "folded": "folded",
        "unfold": "unfold",
        "fold": "fold",
        "fold_hint": "A click on a partner or network unfolds its events, people …",
    },
}


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
