"""Side-by-side benchmark of citykg's store backends against raw pyoxigraph, in one run.

    python scripts/bench.py                         # Dortmund, 100k and 1M triples
    python scripts/bench.py --sizes dortmund,100k   # a quicker run
    python scripts/bench.py --out BENCHMARKS.md     # also write the Markdown results file
    python scripts/bench.py --scale [ARGS]          # issue 10's targets vs `oxigraph load` (scripts/bench_scale.py)

Every (size, row) runs in its own fresh process, so load times are cold and peak RSS is the row's own.
Rows: citykg memory (rdflib), citykg oxigraph (pyoxigraph through oxrdflib), raw pyoxigraph (the peer the
targets are stated against). Columns: load, median of each named query, N-Quads export, peak RSS; ratios
against raw pyoxigraph. The CLI cold start of `citykg query` is measured against `python -c "import rdflib"`.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"dortmund": 0, "100k": 900, "1m": 9000}  # cities of the synthetic world for ~100k / ~1M triples
ROWS = ("citykg memory", "citykg oxigraph", "raw pyoxigraph")
#: The named queries measured, with parameters that make sense on both the Dortmund and the synthetic data.
CASES = [
    ("twin-cities", {}),
    ("partnerships-as-of", {"year": "2000"}),
    ("memberships", {}),
    ("post-holders", {}),
    ("events", {"year": "2020"}),
    ("partners-by-country", {}),
    ("timeline", {"from": "2020"}),
    ("counts-by-class", {}),
]


# --- one row, in a child process ---------------------------------------------------------------------


def measure_row(row: str, project_dir: str, build_dir: str, runs: int) -> dict[str, object]:
    from citykg.config import load_project
    from citykg.queries import Catalogue, bind, execute, with_values
    from citykg.store import cache_path, focus_resource, open_dataset

    project = load_project(project_dir).with_overrides(build_dir=Path(build_dir))
    nquads = cache_path(project)
    catalogue = Catalogue(project.queries_dir)
    started = time.perf_counter()
    if row == "raw pyoxigraph":
        import pyoxigraph as ox

        store = ox.Store()
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        load = time.perf_counter() - started
        root = next(iter(store.query("SELECT ?r WHERE { GRAPH ?g { ?d <http://rdfs.org/ns/void#rootResource> ?r } }")))
        focus = _to_rdflib(root["r"])

        def answer(query, bindings):
            result = store.query(with_values(query.text, bindings), use_default_graph_as_union=True)
            return result.serialize(format=ox.QueryResultsFormat.TSV)

        def export() -> int:
            return len(store.dump(format=ox.RdfFormat.N_QUADS))
    else:
        dataset = open_dataset(project, store="memory" if row == "citykg memory" else "oxigraph", quiet=True)
        load = time.perf_counter() - started
        focus = focus_resource(dataset)

        def answer(query, bindings):
            return execute(dataset, query, bindings, "tsv", project.base)

        def export() -> int:
            from citykg.export import serialize

            return len(serialize(dataset, "nq"))

    queries: dict[str, float] = {}
    for name, params in CASES:
        query = catalogue.get(name)
        bindings = bind(query, params, project.base, focus)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            answer(query, bindings)
            times.append(time.perf_counter() - t)
        queries[name] = statistics.median(times)
    t = time.perf_counter()
    export()
    exported = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"load": load, "queries": queries, "export": exported, "rss_mb": peak_kb / 1024}


def _to_rdflib(term):
    from rdflib import URIRef

    return URIRef(term.value)


# --- orchestration -----------------------------------------------------------------------------------


def prepare(size: str, work: Path) -> tuple[Path, Path, dict[str, object]]:
    """A built project for ``size``: (project folder, build folder, facts about it)."""
    build_dir = work / f"build-{size}"
    if size == "dortmund":
        project_dir = ROOT
        command = ["build", "--formats", "nq"]
    else:
        project_dir = work / f"world-{size}"
        _citykg(["synth", "--cities", str(SIZES[size]), "-o", str(project_dir)])
        command = ["build", "--formats", "nq", "--no-validate"]
    t = time.perf_counter()
    out = _citykg(["--project", str(project_dir), "--build-dir", str(build_dir), *command])
    triples = int(out.split(" triples")[0].replace(",", ""))
    return project_dir, build_dir, {"triples": triples, "build_s": time.perf_counter() - t}


def _citykg(args: list[str]) -> str:
    result = subprocess.run([sys.executable, "-m", "citykg", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"citykg {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def run_row(row: str, project_dir: Path, build_dir: Path, runs: int, timeout: float) -> dict[str, object]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from bench import measure_row; "
        "print(json.dumps(measure_row(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, str(Path(__file__).parent), row, str(project_dir), str(build_dir), str(runs)],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"not finished within {timeout:.0f} s (stopped)"}
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def cold_start(runs: int) -> dict[str, float]:
    """Median wall time of a cold `citykg query` on the Dortmund graph against `python -c "import rdflib"`."""

    def median_of(command: list[str]) -> float:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    subprocess.run(
        [sys.executable, "-m", "citykg", "build", "--formats", "nq"], capture_output=True, cwd=ROOT, check=True
    )
    citykg = Path(sys.executable).with_name("citykg")
    return {
        "citykg query twin-cities": median_of([str(citykg), "query", "twin-cities"]),
        "citykg --store oxigraph query twin-cities": median_of(
            [str(citykg), "--store", "oxigraph", "query", "twin-cities"]
        ),
        "python -c 'import rdflib'": median_of([sys.executable, "-c", "import rdflib"]),
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0"
    )
    from importlib.metadata import version

    versions = ", ".join(f"{p} {version(p)}" for p in ("rdflib", "pyoxigraph", "oxrdflib", "pyshacl"))
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, Python {platform.python_version()}, "
        f"{versions}"
    )


def report(
    results: dict[str, dict[str, object]], facts: dict[str, dict[str, object]], cold: dict[str, float] | None
) -> str:
    lines = [f"Machine: {machine()}", ""]
    for size, rows in results.items():
        info = facts[size]
        lines += [f"### {size}: {info['triples']:,} triples (build {info['build_s']:.1f} s)", ""]
        peer = rows.get("raw pyoxigraph", {})
        header = ["row", "load s", *[f"{n} ms" for n, _ in CASES], "export s", "peak RSS MB"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row, data in rows.items():
            if "error" in data:
                lines.append(f"| {row} | error: {data['error']} |")
                continue
            cells = [row, _cell(data["load"], peer.get("load"), 1)]
            cells += [
                _cell(data["queries"][n] * 1000, peer.get("queries", {}).get(n, 0) * 1000 or None, 1000)
                for n, _ in CASES
            ]
            cells += [_cell(data["export"], peer.get("export"), 1), _cell(data["rss_mb"], peer.get("rss_mb"), 1)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if cold:
        base = cold["python -c 'import rdflib'"]
        lines += [
            "### CLI cold start (Dortmund graph, median)",
            "",
            "| command | s | ratio to import rdflib |",
            "|---|---|---|",
        ]
        lines += [f"| `{k}` | {v:.3f} | {v / base:.2f}x |" for k, v in cold.items()]
        lines.append("")
    return "\n".join(lines)


def _cell(value: float, peer: float | None, scale: float) -> str:
    text = f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if peer and peer > 0:
        text += f" ({value / peer:.2f}x)"
    return text


def main() -> int:
    if "--scale" in sys.argv[1:]:  # build, validation, view, analyze, path against `oxigraph load`
        import bench_scale

        sys.argv = [sys.argv[0], *(a for a in sys.argv[1:] if a != "--scale")]
        return bench_scale.main()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="dortmund,100k,1m")
    parser.add_argument("--runs", type=int, default=5, help="runs per query (median)")
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--out", type=Path, help="write the Markdown results here too")
    parser.add_argument("--row-timeout", type=float, default=600, help="seconds one (size, row) may take")
    args = parser.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    rows = [r for r in args.rows.split(",") if r]
    results: dict[str, dict[str, object]] = {}
    facts: dict[str, dict[str, object]] = {}
    places: dict[str, tuple[Path, Path]] = {}
    with tempfile.TemporaryDirectory(prefix="citykg-bench-") as tmp:
        steps = [(size, row) for size in sizes for row in rows]
        with click.progressbar(
            steps, label="benchmark", file=sys.stderr, item_show_func=lambda s: f"{s[0]} / {s[1]}" if s else ""
        ) as bar:
            for size, row in bar:
                if size not in facts:
                    project_dir, build_dir, facts[size] = prepare(size, Path(tmp))
                    places[size] = (project_dir, build_dir)
                results.setdefault(size, {})[row] = run_row(row, *places[size], args.runs, args.row_timeout)
        cold = cold_start(args.runs) if "dortmund" in sizes else None
    text = report(results, facts, cold)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
