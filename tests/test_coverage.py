"""Every high- and medium-confidence research row is in the graph, or is listed as not encoded with a reason."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDFS

from citykg.namespaces import CKG

DATA = Path(__file__).parent / "data"


def _norm(text: str) -> str:
    text = text.removeprefix("[note]").strip().strip("\u201c\u201d\"'")
    return re.sub(r"\s+", " ", text)


def _research_rows() -> list[tuple[int, dict[str, str]]]:
    with (DATA / "facts.csv").open(encoding="utf-8", newline="") as handle:
        return [
            (n, row) for n, row in enumerate(csv.DictReader(handle), start=1) if row["confidence"] in ("high", "medium")
        ]


def _not_encoded() -> dict[int, str]:
    with (DATA / "facts-not-encoded.csv").open(encoding="utf-8", newline="") as handle:
        return {int(row["row"]): row["reason"] for row in csv.DictReader(handle)}


def test_every_exclusion_has_a_reason_and_names_a_real_row() -> None:
    rows = dict(_research_rows())
    for number, reason in _not_encoded().items():
        assert number in rows, f"row {number} is not a high/medium row of facts.csv"
        assert reason.strip(), f"row {number} has no reason"


def test_high_and_medium_rows_are_encoded(built) -> None:
    texts = " \n ".join(
        _norm(str(o))
        for p in (CKG.quote, RDFS.comment)
        for o in built.dataset.objects(None, p)
        if isinstance(o, Literal)
    )
    excluded = _not_encoded()
    missing = [
        f"row {n}: {row['subject']} – {row['predicate']}"
        for n, row in _research_rows()
        if n not in excluded and _norm(row["quote"]) not in texts
    ]
    assert missing == [], "\n".join(missing)
    encoded = len(_research_rows()) - len(excluded)
    assert encoded >= 0.5 * len(_research_rows()), f"only {encoded} rows encoded"
