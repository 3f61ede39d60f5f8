"""The truth audit's findings (review-2026-12/truth.md) as data: each fix is a query on the built graph with the
answer the corrected data must give, so a regression in the data shows up under the finding's number."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from citykg.build import BuildResult

FINDINGS = tomllib.loads((Path(__file__).parent / "data" / "truth" / "findings.toml").read_text("utf-8"))["finding"]


@pytest.mark.parametrize("finding", FINDINGS, ids=[f["id"] for f in FINDINGS])
def test_finding_fixed(built: BuildResult, finding: dict) -> None:
    answer = built.store.query(finding["query"], use_default_graph_as_union=True)
    assert bool(answer) is finding["expected"], f"truth.md finding {finding['id']}: {finding['what']}"
