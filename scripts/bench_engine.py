#!/usr/bin/env python3
"""Benchmark of issue 9's engine targets: `citykg serve` / `citykg query` side by side with Oxigraph server.

    python scripts/bench_engine.py                          # Dortmund graph: repeated + ad-hoc, CLI cold start
    python scripts/bench_engine.py --world /tmp/world       # also the 1M world: startup, named queries, RSS

One run, both servers on the SAME N-Quads (the build's ``citykg.nq``; Oxigraph server loads it into its own
folder and serves it read-only with ``--union-default-graph``). Ratios are citykg against Oxigraph server.

* repeated: 8 clients send one query text (the first named query with its example values) over and over;
  citykg may answer from its answer cache, which is the point (target: throughput >= 2.0x Oxigraph's).
* ad-hoc: 8 clients send a query with a unique no-op ``FILTER ("nonce" != "")`` per request, so no cache can
  help (target: throughput >= 1.0x, p99 <= 2x Oxigraph's).
* startup (world): seconds from starting ``citykg serve`` to the first answer of a named query, against
  starting ``oxigraph serve-read-only`` on an already loaded folder (target: <= 2 s).
* named queries (world): median of 5 (``--repeat``) sequential runs of every named query (of 3 when the first
  took over 5 s), citykg with ``--cache-mb 0`` (every request evaluated) and ``--timeout 120`` (Oxigraph
  server has no time limit; several answers take seconds on a million triples) against Oxigraph (target: each
  <= 1.5x). ``--paired``: both servers up at once, each run on citykg followed by the same run on Oxigraph
  server, so that both see the same load on a shared machine (and the RSS is sampled with both up).
* RSS (world): the peak of the server's memory over time: the total RSS of its process tree (server, zygote,
  workers), sampled every 10 ms while the named queries run, its maximum (target: <= 1.5x Oxigraph's, sampled
  the same way). Beside it, as before: the sum of each process's VmHWM after the queries (peaks reached at
  different times, so it overstates the peak; and a worker retired meanwhile is no longer counted), and the
  sum of Pss then (pages shared by forked processes counted once).
* CLI cold start: ``citykg query NAME`` the first time after ``citykg build``, against
  ``python -c "import rdflib"`` (target: <= 1.5x), median of 3.

The load generator is the thread/process client of scripts/loadtest.py (keep-alive ``http.client``
connections; no wrk needed). Not a test: it needs the ``oxigraph`` command and takes a few minutes.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import loadtest  # noqa: E402
from loadtest import JSON, Call, Run, load, start_citykg, start_oxigraph, stop  # noqa: E402

from citykg.config import load_project  # noqa: E402
from citykg.queries import Catalogue  # noqa: E402
from citykg.server.namedqueries import example_values, with_values  # noqa: E402

ADHOC = (
    "SELECT ?s ?label WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label "
    'FILTER ("{nonce}" != "") }} LIMIT 50'
)


def calls(project_dir: Path | None) -> tuple[list[Call], list[Call], list[str], Path]:
    """The named queries as citykg calls, Oxigraph calls (VALUES-bound text) and plain texts; the N-Quads."""
    import pyoxigraph
    from rdflib import URIRef

    from citykg import native

    project = load_project(project_dir)
    store = pyoxigraph.Store.read_only(str(project.build_dir / "store"))
    root = native.focus(store)
    focus = URIRef(root) if root else None
    mine, theirs, texts = [], [], []
    for query in Catalogue(project.queries_dir):
        bindings = present(store, example_values(query, "en", project.base, focus), project.base, root)
        if any(p.required and p.name not in bindings for p in query.parameters):
            continue
        params = {name: loadtest._param_text(term, project.base) for name, term in bindings.items()}
        mine.append(Call(query.name, f"/queries/{query.name}?" + urlencode({**params, "format": "json"})))
        text = with_values(query.text, bindings)
        theirs.append(Call(query.name, "/query?" + urlencode({"query": text})))
        texts.append(text)
    del store
    return mine, theirs, texts, project.build_dir / "citykg.nq"


def _unique(prefix: str) -> list[Call]:
    # loadtest.fetch sends call.path; a list of many distinct paths makes every request text unique
    return [Call("adhoc", prefix + urlencode({"query": ADHOC.format(nonce=uuid.uuid4())})) for _ in range(60000)]


#: A resource under ?prefix related to ?focus through a relationship node, or any resource under ?prefix.
RELATED = (
    "SELECT ?focus ?prefix ?s WHERE { ?x ?p1 ?focus . ?x ?p2 ?s . ?s ?p3 ?o "
    "FILTER (isIRI(?s) && STRSTARTS(STR(?s), ?prefix) && ?s != ?focus) } LIMIT 1"
)
ANY = "SELECT ?prefix ?s WHERE { ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), ?prefix)) } LIMIT 1"


def present(store, bindings: dict, base: str, focus: str | None) -> dict:  # store: pyoxigraph.Store
    """The example values, with every resource the store does not hold (a Dortmund example such as
    event/german-american-future-forum-2022 on the synthetic world) replaced by one it holds under the same
    path (event/…): preferably one related to the focus through a relationship node, so the answer is not
    empty. Both servers get the same values."""
    import pyoxigraph as ox
    from rdflib import URIRef

    out = dict(bindings)
    for name, term in bindings.items():
        if not isinstance(term, URIRef) or not str(term).startswith(base):
            continue
        if next(store.quads_for_pattern(ox.NamedNode(str(term)), None, None), None) is not None:
            continue
        prefix = str(term).rsplit("/", 1)[0] + "/"
        found: list = []
        values = {ox.Variable("prefix"): ox.Literal(prefix)}
        if focus:
            values[ox.Variable("focus")] = ox.NamedNode(focus)
            found = [row["s"] for row in store.query(RELATED, use_default_graph_as_union=True, substitutions=values)]
        if not found:
            values.pop(ox.Variable("focus"), None)
            found = [row["s"] for row in store.query(ANY, use_default_graph_as_union=True, substitutions=values)]
        if found:
            out[name] = URIRef(found[0].value)
            print(f"bench: {name}={term} is not in the data; using {found[0].value}", file=sys.stderr)
    return out


def tree(pid: int) -> list[int]:
    """A process and all its descendants (as /proc lists them now)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def rss_now(pid: int) -> int:
    """VmRSS (kB) of one process now, 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:  # noqa: PTH123 - read 100 times a second
            for row in handle:
                if row.startswith(b"VmRSS:"):
                    return int(row.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Sampler:
    """The total RSS of a process tree, sampled every ``interval`` s in a thread; ``peak`` is its maximum (kB)."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, sum(rss_now(p) for p in tree(self.pid)))
            self.samples += 1
            self._done.wait(self.interval)


