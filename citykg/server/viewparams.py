"""The query parameters of ``/view``, ``/map`` and ``/timeline``: those of the commands (``citykg view --help``,
underscored or hyphenated, lists comma-separated or repeated) and ``format``; anything the command would refuse
is a ``UsageError`` with the message the command would give."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from citykg.errors import UsageError
from citykg.views.options import ViewOptions

#: The query parameters of each route: the options of its command (underscored), and ``format``.
SELECTION = ("focus", "depth", "kinds", "classes")
PARAMETERS: dict[str, tuple[str, ...]] = {
    "view": (
        *SELECTION,
        "as_of",
        "lang",
        "size_by",
        "cluster",
        "physics",
        "layout_threshold",
        "edge_labels",
        "show_undated",
        "unfold",
        "isolated",
        "embed",
    ),
    "map": ("focus", "kinds", "as_of", "lang", "format"),
    "timeline": (*SELECTION, "since", "until", "lang", "format"),
}
FORMATS: dict[str, tuple[str, ...]] = {"view": ("html",), "map": ("html", "svg"), "timeline": ("html", "svg")}
LISTS = ("kinds", "classes")


def parse(route: str, request: Request) -> tuple[ViewOptions, str]:
    """The options and format a request asks for (``UsageError`` for anything the command would refuse)."""
    state = request.app.state.citykg
    allowed = PARAMETERS[route]
    params: dict[str, str] = {}  # as the request spells the names (as-of or as_of), for the messages
    spelt: dict[str, str] = {}
    for raw_name, value in request.query_params.multi_items():
        name = raw_name.strip().replace("-", "_")
        if name not in allowed:
            raise UsageError(
                f"unknown parameter {raw_name[:60]!r} for /{route}",
                hint="use " + ", ".join(n.replace("_", "-") for n in allowed),
            )
        if name in spelt and name in LISTS:
            params[spelt[name]] += "," + value
        elif name in spelt:
            raise UsageError(f"the parameter {raw_name!r} is given more than once")
        else:
            spelt[name] = raw_name.strip()
            params[spelt[name]] = value
    fmt = (params.pop(spelt["format"]) if "format" in spelt else "html").strip().lower() or "html"
    if fmt not in FORMATS[route]:
        raise UsageError(f"/{route} does not offer format={fmt[:20]!r}", hint="use " + " or ".join(FORMATS[route]))
    options = ViewOptions.from_params(params, state.holdings.base)
    if route == "timeline" and options.until is not None and options.until < options.since:
        raise UsageError(f"until={options.until} is before since={options.since}")
    link = state.settings.prefix + "/resource?iri={iri}&" + urlencode({"lang": options.lang})
    return options.with_(link_template=link), fmt
