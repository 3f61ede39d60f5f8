"""Synthetic worlds in citykg's own model: the one place that makes made-up data.

Two graphs, each deterministic (same arguments, same bytes) and valid against ontology/shapes.ttl:

- the scale world (:mod:`citykg.synth.world`, ``citykg synth``): N-Triples up to millions of triples,
  Zipf-like hubs, partnerships, memberships, mayors, for load, query and export benchmarks;
- the varied graph (:mod:`citykg.synth.varied`): Turtle with every kind of node the views draw, for the
  view tests and benchmarks.

:mod:`citykg.synth.project` wraps either (or any Turtle) into a throwaway project. Namespaces and the
made-up country codes are shared (``world``); the lower layer: nothing here imports the views.
"""

from citykg.synth.project import CHECKOUT, make_project, write_project
from citykg.synth.varied import synthetic_turtle
from citykg.synth.world import SYNTH_BASE, SynthStats, generate, generate_with_progress

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