def tree_rss_peak(pid: int) -> int:
    """Sum of VmHWM (peak RSS, kB) of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, StopIteration):
            continue
    return total


def get(url: str, path: str, timeout: float = 300) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": JSON})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def first_answer(url: str, path: str, started: float) -> float:
    for _ in range(3000):
        try:
            status, _body = get(url, path)
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"no answer from {url}{path}")


SLOW_MS = 5000.0


def medians(url: str, named: list[Call], repeat: int = 5) -> dict[str, float]:
    out = {}
    for call in named:
        times: list[float] = []
        for attempt in range(repeat):
            if attempt == 3 and times[0] > SLOW_MS:
                break  # a query of many seconds: the median of 3
            started = time.perf_counter()
            status, body = get(url, call.path)
            times.append((time.perf_counter() - started) * 1000 if status == 200 else float("nan"))
            if status != 200:
                print(f"{url} {call.name}: {status} {body[:200]!r}", file=sys.stderr)
        out[call.name] = statistics.median(times)
    return out


def paired_medians(
    url: str, named: list[Call], their_url: str, their_named: list[Call], repeat: int = 5
) -> tuple[dict[str, float], dict[str, float]]:
    """:func:`medians` of two servers at once, each run of a query on one followed by the same run on the other."""
    theirs = {call.name: call for call in their_named}
    ours_out, theirs_out = {}, {}
    for call in named:
        pair = [(url, call, []), (their_url, theirs[call.name], [])]
        for attempt in range(repeat):
            if attempt == 3 and pair[0][2][0] > SLOW_MS:
                break  # a query of many seconds: the median of 3
            for base, each, times in pair:
                started = time.perf_counter()
                status, body = get(base, each.path)
                times.append((time.perf_counter() - started) * 1000 if status == 200 else float("nan"))
                if status != 200:
                    print(f"{base} {each.name}: {status} {body[:200]!r}", file=sys.stderr)
        ours_out[call.name] = statistics.median(pair[0][2])
        theirs_out[call.name] = statistics.median(pair[1][2])
    return ours_out, theirs_out


def tree_pss(pid: int) -> int:
    """Sum of Pss (kB: each shared page counted once, shared among its processes) of a process tree, now."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration):
            continue
    return total


