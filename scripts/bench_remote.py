"""Push and query times against real stores, Oxigraph server and Virtuoso side by side, in one run.

    python scripts/bench_remote.py                          # Dortmund and a ~100k-triple synthetic world
    python scripts/bench_remote.py --sizes dortmund --runs 5
    python scripts/bench_remote.py --sizes dortmund,100k,600k --out /tmp/bench-remote.md

Both stores run on loopback with throwaway databases (Oxigraph server from PyPI `oxigraph`, Virtuoso via
scripts/virtuoso.sh); a store that is not installed is left out. For each graph: `citykg push` through the
Graph Store Protocol (and, for the Dortmund graph, through SPARQL INSERT DATA), then each named query
through `run_remote` (HTTP, parsing, conversion to rdflib terms) next to the same query on the embedded
rdflib store. Figures are medians of --runs. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from citykg.build import build  # noqa: E402
from citykg.config import load_project  # noqa: E402
from citykg.queries import Catalogue, bind, run  # noqa: E402
from citykg.remote.endpoint import run_remote  # noqa: E402
from citykg.remote.push import push  # noqa: E402
from citykg.results import render  # noqa: E402

SIZES = {"dortmund": 0, "100k": 900, "600k": 5400}  # cities of the synthetic world for ~100k / ~600k triples
CASES = [
    ("twin-cities", {}),
    ("partnerships-as-of", {"year": "2000"}),
    ("memberships", {}),
    ("events", {"year": "2022"}),
    ("partners-by-country", {}),
    ("timeline", {"from": "2020"}),
    ("counts-by-class", {}),
    ("counts-by-relation", {}),
]
PASSWORD_ENV = "CITYKG_BENCH_VIRTUOSO_PASSWORD"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str) -> None:
    import httpx

    for _ in range(300):
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} does not answer")


class Stores:
    """The stores this machine has, started on loopback in ``work``; stopped by close()."""

    def __init__(self, work: Path) -> None:
        self.urls: dict[str, str] = {}
        self.extra: dict[str, dict[str, str]] = {}
        self._oxigraph: subprocess.Popen | None = None
        self._virtuoso: Path | None = None
        binary = Path(sys.executable).parent / "oxigraph"
        oxigraph = str(binary) if binary.is_file() else shutil.which("oxigraph")
        if oxigraph:
            port = free_port()
            self._oxigraph = subprocess.Popen(
                [oxigraph, "serve", "--location", str(work / "oxigraph"), "--bind", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.urls["Oxigraph server"] = f"http://127.0.0.1:{port}/query"
            wait(self.urls["Oxigraph server"])
        else:
            print("(no oxigraph binary: pip install oxigraph)", file=sys.stderr)
        if shutil.which("virtuoso-t"):
            self._virtuoso = work / "virtuoso"
            http, sql = free_port(), free_port()
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "virtuoso.sh"), "start", str(self._virtuoso), str(http), str(sql)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            self.urls["Virtuoso"] = f"http://127.0.0.1:{http}/sparql"
            os.environ[PASSWORD_ENV] = "dba"  # the throwaway database's account (scripts/virtuoso.sh)
            self.extra["Virtuoso"] = {"user": "dba", "password_env": PASSWORD_ENV}
        else:
            print("(no Virtuoso: scripts/install_virtuoso.sh)", file=sys.stderr)

    def close(self) -> None:
        if self._oxigraph is not None:
            self._oxigraph.terminate()
            self._oxigraph.wait(timeout=30)
        if self._virtuoso is not None:
            subprocess.run(["bash", str(ROOT / "scripts" / "virtuoso.sh"), "stop", str(self._virtuoso)], check=False)


def prepare(size: str, work: Path):
    """(project, N-Triples file, embedded dataset, focus) for a size."""
    from citykg.store import focus_resource, open_dataset

    if size == "dortmund":
        project = load_project(ROOT).with_overrides(build_dir=work / "build-dortmund")
    else:
        from citykg.synth import write_project

        folder = work / f"world-{size}"
        write_project(folder, load_project(ROOT), cities=SIZES[size], seed=1)
        project = load_project(folder).with_overrides(build_dir=folder / "build")
    build(project, formats=("nt", "nq"), validating=size == "dortmund")
    dataset = open_dataset(project, quiet=True)
    return project, project.build_dir / "citykg.nt", dataset, focus_resource(dataset)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench(sizes: list[str], runs: int) -> str:
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="citykg-bench-remote-") as tmp:
        work = Path(tmp)
        stores = Stores(work)
        try:
            for size in sizes:
                project, source, dataset, focus = prepare(size, work)
                triples = sum(1 for line in source.read_text(encoding="utf-8").splitlines() if line.strip())
                graph = f"{project.base}graph"
                catalogue = Catalogue(project.queries_dir)
                names = list(stores.urls)
                lines.append(f"\n### {size}: {triples:,} triples\n")
                lines.append("| | embedded (rdflib) | " + " | ".join(names) + " |")
                lines.append("|---|---|" + "---|" * len(names))
                pushes: dict[str, list[float]] = {n: [] for n in names}
                replaces: dict[str, list[float]] = {n: [] for n in names}
                updates: dict[str, float] = {}
                for name, url in stores.urls.items():
                    for _ in range(runs):
                        t = time.perf_counter()
                        result = push(url, source, graph=graph, timeout=600, **stores.extra.get(name, {}))
                        pushes[name].append(time.perf_counter() - t)
                        replaces[name].append(result.stages.get("replace", 0.0))
                    if size == "dortmund":
                        t = time.perf_counter()
                        push(url, source, graph=graph, method="update", **stores.extra.get(name, {}))
                        updates[name] = time.perf_counter() - t
                row = " | ".join(f"{median(pushes[n]):.2f} s (MOVE {median(replaces[n]):.2f} s)" for n in names)
                lines.append(f"| push (Graph Store Protocol, 50k-triple chunks) | – | {row} |")
                if updates:
                    row = " | ".join(f"{updates[n]:.2f} s" for n in names)
                    lines.append(f"| push (SPARQL INSERT DATA, 1k-triple chunks) | – | {row} |")
                for query_name, params in CASES:
                    query = catalogue.get(query_name)
                    bindings = bind(query, params, project.base, focus)
                    local = []
                    for _ in range(runs):
                        t = time.perf_counter()
                        rows = len(render(run(dataset, query, bindings), "tsv", project.base).splitlines()) - 1
                        local.append(time.perf_counter() - t)
                    cells = []
                    for url in stores.urls.values():
                        remote = []
                        for _ in range(runs):
                            t = time.perf_counter()
                            render(run_remote(url, query, bindings, graph=graph, timeout=300), "tsv", project.base)
                            remote.append(time.perf_counter() - t)
                        cells.append(f"{median(remote) * 1000:.0f} ms")
                    lines.append(
                        f"| `{query_name}` ({rows:,} rows) | {median(local) * 1000:.0f} ms | {' | '.join(cells)} |"
                    )
        finally:
            stores.close()
    head = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; medians of {runs} runs; "
        "push includes reading the file, counting before and after, the staging graph and the MOVE."
    )
    return head + "\n" + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="dortmund,100k", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}")
    text = bench(sizes, args.runs)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
