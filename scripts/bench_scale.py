"""Issue 10's targets side by side in one run: synth, build (with and without validation), validation engines,
view, analyze and path on the 100k and 1M synthetic worlds, against `oxigraph load` of the same N-Quads.

    python scripts/bench_scale.py                       # 100k and 1M
    python scripts/bench_scale.py --sizes 100k --out X  # also write the Markdown table to X

Every command runs in its own process (wall time and that process's peak RSS, from wait4). Validation
engines: the default SPARQL engine (citykg.validate.engine on an in-memory Oxigraph store), the Rust `shacl`
package (if installed; parses citykg.nt itself), pySHACL on an rdflib graph and on an Oxigraph-backed graph
(oxrdflib), each with a time limit. The view is then opened in Chromium (if playwright is installed) and
timed until `window.citykg.stable`. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
from bench import machine  # noqa: E402

CITIES = {"10k": 90, "100k": 900, "1m": 9000}  # "10k": a smoke run of this script
ENGINES = ("sparql", "shacl (Rust)", "pyshacl rdflib", "pyshacl oxrdflib")


def timed(command: list[str], timeout: float, **kwargs) -> dict[str, object]:
    """Run one child; ``out`` is its stdout, ``error`` set if it ran out of time."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"error": f"stopped after {timeout:.0f} s"}
    return {"out": out}


#: Runs one command and prints its wall time, its exit code, the ends of its output and its peak memory: the
#: larger of the largest process's own peak (getrusage) and the peak of the sum over the command's process tree,
#: sampled every 50 ms (``citykg build`` loads the store in a child process while it writes the exports: the
#: sum is what the machine must hold); also the CPU seconds of the whole tree (user + system), which a
#: machine shared with other work disturbs less than the wall time.
WRAPPER = """
import json, os, resource, subprocess, sys, threading, time

def tree_rss(root):
    pids, total, seen = [root], 0, set()
    while pids:
        pid = pids.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pids += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            pass
    return total

t = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
peak = [0]
def sample():
    while child.poll() is None:
        peak[0] = max(peak[0], tree_rss(child.pid))
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
try:
    out, err = child.communicate(timeout=float(sys.argv[1]))
except subprocess.TimeoutExpired:
    child.kill()
    raise
s = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
own, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
print(json.dumps({"s": s, "cpu_s": cpu, "rc": child.returncode, "out": out[-4000:], "err": err[-2000:],
                  "rss_mb": max(own, peak[0]) / 1024, "largest_process_mb": own / 1024, "tree_mb": peak[0] / 1024}))
"""


def run_measured(command: list[str], timeout: float, cwd: Path | None = None) -> dict[str, object]:
    """``command`` under :data:`WRAPPER`, a fresh interpreter whose only child it is (so that its
    RUSAGE_CHILDREN is that command's)."""
    done = timed([sys.executable, "-c", WRAPPER, str(timeout), *command], timeout + 30, cwd=cwd)
    if "error" in done:
        return done
    lines = str(done["out"]).strip().splitlines()
    if not lines:
        return {"error": f"stopped after {timeout:.0f} s"}  # the wrapper's own limit killed the command
    data = json.loads(lines[-1])
    if data["rc"] != 0:
        data["error"] = (data["err"].strip().splitlines() or ["failed"])[-1][:200]
    return data


def citykg(*args: str) -> list[str]:
    return [sys.executable, "-m", "citykg", "-q", *args]


VALIDATE = {
    "sparql": """
import time, pyoxigraph as ox
from rdflib import Graph
from citykg.validate.engine import validate_store
store = ox.Store(); store.bulk_load(path=BUILD + "/citykg.nq", format=ox.RdfFormat.N_QUADS)
t = time.perf_counter(); r = validate_store(store, Graph().parse(SHAPES))
print(time.perf_counter() - t, len(r.violations))
""",
    "shacl (Rust)": """
import time, shacl
t = time.perf_counter(); r = shacl.Shapes.from_file(SHAPES).validate_file(BUILD + "/citykg.nt", allow_warnings=True)
print(time.perf_counter() - t, len(r.results))
""",
    "pyshacl rdflib": """
import time
from rdflib import Graph
from citykg.validate.reference import validate
g = Graph().parse(BUILD + "/citykg.nt", format="nt")
t = time.perf_counter(); r = validate(g, Graph().parse(SHAPES))
print(time.perf_counter() - t, len(r.violations))
""",
    "pyshacl oxrdflib": """
import time
from rdflib import Graph
from citykg.validate.reference import validate
g = Graph(store="Oxigraph"); g.parse(BUILD + "/citykg.nt", format="ox-ntriples")
t = time.perf_counter(); r = validate(g, Graph().parse(SHAPES))
print(time.perf_counter() - t, len(r.violations))
""",
}


def chromium_stable(html: Path, timeout: float) -> dict[str, object]:
    code = """
import sys, time
from playwright.sync_api import sync_playwright
with sync_playwright() as pw:
    b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = b.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    t = time.perf_counter(); page.goto("file://" + sys.argv[1])
    page.wait_for_function("() => window.citykg && window.citykg.stable === true", polling=100, timeout=600000)
    s = time.perf_counter() - t
    print(s, page.evaluate("() => network.body.data.nodes.length"))
    b.close()
"""
    return run_measured([sys.executable, "-c", code, str(html)], timeout)


