#!/usr/bin/env python3
"""Load test: the named-query mix over HTTP against `citykg serve` and Oxigraph server, in one run.

    .venv/bin/python scripts/loadtest.py                   # 8 clients, both servers, a comparison
    .venv/bin/python scripts/loadtest.py --clients 16 --requests 20000 --duration 30
    .venv/bin/python scripts/loadtest.py --soak            # 64 clients for 60 s, slow queries mixed in

Both servers hold the same build (``build/citykg.nq``; the union of the named graphs is the default graph
on both). citykg gets each named query at its stable URL with its parameters (``/queries/NAME?…``);
Oxigraph gets the same query text with the parameters bound by a VALUES block (fixed test values, not
user input). Before measuring, every query runs once on each server (a warm-up, and a check that both
return the same number of rows). Clients are threads in a few processes, each with a keep-alive
connection, sending requests round-robin through the mix until the request count or the time is used
up. The soak mode mixes in CPU-bound queries that must be stopped at the server's timeout and reports
every other error.

Not a test: it needs the ``oxigraph`` command (``pip install oxigraph``) and takes a minute or two.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from citykg.config import load_project  # noqa: E402
from citykg.queries import Catalogue  # noqa: E402
from citykg.server.namedqueries import example_values, with_values  # noqa: E402
from citykg.store import focus_resource, open_dataset  # noqa: E402

JSON = "application/sparql-results+json"
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
    "FILTER (STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) > 0 && STR(?a) != STR(?d)) }} # {nonce}"
)


@dataclass(frozen=True)
class Call:
    name: str
    path: str  # path and query string
    slow: bool = False


# -- the mix ---------------------------------------------------------------------------------------------------
def mix(project_dir: Path | None) -> tuple[list[Call], list[Call], Path]:
    """The named queries with test values: as citykg calls and as Oxigraph calls (VALUES-bound text)."""
    project = load_project(project_dir)
    dataset = open_dataset(project, quiet=True)
    focus = focus_resource(dataset)
    citykg_calls, oxigraph_calls = [], []
    for query in Catalogue(project.queries_dir):
        bindings = example_values(query, "en", project.base, focus)
        missing = [p.name for p in query.parameters if p.required and p.name not in bindings]
        if missing:
            print(f"  skipping {query.name}: no test value for {', '.join(missing)}", file=sys.stderr)
            continue
        params = {name: _param_text(term, project.base) for name, term in bindings.items()}
        citykg_calls.append(Call(query.name, f"/queries/{query.name}?" + urlencode({**params, "format": "json"})))
        text = with_values(query.text, bindings)
        oxigraph_calls.append(Call(query.name, "/query?" + urlencode({"query": text})))
    return citykg_calls, oxigraph_calls, project.build_dir / "citykg.nq"


def _param_text(term, base: str) -> str:  # type: ignore[no-untyped-def]
    text = str(term)
    return text[len(base) :] if text.startswith(base) else text


# -- servers -----------------------------------------------------------------------------------------------------
def start_citykg(project_dir: Path | None, *args: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "citykg"]
    if project_dir:
        command += ["--project", str(project_dir)]
    command += ["serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    line = process.stdout.readline()
    match = re.search(r"listening on (http://\S+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"citykg serve did not start: {line!r}")
    return process, match.group(1)


def start_oxigraph(nquads: Path, folder: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        raise SystemExit("no oxigraph command: pip install oxigraph (or run with --skip-oxigraph)")
    subprocess.run([binary, "load", "--location", str(folder), "--file", str(nquads)], check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(folder), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/query?" + urlencode({"query": "ASK {}"}), headers={"Accept": JSON})
            connection.getresponse().read()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("oxigraph serve did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- clients -----------------------------------------------------------------------------------------------------
def fetch(connection: http.client.HTTPConnection, call: Call) -> tuple[int, bytes]:
    path = call.path
    if call.slow:
        path = "/sparql?" + urlencode({"query": SLOW.format(nonce=uuid.uuid4())})
    connection.request("GET", path, headers={"Accept": JSON})
    response = connection.getresponse()
    return response.status, response.read()


def rows(body: bytes) -> int:
    data = json.loads(body)
    return len(data["results"]["bindings"]) if "results" in data else int(bool(data.get("boolean")))


def _client_process(
    url: str, calls: list[Call], threads: int, first: int, clients: int, budget: int, seconds: float, queue
) -> None:  # type: ignore[no-untyped-def]
    """``threads`` clients; client ``k`` (of ``clients``) walks the calls from its own share of the list (from
    ``k * len(calls) // clients``), so a list of unique calls (the ad-hoc texts) is never sent twice while
    every client stays within its share (before, client k started at call k: the same text came from all of
    them one request apart, and the answer cache or the in-flight sharing answered 7 in 8)."""
    parts = urlsplit(url)
    deadline = time.perf_counter() + seconds
    results: list[tuple[float, int, bool, str]] = []
    lock = threading.Lock()
    counter = [0]

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        position = index * len(calls) // clients if len(calls) >= clients else index
        local = []
        while time.perf_counter() < deadline:
            with lock:
                if counter[0] >= budget:
                    break
                counter[0] += 1
            call = calls[position % len(calls)]
            position += 1
            started = time.perf_counter()
            try:
                status, body = fetch(connection, call)
                note = "" if status == 200 else body[:160].decode("utf-8", "replace").strip()
            except (OSError, http.client.HTTPException) as exc:
                status, note = 0, f"{type(exc).__name__}: {exc}"
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            local.append((time.perf_counter() - started, status, call.slow, note))
        connection.close()
        with lock:
            results.extend(local)

    pool = [threading.Thread(target=worker, args=(first + i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(results)


@dataclass
class Run:
    label: str
    seconds: float
    latencies: list[float]
    statuses: list[int]
    slow: list[bool]
    notes: list[str]

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ok = sorted(
            t for t, s, slow in zip(self.latencies, self.statuses, self.slow, strict=True) if s == 200 and not slow
        )
        if not ok:
            return float("nan")
        return ok[min(len(ok) - 1, round(p / 100 * (len(ok) - 1)))] * 1000

    def errors(self) -> list[str]:
        """Failures other than the intended ones (slow queries stopped at the timeout)."""
        return [
            f"{s} {n}"
            for s, slow, n in zip(self.statuses, self.slow, self.notes, strict=True)
            if s != 200 and not (slow and s == 503)
        ]

    def stopped(self) -> int:
        return sum(1 for s, slow in zip(self.statuses, self.slow, strict=True) if slow and s == 503)


def load(label: str, url: str, calls: list[Call], clients: int, budget: int, seconds: float) -> Run:
    processes = min(clients, max(1, os.cpu_count() or 1) * 2, 8)
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    started = time.perf_counter()
    jobs, first = [], 0
    for threads in per:
        share = budget * threads // clients
        job = multiprocessing.Process(
            target=_client_process, args=(url, calls, threads, first, clients, share, seconds, queue)
        )
        job.start()
        jobs.append(job)
        first += threads
    collected = [queue.get() for _ in jobs]
    for job in jobs:
        job.join()
    elapsed = time.perf_counter() - started
    flat = [item for part in collected for item in part]
    return Run(label, elapsed, [f[0] for f in flat], [f[1] for f in flat], [f[2] for f in flat], [f[3] for f in flat])


def warm_up(url: str, calls: list[Call]) -> dict[str, int]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    counts = {}
    for call in calls:
        status, body = fetch(connection, call)
        counts[call.name] = rows(body) if status == 200 else -status
    connection.close()
    return counts


def report(runs: list[Run]) -> None:
    print(f"\n{'server':<12} {'requests':>9} {'errors':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for run in runs:
        print(
            f"{run.label:<12} {run.count:>9} {len(run.errors()):>7} {run.throughput:>9.0f} "
            f"{run.percentile(50):>8.2f} {run.percentile(99):>8.2f}"
        )
    if len(runs) == 2 and runs[1].throughput:
        print(f"\nthroughput ratio citykg / oxigraph: {runs[0].throughput / runs[1].throughput:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="project folder (default: this checkout)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=10000, help="requests per server (an upper bound)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per server (an upper bound)")
    parser.add_argument("--workers", type=int, default=2, help="citykg serve --workers")
    parser.add_argument("--no-cache", action="store_true", help="citykg serve --cache-mb 0 (every query evaluated)")
    parser.add_argument("--skip-oxigraph", action="store_true")
    parser.add_argument("--soak", action="store_true", help="64 clients for 60 s with slow queries, citykg only")
    parser.add_argument("--timeout", type=float, default=5.0, help="citykg serve --timeout in the soak")
    parser.add_argument("--slow-every", type=int, default=100, help="soak: every Nth call is a slow query")
    args = parser.parse_args()

    citykg_calls, oxigraph_calls, nquads = mix(args.project)
    print(f"mix: {len(citykg_calls)} named queries; {args.clients} clients", file=sys.stderr)
    if args.soak:
        soak(args, citykg_calls)
        return
    runs = []
    extra = ["--cache-mb", "0"] if args.no_cache else []
    process, url = start_citykg(args.project, "--workers", str(args.workers), *extra)
    try:
        counts = warm_up(url, citykg_calls)
        runs.append(load("citykg", url, citykg_calls, args.clients, args.requests, args.duration))
    finally:
        stop(process)
    if not args.skip_oxigraph:
        with tempfile.TemporaryDirectory(prefix="citykg-oxigraph-") as folder:
            process, url = start_oxigraph(nquads, Path(folder))
            try:
                other = warm_up(url, oxigraph_calls)
                for name, n in counts.items():
                    if other.get(name) != n:
                        print(f"  note: {name}: citykg {n} rows, oxigraph {other.get(name)} rows", file=sys.stderr)
                runs.append(load("oxigraph", url, oxigraph_calls, args.clients, args.requests, args.duration))
            finally:
                stop(process)
    report(runs)
    for run in runs:
        for error in sorted(set(run.errors()))[:10]:
            print(f"  {run.label} error: {error}")


def soak(args: argparse.Namespace, calls: list[Call]) -> None:
    clients = args.clients if args.clients != 8 else 64
    duration = args.duration if args.duration != 20.0 else 60.0
    mixed = []
    for i in range(args.slow_every * 2):
        mixed.append(Call("slow", "", slow=True) if i % args.slow_every == 0 else calls[i % len(calls)])
    process, url = start_citykg(args.project, "--workers", str(args.workers), "--timeout", str(args.timeout))
    try:
        warm_up(url, calls)
        run = load("citykg-soak", url, mixed, clients, 10**9, duration)
    finally:
        stop(process)
    report([run])
    errors = run.errors()
    print(
        f"\nsoak: {clients} clients, {duration:.0f} s, {run.count} requests, {sum(run.slow)} slow queries "
        f"({run.stopped()} stopped at the timeout or refused while the workers were busy), "
        f"{len(errors)} other errors"
    )
    for error in sorted(set(errors))[:20]:
        print(f"  error: {error}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
