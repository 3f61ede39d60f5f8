"""What a build depends on, found without loading any RDF library, so cheap checks stay cheap.

The ordered data files (ontology first, then graph/), the other inputs (shapes, rules), and a
fingerprint of all of them: the version, the base and a digest per file.
"""

from __future__ import annotations

import hashlib
import os
import time
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


#: Digests this process has computed, by the file's identity and change times: a command asks for the same
#: inputs' fingerprint more than once (the answer cache's key, the store's freshness), and hashing a 1M-triple
#: world's sources costs ~0.1 s each time. Any write changes the ctime (which no program can set back); a file
#: changed in the last ``RACY_NS`` is hashed every time, as two writes within one tick of the file system's clock
#: can leave the same times (git's "racily clean" files).
RACY_NS = 2_000_000_000
_computed: dict[tuple[str, int, int, int, int, int], str] = {}


def digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks: a 140 MB source never sits in memory whole (``serve`` checks every
    input at start, in the process that then serves)."""
    try:
        with readable(path).open("rb") as handle:
            status = os.fstat(handle.fileno())
            identity = (
                str(path),
                status.st_dev,
                status.st_ino,
                status.st_size,
                status.st_mtime_ns,
                status.st_ctime_ns,
            )
            known = _computed.get(identity)
            if known is None:
                known = hashlib.file_digest(handle, "sha256").hexdigest()
                if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) >= RACY_NS:
                    _computed[identity] = known
            return known
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
