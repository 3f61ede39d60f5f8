"""Dates as people write them, with the precision the source gives (the literal's datatype).

``"2024-05-14"^^xsd:date`` is "14. Mai 2024" (en: "14 May 2024"), ``"2024-05"^^xsd:gYearMonth`` is
"Mai 2024", ``"2024"^^xsd:gYear`` is "2024": a year stays a year, never "1. Januar 2024".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the terms only: `citykg query` formats dates of Oxigraph's answers without loading rdflib
    from rdflib import Literal

XSD = "http://www.w3.org/2001/XMLSchema#"

MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
           "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}  # fmt: skip


def _parts(value: Literal | str, datatype: str | None = None) -> tuple[str, str | None, str | None]:
    """Year, month and day of ``value`` at the precision of its datatype (a Literal's, else ``datatype``)."""
    text = str(value).strip()
    match = re.match(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        return text, None, None
    year, month, day = match.groups()
    kind = str(getattr(value, "datatype", None) or datatype or "")
    if kind == XSD + "gYear":
        return year, None, None
    if kind == XSD + "gYearMonth":
        return year, month, None
    return year, month, day


def human(value: Literal | str | None, lang: str = "de", datatype: str | None = None) -> str:
    """The date in words at the literal's precision (or that of ``datatype``, for a plain lexical form); "" for
    none."""
    if value is None:
        return ""
    year, month, day = _parts(value, datatype)
    if month is None or not year.lstrip("-").isdigit():
        return year
    name = MONTHS.get(lang, MONTHS["en"])[int(month) - 1]
    if day is None:
        return f"{name} {year}"
    return f"{int(day)}. {name} {year}" if lang == "de" else f"{int(day)} {name} {year}"


def sort_key(value: Literal | str | None) -> str:
    """An ISO text that sorts by time: a year sorts as its first day (undated last)."""
    if value is None:
        return "9999-99-99"
    year, month, day = _parts(value)
    return f"{year}-{month or '01'}-{day or '01'}"


def year_of(value: Literal | str | None) -> int | None:
    if value is None:
        return None
    year = _parts(value)[0]
    return int(year) if re.fullmatch(r"-?\d{4}", year) else None


def span(start: Literal | None, end: Literal | None, lang: str = "de") -> str:
    """ "seit 1969", "2023–2025", "bis 2020" in words."""
    since, until = ("seit", "bis") if lang == "de" else ("since", "until")
    if start is not None and end is not None:
        return f"{human(start, lang)} – {human(end, lang)}"
    if start is not None:
        return f"{since} {human(start, lang)}"
    if end is not None:
        return f"{until} {human(end, lang)}"
    return ""
