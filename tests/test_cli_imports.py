"""`citykg query NAME` on a built project (issue 9): Oxigraph's store answers, and the command loads no library it
does not use (rdflib alone cost more than the whole query); `citykg synth` loads no RDF library at all.

Each check runs in a fresh interpreter, where ``sys.modules`` shows what a command really imported."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from citykg.build import BuildResult
from citykg.config import Project
from citykg.formats import TABULAR
from citykg.queries import Catalogue

GOLDEN = Path(__file__).parent / "data" / "golden" / "cases.toml"
#: Libraries `citykg query NAME` must not load when the build's store is current.
HEAVY = ("rdflib", "oxrdflib", "networkx", "starlette", "pyshacl", "jinja2", "SPARQLWrapper", "pyparsing")
#: Parts of citykg it has no business with.
FOREIGN = ("citykg.server", "citykg.views", "citykg.projection", "citykg.export", "citykg.build", "citykg.synth")

#: Runs the CLI in-process for every case (answer cache emptied before each) and prints what was loaded.
RUN_CASES = """
import json, shutil, sys
from pathlib import Path
from click.testing import CliRunner
from citykg.cli import main
project, build_dir, cases = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
failed = []
for args in cases:
    shutil.rmtree(build_dir / "answers", ignore_errors=True)
    result = CliRunner().invoke(main, ["--project", project, "--build-dir", str(build_dir), "query", *args])
    if result.exit_code != 0:
        failed.append([args, result.exit_code, result.output[-300:]])
print(json.dumps({"failed": failed, "modules": sorted(sys.modules)}))
"""


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({m for m in modules for n in names if m == n or m.startswith(n + ".")})


def _cases(project: Project) -> list[list[str]]:
    """Every named query with its defaults (unless it has a required parameter), every golden case's parameters,
    a label as a parameter; every tabular format (the table also in English)."""
    catalogue = Catalogue(project.queries_dir)
    given = [(q.name, {}) for q in catalogue if not any(p.required for p in q.parameters)]
    given += [(c["query"], c.get("params", {})) for c in tomllib.loads(GOLDEN.read_text(encoding="utf-8"))["case"]]
    given.append(("partnership-history", {"partner": "Leeds"}))
    cases = []
    for name, params in given:
        flags = [x for key, value in params.items() for x in ("-p", f"{key}={value}")]
        for fmt in TABULAR:
            cases.append([name, "--format", fmt, *flags])
        cases.append([name, "--lang", "en", *flags])
    return cases


def test_query_on_the_built_store_loads_no_rdflib(project: Project, built: BuildResult) -> None:
    cases = _cases(project)
    assert len(cases) > 200
    done = subprocess.run(
        [sys.executable, "-c", RUN_CASES, str(project.root), str(project.build_dir), json.dumps(cases)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["failed"] == []
    assert _loaded(report["modules"], HEAVY) == []
    assert _loaded(report["modules"], FOREIGN) == []
    assert "pyoxigraph" in report["modules"]  # the store did answer


@pytest.mark.parametrize("args", [["twin-cities"], ["partnership-history", "-p", "partner=Leeds", "--format", "csv"]])
def test_query_command_imports(project: Project, built: BuildResult, args: list[str]) -> None:
    args = ["--build-dir", str(project.build_dir), "query", *args]
    """The real entry point (``python -m citykg``), first run after a build: ``-X importtime`` lists every import."""
    for path in (project.build_dir / "answers").glob("*"):
        path.unlink()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "citykg", *("--project", str(project.root)), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")]
    assert "pyoxigraph" in imported and "citykg.native" in imported
    assert _loaded(imported, HEAVY) == []
    assert done.stdout.strip()


def test_synth_loads_no_rdf_library(project: Project, tmp_path: Path) -> None:
    code = (
        "import json, sys; from click.testing import CliRunner; from citykg.cli import main; "
        "r = CliRunner().invoke(main, sys.argv[1:]); "
        "assert r.exit_code == 0, r.output; print(json.dumps(sorted(sys.modules)))"
    )
    args = ["--project", str(project.root), "synth", "--cities", "20", "-o", str(tmp_path / "w")]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    modules = json.loads(done.stdout.splitlines()[-1])
    assert _loaded(modules, (*HEAVY, "pyoxigraph", "citykg.synth.varied")) == []
    assert (tmp_path / "w" / "citykg.toml").is_file()