def line(label: str, mine: float, theirs: float, target: str, unit: str = "") -> str:
    ratio = mine / theirs if theirs else float("nan")
    return f"| {label} | {mine:.2f}{unit} | {theirs:.2f}{unit} | {ratio:.2f}x | {target} |"


def dortmund(args: argparse.Namespace) -> list[str]:
    _mine, _theirs, texts, nquads = calls(args.project)
    repeated_mine = [Call("repeated", "/sparql?" + urlencode({"query": texts[0]}))]
    repeated_theirs = [Call("repeated", "/query?" + urlencode({"query": texts[0]}))]
    runs: dict[str, Run] = {}
    process, url = start_citykg(args.project, "--workers", str(args.workers))
    try:
        loadtest.warm_up(url, repeated_mine)
        runs["citykg repeated"] = load("citykg", url, repeated_mine, 8, 10**9, args.duration)
        runs["citykg adhoc"] = load("citykg", url, _unique("/sparql?"), 8, 10**9, args.duration)
    finally:
        stop(process)
    with tempfile.TemporaryDirectory(prefix="bench-oxigraph-") as folder:
        process, url = start_oxigraph(nquads, Path(folder))
        try:
            loadtest.warm_up(url, repeated_theirs)
            runs["oxigraph repeated"] = load("oxigraph", url, repeated_theirs, 8, 10**9, args.duration)
            runs["oxigraph adhoc"] = load("oxigraph", url, _unique("/query?"), 8, 10**9, args.duration)
        finally:
            stop(process)
    for label, run in runs.items():
        print(
            f"{label:<18} {run.count:>7} req {len(run.errors()):>4} err {run.throughput:>8.0f} req/s "
            f"p50 {run.percentile(50):.2f} ms p99 {run.percentile(99):.2f} ms",
            file=sys.stderr,
        )
    r = runs
    return [
        line(
            "Dortmund, repeated query, 8 clients (req/s)",
            r["citykg repeated"].throughput,
            r["oxigraph repeated"].throughput,
            ">= 2.0x",
        ),
        line(
            "Dortmund, ad-hoc queries, 8 clients (req/s)",
            r["citykg adhoc"].throughput,
            r["oxigraph adhoc"].throughput,
            ">= 1.0x",
        ),
        line(
            "Dortmund, ad-hoc queries, p99",
            r["citykg adhoc"].percentile(99),
            r["oxigraph adhoc"].percentile(99),
            "<= 2.0x",
            " ms",
        ),
    ]


def cli_cold(args: argparse.Namespace) -> list[str]:
    project = ["--project", str(args.project)] if args.project else []
    subprocess.run([sys.executable, "-m", "citykg", *project, "build"], check=True, capture_output=True, cwd=ROOT)
    query, rdflib = [], []
    for i in range(3):
        if i:  # "first time after a build": build again before each timed run
            subprocess.run(
                [sys.executable, "-m", "citykg", *project, "build"], check=True, capture_output=True, cwd=ROOT
            )
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "citykg", *project, "query", args.cli_query],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        query.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import rdflib"], check=True, capture_output=True)
        rdflib.append(time.perf_counter() - started)
    print(f"cli: query {query} import rdflib {rdflib}", file=sys.stderr)
    return [
        line(
            f"`citykg query {args.cli_query}` after a build vs `import rdflib`",
            statistics.median(query),
            statistics.median(rdflib),
            "<= 1.5x",
            " s",
        )
    ]


