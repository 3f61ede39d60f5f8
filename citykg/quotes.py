"""The quote check: a high-confidence citation that supports a dated value must quote a form of its year.

The truth audit (issue 12) found high-confidence citations whose quotes were about other years than the date
they stood for (a 2011 quote on a 2024 upgrade). This check makes that a build error. A citation supports a dated
value when it names a date property (``ckg:supportsProperty schema:startDate`` …, with ``ckg:supportsValue`` or
else every value of that property on its node), or when it names no property at all and so supports its whole
node, dates included. Its quote must then contain the year as four digits ("1969"), or as the two-digit year
of a numeric date ("03.11.25"); "'69" and spelt-out years do not count. A citation without a quote (a note
only) cannot support a date at high confidence.

Where the year is legitimately missing (the page's own date gives it: "am Sonntag, 17. November" in a
news item of 2024), the pair is listed in the reviewed exception file ``graph/quote-exceptions.csv``, one
row per citation, node and value, each with a reason. A listed pair that no longer fails is reported as a
warning, so the list stays honest.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDFS

from citykg.config import Project
from citykg.errors import DataError
from citykg.inputs import QUOTE_EXCEPTIONS
from citykg.namespaces import CKG, CKGV, SCHEMA
from citykg.validate import Locator, Violation

#: The properties whose values are dates a citation can support (documentedOn: ontology 1.1.0).
DATE_PROPERTIES = (SCHEMA.startDate, SCHEMA.endDate, CKG.documentedOn)

EXCEPTIONS_FILE = QUOTE_EXCEPTIONS
COLUMNS = ("citation", "node", "value", "reason")


@dataclass(frozen=True)
class Failure:
    """One high-confidence citation whose quote has no form of the year of a dated value it supports."""

    citation: str
    node: str
    prop: str
    value: str
    quote: str | None


def exceptions_path(project: Project) -> Path:
    return project.graph_dir / EXCEPTIONS_FILE


def year_forms(value: str) -> tuple[re.Pattern[str], ...]:
    """The patterns that count as a form of the year of ``value`` (a date, year-month or year)."""
    year = value[:4]
    return (
        re.compile(rf"(?<!\d){year}(?!\d)"),
        re.compile(rf"(?<!\d)\d{{1,2}}\.\s?\d{{1,2}}\.\s?{year[2:]}(?!\d)"),
    )


def quotes_year(quote: str, value: str) -> bool:
    return any(pattern.search(quote) for pattern in year_forms(value))


def failures(data: Graph) -> list[Failure]:
    """Every (citation, node, dated value) whose high-confidence citation does not quote the value's year."""
    found = []
    for citation in set(data.subjects(CKG.confidence, CKGV.high)):  # only high confidence is checked
        props = sorted(p for p in _supported_properties(data, citation) if p in DATE_PROPERTIES)
        if not props:  # supports no date (e.g. only a label): nothing to check, no node or quote to read
            continue
        quotes = [str(q) for q in data.objects(citation, CKG.quote)]
        for node in data.subjects(PROV.qualifiedDerivation, citation):
            for prop, value in _supported_dates(data, node, citation, props):
                if not any(quotes_year(q, value) for q in quotes):
                    found.append(Failure(str(citation), str(node), prop, value, quotes[0] if quotes else None))
    return sorted(set(found), key=lambda f: (f.citation, f.node, f.value))


def _supported_properties(data: Graph, citation) -> set:  # type: ignore[type-arg]
    """The properties ``citation`` names, or every date property when it names none."""
    return set(data.objects(citation, CKG.supportsProperty)) or set(DATE_PROPERTIES)


def _supported_dates(data: Graph, node, citation, props: list) -> Iterable[tuple[str, str]]:  # type: ignore[type-arg]
    """The (property, value) dates of ``node`` that ``citation`` supports: of each date property in ``props``
    (those it names, all of them when it names none), the values it lists in ckg:supportsValue, or every value
    when it lists none (ontology/README.md, "Provenance, per statement")."""
    listed = set(data.objects(citation, CKG.supportsValue))
    for prop in props:
        values = [v for v in data.objects(node, prop) if isinstance(v, Literal) and (not listed or v in listed)]
        for value in sorted(values, key=str):
            yield str(prop), str(value)


