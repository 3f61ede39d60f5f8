"""The README stays true: its two commands come first and its query table matches queries/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from citykg.queries import Catalogue

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("readme_queries", ROOT / "scripts" / "readme_queries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_query_table_is_current(project) -> None:
    script = _script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert script.table(Catalogue(project.queries_dir)) in text, "run python scripts/readme_queries.py"


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_blocks = text.split("```")[1:4:2]
    assert "pip install -e ." in first_blocks[0] and "citykg" in first_blocks[0]
    assert "pytest" in first_blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = first_blocks[1].strip().splitlines()[-1].split("&&")[-1].strip()
    assert test_command in ci, f"{test_command!r} is not what .ci/run runs"
