"""The README's promises about the command line and the install: global options after the subcommand,
``-o -`` is stdout, a closed pipe is success, the main install needs no optional library, missing extras say
which extra to install, the licence is an SPDX expression with its file, and skipped tests are summarised."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, skip_summary

from citykg.cli import main
from citykg.errors import MissingComponent, require

OPTIONAL = ("SPARQLWrapper", "httpx", "numpy", "scipy", "pandas")


def test_global_options_after_the_subcommand(project_copy) -> None:
    query = project_copy.queries_dir / "twin-cities.rq"
    query.write_text(query.read_text(encoding="utf-8").replace("#+ title: ", "#+ title: Copied "), encoding="utf-8")
    runner = CliRunner()
    before = runner.invoke(main, ["--project", str(project_copy.root), "queries"])
    after = runner.invoke(main, ["queries", "--project", str(project_copy.root)])
    assert after.exit_code == 0, after.output
    assert "Copied Twin cities" in after.output and after.output == before.output
    wrong = runner.invoke(main, ["queries", "--store", "nowhere", "--project", str(project_copy.root)])
    assert wrong.exit_code == 0  # `queries` does not open a store; the option is accepted all the same
    assert runner.invoke(main, ["export", "--store", "nowhere", "--project", str(project_copy.root)]).exit_code == 2


def test_dash_output_is_stdout(built, project, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["--project", str(project.root), "--build-dir", str(project.build_dir)]
    for command in (
        ["export", "--format", "nt", "-o", "-"],
        ["query", "counts-by-class", "--format", "csv", "-o", "-"],
    ):
        result = CliRunner().invoke(main, [*args, *command])
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.count(b"\n") > 10
    assert not (tmp_path / "-").exists()


def test_closed_pipe_exits_0() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "citykg", "--project", str(ROOT), "queries", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader is gone before the first write, as `| head` is after its lines
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipe" not in err


BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"blocked: {{name}}")
sys.meta_path.insert(0, Block())
import citykg, citykg.cli, citykg.build, citykg.store, citykg.queries, citykg.export, citykg.server.app
import citykg.server.command, citykg.views.network, citykg.views.commands, citykg.api
from click.testing import CliRunner
result = CliRunner().invoke(citykg.cli.main, ["push", "--help"])
print(result.output)
"""


def test_main_install_needs_no_optional_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER.format(blocked=set(OPTIONAL))], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "citykg[remote]" in done.stdout  # push is a remote feature: its stand-in names the extra
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    main_deps = " ".join(declared["dependencies"]).lower()
    assert not [name for name in OPTIONAL if name.lower() in main_deps]
    extras = declared["optional-dependencies"]
    assert {"remote", "analytics", "notebook", "test"} <= set(extras)


def test_missing_extra_names_it() -> None:
    with pytest.raises(MissingComponent) as caught:
        require("no_such_module_for_citykg", "query --endpoint", "remote")
    assert "pip install 'citykg[remote]'" in str(caught.value)
    require("click", "anything", "remote")  # present: no error


def test_licence_is_spdx_with_its_file() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert declared["license"] == "MIT AND CC-BY-4.0"
    for name in declared["license-files"]:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "MIT License" in text and "CC BY 4.0" in text


def test_skip_summary_names_the_install_command() -> None:
    lines = skip_summary(
        [
            "Virtuoso (virtuoso-t) is not installed; run scripts/install_virtuoso.sh as root",
            "Virtuoso (virtuoso-t) is not installed; run scripts/install_virtuoso.sh as root",
            "no chromium at /usr/bin/chromium (apt-get install chromium)",
            "Oxigraph server has no authentication",
        ]
    )
    assert lines[0].startswith("citykg: 4 skipped")
    assert "  2 need Virtuoso: sudo bash scripts/install_test_components.sh" in lines
    assert "  1 need Chromium: sudo bash scripts/install_test_components.sh" in lines
    assert any("Oxigraph server has no authentication" in line for line in lines)
    assert skip_summary([]) == []
    assert (ROOT / "scripts" / "install_test_components.sh").is_file()
    assert "install_test_components.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_query_with_https_schema_gets_a_hint(built, project) -> None:
    args = ["--project", str(project.root), "--build-dir", str(project.build_dir), "query", "--format", "csv"]
    wrong = CliRunner().invoke(main, [*args, "--sparql", "SELECT ?c WHERE { ?c a <https://schema.org/City> }"])
    assert wrong.exit_code == 0 and "http://schema.org/" in wrong.stderr
    right = CliRunner().invoke(main, [*args, "--sparql", "SELECT ?c WHERE { ?c a schema:City }"])
    assert right.exit_code == 0 and "hint" not in right.stderr


def test_exported_jsonld_is_the_dump(built, project) -> None:
    """`citykg export --format jsonld` writes the dump's compact form: @context, one @graph per named graph."""
    args = ["--project", str(project.root), "--build-dir", str(project.build_dir), "export", "--format", "jsonld"]
    result = CliRunner().invoke(main, [*args, "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (project.build_dir / "citykg.jsonld").read_bytes()
    document = json.loads(result.stdout_bytes)
    assert "@context" in document and all("@graph" in g for g in document["@graph"])
