"""The build: sources -> derived triples -> validation -> deterministic exports, written atomically.

Nothing is written unless every file parses and the data validates, so a failed build leaves the
previous exports as they were; the exports, store cache and manifest are then replaced as one set (a
new generation folder and one pointer switch, :mod:`citykg.generations`), so a killed build does too.
The build folder also holds the N-Quads store cache and a manifest of source digests, which lets
``citykg query`` skip parsing and validating Turtle when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from rdflib import Dataset, Graph

from citykg import answers, canonical, exportwriter, generations, progress, quadstore, quotes
from citykg import store as stores
from citykg.config import Project
from citykg.errors import ValidationFailed
from citykg.export import serialize
from citykg.exportwriter import ExportWriter
from citykg.formats import EXPORT_FORMATS
from citykg.inputs import fingerprint, relative
from citykg.sources import SourceFile, derived_graph, locate, locate_value, parse_file, source_files
from citykg.storeloader import StoreLoader
from citykg.validate import Locator, Report, validate
from citykg.validate.compile import compile_shapes

STEM = "citykg"
MANIFEST = "manifest.json"


class BuildResult:
    """What a build made: the report, the files, and the data (the Oxigraph store it was built in; as an
    rdflib Dataset on first use, parsed from the store's sorted N-Quads, so a large build never pays for
    rdflib nor keeps a second copy of its data)."""

    def __init__(self, store, report: Report, files: list[Path], seconds: float) -> None:
        self.store, self.report, self.files, self.seconds = store, report, files, seconds
        self._dataset: Dataset | None = None

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = quadstore.to_rdflib(quadstore.nquads(self.store))
        return self._dataset

    @property
    def triples(self) -> int:
        return len(self.store)


def apply_rules(dataset: Dataset, project: Project) -> int:
    """Run the CONSTRUCT rules of queries/rules/ over the data into the derived graph; returns its size. (The
    build runs them on Oxigraph: citykg.quadstore.apply_rules.)"""
    derived = dataset.graph(derived_graph(project))
    derived.remove((None, None, None))
    for rule in sorted(project.rules_dir.glob("*.rq")):
        for triple in dataset.query(rule.read_text(encoding="utf-8")):
            derived.add(triple)
    return len(derived)


def load_shapes(project: Project) -> Graph:
    return parse_file(project.shapes_file, project.base)


def prepare(project: Project):  # -> tuple[pyoxigraph.Store, list[SourceFile]]
    """Parse every source into one Oxigraph store and derive the rules' triples there."""
    files = source_files(project)
    store = quadstore.load(project, files)  # parsed by pyoxigraph (curated Turtle's errors by rdflib)
    quadstore.apply_rules(store, project)
    return store, files


def check(
    project: Project, *, lang: str = "en", validating: bool = True, engine: str = "sparql"
) -> tuple[Dataset, Report]:
    """Load, derive and validate; raises on syntax errors, returns the report either way."""
    store, files = prepare(project)
    dataset = quadstore.as_dataset(store)
    if not validating:
        return dataset, Report(skipped=True)
    return dataset, _validate(project, store, files, lang, engine)


def _validate(project: Project, store, files: list[SourceFile], lang: str, engine: str = "sparql") -> Report:
    """SHACL, then the quote check (citykg.quotes), in one report: a failure of either fails the build."""
    shapes, locate = load_shapes(project), _locator(project, store, files)
    if engine == "pyshacl":  # the reference engine, on an rdflib copy
        report = validate(quadstore.to_rdflib(quadstore.nquads(store)), shapes, lang=lang, locate=locate, engine=engine)
    else:
        from citykg.validate.engine import validate_store

        checks = len(compile_shapes(shapes))
        with progress.bar(checks, "validating") as bar:
            report = validate_store(store, shapes, lang=lang, locate=locate, progress=lambda _: bar.update(1))
    report.violations = sorted(set(report.violations) | set(quotes.check(project, quadstore.as_dataset(store), locate)))
    return report