def unsupported_values(data: Graph) -> list[tuple[str, str]]:
    """``(citation, value)`` pairs where a listed ckg:supportsValue is no value of a ckg:supportsProperty on any
    node the citation is attached to: a typo, or a value the node no longer has."""
    found = []
    for citation in set(data.subjects(CKG.supportsValue, None)):
        nodes = list(data.subjects(PROV.qualifiedDerivation, citation))
        props = list(data.objects(citation, CKG.supportsProperty))
        for value in data.objects(citation, CKG.supportsValue):
            if not any((n, p, value) in data for n in nodes for p in props):
                found.append((str(citation), str(value)))
    return sorted(found)


def load_exceptions(project: Project) -> dict[tuple[str, str, str], str]:
    """``(citation IRI, node IRI, value) -> reason`` from the reviewed exception file (relative IRIs resolve
    against the base); a malformed row or a row without a reason is a DataError naming file and line."""
    path = exceptions_path(project)
    if not path.exists():
        return {}
    rows: dict[tuple[str, str, str], str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise DataError(f"{_rel(project, path)}:1: the header must be {','.join(COLUMNS)}")
        for row in reader:
            where = f"{_rel(project, path)}:{reader.line_num}"
            if any(not (row.get(c) or "").strip() for c in COLUMNS):
                raise DataError(f"{where}: every row needs a citation, node, value and reason")
            key = (_iri(project, row["citation"]), _iri(project, row["node"]), row["value"].strip())
            rows[key] = row["reason"].strip()
    return rows


def check(project: Project, data: Graph, locate: Locator | None = None) -> list[Violation]:
    """The quote check as violations (build errors) plus a warning per exception no longer needed."""
    excepted = load_exceptions(project)
    result = []
    failed = failures(data)
    for failure in failed:
        if (failure.citation, failure.node, failure.value) in excepted:
            continue
        file, line = locate(failure.citation) if locate else ("", 0)
        quote = f'"{failure.quote}"' if failure.quote is not None else "no quote"
        result.append(
            Violation(
                file=file,
                line=line or 0,
                focus=failure.citation,
                path=_curie(failure.prop),
                message=(
                    f"a high-confidence citation of <{failure.node}> supports the date {failure.value}, but its "
                    f"quote has no form of the year {failure.value[:4]} ({quote}); quote the passage that dates it, "
                    f"lower the confidence, or list the pair with a reason in graph/{EXCEPTIONS_FILE}"
                ),
                value=failure.value,
                shape="citykg:quote-check",
            )
        )
    for citation, value in unsupported_values(data):
        file, line = locate(citation) if locate else ("", 0)
        result.append(
            Violation(
                file=file,
                line=line or 0,
                focus=citation,
                path="ckg:supportsValue",
                message=(
                    "the citation says it supports this value, but no node it is attached to has it as a value of "
                    "a property the citation names (ckg:supportsProperty): correct the value or the property"
                ),
                value=value,
                shape="citykg:quote-check",
            )
        )
    still = {(f.citation, f.node, f.value) for f in failed}
    for citation, node, value in sorted(set(excepted) - still):
        result.append(
            Violation(
                file=f"graph/{EXCEPTIONS_FILE}",
                line=0,
                focus=citation,
                path="",
                message=f"the exception for <{node}> {value} is no longer needed (the check passes): remove the row",
                severity="warning",
                value=value,
                shape="citykg:quote-check",
            )
        )
    return result


def _iri(project: Project, text: str) -> str:
    text = text.strip().strip("<>")
    return text if re.match(r"^[a-z][a-z0-9+.-]*:", text) else project.base + text


def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return path.as_posix()


def _curie(prop: str) -> str:
    for prefix, namespace in (("schema", SCHEMA), ("ckg", CKG), ("rdfs", RDFS)):
        if prop.startswith(str(namespace)):
            return f"{prefix}:{prop[len(str(namespace)) :]}"
    return f"<{prop}>"
