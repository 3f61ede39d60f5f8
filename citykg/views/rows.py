"""Moved to :mod:`citykg.projection.rows`; this name stays for code written against it."""

from citykg.projection.rows import *  # noqa: F403
from citykg.projection.rows import BlankId, Lit, OxigraphRows, RdflibRows, Rows, rows_of, value_places  # noqa: F401