def build(
    project: Project,
    *,
    lang: str = "en",
    formats: tuple[str, ...] = EXPORT_FORMATS,
    validating: bool = True,
    engine: str = "sparql",
) -> BuildResult:
    """Every build is validated (the shapes run as SPARQL on the Oxigraph store: seconds per million
    triples); ``validating=False`` is recorded in the manifest.

    Three processes share the work (the machine's cores): a child loads the persistent store from the first
    second on (:mod:`citykg.storeloader`); once the sorted N-Quads are made, another writes TriG and
    JSON-LD from them (:mod:`citykg.exportwriter`), while this one validates and writes N-Triples and Turtle.
    Each export goes to disk as soon as it is made, into the new generation
    (:class:`citykg.generations.Staging`), which becomes current only when every file and the store are done."""
    started = time.perf_counter()
    loader: StoreLoader | None = None
    writer: ExportWriter | None = None
    staging: generations.Staging | None = None
    try:
        staging = generations.Staging(project.build_dir)  # first: it removes what killed builds left
        if not _store_is_current(project):
            loader = StoreLoader(project.build_dir, _line_sources(project), project.base)
        with progress.step("loading sources"):
            store, files = prepare(project)
        if loader is not None:
            loader.send_rest(store)
        separate = not canonical.has_default(store)  # (sorted N-Quads lines then split as the writers need)
        beside = [f for f in formats if f in exportwriter.FORMATS] if separate else []
        if beside:  # started now: its interpreter starts while the N-Quads are sorted
            writer = ExportWriter(staging.folder, STEM, beside)
        with progress.step("sorting N-Quads"):
            nquads = quadstore.nquads(store)
        if writer is not None:
            writer.send(nquads)
        digest = hashlib.sha256(nquads).hexdigest()
        result = BuildResult(store, Report(skipped=True), [], 0.0)
        digests = {f"{STEM}.nq": digest}
        staging.write(f"{STEM}.nq", nquads)  # the store cache, and what the store may be loaded from
        if loader is None:  # the store was current: kept if it holds these quads, else loaded from them
            loader = StoreLoader(
                project.build_dir, [], project.base, start=stores._stamp(project.build_dir / stores.STORE_DIR) != digest
            )
        loader.send_nquads(staging.path(f"{STEM}.nq"), digest)
        if validating:
            result.report = _validate(project, store, files, lang, engine)
            if not result.report.conforms:
                raise ValidationFailed(result.report, len(result.report.errors))
        _write_lines(store, nquads, formats, staging, digests)
        del nquads
        others = [f for f in formats if f not in ("nq", "nt", *beside) and not (f == "ttl" and separate)]
        _write_exports(store, others, result, project.base, staging, digests)
        if writer is not None:
            with progress.step(f"writing {', '.join(writer.names)}"):  # in the child since the N-Quads were sorted
                for name, found in writer.wait().items():
                    digests[name] = found
                    staging.adopt(name)
        staging.write(MANIFEST, manifest_from_digests(project, digests, validated=validating))
        with progress.step("loading the store"):  # in the child since the build began
            loader.wait()
    except BaseException:
        if writer is not None:
            writer.cancel()
        if loader is not None:
            loader.cancel()
        if staging is not None:
            staging.abort()
        raise
    with progress.step("publishing"):
        result.files = staging.commit()  # one switch
        # the persistent store readers open: stamped with the N-Quads digest, so a stale one is never used
        loader.install()
    answers.forget(project)
    result.seconds = time.perf_counter() - started
    return result