def measure(size: str, work: Path, timeout: float, pyshacl_timeout: float) -> dict[str, dict[str, object]]:
    world, plain, valid = work / f"world-{size}", work / f"build-{size}", work / f"valid-{size}"
    rows: dict[str, dict[str, object]] = {}
    rows["citykg synth"] = run_measured(citykg("synth", "--cities", str(CITIES[size]), "-o", str(world)), timeout)
    project = ["--project", str(world)]
    rows["citykg build --no-validate"] = run_measured(
        citykg(*project, "--build-dir", str(plain), "build", "--no-validate"), timeout
    )
    store = work / f"oxigraph-{size}"
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    rows["oxigraph load"] = run_measured(
        [oxigraph, "load", "--location", str(store), "--file", str(plain / "citykg.nq")], timeout
    )
    shutil.rmtree(store, ignore_errors=True)
    rows["citykg build"] = run_measured(citykg(*project, "--build-dir", str(valid), "build"), timeout)
    for engine in ENGINES:
        if engine.startswith("pyshacl") and size != "100k":
            rows[f"validate: {engine}"] = {"error": "not run (see 100k: minutes already there)"}
            continue
        code = f"BUILD = {str(plain)!r}; SHAPES = {str(world / 'ontology' / 'shapes.ttl')!r}\n" + VALIDATE[engine]
        limit = pyshacl_timeout if engine.startswith("pyshacl") else timeout
        done = run_measured([sys.executable, "-c", code], limit)
        if "error" not in done:
            seconds, found = str(done["out"]).split()[-2:]
            loaded = "parse included" if engine.startswith("shacl") else "parse excluded"
            done["s"], done["note"] = float(seconds), f"{found} results, {loaded}"
        rows[f"validate: {engine}"] = done
    html = work / f"view-{size}.html"
    hub_args = (*project, "--build-dir", str(plain))
    rows["citykg view --focus city/c0 --depth 2"] = run_measured(
        citykg(*hub_args, "view", "--focus", "city/c0", "--depth", "2", "-o", str(html)), timeout
    )
    if html.exists():
        done = chromium_stable(html, timeout)
        if "error" not in done:
            seconds, nodes = str(done["out"]).split()[-2:]
            done["s"], done["note"] = float(seconds), f"{nodes} nodes drawn"
        rows["Chromium: view stable"] = done
    rows["citykg analyze"] = run_measured(citykg(*hub_args, "analyze"), timeout)
    far = f"city/c{CITIES[size] // 2}"
    rows["citykg path city/c0 city/c<cities/2>"] = run_measured(citykg(*hub_args, "path", "city/c0", far), timeout)
    return rows


def report(results: dict[str, dict[str, dict[str, object]]]) -> str:
    sizes = list(results)
    lines = [f"Machine: {machine()}", ""]
    header = ["command"] + [f"{s} s" for s in sizes] + [f"{s} vs oxigraph load" for s in sizes]
    header += [f"{s} peak RSS MB" for s in sizes]
    if len(sizes) == 2:
        header.append(f"{sizes[0]} / ({sizes[1]} / 10)")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names = list(results[sizes[0]])
    for name in names:
        cells = [f"`{name}`" if not name.startswith(("validate", "Chromium")) else name]
        for size in sizes:
            row = results[size].get(name, {})
            note = f" ({row['note']})" if row.get("note") else ""
            cells.append(f"{row['s']:.1f}{note}" if "s" in row and "error" not in row else row.get("error", "-"))
        for size in sizes:
            row, peer = results[size].get(name, {}), results[size].get("oxigraph load", {})
            ok = "s" in row and "error" not in row and "s" in peer
            cells.append(f"{row['s'] / peer['s']:.2f}x" if ok and name.startswith("citykg build") else "")
        for size in sizes:
            row = results[size].get(name, {})
            cells.append(f"{row['rss_mb']:.0f}" if "rss_mb" in row and "error" not in row else "")
        if len(sizes) == 2:
            a, b = results[sizes[0]].get(name, {}), results[sizes[1]].get(name, {})
            ok = all("s" in r and "error" not in r for r in (a, b))
            cells.append(f"{a['s'] / (b['s'] / 10):.2f}" if ok else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1m")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one command may take")
    parser.add_argument("--pyshacl-timeout", type=float, default=600)
    parser.add_argument("--out", type=Path, help="write the Markdown table here too")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument("--report", type=Path, help="only print the table of figures written with --json")
    args = parser.parse_args()
    if args.report:
        print(report(json.loads(args.report.read_text(encoding="utf-8"))))
        return 0
    results = {}
    work = Path(tempfile.mkdtemp(prefix="citykg-scale-"))
    try:
        for size in [s for s in args.sizes.split(",") if s]:
            print(f"{size} …", file=sys.stderr, flush=True)
            results[size] = measure(size, work, args.timeout, args.pyshacl_timeout)
            if args.json:
                args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(results)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
