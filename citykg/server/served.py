"""The store the server answers from: a copy of the build's store with the EXTRA graphs, prepared in a
short-lived child process so that the server process itself never opens RocksDB (its workers fork from it).

* read-only servers get a private copy in a temporary folder of the build folder, removed at exit;
* ``--allow-update`` servers use ``BUILD/served/``: updates are written there, durably, and survive a
  restart. The copy is kept while the build and the EXTRA files are unchanged; when they change it is
  rebuilt from the new build, and the data it held (with its updates) is first written to
  ``BUILD/served-previous.nq`` (the server says so at start).

The child reports the named graphs, the triple count and the focus resource, so that nothing at startup is
O(graph) in the server process; the server process later opens the served store read-only for its pages
(:class:`~citykg.server.datasets.Holdings`), after its first workers are forked.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from citykg.config import Project
from citykg.errors import UsageError
from citykg.inputs import digest
from citykg.server.datasets import QUAD_FORMATS, Extra
from citykg.store import _digest, _stamp, cache_path, store_path

SERVED = "served"
PREVIOUS = "served-previous.nq"
STAMP = "citykg-served.json"
QUAD_SUFFIXES = {".nq": "nquads", ".trig": "trig"}


@dataclass
class Served:
    location: Path
    temporary: bool
    messages: list[str]
    graphs: list[str] = field(default_factory=list)  # named graphs with at least one triple
    triples: int = 0
    focus: str | None = None

    def remove(self) -> None:
        if self.temporary:
            shutil.rmtree(self.location, ignore_errors=True)


def prepare(project: Project, extras: Sequence[Extra], *, writable: bool) -> Served:
    """Make the served store (in a forked child) and return where it is."""
    build_dir = project.build_dir
    location = build_dir / SERVED if writable else Path(tempfile.mkdtemp(prefix=".serve-", dir=build_dir))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, report, never return
        os.close(read)
        code = 0
        try:
            report = _make(project, extras, location, writable)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            report = {"error": str(exc) or type(exc).__name__}
            code = 1
        finally:
            with os.fdopen(write, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(report))
            os._exit(code)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as handle:
        text = handle.read()
    os.waitpid(pid, 0)
    report = json.loads(text or '{"error": "the store preparation died"}')
    served = Served(
        location,
        not writable,
        report.get("messages", []),
        report.get("graphs", []),
        report.get("triples", 0),
        report.get("focus"),
    )
    if "error" in report:
        served.remove()
        raise UsageError(f"cannot prepare the served store in {location}: {report['error']}")
    return served


def _signature(project: Project, extras: Sequence[Extra]) -> dict:
    return {
        "build": _digest(project),
        "extras": [
            [e.graph_iri if e.iri or e.path.suffix not in QUAD_SUFFIXES else "", digest(e.path)] for e in extras
        ],
    }


def _make(project: Project, extras: Sequence[Extra], location: Path, writable: bool) -> dict:
    """Prepare the store; report the messages and what the server says at start (graphs, triples, focus)."""
    import pyoxigraph as ox

    from citykg import native

    messages = []
    wanted = _signature(project, extras)
    try:
        current = json.loads((location / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = None
    if current != wanted:
        if writable and current is not None:
            previous = project.build_dir / PREVIOUS
            ox.Store.read_only(str(location)).dump(str(previous), format=ox.RdfFormat.N_QUADS)
            messages.append(
                f"the build or the EXTRA files changed: the served store was rebuilt from them; the data it held "
                f"(with earlier updates) is in {previous}"
            )
        shutil.rmtree(location, ignore_errors=True)
        built = store_path(project)
        if _stamp(built) == wanted["build"] and wanted["build"]:
            _link_copy(built, location)  # the build's store, its immutable table files hard-linked: O(files)
            if extras:
                store = ox.Store(str(location))
                for extra in extras:
                    _load_extra(store, extra)
                store.flush()
                del store
        else:
            store = ox.Store(str(location))
            store.bulk_load(path=str(cache_path(project)), format=ox.RdfFormat.N_QUADS)
            for extra in extras:
                _load_extra(store, extra)
            store.flush()
            del store
        (location / STAMP).write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    store = ox.Store.read_only(str(location))
    graphs = sorted(g.value for g in store.named_graphs() if next(store.quads_for_pattern(None, None, None, g), None))
    return {
        "messages": messages,
        "graphs": graphs,
        "triples": len(store),
        "focus": native.focus(store),
    }


def _link_copy(source: Path, target: Path) -> None:
    """A copy of a RocksDB folder whose ``.sst`` files (never changed once written) are hard links."""

    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith(".sst"):
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy)


def _load_extra(store, extra: Extra) -> None:  # store: pyoxigraph.Store
    import pyoxigraph as ox

    suffix = extra.path.suffix.lower().lstrip(".") or "ttl"
    fmt = ox.RdfFormat.from_extension(suffix) or ox.RdfFormat.TURTLE
    if QUAD_SUFFIXES.get("." + suffix) in QUAD_FORMATS:
        if extra.path.stat().st_size:
            store.bulk_load(path=str(extra.path), format=fmt)
        return
    iri = ox.NamedNode(extra.graph_iri)
    store.add_graph(iri)  # held even when empty
    if extra.path.stat().st_size:
        store.bulk_load(path=str(extra.path), format=fmt, base_iri=extra.graph_iri, to_graph=iri)
