"""Named-query headers in two languages (docs/views.md, "Named-query headers")::

    #+ title: Twin cities
    #+ title@de: Partnerstädte
    #+ description@de: Die Partnerstädte einer Stadt mit Land, Beginn und Status.
    #+ param@de: city ; die Stadt, deren Partnerstädte aufgeführt werden
    #+ column: partnerLabel ; Twin city
    #+ column@de: partnerLabel ; Partnerstadt

Lines without ``@lang`` are English and the fallback. ``citykg.queries`` reads the English lines as before;
this module adds the other languages and the column headers, for pages that people read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from citykg.queries import NamedQuery

LINE = re.compile(r"^#\+\s*(title|description|param|column)(?:@([A-Za-z-]+))?\s*:\s*(.*)$")


@dataclass(frozen=True)
class Header:
    """What a page shows of a named query, in one language."""

    title: str
    description: str
    params: dict[str, str]  # parameter name -> its help text
    columns: dict[str, str]  # result variable -> column header


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for line in text.splitlines():
        match = LINE.match(line.strip())
        if not match:
            continue
        key, lang, value = match.group(1), (match.group(2) or "en").lower(), match.group(3).strip()
        entry = found.setdefault(lang, {"params": {}, "columns": {}})
        if key in ("param", "column"):
            name, _, doc = value.partition(";")
            name = name.split(":", 1)[0].strip()
            if key == "param" and lang == "en":
                continue  # the English parameter lines are citykg.queries' own (with types)
            entry["params" if key == "param" else "columns"][name] = doc.strip()  # type: ignore[index]
        else:
            entry[key] = f"{entry[key]} {value}" if key in entry else value
    return found


def header(query: NamedQuery, lang: str) -> Header:
    """The query's title, description, parameter help and column headers in ``lang`` (English fallback)."""
    found = _parse(query.text)
    mine, english = found.get(lang, {}), found.get("en", {})
    params = {p.name: p.description for p in query.parameters}
    params.update(mine.get("params", {}))  # type: ignore[arg-type]
    columns = dict(english.get("columns", {}))  # type: ignore[arg-type]
    columns.update(mine.get("columns", {}))  # type: ignore[arg-type]
    return Header(
        str(mine.get("title") or query.title),
        str(mine.get("description") or query.description),
        params,
        columns,
    )


def column(head: Header, variable: str) -> str:
    """The header of a result column: the query's own, else the variable made readable."""
    if variable in head.columns:
        return head.columns[variable]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", variable).replace("_", " ")
    return words[:1].upper() + words[1:]
