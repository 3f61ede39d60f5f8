"""citykg: the knowledge graph of a city's international relations.

``citykg.open(path)`` gives a handle on a project's built graph for Python and notebooks (see docs/python.md);
it is imported on first use, so ``import citykg`` stays light (the CLI imports this package at start-up).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "open"]


def __getattr__(name: str) -> Any:
    if name == "open":
        from citykg.api import open as opener

        return opener
    raise AttributeError(f"module 'citykg' has no attribute {name!r}")
