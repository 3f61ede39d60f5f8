"""Canonical TriG and JSON-LD written in a child process from the build's sorted N-Quads, beside the parent.

At a million triples the build's own process is the longest path: sources, rules, the sorted N-Quads, then
one canonical writer after another. Once ``citykg.nq`` is on disk, a fresh interpreter (not a fork: the
parent holds a gigabyte that a fork would count twice) reads it, rebuilds each graph's rows
(:func:`citykg.canonical.graph_rows`: the same rows the store gives) and writes TriG and JSON-LD into the new
generation, while the parent writes N-Triples and Turtle. The bytes are those of the in-process writers. A
child that fails fails the build (the generation is discarded, the previous one stays current); a killed
build's child dies with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    """Writes ``formats`` (of :data:`FORMATS`) as ``folder/STEM.FMT`` from the sorted N-Quads ``nquads`` of a
    store without a default graph, in a child process."""

    def __init__(self, nquads: Path, folder: Path, stem: str, formats: list[str]) -> None:
        self.names = [f"{stem}.{fmt}" for fmt in formats]
        self.child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(os.getpid()), str(nquads), str(folder), stem, *formats],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def wait(self) -> dict[str, str]:
        """Wait for the child; each file's sha256 by name, or :class:`ExportFailed` saying why not."""
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
        self.child.communicate()


def write(nquads: Path, folder: Path, stem: str, formats: list[str]) -> dict[str, str]:
    """Write the formats graph by graph into ``folder``; returns each file's sha256 by name."""
    from citykg import canonical

    with nquads.open("rb") as lines:
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

    parent, nquads, folder, stem, formats = (
        int(sys.argv[1]),
        Path(sys.argv[2]),
        Path(sys.argv[3]),
        sys.argv[4],
        sys.argv[5:],
    )
    _die_with(parent)
    digests = write(nquads, folder, stem, formats)
    sys.stdout.write(json.dumps(digests))
