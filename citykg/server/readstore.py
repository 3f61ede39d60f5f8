"""Opening the served store read-only, and the error for a graph it does not hold: what the query workers
and the server's holdings share, in a module that imports no rdflib (a worker imports only this, the
policy and pyoxigraph, so that its memory is pyoxigraph's and its answers', not a copy of the server's)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox


class UnknownGraph(Exception):
    """A dataset parameter or FROM clause names a graph the server does not hold."""

    def __init__(self, iri: str, clause: str) -> None:
        self.iri = iri
        self.clause = clause
        super().__init__(
            f"{clause} <{iri}> is not a graph this server holds; graphs are never fetched from the network "
            "(list them with SELECT DISTINCT ?g { GRAPH ?g {} } or see the service description)"
        )


def open_read_only(location: Path, attempts: int = 5) -> Any:
    """The store at ``location``, read-only. While an update compacts it, a table file named by the manifest
    can vanish before it is opened: then open again (a moment later the manifest names the new files)."""
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(location))
        except (OSError, RuntimeError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
