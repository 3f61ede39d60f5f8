"""The data a vis-network page takes: node dicts, edge dicts and the options object.

vis-network's ``DataSet`` accepts plain objects, so this is all the model the network view needs; keeping it
ours keeps the main install free of pyvis (and the IPython it pulls in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class VisData:
    """Nodes (``id``, ``label``/our short keys, ``x``, ``y`` …), edges (``id``, ``from``, ``to`` …), options."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
