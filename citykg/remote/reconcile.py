"""Reconciliation with Wikidata: our partnerships of a city against its P190 ("twinned administrative
body") statements, both ways.

For a city with a ``ckg:wikidata`` link, every partner is put in one row with one or more findings:

=====================  ===========================================================================
``agrees``             a twinning here, listed both ways on Wikidata, start dates compatible
``date-differs``       a start date here and one on Wikidata (P580) that disagree at the precision both have
``asymmetric``         Wikidata lists the twinning on one side only (A lists B, B does not list A)
``missing-on-wikidata`` a twinning here that neither side lists on Wikidata
``missing-here``       a P190 statement on Wikidata with no partnership here
``kind-differs``       Wikidata lists a twinning where citykg has another kind of partnership
``not-aligned``        a partner without ``ckg:wikidata``: cannot be compared (a Wikidata twin with the
                       same label is named as the likely item)
=====================  ===========================================================================

Dates compare on what both say: Wikidata's time value is cut to its precision (9 year, 10 month, 11 day),
then both are compared on their common prefix, so "1981" agrees with 1981-05-14 but not with 1980.
Deprecated statements are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS

from citykg.bindings import with_values
from citykg.config import Project
from citykg.errors import UsageError
from citykg.namespaces import WD
from citykg.queries import bind, run
from citykg.remote.endpoint import DEFAULT_TIMEOUT, Endpoint, query_file
from citykg.results import to_table
from citykg.store import focus_resource

WIKIDATA = "https://query.wikidata.org/sparql"
BATCH = 50
FORMATS = ("table", "json", "csv")
FINDINGS = (
    "agrees",
    "date-differs",
    "asymmetric",
    "missing-on-wikidata",
    "missing-here",
    "kind-differs",
    "not-aligned",
)


def qid(term: object) -> str | None:
    text = str(term) if term is not None else ""
    return text[len(str(WD)) :] if text.startswith(str(WD)) else None


def wikidata_date(value: object, precision: object = None) -> str | None:
    """A Wikidata time value as text at its precision: 1980, 1980-06 or 1980-06-12."""
    if value is None:
        return None
    text = str(value)
    date = text.split("T", 1)[0].lstrip("+")
    try:
        level = int(str(precision)) if precision is not None else None
    except ValueError:
        level = None
    if level is None:  # guess from the value: Wikidata writes a year as YYYY-01-01
        level = 9 if date.endswith("-01-01") else (10 if date.endswith("-01") else 11)
    if level <= 9:
        return date[:4]
    if level == 10:
        return date[:7]
    return date[:10]


def dates_agree(here: str, there: str) -> bool:
    n = min(len(here), len(there))
    return here[:n] == there[:n]


@dataclass
class Pair:
    """One partner of the city: what citykg says, what Wikidata says, and the findings."""

    label: str
    partner: str | None = None  # our IRI
    item: str | None = None  # the partner's QID
    kind_here: str | None = None
    start_here: str | None = None
    partnership: str | None = None
    twinning_here: bool = False
    listed_by_city: bool = False  # city → partner on Wikidata
    listed_by_partner: bool = False  # partner → city on Wikidata
    start_wikidata: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Reconciliation:
    city: str
    city_label: str
    item: str
    endpoint: str
    retrieved: str
    pairs: list[Pair]

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(FINDINGS, 0)
        for pair in self.pairs:
            for finding in pair.findings:
                counts[finding] += 1
        return counts


def reconcile(
    project: Project,
    dataset: Dataset,
    *,
    cities: Sequence[str] = (),
    endpoint: str = WIKIDATA,
    timeout: float = DEFAULT_TIMEOUT,
    batch: int = BATCH,
) -> list[Reconciliation]:
    """Compare the partnerships of ``cities`` (IRIs or base-relative; default: the focus city) with Wikidata."""
    here_query = query_file("wikidata/partnerships-here.rq", project.queries_dir)
    focus = focus_resource(dataset)
    selected = list(cities) if cities else ([str(focus)] if focus is not None else [])
    if not selected:
        raise UsageError("the dataset names no focus city", hint="give --city IRI")
    local: dict[str, list[dict[str, object]]] = {}
    labels: dict[str, str] = {}
    for given in selected:
        bindings = bind(here_query, {"city": given}, project.base, focus)
        city = str(bindings["city"])
        rows = [{str(k): v for k, v in row.asdict().items()} for row in run(dataset, here_query, bindings)]
        if not rows:
            raise UsageError(f"<{city}> has no partnerships in the graph", hint="check --city")
        items = {qid(r.get("cityItem")) for r in rows} - {None}
        if not items:
            raise UsageError(
                f"<{city}> has no Wikidata link (ckg:wikidata): there is nothing to compare",
                hint="add ckg:wikidata wd:Q… to the city in graph/places.ttl",
            )
        local[city] = rows
        labels[city] = _label(dataset, URIRef(city))
    city_items = {city: str(next(r["cityItem"] for r in rows if r.get("cityItem"))) for city, rows in local.items()}
    client = Endpoint(endpoint, timeout=timeout)
    template = query_file("wikidata/twinnings.rq", project.queries_dir).text
    statements: list[dict[str, object]] = []
    items = sorted(set(city_items.values()))
    for first in range(0, len(items), batch):
        chunk = items[first : first + batch]
        text = with_values(template, [{"item": URIRef(i)} for i in chunk], ["item"])
        statements += client.select(text, f"the P190 statements of {len(chunk)} item(s)")
    retrieved = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    results = []
    for city, rows in local.items():
        item = city_items[city]
        mine = [s for s in statements if str(s.get("item")) == item]
        pairs = compare(rows, mine, labels[city], qid(item) or item)
        results.append(Reconciliation(city, labels[city], qid(item) or item, client.shown, retrieved, pairs))
    return results


def _label(dataset: Dataset, resource: URIRef) -> str:
    values = sorted(dataset.objects(resource, RDFS.label), key=lambda v: (getattr(v, "language", "") != "en", str(v)))
    return str(values[0]) if values else str(resource)


def compare(
    here: list[dict[str, object]], wikidata: list[dict[str, object]], city_label: str, city_qid: str
) -> list[Pair]:
    """The pairs and findings from our rows (partnerships-here.rq) and the city's P190 rows (twinnings.rq)."""
    by_partner: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in here:
        by_partner[str(row["partner"])].append(row)
    on_wikidata: dict[str, dict[str, object]] = {}
    for row in wikidata:
        other = qid(row.get("other"))
        if other is None:
            continue
        entry = on_wikidata.setdefault(other, {"out": False, "in": False, "dates": [], "en": None, "de": None})
        entry["out" if str(row.get("direction")) == "out" else "in"] = True
        date = wikidata_date(row.get("start"), row.get("precision"))
        if date and date not in entry["dates"]:  # type: ignore[operator]
            entry["dates"].append(date)  # type: ignore[union-attr]
        entry["en"] = entry["en"] or (str(row["labelEn"]) if row.get("labelEn") else None)
        entry["de"] = entry["de"] or (str(row["labelDe"]) if row.get("labelDe") else None)
    pairs: list[Pair] = []
    used: set[str] = set()
    for partner, rows in by_partner.items():
        rows.sort(key=lambda r: (not _true(r.get("twinning")), str(r.get("start"))))
        best = rows[0]
        label = str(best.get("labelEn") or best.get("labelDe") or partner)
        pair = Pair(
            label=label,
            partner=partner,
            item=qid(best.get("partnerItem")),
            kind_here=_local_name(best.get("kind")),
            start_here=str(best["start"]) if best.get("start") is not None else None,
            partnership=str(best.get("partnership")),
            twinning_here=_true(best.get("twinning")),
        )
        if pair.item is None:
            names = {str(v) for v in (best.get("labelEn"), best.get("labelDe")) if v is not None}
            guess = next(
                (q for q, e in sorted(on_wikidata.items()) if names & {e["en"], e["de"]} and q not in used), None
            )
            if not pair.twinning_here and not guess:
                continue  # a project partnership without a link: nothing to compare, nothing to say
            pair.findings.append("not-aligned")
            pair.note = "no ckg:wikidata link here, so it cannot be compared"
            if guess:
                used.add(guess)
                pair.note += f"; Wikidata lists a twin with this name: {guess} (add ckg:wikidata wd:{guess})"
            pairs.append(pair)
            continue
        entry = on_wikidata.get(pair.item)
        if entry is None:
            if pair.twinning_here:
                pair.findings.append("missing-on-wikidata")
                pair.note = f"neither {city_label} ({city_qid}) nor {label} ({pair.item}) lists the other (P190)"
                pairs.append(pair)
            continue  # a project partnership Wikidata does not list as a twinning: as it should be
        used.add(pair.item)
        _fill(pair, entry)
        if not pair.twinning_here:
            pair.findings.append("kind-differs")
            pair.note = f"Wikidata lists a twinning (P190); here a partnership of kind {pair.kind_here}"
        notes = [pair.note] if pair.note else []
        _check_wikidata_side(pair, city_label, city_qid, notes)
        if not pair.findings:
            pair.findings.append("agrees")
            notes.append("listed both ways on Wikidata" + (f", start {pair.start_here}" if pair.start_here else ""))
        pair.note = "; ".join(notes)
        pairs.append(pair)
    for other, entry in sorted(on_wikidata.items()):
        if other in used:
            continue
        label = str(entry["en"] or entry["de"] or other)
        pair = Pair(label=label, item=other)
        _fill(pair, entry)
        pair.findings.append("missing-here")
        notes = ["a P190 statement on Wikidata, no partnership here"]
        _check_wikidata_side(pair, city_label, city_qid, notes, dates=False)
        pair.note = "; ".join(notes)
        pairs.append(pair)
    order = {name: index for index, name in enumerate(FINDINGS)}
    pairs.sort(key=lambda p: (order[p.findings[0]] if p.findings else 99, p.label.casefold()))
    return pairs