def world(args: argparse.Namespace) -> list[str]:
    mine, theirs, _texts, nquads = calls(args.world)
    excluded = set(filter(None, args.exclude.split(",")))
    if excluded:  # e.g. a query whose example values make it explode on this world (both servers skip it)
        print(f"bench: named queries left out on the world: {', '.join(sorted(excluded))}", file=sys.stderr)
        mine = [c for c in mine if c.name not in excluded]
        theirs = [c for c in theirs if c.name not in excluded]
    timed = "medians" not in args.skipped
    out = []
    ours: dict[str, float] = {}
    others: dict[str, float] = {}
    started = time.perf_counter()
    process, url = start_citykg(
        args.world, "--workers", str(args.workers), "--cache-mb", "0", "--timeout", str(args.world_timeout)
    )
    ours_running: subprocess.Popen | None = process
    try:
        startup = first_answer(url, mine[0].path, started)
        home = first_answer(url, "/", time.perf_counter())
        sampled = Sampler(process.pid)
        if not args.paired:
            with sampled:
                ours = medians(url, mine, args.repeat) if timed else {}
            rss = tree_rss_peak(process.pid)
            pss = tree_pss(process.pid)
            stop(process)
            ours_running = None
        with tempfile.TemporaryDirectory(prefix="bench-oxigraph-") as folder:
            binary = str(Path(sys.executable).parent / "oxigraph")
            load_started = time.perf_counter()
            subprocess.run(
                [binary, "load", "--location", folder, "--file", str(nquads)], check=True, capture_output=True
            )
            print(f"oxigraph load: {time.perf_counter() - load_started:.1f} s", file=sys.stderr)
            started = time.perf_counter()
            their_process, their_url = start_oxigraph_served(binary, Path(folder))
            try:
                their_startup = first_answer(their_url, theirs[0].path, started)
                their_sampled = Sampler(their_process.pid)
                if args.paired:  # both servers up, their requests alternating: both see the same machine
                    with sampled, their_sampled:
                        if timed:
                            ours, others = paired_medians(url, mine, their_url, theirs, args.repeat)
                    rss = tree_rss_peak(process.pid)
                    pss = tree_pss(process.pid)
                else:
                    with their_sampled:
                        others = medians(their_url, theirs, args.repeat) if timed else {}
                their_rss = tree_rss_peak(their_process.pid)
                their_pss = tree_pss(their_process.pid)
            finally:
                stop(their_process)
    finally:
        if ours_running is not None:
            stop(ours_running)
    print(f"world: home page (pages' dataset) ready {home:.2f} s after the first answer", file=sys.stderr)
    out.append(line("1M world, `serve` start to first answer", startup, their_startup, "<= 2 s", " s"))
    for name, ms in ours.items():
        hub = " (hub's partners)" if name == args.hub_query else ""
        out.append(line(f"1M world, `{name}`{hub} median", ms, others.get(name, float("nan")), "<= 1.5x", " ms"))
    print(f"world: RSS sampled {sampled.samples} / {their_sampled.samples} times", file=sys.stderr)
    out.append(
        line(
            "1M world, peak RSS server + workers (total RSS sampled every 10 ms, max; the target's measure)",
            sampled.peak / 1024,
            their_sampled.peak / 1024,
            "<= 1.5x",
            " MB",
        )
    )
    out.append(
        line("1M world, sum of VmHWM after the queries (live processes)", rss / 1024, their_rss / 1024, "-", " MB")
    )
    out.append(line("1M world, Pss server + workers after the queries", pss / 1024, their_pss / 1024, "-", " MB"))
    return out


def start_oxigraph_served(binary: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = loadtest._free_port()
    process = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(folder), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="Dortmund project folder (default: this checkout)")
    parser.add_argument("--world", type=Path, help="a built synthetic world (citykg synth; citykg build)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument("--workers", type=int, default=2, help="citykg serve --workers")
    parser.add_argument("--cli-query", default="twin-cities")
    parser.add_argument("--hub-query", default="twin-cities")
    parser.add_argument(
        "--world-timeout", type=float, default=120.0, help="citykg serve --timeout on the world (Oxigraph has none)"
    )
    parser.add_argument(
        "--exclude", default="", help="comma-separated named queries to leave out on the world (for both servers)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="sequential runs per named query on the world (the median is kept)"
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="world: both servers up at once, each named query's runs alternating between them (a shared machine)",
    )
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: dortmund,cli,world,medians")
    args = parser.parse_args()
    skip = args.skipped = set(filter(None, args.skip.split(",")))
    rows = ["| measure | citykg | Oxigraph server / peer | ratio | target |", "|---|---|---|---|---|"]
    if "dortmund" not in skip:
        rows += dortmund(args)
    if "cli" not in skip:
        rows += cli_cold(args)
    if args.world and "world" not in skip:
        rows += world(args)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
