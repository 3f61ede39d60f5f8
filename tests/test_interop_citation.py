"""CITATION.cff says what the package says: its version and licences."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

import citykg


def test_citation_matches_the_package() -> None:
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^cff-version: 1\.2\.0$", text, flags=re.M)
    assert re.search(rf'^version: "{re.escape(citykg.__version__)}"$', text, flags=re.M)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert declared["version"] == citykg.__version__
    for licence in declared["license"].split(" AND "):
        assert f"  - {licence}\n" in text
    for key in ("title:", "authors:", "message:", "abstract:"):
        assert re.search(rf"^{key}", text, flags=re.M)
