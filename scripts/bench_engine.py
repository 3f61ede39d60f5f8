#!/usr/bin/env python3
"""Engine benchmark (issue 9): `citykg serve` and `citykg query` against Oxigraph server, in one run.

    python scripts/bench_engine.py                          # Dortmund graph: repeated, ad-hoc, CLI cold start
    python scripts/bench_engine.py --project W --skip-cli   # a synthetic world (`citykg synth`, `citykg build`)
    python scripts/bench_engine.py --seconds 10 --clients 8

Both servers hold the same N-Quads (``build/citykg.nq``; Oxigraph loads them with ``oxigraph load`` and serves
them read-only with ``--union-default-graph``, as citykg serves the union of the named graphs). Measured:

- start: seconds from starting each server process to its first answer of ``ASK {}`` (citykg: from
  ``citykg serve`` to the first 200 of ``/sparql``), and the peak RSS of the server and all its children
  (sampled every 50 ms from /proc over the whole run);
- repeated: one named query (``--query``, default ``twin-cities``), the same text for every request;
- ad-hoc: a query whose text is unique per request (a no-op ``FILTER`` with a fresh nonce), so no answer
  cache can help; citykg gets it at ``/sparql``, Oxigraph at ``/query``;
- named: median latency of every named query, one client, sequential (``--named``);
- CLI: ``citykg query NAME`` the first time after ``citykg build`` and then warm, against
  ``python -c "import rdflib"`` (medians of ``--cli-runs`` fresh processes).

The load generator is Python (threads in a few processes, keep-alive ``http.client`` connections; see
scripts/loadtest.py), so absolute req/s are bounded by the clients on a 2-core machine: read the ratios.
Not a test.
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
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import loadtest  # noqa: E402
from loadtest import JSON, Call, Run, mix, start_citykg, start_oxigraph, stop  # noqa: E402

ADHOC = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    'SELECT ?s ?label WHERE {{ ?s rdfs:label ?label FILTER ("{nonce}" != "") }} LIMIT 20'
)
NONCE = "@@NONCE@@"


# -- memory --------------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo.extend(_children(current))
    return total / 1024


class PeakRSS:
    """Samples a process tree's RSS in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(0.05)

    def close(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


# -- load ----------------------------------------------------------------------------------------------------
def _fetch(connection: http.client.HTTPConnection, call: Call) -> tuple[int, bytes]:
    path = call.path.replace(NONCE, quote(uuid.uuid4().hex)) if NONCE in call.path else call.path
    connection.request("GET", path, headers={"Accept": JSON})
    response = connection.getresponse()
    return response.status, response.read()


def run_load(label: str, url: str, calls: list[Call], clients: int, seconds: float) -> Run:
    """The loadtest client processes, with a nonce put into every ad-hoc request."""
    loadtest.fetch = _fetch  # the client processes are forked: they inherit this
    return loadtest.load(label, url, calls, clients, 10**9, seconds)


def first_answer(url: str, path: str, deadline: float) -> None:
    parts = urlsplit(url)
    while time.perf_counter() < deadline:
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("GET", path, headers={"Accept": JSON})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"{url}: no answer")


