"""Throwaway citykg projects around synthetic (or given) data: a checkout's ontology and queries, a config, a graph.

Both generators end up here: ``citykg synth -o FOLDER`` writes the scale world as a project
(:func:`write_project`), the view tests and benchmarks wrap the varied graph or a folder of Turtle
(:func:`make_project`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from citykg.config import CONFIG_NAME, Project, load_project
from citykg.synth.world import SYNTH_BASE, SynthStats, generate_with_progress

CHECKOUT = Path(__file__).resolve().parents[2]


def _copy_model(target: Path, ontology: Path, queries: Path, *, checkout: bool = False) -> None:
    """The ontology and the named queries a project needs besides its data. From a ``checkout`` (the view
    tests): without enrichment folders, and folders already in ``target`` are kept (tests reuse targets)."""
    target.mkdir(parents=True, exist_ok=True)
    for folder, name in ((ontology, "ontology"), (queries, "queries")):
        if not checkout:
            shutil.copytree(folder, target / name, dirs_exist_ok=True)
        elif not (target / name).exists():
            shutil.copytree(folder, target / name, ignore=shutil.ignore_patterns("enrichment"))


def write_project(target: Path, source: Project, *, cities: int, seed: int = 1) -> SynthStats:
    """A complete citykg project in ``target``: the source project's ontology and queries, synthetic data."""
    _copy_model(target, source.ontology_dir, source.queries_dir)
    (target / "graph").mkdir(exist_ok=True)
    (target / CONFIG_NAME).write_text(
        f'[dataset]\nbase = "{SYNTH_BASE}"\ngraph = "graph"\nontology = "ontology"\n'
        'queries = "queries"\nbuild = "build"\n',
        encoding="utf-8",
    )
    with (target / "graph" / "synthetic.nt").open("w", encoding="utf-8") as out:
        return generate_with_progress(out, cities=cities, seed=seed)


def make_project(target: Path, graph: dict[str, str] | Path, *, root: Path = CHECKOUT) -> Project:
    """A throwaway project under ``target``: the checkout's ontology and queries, the given graph files
    (name -> Turtle text, or a folder to copy) and the checkout's citykg.toml."""
    _copy_model(target, root / "ontology", root / "queries", checkout=True)
    folder = target / "graph"
    if isinstance(graph, Path):
        shutil.copytree(graph, folder, dirs_exist_ok=True)
    else:
        folder.mkdir(exist_ok=True)
        for name, content in graph.items():
            (folder / name).write_text(content, encoding="utf-8")
    shutil.copy(root / "citykg.toml", target / "citykg.toml")
    return load_project(target)
