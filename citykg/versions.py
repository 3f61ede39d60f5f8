"""Versions of the dataset: what a consumer cites, what a mirror compares, what ``citykg diff`` takes.

A build's version is ``{release}+{digest}``: the release is ``[dataset] version`` in ``citykg.toml`` (the
package version when it has none) and the digest is the first 12 hex digits of the SHA-256 of the build's
inputs (path and SHA-256 of every ontology, graph, shape and rule file, as in the build manifest). Two builds
of the same sources have the same version; any change to a source changes it. It goes into VoID/DCAT
(``dcat:version``, ``dcterms:modified``), the dumps' names and headers, and the change log.

A *side* of a comparison is a build folder (its ``citykg.nq``), a project folder (its sources, derived as a
build does, without validation) or a git revision of the project (its sources taken with ``git archive``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from citykg import __version__
from citykg.config import CONFIG_NAME, Project, load_project
from citykg.errors import UsageError

MANIFEST = "manifest.json"
#: What a revision needs to be loaded like a project (paths relative to the project root).
SOURCE_PATHS = (CONFIG_NAME, "ontology", "graph", "queries")
#: What the data is built from (a commit that touches only named queries makes no new version).
DATA_PATHS = (CONFIG_NAME, "ontology", "graph", "queries/rules")


def release(project: Project) -> str:
    """``[dataset] version`` of citykg.toml, else the package version."""
    try:
        settings = tomllib.loads((project.root / CONFIG_NAME).read_text(encoding="utf-8")).get("dataset", {})
    except (OSError, tomllib.TOMLDecodeError):
        settings = {}
    return str(settings.get("version") or __version__)


def inputs_digest(inputs: dict[str, str]) -> str:
    """12 hex digits that change with any input file (its path or its bytes)."""
    lines = "".join(f"{path}\t{digest}\n" for path, digest in sorted(inputs.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:12]


def manifest(build_dir: Path) -> dict:
    try:
        return json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_version(project: Project, found: dict | None = None) -> str:
    """The version of the project's build (from its manifest), or of its sources when nothing is built."""
    found = manifest(project.build_dir) if found is None else found
    inputs = found.get("inputs") or source_inputs(project)
    return f"{release(project)}+{inputs_digest(inputs)}"


def source_inputs(project: Project) -> dict[str, str]:
    """What a build's manifest lists as inputs, computed from the files (those that exist: old revisions may
    lack some, e.g. the shapes)."""
    from citykg.inputs import all_inputs, digest, relative

    return {relative(project, path): digest(path) for path in all_inputs(project) if path.is_file()}


def modified(build_dir: Path) -> dt.datetime | None:
    """When the build was written (its manifest's time), in UTC to the second."""
    try:
        stamp = (build_dir / MANIFEST).stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(int(stamp), dt.UTC)


# -- git ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Revision:
    commit: str
    date: str  # ISO 8601, the committer's date
    subject: str


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"git cannot run here: {exc}", hint="give two build folders instead") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args[:2])}: {reason[-1] if reason else 'failed'}")
    return done.stdout


def is_revision(project: Project, name: str) -> bool:
    try:
        _git(project.root, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    except UsageError:
        return False
    return True


def history(project: Project, limit: int = 10) -> list[Revision]:
    """The last commits that changed the sources, newest first ([] outside a git checkout)."""
    try:
        text = _git(project.root, "log", f"-n{limit}", "--format=%H%x09%cI%x09%s", "--", *DATA_PATHS)
    except UsageError:
        return []
    revisions = []
    for line in text.decode("utf-8", "replace").splitlines():
        commit, date, subject = ([*line.split("\t", 2), "", ""])[:3]
        revisions.append(Revision(commit, date, subject))
    return revisions


def checkout(project: Project, revision: str, target: Path) -> Project:
    """The project's sources at ``revision``, written under ``target`` (the working tree is not touched)."""
    root = _git(project.root, "rev-parse", "--show-toplevel").decode().strip()
    prefix = Path(project.root).resolve().relative_to(Path(root).resolve()).as_posix()
    paths = [f"{prefix}/{p}" if prefix != "." else p for p in SOURCE_PATHS]
    listed = _git(Path(root), "ls-tree", "--name-only", revision, "--", *paths).decode().split()
    archive = _git(Path(root), "archive", "--format=tar", revision, "--", *listed)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: refuse links and paths leaving the target
            tar.extractall(target, filter="data")
        else:  # pragma: no cover - git archive of our own repository writes plain files only
            tar.extractall(target)
    return load_project(target / prefix if prefix != "." else target).with_overrides(build_dir=target / "build")
