"""The synthetic world: deterministic, shaped like the real data, valid against the shapes."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from citykg.build import build
from citykg.config import Project, load_project
from citykg.queries import Catalogue, bind, run
from citykg.store import focus_resource
from citykg.synth import generate, write_project


def _text(cities: int, seed: int) -> str:
    out = io.StringIO()
    generate(out, cities=cities, seed=seed)
    return out.getvalue()


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert _text(80, 7) == _text(80, 7)
    assert _text(80, 7) != _text(80, 8)


def test_degrees_follow_a_power_law() -> None:
    degree: Counter[str] = Counter()
    for line in _text(600, 1).splitlines():
        if "ontology#partner>" in line:
            degree[line.split()[2]] += 1
    ranked = [n for _, n in degree.most_common()]
    assert ranked[0] >= 10 * ranked[len(ranked) // 2], ranked[:5]


@pytest.fixture(scope="module")
def synthetic(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("world")
    write_project(folder, project, cities=60, seed=3)
    return load_project(folder)


def test_synthetic_world_validates_and_answers_named_queries(synthetic: Project) -> None:
    result = build(synthetic, formats=("nq",))
    assert result.report.conforms, result.report.text()
    catalogue = Catalogue(synthetic.queries_dir)
    focus = focus_resource(result.dataset)
    for name, params in {
        "twin-cities": {},
        "partnerships-as-of": {"year": "2000"},
        "memberships": {},
        "post-holders": {},
        "timeline": {"from": "1990"},
    }.items():
        query = catalogue.get(name)
        rows = list(run(result.dataset, query, bind(query, params, synthetic.base, focus)))
        assert rows, name


def test_synth_command_writes_a_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from citykg.cli import main

    out = tmp_path / "world.nt"
    result = CliRunner().invoke(main, ["synth", "--cities", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("\n") > 500
