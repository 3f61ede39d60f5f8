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


#: The ontology file every project needs: without it every class is undeclared and the data fails
#: validation for reasons that do not name the cause.
ONTOLOGY_FILE = "citykg.ttl"


def ontology_paths(project: Project) -> list[Path]:
    required = project.ontology_dir / ONTOLOGY_FILE
    if not required.exists():
        raise UsageError(
            f"{relative(project, required)}: no such file (the ontology)",
            hint="restore it, e.g. `git checkout -- ontology/citykg.ttl`",
        )
    return [p for p in sorted(project.ontology_dir.glob("*.ttl")) if p.name != project.shapes_file.name]


def graph_paths(project: Project) -> list[Path]:
    if not project.graph_dir.is_dir():
        raise UsageError(
            f"graph folder {project.graph_dir} does not exist", hint="check [dataset] graph in citykg.toml"
        )
    return sorted(path for pattern in DATA_SUFFIXES for path in project.graph_dir.rglob(pattern))


#: The reviewed exceptions of the quote check (citykg.quotes), in the graph folder beside the data.
QUOTE_EXCEPTIONS = "quote-exceptions.csv"


def all_inputs(project: Project) -> list[Path]:
    rules = sorted(project.rules_dir.glob("*.rq"))
    exceptions = [p for p in [project.graph_dir / QUOTE_EXCEPTIONS] if p.exists()]
    return [*ontology_paths(project), *graph_paths(project), project.shapes_file, *rules, *exceptions]


def readable(path: Path) -> Path:
    """``path`` if it is a regular file that can be opened; else a UsageError naming it (never a block on a
    FIFO, a traceback for a directory or a permission error)."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(
            f"{path}: not a regular file (a directory, FIFO or device)", hint="move it out of the project's folders"
        )
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror}", hint="check the file's permissions") from None
    return path


def digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks: a 140 MB source never sits in memory whole (``serve`` checks every
    input at start, in the process that then serves)."""
    try:
        with readable(path).open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror}") from None


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
