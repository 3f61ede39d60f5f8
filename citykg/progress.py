"""Progress on stderr for the steps that take seconds at scale (build phases, validation, push, synth,
benchmarks): a bar for counted work, a timed line for a single step.

Silent when stderr is not a terminal (pipes, CI, tests) and after ``citykg -q``: what a command prints on
stdout never changes, and logs never fill with carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

import click

_quiet = False


class Bar(Protocol):
    def update(self, n_steps: int) -> None: ...


class _Silent:
    def update(self, n_steps: int) -> None:
        pass


def set_quiet(quiet: bool) -> None:
    """``citykg -q``: no progress at all."""
    global _quiet
    _quiet = quiet


def enabled(stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    return not _quiet and bool(getattr(stream, "isatty", lambda: False)())


@contextmanager
def bar(total: int, label: str) -> Iterator[Bar]:
    """A bar over ``total`` units; the caller calls ``update(n)``."""
    if not enabled():
        yield _Silent()
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as shown:
        yield shown


@contextmanager
def step(label: str) -> Iterator[None]:
    """One step: its label while it runs, then its time."""
    if not enabled():
        yield
        return
    started = time.perf_counter()
    sys.stderr.write(f"{label} …")
    sys.stderr.flush()
    try:
        yield
    finally:
        sys.stderr.write(f"\r{label} … {time.perf_counter() - started:.1f} s\n")
        sys.stderr.flush()