def named_medians(url: str, calls: list[Call], repeats: int) -> dict[str, tuple[float, float]]:
    """Per query: the first (uncached) answer and the median of `repeats`, in ms."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    medians = {}
    for call in calls:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            status, _ = _fetch(connection, call)
            times.append(time.perf_counter() - started)
            if status != 200:
                times = [float("nan")]
                break
        medians[call.name] = (times[0] * 1000, statistics.median(times) * 1000)
    connection.close()
    return medians


# -- CLI -----------------------------------------------------------------------------------------------------
def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def cli(project: Path, name: str, runs: int) -> dict[str, float]:
    python = sys.executable
    base = [python, "-m", "citykg", "--project", str(project)]
    first = []
    for _ in range(runs):
        subprocess.run([*base, "build"], cwd=ROOT, check=True, capture_output=True)
        first.append(_timed([*base, "query", name, "--format", "csv"], ROOT))
    warm = [_timed([*base, "query", name, "--format", "csv"], ROOT) for _ in range(runs)]
    rdflib = [_timed([python, "-c", "import rdflib"], ROOT) for _ in range(runs)]
    return {"first": statistics.median(first), "warm": statistics.median(warm), "rdflib": statistics.median(rdflib)}


# -- main ----------------------------------------------------------------------------------------------------
def serve(label: str, starter, calls: dict[str, list[Call]], args) -> dict:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    process, url = starter()
    rss = PeakRSS(process.pid)
    try:
        first_answer(url, calls["ask"][0].path, started + 600)
        result: dict = {"start": time.perf_counter() - started}
        result["repeated"] = run_load(label, url, calls["repeated"], args.clients, args.seconds)
        result["adhoc"] = run_load(label, url, calls["adhoc"], args.clients, args.seconds)
        if args.named:
            result["named"] = named_medians(url, calls["named"], args.named)
    finally:
        result["rss"] = rss.close()
        stop(process)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="a built project (default: this checkout)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0, help="per load phase")
    parser.add_argument("--query", default="twin-cities", help="the repeated named query")
    parser.add_argument("--named", type=int, default=5, help="repeats per named query (0: skip)")
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()

    citykg_named, oxigraph_named, nquads = mix(args.project)
    repeated = [c for c in citykg_named if c.name == args.query], [c for c in oxigraph_named if c.name == args.query]
    if not repeated[0]:
        raise SystemExit(f"no named query {args.query}")
    adhoc_text = ADHOC.format(nonce=NONCE)
    ask = urlencode({"query": "ASK {}"})
    citykg_calls = {
        "ask": [Call("ask", f"/sparql?{ask}")],
        "repeated": repeated[0],
        "adhoc": [Call("adhoc", "/sparql?query=" + quote(adhoc_text).replace(quote(NONCE), NONCE))],
        "named": citykg_named,
    }
    oxigraph_calls = {
        "ask": [Call("ask", f"/query?{ask}")],
        "repeated": repeated[1],
        "adhoc": [Call("adhoc", "/query?query=" + quote(adhoc_text).replace(quote(NONCE), NONCE))],
        "named": oxigraph_named,
    }
    lines = nquads.read_bytes().count(b"\n")
    print(f"project {args.project}: {lines:,} quads; {args.clients} clients, {args.seconds:g} s per phase")

    results = {"citykg": serve("citykg", lambda: start_citykg(args.project), citykg_calls, args)}
    with tempfile.TemporaryDirectory(prefix="citykg-bench-oxigraph-") as folder:
        loaded = time.perf_counter()
        starter = lambda: start_oxigraph(nquads, Path(folder))  # noqa: E731
        results["oxigraph"] = serve("oxigraph", starter, oxigraph_calls, args)
        print(f"(oxigraph load + start {time.perf_counter() - loaded:.1f} s in all)")
    report(results, args)
    if not args.skip_cli:
        figures = cli(args.project, args.query, args.cli_runs)
        print(
            f"\nCLI `citykg query {args.query}` (median of {args.cli_runs}): first after build "
            f"{figures['first']:.3f} s ({figures['first'] / figures['rdflib']:.2f}x), warm {figures['warm']:.3f} s "
            f"({figures['warm'] / figures['rdflib']:.2f}x), `python -c 'import rdflib'` {figures['rdflib']:.3f} s"
        )


def report(results: dict, args) -> None:  # type: ignore[no-untyped-def]
    ours, peer = results["citykg"], results["oxigraph"]
    print(f"\n{'phase':<10} {'server':<9} {'requests':>9} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for phase in ("repeated", "adhoc"):
        for label in ("citykg", "oxigraph"):
            run = results[label][phase]
            print(
                f"{phase:<10} {label:<9} {run.count:>9} {len(run.errors()):>6} {run.throughput:>8.0f} "
                f"{run.percentile(50):>8.2f} {run.percentile(99):>8.2f}"
            )
        a, b = ours[phase], peer[phase]
        print(
            f"{phase:<10} ratio     throughput {a.throughput / b.throughput:.2f}x, "
            f"p99 {a.percentile(99) / b.percentile(99):.2f}x"
        )
        for error in sorted(set(a.errors()))[:3]:
            print(f"  citykg error: {error}")
    print(
        f"\nstart to first answer: citykg {ours['start']:.2f} s, "
        f"oxigraph {peer['start']:.2f} s (its `oxigraph load` included)"
    )
    print(
        f"peak RSS of the server tree: citykg {ours['rss']:.0f} MB, oxigraph {peer['rss']:.0f} MB, "
        f"{ours['rss'] / peer['rss']:.2f}x"
    )
    if args.named:
        print(f"\nnamed queries, one client, ms: first answer (uncached) and median of {args.named}")
        for name, (first, ms) in ours["named"].items():
            other_first, other = peer["named"].get(name, (float("nan"), float("nan")))
            print(
                f"  {name:<24} first citykg {first:8.2f} oxigraph {other_first:8.2f} {first / other_first:6.2f}x"
                f"   median citykg {ms:8.2f} oxigraph {other:8.2f} {ms / other:6.2f}x"
            )


if __name__ == "__main__":
    main()
