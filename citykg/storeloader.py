"""The build's persistent store, bulk-loaded in a child process from the build's first second on.

The store is what `oxigraph load` of the sorted N-Quads makes. Loaded only once those N-Quads exist, it was the
longest part of a large build; so a second process starts with the build and loads the line-based sources
(N-Triples files, most of a large world) straight from disk on the other core, while the build parses the
same files into memory and applies the rules. The build then sends it the rest, as N-Triples per graph: the
graphs of the Turtle files and the derived graph (:meth:`StoreLoader.send_rest`). The store then holds the
same quads as the N-Quads, and the child compacts it (:func:`citykg.store.compact`: readers consult one set of
files, not those of every load). Blank nodes would not survive the trip (each load names them afresh, and a rule
may link the build's names to a file's), so a source line or a graph with one sends the child back to the
safe way: it waits for the sorted N-Quads and loads them (:meth:`StoreLoader.send_nquads`).

The build waits for the child only after its own work, then switches the generation and renames the loaded
store into place (:func:`citykg.store.install`). A build that fails or is interrupted stops the child and
removes its folder; a killed build's child dies with it (Linux: ``PR_SET_PDEATHSIG``) and the next build
removes the folder (:func:`citykg.generations.clean`).

The messages on the child's stdin: ``rest N`` then N times ``IRI LENGTH`` and LENGTH bytes of N-Triples (or
``fallback``); then ``nquads PATH``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from citykg import store as stores

#: What the child runs: die with the parent, then load (see _child).
_CHILD = "from citykg.storeloader import _child; _child()"


class StoreLoader:
    """Loads the build's quads into a temporary store folder beside ``build_dir/store`` in a child process,
    starting at once with ``sources`` (N-Triples files and the named graph of each, resolved against ``base``).

    The build then calls :meth:`send_rest` (optional) and :meth:`send_nquads` (always: it also says whether
    the current store already holds these quads, in which case the child is stopped and the store kept)."""

    def __init__(self, build_dir: Path, sources: list[tuple[Path, str]], base: str, *, start: bool = True) -> None:
        self.build_dir, self.sources = build_dir, sources
        self.nquads: Path | None = None
        self.digest = ""
        self._rest_sent = False
        self.child: subprocess.Popen | None = None
        self.temp: Path | None = None
        if not start:  # (the current store holds the build: nothing to load)
            return
        self.temp = Path(tempfile.mkdtemp(prefix=stores.STAGING, dir=build_dir))
        plan = json.dumps([[str(path), graph] for path, graph in sources])
        self.child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(os.getpid()), str(self.temp), base, plan],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # a failure is repeated in-process by install(), which says why
        )
        # the messages go through a thread: the child reads them only after its own sources, and the build
        # must not wait for that
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._sender = threading.Thread(target=self._send, args=(self.child, self._outbox), daemon=True)
        self._sender.start()

    @staticmethod
    def _send(child: subprocess.Popen, outbox: queue.Queue[bytes | None]) -> None:
        assert child.stdin is not None
        try:
            while (message := outbox.get()) is not None:
                child.stdin.write(message)
                child.stdin.flush()
        except (OSError, ValueError):  # the child died or was stopped: wait() and install() deal with it
            pass
        finally:
            with contextlib.suppress(OSError):
                child.stdin.close()

    def send_rest(self, store) -> None:  # store: pyoxigraph.Store
        """Send every graph of ``store`` the child did not load from the sources (after the rules)."""
        import pyoxigraph as ox

        from citykg.canonical import has_default

        if self.child is None:
            return
        loaded = {graph for _, graph in self.sources}
        graphs = sorted(g.value for g in store.named_graphs() if g.value not in loaded)
        dumps = [(iri, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri))) for iri in graphs]
        self._rest_sent = True
        if has_default(store) or any(b"_:" in data for _, data in dumps):
            self._outbox.put(b"fallback\n")
            return
        self._outbox.put(f"rest {len(dumps)}\n".encode())
        for iri, data in dumps:
            self._outbox.put(f"{iri} {len(data)}\n".encode() + data)

    def send_nquads(self, nquads: Path, digest: str) -> None:
        """The sorted N-Quads are written (what the child loads if blank nodes kept it from the quick way). If
        the current store already holds them, stop the child: the store stays as it is."""
        self.nquads, self.digest = nquads, digest
        if self.child is None:
            return
        if stores._stamp(self.build_dir / stores.STORE_DIR) == digest:
            self.cancel()
            return
        if not self._rest_sent:
            self._outbox.put(b"fallback\n")
            self._rest_sent = True
        self._outbox.put(f"nquads {nquads}\n".encode())

    def wait(self) -> bool:
        """Wait for the child; True if it loaded the store (or there was nothing to load)."""
        if self.child is None:
            return True
        self._outbox.put(None)
        done = self.child.wait() == 0
        self._sender.join()
        return done

    def install(self) -> Path:
        """Put the loaded store in place (after the generation switch: readers compare its stamp with the
        manifest). If the child failed, load it here, where a failure raises as it always did."""
        assert self.nquads is not None
        if self.child is None:
            return stores.write_store(self.build_dir, self.nquads, self.digest)
        assert self.temp is not None
        if self.wait():
            return stores.install(self.build_dir, self.temp, self.digest)
        shutil.rmtree(self.temp, ignore_errors=True)
        public = self.build_dir / self.nquads.name  # the staging folder has become the current generation
        return stores.write_store(self.build_dir, public, self.digest)

    def cancel(self) -> None:
        """Stop the child and remove its folder (the build failed, or the store is kept)."""
        if self.child is not None:
            if self.child.poll() is None:
                self.child.kill()
            self.child.wait()
            self._outbox.put(None)
            self._sender.join()
            self.child = None
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            self.temp = None


def _child() -> None:
    parent, folder, base, plan = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    _die_with(parent)
    import pyoxigraph as ox

    store = ox.Store(str(folder))
    quick = all(_load_lines(store, Path(path), ox.NamedNode(graph), base) for path, graph in plan)
    messages = sys.stdin.buffer
    head = messages.readline().split()
    if head[:1] == [b"rest"]:
        for _ in range(int(head[1])):
            iri, size = messages.readline().split()
            data = messages.read(int(size))
            if quick:
                _load_bytes(store, data, ox.NamedNode(iri.decode("utf-8")))
        if quick:
            stores.compact(store)
            return
    elif head != [b"fallback"]:
        raise SystemExit(1)  # the build stopped
    kind, _, path = messages.readline().rstrip(b"\n").partition(b" ")
    if kind != b"nquads":
        raise SystemExit(1)
    del store  # the safe way: start again from the sorted N-Quads
    shutil.rmtree(folder)
    stores.load_folder(Path(path.decode("utf-8")), folder)


def _load_lines(store, path: Path, graph, base: str, chunk: int = stores.LOAD_CHUNK) -> bool:
    """Load an N-Triples file into ``graph``, ``chunk`` lines per call; False (and stop) at a blank node."""
    import pyoxigraph as ox

    with path.open("rb") as lines:
        while piece := list(itertools.islice(lines, chunk)):
            data = b"".join(piece)
            if b"_:" in data:
                return False
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, base_iri=base, to_graph=graph)
    return True


def _load_bytes(store, data: bytes, graph, chunk: int = stores.LOAD_CHUNK) -> None:
    """Load N-Triples (without blank nodes) into ``graph``, ``chunk`` lines per call (memory)."""
    import io

    import pyoxigraph as ox

    lines = io.BytesIO(data)
    while piece := list(itertools.islice(lines, chunk)):
        store.bulk_load(b"".join(piece), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (a killed build leaves no loader running)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request was made
