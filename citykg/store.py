"""The store every command reads: the last good build, rebuilt first when its sources changed.

``citykg build`` writes a persistent Oxigraph store (``build/store/``) next to the exports, bulk-loaded from
the sorted N-Quads; a stamp in it records the digest of those N-Quads, so a store is reused exactly while
the build it came from is current. Backends:

- ``oxigraph`` (default): that store, opened read-only (milliseconds; no RDF parsing at all);
- ``oxigraph:DIR``: a persistent copy in DIR, reloaded when the build changes (and writable);
- ``memory``: rdflib's own store, parsed from the N-Quads.

rdflib is imported only by the functions that need it, so the fast path (:mod:`citykg.native`) never
loads it.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citykg.config import Project
from citykg.errors import CityKGError, UsageError
from citykg.inputs import fingerprint

if TYPE_CHECKING:
    from rdflib import Dataset, URIRef

STAMP = "citykg-store.json"
#: The store's folder in the build folder.
STORE_DIR = "store"
#: The prefix of a store being loaded (a temporary sibling of ``store/``; :mod:`citykg.generations` removes
#: the leftovers of killed builds).
STAGING = ".store."
#: The same names as :data:`citykg.build.STEM` and :data:`citykg.build.MANIFEST` (a test checks), repeated
#: here so that checking freshness imports no RDF library.
STEM = "citykg"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class StoreSpec:
    kind: str
    path: Path | None = None

    def __str__(self) -> str:
        return self.kind if self.path is None else f"{self.kind}:{self.path}"


def parse_store(spec: str | StoreSpec | None) -> StoreSpec:
    """``memory``, ``oxigraph`` or ``oxigraph:DIR``; None means ``memory`` for library callers that mutate."""
    if isinstance(spec, StoreSpec):
        return spec
    kind, _, path = (spec or "memory").partition(":")
    if kind not in ("memory", "oxigraph") or (kind == "memory" and path):
        raise UsageError(f"unknown store {spec!r}", hint="use memory, oxigraph or oxigraph:DIR")
    return StoreSpec(kind, Path(path).resolve() if path else None)


def cache_path(project: Project) -> Path:
    return project.build_dir / f"{STEM}.nq"


def store_path(project: Project) -> Path:
    return project.build_dir / STORE_DIR


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
        from citykg.build import build

        build(project)
    return cache_path(project)


# -- the persistent store of the build ------------------------------------------------------------------------
def _stamp(folder: Path) -> str | None:
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8")).get("nquads")
    except (OSError, ValueError, AttributeError):
        return None


def _digest(project: Project) -> str | None:
    return ((_manifest(project) or {}).get("outputs") or {}).get(cache_path(project).name)


def write_store(build_dir: Path, nquads: Path, digest: str) -> Path:
    """Bulk-load ``nquads`` into a new store in a temporary sibling and rename it to ``build_dir/store``.

    A store whose stamp already names ``digest`` is kept as it is (rebuilding the same sources is cheap).
    Readers holding the old store open keep reading it: its files stay until they close them.
    """
    target = build_dir / STORE_DIR
    if _stamp(target) == digest:
        return target
    temp = Path(tempfile.mkdtemp(prefix=STAGING, dir=build_dir))
    try:
        load_folder(nquads, temp)
        return install(build_dir, temp, digest)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


#: Lines per call of Oxigraph's bulk loader: its memory grows with what one call loads, its CPU time shrinks (the
#: 1.06M lines of a synthetic world: 100,000 lines a call took 11.7 CPU s and 154 MB, 300,000 10.6 s and 359 MB,
#: one call 9.7 s and 905 MB); the build runs it beside its own gigabyte.
LOAD_CHUNK = 300_000


def load_folder(nquads: Path, folder: Path, *, chunk: int = LOAD_CHUNK) -> None:
    """Bulk-load sorted N-Quads into a new persistent store in ``folder`` (Oxigraph's loader, as `oxigraph load`),
    ``chunk`` lines per call. Each call gives its blank nodes fresh names, so every line that may hold one (any
    ``_:``) is kept for one last call: a blank node is never split between two calls."""
    import itertools

    import pyoxigraph as ox

    store = ox.Store(str(folder))
    blank: list[bytes] = []
    with nquads.open("rb") as lines:
        while piece := list(itertools.islice(lines, chunk)):
            plain = [line for line in piece if b"_:" not in line]
            blank.extend(line for line in piece if b"_:" in line)
            if plain:
                store.bulk_load(b"".join(plain), format=ox.RdfFormat.N_QUADS)
    if blank:
        store.bulk_load(b"".join(blank), format=ox.RdfFormat.N_QUADS)
    compact(store)
    del store


def compact(store: Any) -> None:  # store: a persistent pyoxigraph.Store
    """Flush and compact a freshly loaded store. Each bulk-load call adds its own sorted files, and every one of
    them overlaps the others (terms are keyed by hash), so a reader looks a key up in each: at 1.4M quads the
    view's citations query took 4.2-4.7 s on the build's 59 files, 1.6-1.9 s once compacted (to 19-28); the
    compaction costs about 2 CPU seconds, in the loader process, beside the build's own work."""
    store.flush()
    store.optimize()


def install(build_dir: Path, temp: Path, digest: str) -> Path:
    """Stamp the store loaded in ``temp`` with ``digest`` and rename it to ``build_dir/store`` (the old one goes)."""
    target = build_dir / STORE_DIR
    (temp / STAMP).write_text(json.dumps({"nquads": digest}) + "\n", encoding="utf-8")
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=".store-old.", dir=build_dir))
        target.replace(old / STORE_DIR)
    temp.replace(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def open_native(project: Project, *, quiet: bool = False) -> Any:  # -> pyoxigraph.Store
    """The build's store, read-only, building first when the sources changed (or the store is missing)."""
    return _native(project, ensure_built(project, quiet=quiet))


def _native(project: Project, nquads: Path) -> Any:
    """:func:`open_native` once ``nquads`` is known to be a build of the current sources (hashing every input
    again took a tenth of a second per command at 1M triples)."""
    import pyoxigraph as ox

    folder = store_path(project)
    digest = _digest(project)
    if _stamp(folder) != digest:
        write_store(project.build_dir, nquads, digest or "")
    try:
        return ox.Store.read_only(str(folder))
    except OSError as exc:
        raise UsageError(f"cannot open the store in {folder}: {exc}", hint="run `citykg build` again") from None


def open_dataset(project: Project, *, store: str | StoreSpec | None = None, quiet: bool = False) -> Dataset:
    """The built dataset (the union of its named graphs as the default graph) on the chosen backend."""
    spec = parse_store(store)
    nquads = ensure_built(project, quiet=quiet)
    if spec.kind == "oxigraph":
        return _open_oxigraph(project, nquads, spec.path)
    from rdflib.exceptions import ParserError

    damaged = (ParserError, SyntaxError, ValueError, UnicodeDecodeError)  # what a damaged N-Quads file raises
    try:
        return _parse(nquads)
    except damaged as exc:  # a truncated or overwritten build/citykg.nq: build again once, then give up
        if not quiet:
            print(f"citykg: {nquads.name} is damaged ({_first_line(exc)}); building again …", file=sys.stderr)
        from citykg.build import build

        build(project)
    try:
        return _parse(nquads)
    except damaged as exc:
        raise CityKGError(
            f"{nquads}: cannot be loaded: {_first_line(exc)}", hint="delete the build folder and run `citykg build`"
        ) from None


def _parse(nquads: Path) -> Dataset:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    return dataset


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _open_oxigraph(project: Project, nquads: Path, folder: Path | None) -> Dataset:
    from oxrdflib import OxigraphStore
    from rdflib import Dataset

    inner = _native(project, nquads) if folder is None else _persistent(project, nquads, folder)
    return Dataset(store=OxigraphStore(store=inner), default_union=True)


def _persistent(project: Project, nquads: Path, folder: Path) -> Any:
    """Reopen the store in ``folder`` if it holds this build; otherwise reload it (and say so)."""
    import pyoxigraph as ox

    wanted = _digest(project)
    if _stamp(folder) == wanted:
        try:
            return ox.Store.read_only(str(folder))
        except OSError:
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
    (folder / STAMP).write_text(json.dumps({"nquads": wanted}) + "\n", encoding="utf-8")
    return inner


def open_served(project: Project) -> Dataset:
    """The store ``citykg serve --allow-update`` keeps in ``BUILD/served/`` (the build plus every update), read-only."""
    import pyoxigraph as ox

    from citykg.quadstore import as_dataset

    folder = project.build_dir / "served"
    if not (folder / "CURRENT").is_file():
        raise UsageError(
            f"there is no served store in {folder}",
            hint="only `citykg serve --allow-update` keeps one; without updates the build's dumps are the data",
        )
    return as_dataset(ox.Store.read_only(str(folder)))


def focus_resource(dataset: Dataset) -> URIRef | None:
    """The dataset's root resource (void:rootResource), used as the default for 'focus' parameters."""
    from rdflib import URIRef
    from rdflib.namespace import RDF, VOID

    for ds in sorted(dataset.subjects(RDF.type, VOID.Dataset)):
        root = dataset.value(ds, VOID.rootResource)
        if isinstance(root, URIRef):
            return root
    return None
