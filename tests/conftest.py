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