def _write_lines(store, nquads: bytes, formats: tuple[str, ...], staging, digests: dict[str, str]) -> None:
    """N-Triples and Turtle from the sorted N-Quads: one pass, one subject at a time (no rows held)."""
    separate = not canonical.has_default(store)
    if separate and "ttl" in formats:
        with progress.step(f"writing {STEM}.ttl" + (f" and {STEM}.nt" if "nt" in formats else "")):
            nt = staging.output(f"{STEM}.nt") if "nt" in formats else None
            rows = canonical.union_rows(nquads, nt.write if nt is not None else None)
            _keep(staging, digests, "ttl", canonical.turtle_from(rows))
            if nt is not None:
                digests[f"{STEM}.nt"] = nt.close()
    elif "nt" in formats:
        with progress.step(f"writing {STEM}.nt"):
            if separate:
                digests[f"{STEM}.nt"] = staging.write_pieces(f"{STEM}.nt", canonical.ntriples_from_nquads(nquads))
            else:
                _keep(staging, digests, "nt", canonical.ntriples(store))


def _store_is_current(project: Project) -> bool:
    """True when the build folder's store holds a build of the current sources (it will be kept: no loader)."""
    current = stores._digest(project)
    return current is not None and stores._stamp(stores.store_path(project)) == current and stores.is_fresh(project)


def _line_sources(project: Project) -> list[tuple[Path, str]]:
    """The N-Triples sources the store loader reads itself (each the only file of its named graph)."""
    files = source_files(project)
    shared = {str(f.graph) for f in files if f.path.suffix.lower() != ".nt"}
    return [(f.path, str(f.graph)) for f in files if f.path.suffix.lower() == ".nt" and str(f.graph) not in shared]


def _write_exports(store, formats: list[str], result, base: str, staging, digests) -> None:
    """Write each export into the new generation as soon as it is made (only one held in memory at a time)."""
    graphs = canonical.all_rows(store) if set(formats) & set(STREAMED) else None  # shared by the three
    streamed = [f for f in formats if f in STREAMED]
    for fmt in streamed + [f for f in formats if f not in STREAMED]:  # the shared rows go before the rest
        with progress.step(f"writing {STEM}.{fmt}"):
            _keep(staging, digests, fmt, _export(store, fmt, result, base, graphs))
        if streamed and fmt == streamed[-1]:
            graphs = None  # a third of the peak memory at a million triples


def _keep(staging, digests: dict[str, str], fmt: str, data: bytes) -> None:
    """Write one export into the new generation and note its digest for the manifest."""
    digests[f"{STEM}.{fmt}"] = hashlib.sha256(data).hexdigest()
    staging.write(f"{STEM}.{fmt}", data)


#: Exports written from the Oxigraph store in one pass (citykg.canonical); the rest by rdflib's writers.
STREAMED = {"ttl": canonical.turtle, "trig": canonical.trig, "jsonld": canonical.jsonld}


def _export(store, fmt: str, result: BuildResult, base: str, graphs=None) -> bytes:
    if fmt in STREAMED:
        return STREAMED[fmt](store, graphs)
    return serialize(result.dataset, fmt, base)


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
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in outputs.items()}
    return manifest_from_digests(project, digests, validated=validated)


def manifest_from_digests(project: Project, digests: dict[str, str], *, validated: bool = True) -> bytes:
    """The manifest: the sources' fingerprint and each output's sha256."""
    manifest = fingerprint(project) | {"outputs": dict(sorted(digests.items())), "validated": validated}
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _locator(project: Project, store, files: list[SourceFile]) -> Locator:
    """Where a focus node is written: the first source file (in build order) whose graph has it as a
    subject, asked of the store only for the nodes that are reported."""
    import pyoxigraph as ox

    by_graph = {str(f.graph): (i, f) for i, f in enumerate(files)}

    def where(iri: str, value: str | None = None) -> tuple[str, int]:
        graphs = {q.graph_name.value for q in store.quads_for_pattern(ox.NamedNode(iri), None, None)}
        homes = sorted(by_graph[g] for g in graphs if g in by_graph)
        if not homes:
            return "", 0
        source = homes[0][1]
        line = locate_value(source, iri, project.base, value) if value is not None else None
        return relative(project, source.path), line or locate(source, iri, project.base) or 0

    return where
