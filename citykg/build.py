"""The build: sources -> derived triples -> validation -> deterministic exports, written atomically.

Nothing is written unless every file parses and the data validates, so a failed build leaves the
previous exports as they were. The build folder also holds the N-Quads store cache and a manifest of
source digests, which lets ``citykg query`` skip parsing and validating Turtle when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

from citykg import answers
from citykg.config import Project
from citykg.errors import ValidationFailed
from citykg.export import serialize
from citykg.formats import EXPORT_FORMATS
from citykg.inputs import fingerprint, relative
from citykg.sources import SourceFile, derived_graph, load_sources, locate, parse_file, source_files
from citykg.store import write_store
from citykg.validate import Locator, Report, validate

STEM = "citykg"
MANIFEST = "manifest.json"


@dataclass
class BuildResult:
    dataset: Dataset
    report: Report
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


def apply_rules(dataset: Dataset, project: Project) -> int:
    """Run the CONSTRUCT rules of queries/rules/ over the data into the derived graph; returns its size."""
    derived = dataset.graph(derived_graph(project))
    derived.remove((None, None, None))
    for rule in sorted(project.rules_dir.glob("*.rq")):
        for triple in dataset.query(rule.read_text(encoding="utf-8")):
            derived.add(triple)
    return len(derived)


def load_shapes(project: Project) -> Graph:
    return parse_file(project.shapes_file, project.base)


def check(project: Project, *, lang: str = "en", validating: bool = True) -> tuple[Dataset, Report]:
    """Load, derive and validate; raises on syntax errors, returns the report either way."""
    files = source_files(project)
    dataset = load_sources(project, files)
    apply_rules(dataset, project)
    if not validating:
        return dataset, Report(skipped=True)
    report = validate(dataset, load_shapes(project), lang=lang, locate=_locator(project, dataset, files))
    return dataset, report


def build(
    project: Project, *, lang: str = "en", formats: tuple[str, ...] = EXPORT_FORMATS, validating: bool = True
) -> BuildResult:
    """``validating=False`` is for generated data at scale (pySHACL needs minutes per million triples); the
    manifest records that the build was not validated."""
    started = time.perf_counter()
    if "nq" not in formats:
        formats = (*formats, "nq")  # the store cache
    dataset, report = check(project, lang=lang, validating=validating)
    if not report.conforms:
        raise ValidationFailed(report, len(report.errors))
    outputs = {f"{STEM}.{fmt}": serialize(dataset, fmt, project.base) for fmt in formats}
    written = write_atomically(project.build_dir, outputs)
    write_store(project.build_dir, project.build_dir / f"{STEM}.nq", hashlib.sha256(outputs[f"{STEM}.nq"]).hexdigest())
    answers.forget(project)
    write_atomically(project.build_dir, {MANIFEST: manifest_bytes(project, outputs, validated=validating)})
    return BuildResult(dataset, report, [*written, project.build_dir / MANIFEST], time.perf_counter() - started)


def write_atomically(folder: Path, outputs: dict[str, bytes]) -> list[Path]:
    """Write each file to a temporary sibling and rename it into place: readers never see half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in outputs.items():
        target = folder / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).chmod(0o666 & ~_umask())
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def manifest_bytes(project: Project, outputs: dict[str, bytes], *, validated: bool = True) -> bytes:
    manifest = fingerprint(project) | {
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(outputs.items())},
        "validated": validated,
    }
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _locator(project: Project, dataset: Dataset, files: list[SourceFile]) -> Locator:
    by_graph = {str(f.graph): f for f in files}
    home: dict[str, SourceFile] = {}
    for graph in dataset.graphs():
        source = by_graph.get(str(graph.identifier))
        if source is not None:
            for subject in graph.subjects(unique=True):
                home.setdefault(str(subject), source)

    def where(iri: str) -> tuple[str, int]:
        source = home.get(iri)
        if source is None:
            return "", 0
        return relative(project, source.path), locate(source, iri, project.base) or 0

    return where
