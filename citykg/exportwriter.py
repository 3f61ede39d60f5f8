"""Canonical TriG and JSON-LD written in a child process from the build's sorted N-Quads, beside the parent.

At a million triples the build's own process is the longest path: sources, rules, the sorted N-Quads, then
one canonical writer after another. A fresh interpreter (not a fork: the parent holds a gigabyte that a fork
would count twice) starts once the sources are loaded, while the N-Quads are sorted; it reads them from its
stdin as soon as they are (not after they are hashed and synced to disk), rebuilds each graph's rows
(:func:`citykg.canonical.graph_rows`: the same rows the store gives) and writes TriG and JSON-LD into the new
generation, while the parent writes N-Triples and Turtle. The bytes are those of the in-process writers. A
child that fails fails the build (the generation is discarded, the previous one stays current); a killed
build's child dies with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from citykg.errors import CityKGError
from citykg.generations import Output

#: What the child runs: die with the parent, then write (see _child).
_CHILD = "from citykg.exportwriter import _child; _child()"
#: The formats a child can write (from the rows of each graph).
FORMATS = ("trig", "jsonld")


class ExportFailed(CityKGError):
    """A writer process failed: the build stops and the previous build stays current."""


class ExportWriter:
    """Writes ``formats`` (of :data:`FORMATS`) as ``folder/STEM.FMT`` in a child process, from the sorted N-Quads
    of a store without a default graph that :meth:`send` gives it."""

    def __init__(self, folder: Path, stem: str, formats: list[str]) -> None:
        self.names = [f"{stem}.{fmt}" for fmt in formats]
        self.child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(os.getpid()), str(folder), stem, *formats],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._sender: threading.Thread | None = None

    def send(self, nquads: bytes) -> None:
        """Hand the child the sorted N-Quads (from a thread: the pipe takes them while the build goes on)."""
        self._sender = threading.Thread(target=self._send, args=(nquads,), daemon=True)
        self._sender.start()

    def _send(self, nquads: bytes) -> None:
        assert self.child.stdin is not None
        try:
            self.child.stdin.write(nquads)
        except (OSError, ValueError):  # the child died or was stopped: wait() says why
            pass
        finally:
            with contextlib.suppress(OSError):
                self.child.stdin.close()

    def wait(self) -> dict[str, str]:
        """Wait for the child; each file's sha256 by name, or :class:`ExportFailed` saying why not."""
        if self._sender is not None:
            self._sender.join()
            self.child.stdin = None  # (closed by the sender: communicate() must not flush it)
        out, err = self.child.communicate()
        if self.child.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            why = lines[-1] if lines else f"exit code {self.child.returncode}"
            raise ExportFailed(
                f"writing {', '.join(self.names)} failed in the writer process: {why}",
                hint="the previous build output is unchanged; run `citykg build` again",
            )
        return json.loads(out)

    def cancel(self) -> None:
        """Stop the child (the build failed); its files go with the discarded generation."""
        if self.child.poll() is None:
            self.child.kill()
        if self._sender is not None:
            self._sender.join()
            self.child.stdin = None  # (closed by the sender: communicate() must not flush it)
        self.child.communicate()


def write(lines: Iterable[bytes], folder: Path, stem: str, formats: list[str]) -> dict[str, str]:
    """Write the formats of the sorted N-Quads ``lines`` graph by graph into ``folder``; returns each file's
    sha256 by name."""
    from citykg import canonical

    graphs = canonical.graph_rows(lines)
    prefixes = canonical.Prefixes()
    outputs = {fmt: Output(folder / f"{stem}.{fmt}") for fmt in formats}
    try:
        if "trig" in outputs:
            outputs["trig"].write(canonical.trig_head(prefixes))
        if "jsonld" in outputs:
            outputs["jsonld"].write(canonical.JSONLD_HEAD)
        for number in range(len(graphs)):
            graph, rows = graphs[number]
            graphs[number] = (graph, [])  # each graph's rows go as soon as both parts are written
            if "trig" in outputs:
                outputs["trig"].write(canonical.trig_graph(graph, rows, prefixes))
            if "jsonld" in outputs:
                outputs["jsonld"].write(canonical.jsonld_graph(number, graph, rows, prefixes))
            del rows
        if "jsonld" in outputs:
            outputs["jsonld"].write(canonical.JSONLD_TAIL)
        return {output.path.name: output.close() for output in outputs.values()}
    finally:
        for output in outputs.values():
            output.handle.close()


def _child() -> None:
    from citykg.storeloader import _die_with

    parent, folder, stem, formats = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
    _die_with(parent)
    digests = write(sys.stdin.buffer, folder, stem, formats)
    sys.stdout.write(json.dumps(digests))
