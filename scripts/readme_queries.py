"""Rewrite the table of named queries in README.md (between the two marker comments) from queries/*.rq."""

from __future__ import annotations

import sys
from pathlib import Path

from citykg.config import load_project
from citykg.queries import Catalogue

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- queries:start -->", "<!-- queries:end -->"


def table(catalogue: Catalogue) -> str:
    lines = ["| name | question | parameters |", "|---|---|---|"]
    for query in catalogue:
        params = (
            ", ".join(f"`{p.name}` ({p.type}{'' if p.required else ', optional'})" for p in query.parameters) or "–"
        )
        lines.append(f"| `{query.name}` | **{query.title}.** {query.description} | {params} |")
    return "\n".join(lines)


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{table(Catalogue(load_project(ROOT).queries_dir))}\n{END}{tail}"
    readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
