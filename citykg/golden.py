"""Golden results of named queries: the cases, their file names, and results as comparable rows.

Used by the tests and by scripts/update_goldens.py; results are stored as SPARQL TSV (terms in
N-Triples syntax, so datatypes and languages are part of the comparison).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from citykg.queries import Catalogue, bind, run
from citykg.results import render
from citykg.store import focus_resource


@dataclass(frozen=True)
class Case:
    query: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        suffix = "".join(f"--{k}={v}".replace("/", "_") for k, v in sorted(self.params.items()))
        return f"{self.query}{suffix}.tsv"


def load_cases(path: Path) -> list[Case]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Case(c["query"], {k: str(v) for k, v in c.get("params", {}).items()}) for c in data.get("case", [])]


def evaluate(case: Case, catalogue: Catalogue, graph: Graph, base: str) -> str:
    query = catalogue.get(case.query)
    bindings = bind(query, case.params, base, focus_resource(graph))
    return render(run(graph, query, bindings), "tsv", base)


def rows(tsv: str) -> tuple[str, Counter[str]]:
    """Header and the multiset of rows: row order is only compared where a test asks for it."""
    header, *body = tsv.rstrip("\n").split("\n")
    return header, Counter(body)
