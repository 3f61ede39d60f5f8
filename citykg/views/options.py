"""The options of every view, one dataclass for the command line, the server and the library."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from citykg.errors import UsageError
from citykg.queries import Parameter
from citykg.views.i18n import LANGUAGES

SIZE_MEASURES = ("degree", "betweenness", "eigenvector", "pagerank")
CLUSTERS = ("class", "country")
PHYSICS = ("auto", "on", "off")


@dataclass(frozen=True)
class ViewOptions:
    """What a view shows and how.

    focus        IRI of the resource in the middle (default: the dataset's void:rootResource)
    depth        only resources within this many relations of the focus (default: everything)
    kinds        only these relation kinds, e.g. ("twinning", "membership"); a kind includes its narrower
                 kinds ("project" includes "climate"); see `citykg view --help` for the list
    classes      only resources of these classes, e.g. ("partner", "network"); the focus always stays
    as_of        the year the page opens at (the year slider starts there; None: all years)
    lang         language of labels and page words, "de" or "en" (the page can switch)
    size_by      node size by this networkx centrality: degree, betweenness, eigenvector, pagerank
    physics      "auto" (live physics up to layout_threshold nodes), "on", "off" (positions from Python)
    layout_threshold  above this many nodes, positions are computed in Python and physics stays off
    cluster      group nodes by "class" or "country" when the page opens (None: no grouping)
    edge_labels  draw relation names on edges (None: only up to layout_threshold nodes)
    show_undated with a year chosen, also show relations without dates
    since, until years of the timeline (until: this year)
    unfold       draw every resource when the page opens; by default the whole view (and an ego network of
                 40 resources or more) folds events, people, posts … into the partner, network or UN body
                 they hang on, unfolded by a click (citykg.views.fold)
    isolated     the whole view also draws resources without any relation (default: left out)
    embed        compact page for an iframe (resource pages embed an ego network)
    link_template  served pages: link from the details panel to a resource page; "{iri}" is replaced by
                 the URL-encoded IRI, "{path}" by the IRI relative to the base (None: no links, for files)
    base         the dataset base, for "{path}" and relative IRIs
    title        heading of the page (default: the dataset's title)
    """

    focus: str | None = None
    depth: int | None = None
    kinds: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    as_of: int | None = None
    lang: str = "de"
    size_by: str = "degree"
    physics: str = "auto"
    layout_threshold: int = 500
    cluster: str | None = None
    edge_labels: bool | None = None
    show_undated: bool = False
    unfold: bool = False
    isolated: bool = False
    since: int = 1960
    until: int | None = None
    embed: bool = False
    link_template: str | None = None
    base: str | None = None
    title: str | None = None

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise UsageError(f"language {self.lang!r} is not offered", hint=f"use one of {', '.join(LANGUAGES)}")
        if self.depth is not None and self.depth < 0:
            raise UsageError("depth must be 0 or more")
        if self.size_by not in SIZE_MEASURES:
            raise UsageError(f"unknown size measure {self.size_by!r}", hint=f"use one of {', '.join(SIZE_MEASURES)}")
        if self.cluster is not None and self.cluster not in CLUSTERS:
            raise UsageError(f"unknown clustering {self.cluster!r}", hint=f"use one of {', '.join(CLUSTERS)}")
        if self.physics not in PHYSICS:
            raise UsageError(f"unknown physics mode {self.physics!r}", hint=f"use one of {', '.join(PHYSICS)}")
        if self.layout_threshold < 1:
            raise UsageError("layout threshold must be at least 1")

    def with_(self, **changes: object) -> ViewOptions:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_params(cls, params: Mapping[str, str], base: str, **defaults: object) -> ViewOptions:
        """Options from text parameters, as a query string gives them (``focus=city/leeds&depth=1&as-of=1970``).

        Names may use ``-`` or ``_``; lists (kinds, classes) are comma-separated; unknown names are errors.
        """
        known = {f.name for f in fields(cls)} - {"base", "link_template", "title"}
        values: dict[str, object] = {"base": base, **defaults}
        for raw_name, raw in params.items():
            name = raw_name.replace("-", "_")
            if name not in known:
                raise UsageError(f"unknown view parameter {raw_name!r}", hint=f"use {', '.join(sorted(known))}")
            value = raw.strip()
            if name == "focus":
                values[name] = str(
                    Parameter("focus", "resource", "an IRI or a path like city/leeds").convert(value, base)
                )
            elif name in ("depth", "as_of", "layout_threshold", "since", "until"):
                values[name] = _integer(raw_name, value) if value else None
            elif name in ("kinds", "classes"):
                values[name] = tuple(v for v in re.split(r"[,\s]+", value) if v)
            elif name in ("edge_labels", "show_undated", "embed", "unfold", "isolated"):
                values[name] = _boolean(raw_name, value)
            elif name == "cluster":
                values[name] = value or None
            else:
                values[name] = value
        if values.get("layout_threshold") is None:
            values.pop("layout_threshold", None)
        if values.get("since") is None:
            values.pop("since", None)
        return cls(**values)  # type: ignore[arg-type]


def _integer(name: str, value: str) -> int:
    if not re.fullmatch(r"-?\d{1,6}", value):
        raise UsageError(f"{name}={value!r} is not a whole number")
    return int(value)


def _boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on", ""):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{name}={value!r} is not true or false")
