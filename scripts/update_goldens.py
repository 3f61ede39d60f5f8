"""Rewrite tests/data/golden/*.tsv from the shipped graph. Review the diff before committing."""

from __future__ import annotations

import sys
from pathlib import Path

from citykg.config import load_project
from citykg.golden import evaluate, load_cases
from citykg.queries import Catalogue
from citykg.store import open_dataset

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "data" / "golden"


def main() -> int:
    project = load_project(Path(__file__).resolve().parent.parent)
    dataset = open_dataset(project)
    catalogue = Catalogue(project.queries_dir)
    cases = load_cases(GOLDEN / "cases.toml")
    missing = {q.name for q in catalogue} - {c.query for c in cases}
    if missing:
        print(f"no golden case for: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    for case in cases:
        (GOLDEN / case.filename).write_text(evaluate(case, catalogue, dataset, project.base), encoding="utf-8")
        print(f"wrote {case.filename}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
