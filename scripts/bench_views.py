"""Benchmark of the network view on synthetic graphs in citykg's own model (not a test).

For each size: generate the graph (citykg.synth.varied), parse it with rdflib, project it to the
multigraph (the SPARQL of queries/views), write the HTML (layout included), then open the file in headless
Chromium with every non-file request refused and measure the time until the drawing is stable
(``citykg.stable``: physics done, or the first drawing when physics is off), a change of the year slider and
clustering by class. Prints a Markdown table (the figures in docs/views.md come from it).

    .venv/bin/python scripts/bench_views.py                 # 1,000 and 5,000 nodes, 3 runs each
    .venv/bin/python scripts/bench_views.py --sizes 500,1000,5000 --runs 1
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Dataset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from citykg.synth import synthetic_turtle  # noqa: E402
from citykg.views.network import network_html  # noqa: E402
from citykg.views.options import ViewOptions  # noqa: E402
from citykg.views.projection import project  # noqa: E402
from citykg.views.render import CHROMIUM_ARGS, chromium_path  # noqa: E402

BASE = "https://w3id.org/citykg/dortmund/"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def generate(size: int) -> tuple[dict[str, float], Path, tuple[int, int]]:
    times: dict[str, float] = {}
    started = time.perf_counter()
    turtle = synthetic_turtle(size)
    times["synthesise"] = time.perf_counter() - started

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    for name in ("citykg.ttl", "vocab.ttl"):
        dataset.graph(f"urn:ontology:{name}").parse(ROOT / "ontology" / name, format="turtle")
    dataset.graph("urn:synthetic").parse(data=turtle, format="turtle", publicID=BASE)
    times["parse"] = time.perf_counter() - started

    started = time.perf_counter()
    proj = project(dataset)
    times["project"] = time.perf_counter() - started

    started = time.perf_counter()
    html = network_html(proj, ViewOptions())
    times["html"] = time.perf_counter() - started

    path = Path(tempfile.mkdtemp(prefix="citykg-bench-")) / f"view-{size}.html"
    path.write_text(html, encoding="utf-8")
    return times, path, (len(proj.graph), proj.graph.number_of_edges())


def browse(path: Path, runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[float]] = {"stable": [], "year": [], "cluster": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requests: list[str] = []

            def refuse(route, requests: list[str] = requests) -> None:
                requests.append(route.request.url)
                route.abort()

            page.route(re.compile(r"^(?!file:).*"), refuse)
            started = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.citykg && window.citykg.stable === true", polling=250, timeout=600_000)
            results["stable"].append(time.perf_counter() - started)
            started = time.perf_counter()
            page.evaluate("() => citykg.setYear(1990)")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            results["year"].append(time.perf_counter() - started)
            page.evaluate("() => citykg.setYear(null)")
            started = time.perf_counter()
            page.select_option("#cluster", "class")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            results["cluster"].append(time.perf_counter() - started)
            if requests:
                raise SystemExit(f"the page tried to load {requests}")
            page.close()
        browser.close()
    return {k: median(v) for k, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated node counts")
    parser.add_argument("--runs", type=int, default=3, help="browser runs per size (median reported)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if chromium_path() is None:
        raise SystemExit("needs Chromium at /usr/bin/chromium (or CITYKG_CHROMIUM) and playwright")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = []
    for size in sizes:
        times, path, (nodes, edges) = generate(size)
        browser = browse(path, args.runs)
        rows.append((size, nodes, edges, path.stat().st_size, times, browser))
        print(f"  {size}: done ({path})", file=sys.stderr)
    print()
    print(
        "| nodes | edges | HTML size | parse (rdflib) | projection (SPARQL) | HTML incl. layout "
        "| stable in Chromium | year change | cluster by class |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for _, nodes, edges, size, times, browser in rows:
        print(
            f"| {nodes:,} | {edges:,} | {size / 1e6:.1f} MB | {times['parse']:.2f} s | {times['project']:.2f} s | "
            f"{times['html']:.2f} s | {browser['stable']:.2f} s | {browser['year']:.2f} s | "
            f"{browser['cluster']:.2f} s |"
        )


if __name__ == "__main__":
    main()
