"""Shared fixtures: the real project built once into a temporary folder, and throwaway project copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from citykg.build import BuildResult, build
from citykg.config import Project, load_project

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The shipped project, building into a temporary folder (the checkout's build/ is never touched)."""
    return load_project(ROOT).with_overrides(build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(project: Project) -> BuildResult:
    return build(project)


def copy_project(target: Path) -> Project:
    """A writable copy of the project's sources (not its build) under ``target``."""
    for name in ("ontology", "graph", "queries"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("enrichment"))
    shutil.copy(ROOT / "citykg.toml", target / "citykg.toml")
    return load_project(target)


@pytest.fixture
def project_copy(tmp_path: Path) -> Project:
    return copy_project(tmp_path)


#: Optional test components: words in a skip reason -> what is missing and the one command that installs it.
COMPONENTS = (
    (("virtuoso",), "Virtuoso", "sudo bash scripts/install_test_components.sh"),
    (("chromium", "playwright"), "Chromium", "sudo bash scripts/install_test_components.sh"),
    (("oxigraph server binary", "no oxigraph"), "the Oxigraph server", "pip install -e '.[test]'"),
    (("pandas",), "pandas", "pip install -e '.[test]'"),
)


def skip_summary(reasons: list[str]) -> list[str]:
    """Lines saying how many tests were skipped for want of which component, and how to get it."""
    counts: dict[tuple[str, str], int] = {}
    other: dict[str, int] = {}
    for reason in reasons:
        lowered = reason.lower()
        for words, name, command in COMPONENTS:
            if any(word in lowered for word in words):
                counts[(name, command)] = counts.get((name, command), 0) + 1
                break
        else:
            other[reason] = other.get(reason, 0) + 1
    if not counts and not other:
        return []
    lines = [f"citykg: {len(reasons)} skipped, so this was not the full suite"]
    lines += [f"  {n} need {name}: {command}" for (name, command), n in sorted(counts.items())]
    lines += [f"  {n} for another reason: {reason}" for reason, n in sorted(other.items())]
    return lines


def pytest_terminal_summary(terminalreporter) -> None:
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        reasons.append(reason.removeprefix("Skipped: "))
    lines = skip_summary(reasons)
    if lines:
        terminalreporter.section("what was skipped", sep="-", bold=True)
        for line in lines:
            terminalreporter.write_line(line)
