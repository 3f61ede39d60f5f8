"""`citykg query --endpoint`: the same output as the embedded store, over a real remote store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from citykg.cli import main

pytest_plugins = ["remote_conftest"]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_query_endpoint_gives_the_embedded_answer(remote_project, graph_iri, oxigraph_server, fmt: str) -> None:
    runner = CliRunner()
    common = ["--project", str(remote_project.root), "--build-dir", str(remote_project.build_dir)]
    query = ["query", "partnerships-as-of", "-p", "year=1970", "--format", fmt]
    local = runner.invoke(main, [*common, *query])
    remote = runner.invoke(main, [*common, *query, "--endpoint", oxigraph_server.url, "--graph", graph_iri])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    assert "Amiens" in remote.stdout


def test_query_endpoint_unreachable_is_a_clear_error(remote_project) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--project",
            str(remote_project.root),
            "--build-dir",
            str(remote_project.build_dir),
            "query",
            "twin-cities",
            "--endpoint",
            "http://127.0.0.1:9/query",
            "--timeout",
            "2",
        ],
    )
    assert result.exit_code != 0 and "127.0.0.1:9" in result.output and "Traceback" not in result.output
