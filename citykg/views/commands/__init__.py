"""Commands of the views and analytics, one module per group: view (network), map and timeline (drawings),
analyze, path and shared (analysis); what they share is in ``common``.

Registered lazily in citykg.cligroup.LazyGroup.lazy (see docs/views.md), so ``citykg --help`` stays fast.
"""

from __future__ import annotations

from citykg.views.commands.analysis import analyze, path, shared
from citykg.views.commands.common import LANG_OPTION, load, load_around, selection_options, write
from citykg.views.commands.drawings import map_command, timeline
from citykg.views.commands.network import view

#: The lazy command entries for citykg.cligroup.LazyGroup.lazy.
LAZY = {
    "view": "citykg.views.commands:view",
    "map": "citykg.views.commands:map_command",
    "timeline": "citykg.views.commands:timeline",
    "analyze": "citykg.views.commands:analyze",
    "path": "citykg.views.commands:path",
    "shared": "citykg.views.commands:shared",
}

__all__ = [
    "LANG_OPTION",
    "LAZY",
    "analyze",
    "load",
    "load_around",
    "map_command",
    "path",
    "selection_options",
    "shared",
    "timeline",
    "view",
    "write",
]
