#!/usr/bin/env python3
"""Load test of the hardening targets (issue 11) against one `citykg serve` with its default limits.

    .venv/bin/python scripts/loadtest_hardening.py                  # all three parts, about 2.5 minutes
    .venv/bin/python scripts/loadtest_hardening.py --only mixed --seconds 30

1. mixed: 64 keep-alive clients for 60 s; per request (seeded) 45 % the named queries at their URLs,
   10 % named queries with varying parameters, 25 % fixed ad-hoc queries, 15 % unique ad-hoc queries
   (a uuid comment: always a cache miss), 5 % pages. Target: no error other than 503 with Retry-After,
   RSS (server + workers) flat at 20/40/60 s, cached p99 <= 50 ms.
2. heavy: two clients loop a heavy cross product (a new comment each time) while a prober sends an
   uncached fast ASK every 0.1 s. Target: the fast query's p99 <= 250 ms and no 503 for it.
3. idle: 1,000 idle connections held open, then new clients one after another. Target: each answered
   within 1 s.

Clients are raw HTTP/1.1 over asyncio streams in this one process (a client in Python on a shared
machine is itself a bottleneck; figures are indicative). Prints a JSON summary; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from loadtest import mix, start_citykg, stop  # noqa: E402

FIXED = [
    "SELECT ?s ?o WHERE { ?s a ?o } LIMIT 20",
    "ASK { ?s ?p ?o }",
    "PREFIX schema: <http://schema.org/> SELECT ?c WHERE { ?c a schema:City } LIMIT 50",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE { ?s rdfs:label ?l } LIMIT 100",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 30",
    "DESCRIBE <https://w3id.org/citykg/dortmund/city/dortmund>",
]
UNIQUE = "PREFIX schema: <http://schema.org/> SELECT ?c WHERE {{ ?c a schema:City }} LIMIT 10 # {nonce}"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }} # {nonce}"
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9, text/html;q=0.8, */*;q=0.1"
PAGES = ["/", "/page/city/dortmund", "/search?q=amiens", "/.well-known/void", "/ontology", "/queries"]


def sparql(text: str) -> str:
    return "/sparql?" + urlencode({"query": text})


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, dict[str, str], float]:
        started = time.perf_counter()
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                head = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: {ACCEPT}\r\n\r\n"
                self.writer.write(head.encode())
                status, headers = await self._read()
                return status, headers, time.perf_counter() - started
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    return 0, {}, time.perf_counter() - started
        raise AssertionError

    async def _read(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        line = await self.reader.readuntil(b"\r\n")
        status = int(line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if headers.get("connection") == "close":
            self.close()
        return status, headers

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def rss_mib(pid: int) -> float:
    total = 0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(c) for c in (task / "children").read_text().split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


async def mixed(host: str, port: int, pid: int, named: list[str], seconds: float, clients: int) -> dict:
    rng = random.Random(11)
    varying = [f"/queries/partnerships-as-of?year={y}&format=json" for y in range(1950, 2026)]
    records: list[tuple[str, int, bool, float]] = []
    deadline = time.monotonic() + seconds

    def pick() -> tuple[str, str]:
        r = rng.random()
        if r < 0.45:
            return "named", rng.choice(named)
        if r < 0.55:
            return "named-varying", rng.choice(varying)
        if r < 0.80:
            return "fixed", sparql(rng.choice(FIXED))
        if r < 0.95:
            return "unique", sparql(UNIQUE.format(nonce=uuid.uuid4()))
        return "page", rng.choice(PAGES)

    async def loop() -> None:
        client = Client(host, port)
        while time.monotonic() < deadline:
            kind, path = pick()
            status, headers, elapsed = await client.get(path)
            records.append((kind, status, bool(headers.get("retry-after")), elapsed))
        client.close()

    rss: dict[str, float] = {"0": rss_mib(pid)}

    async def sample() -> None:
        for mark in (20, 40, 60):
            await asyncio.sleep(max(0.0, deadline - seconds + mark * seconds / 60 - time.monotonic()))
            rss[str(mark)] = rss_mib(pid)

    await asyncio.gather(sample(), *(loop() for _ in range(clients)))
    statuses: dict[str, int] = {}
    for _, status, _, _ in records:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    bad = [r for r in records if r[1] != 200 and not (r[1] == 503 and r[2])]
    # cached: repeated texts (named and fixed) after their first answer
    cached = [r[3] for r in records if r[0] in ("named", "fixed") and r[1] == 200]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(records),
        "per_second": round(len(records) / seconds, 1),
        "statuses": statuses,
        "errors_other_than_503_with_retry_after": len(bad),
        "cached_p50_ms": percentile(cached, 0.5),
        "cached_p99_ms": percentile(cached, 0.99),
        "unique_p50_ms": percentile([r[3] for r in records if r[0] == "unique"], 0.5),
        "unique_p99_ms": percentile([r[3] for r in records if r[0] == "unique"], 0.99),
        "rss_mib_at_s": rss,
    }


async def heavy(host: str, port: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    heavy_statuses: dict[str, int] = {}
    fast: list[tuple[int, float]] = []

    async def loop() -> None:
        client = Client(host, port)
        while time.monotonic() < deadline:
            status, _, _ = await client.get(sparql(HEAVY.format(nonce=uuid.uuid4())))
            heavy_statuses[str(status)] = heavy_statuses.get(str(status), 0) + 1
        client.close()

    async def probe() -> None:
        client = Client(host, port)
        await asyncio.sleep(min(12.0, seconds / 3))  # let the heavy shape be learnt (its first run hits the limit)
        while time.monotonic() < deadline:
            status, _, elapsed = await client.get(sparql(f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"))
            fast.append((status, elapsed))
            await asyncio.sleep(0.1)
        client.close()

    await asyncio.gather(loop(), loop(), probe())
    return {
        "seconds": seconds,
        "heavy_statuses": heavy_statuses,
        "fast_requests": len(fast),
        "fast_statuses": {str(s): sum(1 for f in fast if f[0] == s) for s in {f[0] for f in fast}},
        "fast_p50_ms": percentile([f[1] for f in fast], 0.5),
        "fast_p99_ms": percentile([f[1] for f in fast], 0.99),
        "fast_max_ms": percentile([f[1] for f in fast], 1.0),
    }


async def idle(host: str, port: int, count: int) -> dict:
    held = []
    for _ in range(count):
        sock = socket.create_connection((host, port))
        held.append(sock)
    await asyncio.sleep(1)
    times, statuses = [], []
    for i in range(20):
        client = Client(host, port)
        status, _, elapsed = await client.get(sparql(f"ASK {{ ?s ?p ?o }} # idle {i}" if i % 2 else "ASK { ?s ?p ?o }"))
        client.close()
        times.append(elapsed)
        statuses.append(status)
        await asyncio.sleep(0.2)
    open_before = _still_open(held)
    await asyncio.sleep(11)  # past the default --header-timeout of 10 s
    open_after = _still_open(held)
    for sock in held:
        sock.close()
    return {
        "idle_connections": count,
        "new_client_statuses": statuses,
        "new_client_max_ms": percentile(times, 1.0),
        "new_client_p50_ms": percentile(times, 0.5),
        "idle_still_open_while_measuring": open_before,
        "idle_still_open_11s_later": open_after,
    }


def _still_open(socks: list[socket.socket]) -> int:
    """How many of ``socks`` the server has not closed (a 408 it sent is read and dropped)."""
    count = 0
    for sock in socks:
        sock.setblocking(False)
        try:
            while sock.recv(65536):
                pass
        except BlockingIOError:
            count += 1  # nothing more to read and no end of stream: still open
        except OSError:
            pass
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--only", choices=["mixed", "heavy", "idle"], action="append")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra `citykg serve` argument")
    args = parser.parse_args()
    parts = args.only or ["mixed", "heavy", "idle"]
    calls, _, _ = mix(args.project)
    named = [c.path for c in calls]
    process, url = start_citykg(args.project, *args.serve_arg)
    host, port = urlsplit(url).hostname, urlsplit(url).port
    results: dict[str, object] = {"serve_args": args.serve_arg}
    try:
        warm = Client(host, port)

        async def warm_up() -> None:
            for path in [*named, *(sparql(q) for q in FIXED), *PAGES]:
                await warm.get(path)
            warm.close()

        asyncio.run(warm_up())
        if "mixed" in parts:
            results["mixed"] = asyncio.run(mixed(host, port, process.pid, named, args.seconds, args.clients))
        if "heavy" in parts:
            results["heavy"] = asyncio.run(heavy(host, port, max(30.0, args.seconds / 2)))
        if "idle" in parts:
            results["idle"] = asyncio.run(idle(host, port, 1000))
    finally:
        stop(process)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
