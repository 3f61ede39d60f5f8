"""Pushing the built graph into a SPARQL store, replacing a named graph atomically.

The push never writes to the target graph until a complete copy has been checked:

1. count the target graph (the figure quoted if anything fails later);
2. clear the staging graph ``urn:x-citykg:staging:<target>`` (a left-over from a push that died);
3. load the N-Triples into the staging graph in chunks (Graph Store Protocol POST, 50,000 triples each, or
   SPARQL ``INSERT DATA``, 1,000 each), with progress reported per chunk;
4. count the staging graph: it must hold exactly the file's distinct triples;
5. ``MOVE`` the staging graph onto the target (one update request: one transaction on Oxigraph server and
   Virtuoso), then count the target again.

A failure in steps 1-4 (the store dies, refuses the password, times out) leaves the target as it was, and
the error says so; the staging graph is dropped when the store still answers, otherwise the next push
clears it. Pushing the same file again gives the same graph (idempotent). One push per target at a time:
two concurrent pushes to the same target share the staging graph.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

from citykg.bindings import check_iri, fill_placeholders, with_values
from citykg.build import MANIFEST, STEM
from citykg.config import Project
from citykg.errors import UsageError
from citykg.remote.endpoint import DEFAULT_TIMEOUT, Credentials, Endpoint, credentials, query_file
from citykg.remote.errors import PushFailed, RemoteError, redact
from citykg.remote.graphstore import GraphStore, StoreProfile, detect, layout
from citykg.store import ensure_built

STAGING_PREFIX = "urn:x-citykg:staging:"
#: Triples per request: Virtuoso hangs on some single uploads of ~600k triples but took 50k-line chunks
#: reliably; its SPARQL compiler fails on INSERT DATA of more than about 1,000 triples.
GSP_CHUNK = 50_000
UPDATE_CHUNK = 1_000
METHODS = ("auto", "gsp", "update")
#: The least time the replacing MOVE is given, whatever --timeout says.
MOVE_TIMEOUT = 600.0
_BNODE = re.compile(rb"(?:^|\s)_:")


def default_graph(project: Project) -> str:
    """The graph IRI ``citykg push`` writes to and remote queries read by default: ``{base}graph``."""
    return f"{project.base}graph"


def staging_graph(target: str) -> str:
    return f"{STAGING_PREFIX}{target}"


@dataclass
class PushResult:
    endpoint: str
    graph: str
    store: str
    method: str
    triples: int
    previous: int
    requests: int
    seconds: float
    #: Seconds per step: read, load (clearing and loading the staging graph), verify, replace, check.
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Triples:
    """The distinct N-Triples lines of a file, in file order."""

    path: Path
    lines: list[bytes]
    blank_nodes: bool

    def __len__(self) -> int:
        return len(self.lines)


def read_triples(path: Path) -> Triples:
    """The distinct triples of an N-Triples file (read as lines) or an N-Quads file (graph names dropped)."""
    if path.suffix.lower() == ".nq":
        return _from_nquads(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}", hint="build first (citykg build) or check --file") from None
    lines: dict[bytes, None] = {}
    for line in raw.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(b"#"):
            lines[stripped + b"\n"] = None
    distinct = list(lines)
    return Triples(path, distinct, any(_BNODE.search(line) for line in distinct))


def _from_nquads(path: Path) -> Triples:
    if not path.is_file():
        raise UsageError(f"{path}: no such file", hint="build first (citykg build) or check --file")
    lines: dict[bytes, None] = {}
    try:
        import pyoxigraph as ox
    except ImportError:
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(path, format="nquads")
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            lines[f"{s.n3()} {p.n3()} {o.n3()} .\n".encode()] = None
    else:
        try:
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
                lines[f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()] = None
        except SyntaxError as exc:
            raise UsageError(f"{path}: not valid N-Quads: {exc}") from None
    distinct = sorted(lines)
    return Triples(path, distinct, any(_BNODE.search(line) for line in distinct))


def built_source(project: Project) -> Path:
    """What to push from the build folder: citykg.nt when it belongs to the current build, else the N-Quads
    store cache (always written; its graph names are dropped). Builds first if the sources changed."""
    nquads = ensure_built(project)
    ntriples = project.build_dir / f"{STEM}.nt"
    try:
        manifest = json.loads((project.build_dir / MANIFEST).read_text(encoding="utf-8"))
        expected = manifest.get("outputs", {}).get(ntriples.name)
        if expected and hashlib.sha256(ntriples.read_bytes()).hexdigest() == expected:
            return ntriples
    except (OSError, ValueError):
        pass
    return nquads


def resolve_profile(
    endpoint: str,
    kind: str,
    creds: Credentials | None,
    *,
    update_url: str | None,
    gsp_url: str | None,
    timeout: float,
) -> StoreProfile:
    actual = detect(endpoint, timeout) if kind == "auto" else kind
    return layout(actual, endpoint, authenticated=creds is not None, update_url=update_url, gsp_url=gsp_url)


def count_triples(reader: Endpoint, graph: str, queries_dir: Path | None = None) -> int:
    query = query_file("remote/count-graph.rq", queries_dir)
    rows = reader.select(with_values(query.text, [{"graph": URIRef(graph)}]), f"counting the triples of <{graph}>")
    value = rows[0].get("triples") if rows else None
    if not isinstance(value, Literal):
        raise RemoteError(f"{reader.shown}: no triple count for <{graph}>", hint="is this a SPARQL 1.1 endpoint?")
    return int(value.toPython())


def push(
    endpoint: str,
    source: Path,
    *,
    graph: str,
    kind: str = "auto",
    method: str = "auto",
    user: str | None = None,
    password_env: str | None = None,
    update_url: str | None = None,
    gsp_url: str | None = None,
    chunk_size: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int | None = None,
    queries_dir: Path | None = None,
    on_start: Callable[[int], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> PushResult:
    """Replace ``graph`` in the store behind ``endpoint`` by the triples of the N-Triples file ``source``.

    ``on_start(total)`` is called once the file is read, ``on_chunk(n)`` after each chunk of ``n`` triples.
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        stages[name] = stages.get(name, 0.0) + now - clock[0]
        clock[0] = now

    check_iri(graph, "--graph")
    if method not in METHODS:
        raise UsageError(f"unknown --method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    if chunk_size is not None and chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    creds = credentials(user, password_env)
    triples = read_triples(source)
    lap("read")
    reader = Endpoint(endpoint, timeout=timeout, creds=None, retries=retries)
    profile = resolve_profile(endpoint, kind, creds, update_url=update_url, gsp_url=gsp_url, timeout=timeout)
    use = method if method != "auto" else ("gsp" if profile.gsp_url else "update")
    size = chunk_size or (GSP_CHUNK if use == "gsp" else UPDATE_CHUNK)
    if triples.blank_nodes and len(triples) > size:
        # blank node labels are scoped to one request: chunks would split one node into several
        size = len(triples)
    staging = staging_graph(graph)
    shown = redact(endpoint)
    if on_start:
        on_start(len(triples))

    previous = count_triples(reader, graph, queries_dir)
    lap("check")
    stage = "clearing the staging graph"
    requests = 0
    with GraphStore(profile, creds, timeout=timeout, retries=retries) as store:
        try:
            _drop(store, use, staging, queries_dir)
            requests += 1
            for first in range(0, len(triples), size):
                chunk = triples.lines[first : first + size]
                number, total = first // size + 1, -(-len(triples) // size)
                stage = f"loading chunk {number} of {total} into the staging graph <{staging}>"
                if use == "gsp":
                    store.post_triples(staging, b"".join(chunk), stage)
                else:
                    store.update(_insert_data(staging, chunk, queries_dir), stage)
                requests += 1
                if on_chunk:
                    on_chunk(len(chunk))
            lap("load")
            stage = "checking the staging graph"
            staged = count_triples(reader, staging, queries_dir)
            lap("verify")
            if staged != len(triples):
                raise RemoteError(
                    f"the staging graph <{staging}> holds {staged:,} triples, not the {len(triples):,} sent",
                    hint="the store changed or dropped triples while loading; see its log",
                )
        except RemoteError as exc:
            _clean_up(store, use, staging, queries_dir)
            raise _failed(exc, shown, stage, graph, previous, reader, queries_dir) from None
        stage = f"replacing <{graph}> by the staging graph"
        try:
            template = query_file("remote/replace-graph.rq", queries_dir).text
            text = fill_placeholders(_body(template), {"staging": staging, "target": graph})
            # the one long request: Oxigraph rewrites every index entry of both graphs (see docs/remote.md)
            store.update(text, stage, timeout=max(timeout, MOVE_TIMEOUT))
            requests += 1
        except RemoteError as exc:
            # the store may have finished the MOVE after we stopped waiting (a timeout): look before judging
            if not _replaced(reader, graph, staging, len(triples), queries_dir):
                raise PushFailed(
                    f"push to {shown} failed while {stage}:\n  {exc.message}",
                    hint=f"the replacement is one transaction: <{graph}> should hold its previous {previous:,} "
                    "triples; check with a count and run the push again (it is idempotent)",
                ) from None
    lap("replace")
    final = count_triples(reader, graph, queries_dir)
    lap("check")
    if final != len(triples):
        raise PushFailed(
            f"push to {shown}: <{graph}> holds {final:,} triples after the replacement, expected {len(triples):,}",
            hint="another client may have written to the graph; run the push again",
        )
    seconds = time.perf_counter() - started
    return PushResult(shown, graph, profile.kind, use, len(triples), previous, requests, seconds, stages)


def _replaced(reader: Endpoint, graph: str, staging: str, expected: int, queries_dir: Path | None) -> bool:
    """True when the target holds the new triples and the staging graph is gone (the MOVE did happen)."""
    retries, reader.retries = reader.retries, 0
    try:
        return count_triples(reader, graph, queries_dir) == expected and (
            count_triples(reader, staging, queries_dir) == 0
        )
    except RemoteError:
        return False
    finally:
        reader.retries = retries


def _body(template: str) -> str:
    """A template without its ``#+`` header lines."""
    return "\n".join(line for line in template.splitlines() if not line.startswith("#+"))


def _insert_data(graph: str, lines: list[bytes], queries_dir: Path | None) -> str:
    template = _body(query_file("remote/insert-data.rq", queries_dir).text)
    body = b"".join(lines).decode("utf-8")
    return fill_placeholders(template, {"graph": graph}).replace("#@triples\n", body)


def _drop(store: GraphStore, use: str, graph: str, queries_dir: Path | None) -> None:
    doing = f"clearing the staging graph <{graph}>"
    if use == "gsp":
        store.delete_graph(graph, doing)
    else:
        template = _body(query_file("remote/drop-graph.rq", queries_dir).text)
        store.update(fill_placeholders(template, {"graph": graph}), doing)


def _clean_up(store: GraphStore, use: str, staging: str, queries_dir: Path | None) -> None:
    retries, store.retries = store.retries, 0
    try:
        _drop(store, use, staging, queries_dir)
    except RemoteError:
        pass  # the store is gone or refuses: the next push clears the staging graph
    finally:
        store.retries = retries


def _failed(
    exc: RemoteError,
    shown: str,
    stage: str,
    graph: str,
    previous: int,
    reader: Endpoint,
    queries_dir: Path | None,
) -> PushFailed:
    try:
        reader.retries = 0
        now = count_triples(reader, graph, queries_dir)
        state = (
            f"<{graph}> is unchanged: it still holds its {now:,} triples"
            if now == previous
            else f"<{graph}> now holds {now:,} triples (it held {previous:,}): another client changed it"
        )
    except RemoteError:
        state = (
            f"<{graph}> was not touched: the push writes only to the staging graph until the copy is complete "
            f"(it held {previous:,} triples); the store does not answer now"
        )
    return PushFailed(f"push to {shown} failed while {stage}:\n  {exc.message}\n  {state}", hint=exc.hint)
