"""The store every command reads: the last good build, rebuilt first when its sources changed.

Two backends sit behind the same rdflib ``Dataset`` interface:

- ``memory`` (default): rdflib's own store, parsed from the sorted N-Quads cache of the build;
- ``oxigraph`` / ``oxigraph:DIR``: pyoxigraph through oxrdflib, bulk-loaded from the same cache; with a
  folder, the store persists there and reopens at once while the build is unchanged.

Queries passed as text run on the backend's own engine (Oxigraph's is 10-100x faster than rdflib's at
scale); ``citykg.queries.run`` takes care of that.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import RDF, VOID

from citykg.build import MANIFEST, STEM, build
from citykg.config import Project
from citykg.errors import CityKGError, UsageError
from citykg.inputs import fingerprint

STAMP = "citykg-store.json"


@dataclass(frozen=True)
class StoreSpec:
    kind: str
    path: Path | None = None

    def __str__(self) -> str:
        return self.kind if self.path is None else f"{self.kind}:{self.path}"


def parse_store(spec: str | StoreSpec | None) -> StoreSpec:
    """``memory``, ``oxigraph`` or ``oxigraph:DIR``."""
    if isinstance(spec, StoreSpec):
        return spec
    kind, _, path = (spec or "memory").partition(":")
    if kind not in ("memory", "oxigraph") or (kind == "memory" and path):
        raise UsageError(f"unknown store {spec!r}", hint="use memory, oxigraph or oxigraph:DIR")
    return StoreSpec(kind, Path(path).resolve() if path else None)


def cache_path(project: Project) -> Path:
    return project.build_dir / f"{STEM}.nq"


def is_fresh(project: Project) -> bool:
    """True when the build folder holds a build of exactly the current sources."""
    manifest = _manifest(project)
    if manifest is None or not cache_path(project).is_file():
        return False
    current = fingerprint(project)
    return all(manifest.get(key) == value for key, value in current.items())


def _manifest(project: Project) -> dict | None:
    try:
        return json.loads((project.build_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_built(project: Project, *, quiet: bool = False) -> Path:
    """The N-Quads cache of a build of the current sources, building (and validating) first if needed."""
    if not is_fresh(project):
        if not quiet:
            print("citykg: sources changed since the last build; building …", file=sys.stderr)
        build(project)
    return cache_path(project)


def open_dataset(project: Project, *, store: str | StoreSpec | None = None, quiet: bool = False) -> Dataset:
    """The built dataset (the union of its named graphs as the default graph) on the chosen backend."""
    spec = parse_store(store)
    nquads = ensure_built(project, quiet=quiet)
    try:
        return _load(project, nquads, spec)
    except DAMAGED as exc:  # a truncated or overwritten build/citykg.nq: build again once, then give up
        if not quiet:
            print(f"citykg: {nquads.name} is damaged ({_first_line(exc)}); building again …", file=sys.stderr)
        build(project)
    try:
        return _load(project, nquads, spec)
    except DAMAGED as exc:
        raise CityKGError(
            f"{nquads}: cannot be loaded: {_first_line(exc)}", hint="delete the build folder and run `citykg build`"
        ) from None


#: What a damaged N-Quads file raises while it is loaded (rdflib, pyoxigraph).
DAMAGED = (ParserError, SyntaxError, ValueError, UnicodeDecodeError)


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _load(project: Project, nquads: Path, spec: StoreSpec) -> Dataset:
    if spec.kind == "oxigraph":
        return _open_oxigraph(project, nquads, spec.path)
    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    return dataset


def _open_oxigraph(project: Project, nquads: Path, folder: Path | None) -> Dataset:
    try:
        import pyoxigraph as ox
        from oxrdflib import OxigraphStore
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise UsageError(f"the oxigraph store needs pyoxigraph and oxrdflib: {exc}") from None
    if folder is None:
        inner = ox.Store()
        inner.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:
        inner = _persistent(ox, project, nquads, folder)
    return Dataset(store=OxigraphStore(store=inner), default_union=True)


def _persistent(ox, project: Project, nquads: Path, folder: Path):  # ox: the pyoxigraph module
    """Reopen the store in ``folder`` if it holds this build; otherwise reload it (and say so)."""
    wanted = (_manifest(project) or {}).get("outputs", {}).get(nquads.name)
    stamp = folder / STAMP
    try:
        if json.loads(stamp.read_text(encoding="utf-8")).get("nquads") == wanted:
            return ox.Store.read_only(str(folder))
    except (OSError, ValueError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    try:
        inner = ox.Store(str(folder))
    except OSError as exc:
        raise UsageError(
            f"cannot open the oxigraph store in {folder}: {exc}", hint="is another citykg process using it?"
        ) from None
    inner.clear()
    inner.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    inner.flush()
    stamp.write_text(json.dumps({"nquads": wanted}) + "\n", encoding="utf-8")
    return inner


def focus_resource(dataset: Dataset) -> URIRef | None:
    """The dataset's root resource (void:rootResource), used as the default for 'focus' parameters."""
    for ds in sorted(dataset.subjects(RDF.type, VOID.Dataset)):
        root = dataset.value(ds, VOID.rootResource)
        if isinstance(root, URIRef):
            return root
    return None
