"""The dataset's counts (VoID, the home page, the service description), read from the served store.

The aggregate queries of ``queries/server/void-*.rq`` take seconds on a million triples (counting distinct
entities most), so the full counts are computed once per state of the data, off the event loop (a thread
starts on them when the server starts; the counting itself runs in a separate interpreter, so its memory
is never the server's), and kept next to the store (``citykg-statistics.json``, keyed by
what the store was made from): the next server on the same build reads them at once. After an update the
file of a writable store is removed and the counts are computed again for the new state. Until the full
counts are ready, :func:`summary` answers the home page and the service description with the cheap ones.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

FILE = "citykg-statistics.json"
_lock = threading.Lock()


@dataclass
class Statistics:
    triples: int = 0
    entities: int | None = 0  # None (and no properties): not counted yet, a summary
    subjects: int = 0
    objects: int = 0
    classes: Counter = field(default_factory=Counter)
    properties: Counter = field(default_factory=Counter)
    graphs: list[tuple[URIRef, int]] = field(default_factory=list)


def statistics(state) -> Statistics:  # type: ignore[no-untyped-def]
    """The full counts of the current generation (blocking: call it from a thread in a handler)."""
    with _lock:
        return state.derived("statistics", lambda: _stored(state) or _store(state, _count(state)))


def summary(state) -> Statistics:  # type: ignore[no-untyped-def]
    """The full counts when they are ready, else the quick ones: triples, classes, named graphs (no sizes)."""
    ready = state.derived_now("statistics")
    if ready is not None:
        return ready
    holdings = state.holdings
    return state.derived(
        "summary",
        lambda: Statistics(
            triples=holdings.triple_count(),
            entities=None,
            classes=Counter({cls: int(n) for cls, n in holdings.rows("void-classes")}),
            graphs=[(name, 0) for name in holdings.named_graphs()],
        ),
    )


def graph_sizes(state) -> list[tuple[URIRef, int]]:  # type: ignore[no-untyped-def]
    """The named graphs and their sizes (one aggregate query, without the other counts)."""
    ready = state.derived_now("statistics")
    return ready.graphs if ready is not None else state.derived("graph-sizes", lambda: _graphs(state.holdings))


def warm(state) -> None:  # type: ignore[no-untyped-def]
    """Compute the full counts in a background thread (the server process forks nothing: threads are safe).
    A failure is said in one line; VoID then counts again when it is asked for."""
    generation = state.holdings.generation

    def run() -> None:
        if state.holdings.generation != generation:
            return  # another update came first: its own thread counts
        try:
            statistics(state)
        except Exception as exc:  # noqa: BLE001 - a background convenience, never a traceback
            print(f"citykg serve: the VoID counts are not ready: {str(exc).splitlines()[0][:300]}", file=sys.stderr)

    threading.Thread(target=run, name="citykg-statistics", daemon=True).start()


def forget(state) -> None:  # type: ignore[no-untyped-def]
    """The data changed: the stored counts of a writable store no longer hold."""
    (Path(state.store_location) / FILE).unlink(missing_ok=True)


def _graphs(holdings) -> list[tuple[URIRef, int]]:  # type: ignore[no-untyped-def]
    sizes = {graph: int(n) for graph, n in holdings.rows("void-graphs")}
    return [(name, sizes.get(name, 0)) for name in holdings.named_graphs()]


def _count(state) -> Statistics:  # type: ignore[no-untyped-def]
    """The full counts, computed by a separate interpreter on the same store: counting distinct terms takes
    hundreds of MB on a million triples, which the server and its workers then never hold."""
    command = [sys.executable, "-m", "citykg.server.statistics", str(state.store_location), state.holdings.base]
    for _ in range(3):  # an update compacting the store meanwhile can make one reading fail
        done = subprocess.run(command, capture_output=True, check=False)
        if done.returncode == 0:
            break
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"counting the dataset failed: {reason[0]}")
    return _from_json(json.loads(done.stdout))


def count(holdings) -> Statistics:  # type: ignore[no-untyped-def]
    """The full counts of ``holdings``, by the aggregate queries of queries/server/void-*.rq."""
    stats = Statistics()
    ((triples, subjects, objects),) = holdings.select("void-totals")
    stats.triples, stats.subjects, stats.objects = int(triples), int(subjects), int(objects)
    entities = holdings.select("void-entities", base=Literal(holdings.base))
    stats.entities = int(entities[0][0]) if entities else 0  # type: ignore[arg-type]
    stats.classes = Counter({cls: int(n) for cls, n in holdings.rows("void-classes")})
    stats.properties = Counter({prop: int(n) for prop, n in holdings.rows("void-properties")})
    stats.graphs = _graphs(holdings)
    return stats


def _to_json(stats: Statistics) -> dict:
    return {
        "triples": stats.triples,
        "entities": stats.entities,
        "subjects": stats.subjects,
        "objects": stats.objects,
        "classes": {str(k): v for k, v in sorted(stats.classes.items())},
        "properties": {str(k): v for k, v in sorted(stats.properties.items())},
        "graphs": [[str(g), n] for g, n in stats.graphs],
    }


def _from_json(counts: dict) -> Statistics:
    return Statistics(
        counts["triples"],
        counts["entities"],
        counts["subjects"],
        counts["objects"],
        Counter({URIRef(k): v for k, v in counts["classes"].items()}),
        Counter({URIRef(k): v for k, v in counts["properties"].items()}),
        [(URIRef(g), n) for g, n in counts["graphs"]],
    )


def _places(state) -> list[Path]:  # type: ignore[no-untyped-def]
    """Where the counts of generation 0 are kept: the served store, and for a read-only server (whose store is
    a fresh copy of the build's each time) the build's store, which the next copy takes along."""
    places = [Path(state.store_location) / FILE]
    if not state.settings.allow_update:
        places.append(state.project.build_dir / "store" / FILE)
    return places


def _key(state) -> dict:  # type: ignore[no-untyped-def]
    from citykg.server.served import STAMP

    try:
        made_from = json.loads((Path(state.store_location) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made_from = None
    return {"store": made_from, "base": state.holdings.base}


def _stored(state) -> Statistics | None:  # type: ignore[no-untyped-def]
    if state.holdings.generation != 0:
        return None
    key = _key(state)
    if key["store"] is None:
        return None
    for place in _places(state):
        try:
            data = json.loads(place.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("key") != key:
            continue
        return _from_json(data["counts"])
    return None


def _store(state, stats: Statistics) -> Statistics:  # type: ignore[no-untyped-def]
    key = _key(state)
    if state.holdings.generation != 0 or key["store"] is None:
        return stats
    counts = _to_json(stats)
    text = json.dumps({"key": key, "counts": counts}, sort_keys=True) + "\n"
    for place in _places(state):
        with contextlib.suppress(OSError):  # a read-only build folder: counted again next time
            place.write_text(text, encoding="utf-8")
    return stats


if __name__ == "__main__":  # python -m citykg.server.statistics STORE BASE: the counts as JSON (see _count)
    from citykg.server.datasets import Holdings

    print(json.dumps(_to_json(count(Holdings(Path(sys.argv[1]), sys.argv[2])))))
