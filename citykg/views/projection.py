"""Moved to :mod:`citykg.projection` (below the views and the analytics); this name stays for the views' own
modules and for code written against it: every name of the package's modules is found here too."""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = ("model", "whole", "scoped", "select", "rows")


def __getattr__(name: str) -> Any:
    for module in _MODULES:
        found = importlib.import_module(f"citykg.projection.{module}")
        if hasattr(found, name):
            return getattr(found, name)
    raise AttributeError(f"module 'citykg.views.projection' has no attribute {name!r}")
