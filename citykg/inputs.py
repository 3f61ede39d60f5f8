"""What a build depends on, found without loading any RDF library, so cheap checks stay cheap.

The ordered data files (ontology first, then graph/), the other inputs (shapes, rules), and a
fingerprint of all of them: the version, the base and a digest per file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from citykg import __version__
from citykg.config import Project
from citykg.errors import UsageError

DATA_SUFFIXES = ("*.ttl", "*.nt")


def ontology_paths(project: Project) -> list[Path]:
    return [p for p in sorted(project.ontology_dir.glob("*.ttl")) if p.name != project.shapes_file.name]


def graph_paths(project: Project) -> list[Path]:
    if not project.graph_dir.is_dir():
        raise UsageError(
            f"graph folder {project.graph_dir} does not exist", hint="check [dataset] graph in citykg.toml"
        )
    return sorted(path for pattern in DATA_SUFFIXES for path in project.graph_dir.rglob(pattern))


def all_inputs(project: Project) -> list[Path]:
    rules = sorted(project.rules_dir.glob("*.rq"))
    return [*ontology_paths(project), *graph_paths(project), project.shapes_file, *rules]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def relative(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return path.as_posix()


def fingerprint(project: Project) -> dict[str, object]:
    return {
        "version": __version__,
        "base": project.base,
        "inputs": {relative(project, path): digest(path) for path in all_inputs(project)},
    }
