"""Synthetic worlds in citykg's own model: the one place that makes made-up data.

Two graphs, each deterministic (same arguments, same bytes) and valid against ontology/shapes.ttl:

- the scale world (:mod:`citykg.synth.world`, ``citykg synth``): N-Triples up to millions of triples,
  Zipf-like hubs, partnerships, memberships, mayors, for load, query and export benchmarks;
- the varied graph (:mod:`citykg.synth.varied`): Turtle with every kind of node the views draw, for the
  view tests and benchmarks.

:mod:`citykg.synth.project` wraps either (or any Turtle) into a throwaway project. Namespaces and the
made-up country codes are shared (``world``); the lower layer: nothing here imports the views.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each name lives: imported on first use, so ``citykg synth`` does not load the varied graph's module.
_EXPORTS = {
    "CHECKOUT": "project",
    "make_project": "project",
    "write_project": "project",
    "synthetic_turtle": "varied",
    "SYNTH_BASE": "world",
    "SynthStats": "world",
    "generate": "world",
    "generate_with_progress": "world",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"citykg.synth.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'citykg.synth' has no attribute {name!r}")


__all__ = [
    "CHECKOUT",
    "SYNTH_BASE",
    "SynthStats",
    "generate",
    "generate_with_progress",
    "make_project",
    "synthetic_turtle",
    "write_project",
]