def _fill(pair: Pair, entry: dict[str, object]) -> None:
    pair.listed_by_city = bool(entry["out"])
    pair.listed_by_partner = bool(entry["in"])
    pair.start_wikidata = sorted(entry["dates"])  # type: ignore[arg-type]


def _check_wikidata_side(pair: Pair, city_label: str, city_qid: str, notes: list[str], dates: bool = True) -> None:
    if pair.listed_by_city != pair.listed_by_partner:
        pair.findings.append("asymmetric")
        if pair.listed_by_city:
            notes.append(f"{pair.label} ({pair.item}) does not list {city_label} ({city_qid})")
        else:
            notes.append(f"{city_label} ({city_qid}) does not list {pair.label} ({pair.item})")
    if dates and pair.start_here and pair.start_wikidata:
        differing = [d for d in pair.start_wikidata if not dates_agree(pair.start_here, d)]
        if differing:
            pair.findings.append("date-differs")
            notes.append(f"start {pair.start_here} here, {', '.join(differing)} on Wikidata (P580)")


def _true(value: object) -> bool:
    return isinstance(value, Literal) and value.toPython() is True


def _local_name(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def render_reconciliation(results: Iterable[Reconciliation], fmt: str) -> str:
    results = list(results)
    if fmt == "json":
        data = [
            {
                "city": r.city,
                "label": r.city_label,
                "item": r.item,
                "endpoint": r.endpoint,
                "retrieved": r.retrieved,
                "summary": r.summary(),
                "pairs": [asdict(p) for p in r.pairs],
            }
            for r in results
        ]
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                "city",
                "city_item",
                "partner",
                "partner_item",
                "label",
                "kind_here",
                "start_here",
                "listed_by_city",
                "listed_by_partner",
                "start_wikidata",
                "findings",
                "note",
            ]
        )
        for r in results:
            for p in r.pairs:
                writer.writerow(
                    [
                        r.city,
                        r.item,
                        p.partner or "",
                        p.item or "",
                        p.label,
                        p.kind_here or "",
                        p.start_here or "",
                        str(p.listed_by_city).lower(),
                        str(p.listed_by_partner).lower(),
                        " ".join(p.start_wikidata),
                        " ".join(p.findings),
                        p.note,
                    ]
                )
        return out.getvalue()
    if fmt != "table":
        raise UsageError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    blocks = []
    for r in results:
        head = f"{r.city_label} ({r.item}) compared with {r.endpoint}, {r.retrieved}"
        names = ["partner", "item", "here", f"{r.city_label} lists", "lists it", "Wikidata start", "finding"]
        rows = []
        for p in r.pairs:
            here = f"{p.kind_here} since {p.start_here}" if p.kind_here else "–"
            known = p.item is not None
            rows.append(
                [
                    Literal(p.label),
                    Literal(p.item or "–"),
                    Literal(here),
                    Literal(_yes(p.listed_by_city) if known else "?"),
                    Literal(_yes(p.listed_by_partner) if known else "?"),
                    Literal(", ".join(p.start_wikidata) or "–"),
                    Literal(", ".join(p.findings)),
                ]
            )
        table = to_table(names, rows)
        plain = {"agrees"}, {"not-aligned"}
        unlinked = [p.label for p in r.pairs if set(p.findings) == plain[1] and "Wikidata lists" not in p.note]
        lines = [f"  {p.label}: {p.note}" for p in r.pairs if p.note and set(p.findings) not in plain]
        lines += [
            f"  {p.label}: {p.note}" for p in r.pairs if set(p.findings) == plain[1] and "Wikidata lists" in p.note
        ]
        if unlinked:
            lines.append(f"  not compared (no ckg:wikidata link here): {', '.join(unlinked)}")
        notes = "\n".join(lines)
        counts = ", ".join(f"{n} {k}" for k, n in r.summary().items() if n)
        blocks.append(f"{head}\n\n{table}\n{notes}\n\n{counts}\n" if notes else f"{head}\n\n{table}\n{counts}\n")
    return "\n".join(blocks)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
