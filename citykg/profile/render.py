"""The profile as HTML: a standalone page (citykg profile) or a fragment for the server's /page/… pages."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from citykg.profile.model import Profile
from citykg.views.render import text

TEMPLATES = Path(__file__).resolve().parent / "templates"

WORDS = {
    "de": {
        "profile": "Profil",
        "seen_from": "Beziehungen zu",
        "relationship": "Beziehung",
        "no_relation": "Der Graph kennt keine direkte Beziehung zu {city}.",
        "milestones": "Meilensteine",
        "undated": "ohne Datum",
        "people": "Personen",
        "name": "Name",
        "role": "Rolle",
        "occasion": "Anlass",
        "date": "Datum",
        "events": "Weitere Veranstaltungen",
        "shared": "Gemeinsame Netzwerke von {a} und {b}",
        "sources": "Quellen",
        "network": "Netzwerk ansehen",
        "raw": "Rohdaten (für Fachleute)",
        "other_language": "English",
    },
    "en": {
        "profile": "Profile",
        "seen_from": "relations with",
        "relationship": "Relationship",
        "no_relation": "The graph knows no direct relation with {city}.",
        "milestones": "Milestones",
        "undated": "undated",
        "people": "People",
        "name": "Name",
        "role": "Role",
        "occasion": "Occasion",
        "date": "Date",
        "events": "Other events",
        "shared": "Networks shared by {a} and {b}",
        "sources": "Sources",
        "network": "Show the network",
        "raw": "Raw data (for experts)",
        "other_language": "Deutsch",
    },
}
PAGE_FORMATS = {"a4": "210mm 297mm", "16:9": "338.67mm 190.5mm"}


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )


def timeline_svg(profile: Profile, width: int = 760) -> Markup:
    """A small timeline: relations as bars, milestones as dots, a year scale (inline SVG, no script)."""
    years = [m.year for m in profile.milestones if m.year is not None]
    years += [y for s in profile.statements for y in (s.start_year, s.end_year) if y is not None]
    if not years:
        return Markup("")
    first, last = min(years), max(years)
    first, last = first - (first % 5), last + (5 - last % 5)
    left, right, height = 24, width - 24, 26 + 14 * len(profile.statements) + 34

    def x(year: float) -> float:
        return round(left + (right - left) * (year - first) / max(1, last - first), 1)

    parts = [
        f'<svg class="mini-timeline" viewBox="0 0 {width} {height}" role="img" aria-label="{text(profile.label)}">'
    ]
    for number, s in enumerate(profile.statements):
        if s.start_year is None:
            continue
        y = 8 + 14 * number
        end = s.end_year if s.end_year is not None else last
        parts.append(f'<rect x="{x(s.start_year)}" y="{y}" width="{max(2, x(end) - x(s.start_year))}" height="8" '
                     f'rx="3" fill="#9fc0e6"><title>{text(s.sentence)}</title></rect>')  # fmt: skip
    axis = 8 + 14 * len(profile.statements) + 10
    parts.append(f'<line x1="{left}" y1="{axis}" x2="{right}" y2="{axis}" stroke="#5b6775" stroke-width="1"/>')
    for m in profile.milestones:
        if m.year is not None:
            month = int(m.sort[5:7]) if m.sort[5:7].isdigit() else 1
            parts.append(f'<circle cx="{x(m.year + (month - 1) / 12)}" cy="{axis}" r="4.5" fill="#1f5fa8">'
                         f"<title>{text(m.date + ': ' + m.label)}</title></circle>")  # fmt: skip
    step = 5 if last - first <= 40 else 10
    for year in range(first, last + 1, step):
        parts.append(f'<text x="{x(year)}" y="{axis + 20}" font-size="12" text-anchor="middle" fill="#3d4a57">'
                     f"{year}</text>")  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))


def body(profile: Profile, *, network_href: str | None = None, raw_href: str | None = None,
         switch_href: str | None = None) -> Markup:  # fmt: skip
    """The profile's <article>, for embedding in another page."""
    other = "en" if profile.lang == "de" else "de"
    html = (
        environment()
        .get_template("body.html")
        .render(
            p=profile,
            w=WORDS.get(profile.lang, WORDS["en"]),
            timeline=timeline_svg(profile),
            network_href=network_href,
            raw_href=raw_href,
            switch_href=switch_href,
            other_lang=other,
        )
    )
    return Markup(html)


def css(page_format: str = "a4") -> Markup:
    size = PAGE_FORMATS.get(page_format, PAGE_FORMATS["a4"])
    margin = "14mm" if page_format == "a4" else "10mm"
    return Markup(
        (TEMPLATES / "profile.css").read_text(encoding="utf-8") + f"\n@page {{ size: {size}; margin: {margin}; }}\n"
    )


def profile_html(profile: Profile, *, page_format: str = "a4", raw_href: str | None = None,
                 network_href: str | None = None) -> str:  # fmt: skip
    """A standalone page: no script, no request, styles inlined."""
    return (
        environment()
        .get_template("profile.html")
        .render(
            p=profile,
            w=WORDS.get(profile.lang, WORDS["en"]),
            css=css(page_format),
            page_format="slides" if page_format == "16:9" else "a4",
            body=body(profile, raw_href=raw_href, network_href=network_href),
        )
    )
