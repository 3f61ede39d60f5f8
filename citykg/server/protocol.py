"""The SPARQL 1.1 Protocol at ``/sparql``: query and update operations, the dataset parameters, errors.

:func:`parse_operation` turns method, URL parameters, Content-Type and body into an :class:`Operation`
or a :class:`ProtocolError` (status + message) and is pure, so the rules are tested without HTTP:

* GET: ``query`` (exactly one) in the URL; no ``query`` and no ``update`` asks for the service description.
* POST ``application/x-www-form-urlencoded``: ``query`` or ``update`` in the body (UTF-8).
* POST ``application/sparql-query`` / ``application/sparql-update``: the body is the text (UTF-8).
* ``default-graph-uri`` / ``named-graph-uri`` (queries) and ``using-graph-uri`` / ``using-named-graph-uri``
  (updates) may repeat, in the URL or the form body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

#: The name rdflib's ``Dataset(store=SPARQLStore(...))`` sends as ``default-graph-uri`` for "the default graph"
#: (rdflib.graph.DATASET_DEFAULT_GRAPH_ID); it means this server's default graph, as Oxigraph and Virtuoso take it.
RDFLIB_DEFAULT_GRAPH = "urn:x-rdflib:default"
#: The data uses schema.org's http IRIs; rdflib 7 (and some editors) predeclare schema: as https://schema.org/.
SCHEMA_HTTPS = re.compile(r"<https://schema\.org/")
PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
SCHEMA_HINT = (
    "this query uses https://schema.org/ but the data uses http://schema.org/ (as schema.org's own RDF does); "
    "write PREFIX schema: <http://schema.org/>"
)
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
QUERY_PARAMS = ("default-graph-uri", "named-graph-uri")
UPDATE_PARAMS = ("using-graph-uri", "using-named-graph-uri")
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Operation:
    kind: str  # "query", "update" or "description"
    text: str = ""
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    using: tuple[str, ...] | None = None
    using_named: tuple[str, ...] | None = None
    format: str | None = None


def parse_params(data: bytes | str, where: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, strictly UTF-8."""
    try:
        text = data.decode("ascii") if isinstance(data, bytes) else data
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {where} is not valid percent-encoded UTF-8") from None
    except ValueError as exc:
        raise ProtocolError(400, f"the {where} cannot be parsed: {exc}") from None


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *rest = content_type.split(";")
    params = {}
    for item in rest:
        name, _, value = item.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), params


def _check_charset(params: dict[str, str], what: str) -> None:
    charset = params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise ProtocolError(415, f"{what} must be UTF-8 encoded, not {charset[:40]}")


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"{what} is not valid UTF-8 (byte {exc.start})") from None


def parse_operation(method: str, query_string: bytes | str, content_type: str | None, body: bytes = b"") -> Operation:
    url_params = parse_params(query_string, "URL query string")
    if method in ("GET", "HEAD"):
        if body:
            raise ProtocolError(400, "a GET request carries no body; POST the query instead")
        operation = _operation(url_params, direct=None)
        if operation.kind == "update":
            raise ProtocolError(405, "updates must be sent with POST (SPARQL 1.1 Protocol §2.2)", {"Allow": "POST"})
        return operation
    if method != "POST":
        raise ProtocolError(405, "use GET or POST for SPARQL", {"Allow": "GET, HEAD, POST, OPTIONS"})
    kind, params = media_type(content_type)
    if not kind:
        raise ProtocolError(
            400,
            "a POST needs a Content-Type: application/x-www-form-urlencoded, application/sparql-query "
            "or application/sparql-update",
        )
    if kind == FORM:
        _check_charset(params, "the form body")
        operation = _operation(url_params + parse_params(body, "form body"), direct=None)
        if operation.kind == "description":
            raise ProtocolError(400, "the form carries neither a query nor an update parameter")
        return operation
    if kind in (QUERY_TYPE, UPDATE_TYPE):
        what = "the query" if kind == QUERY_TYPE else "the update"
        _check_charset(params, what)
        text = _decode(body, what)
        direct = "query" if kind == QUERY_TYPE else "update"
        if any(name in ("query", "update") for name, _ in url_params):
            raise ProtocolError(400, f"{what} is in the body; the URL may not also carry query= or update=")
        return _operation(url_params, direct=(direct, text))
    raise ProtocolError(
        415,
        f"unsupported Content-Type {kind[:80]!r}: use application/x-www-form-urlencoded, "
        "application/sparql-query or application/sparql-update",
    )


def _values(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


def hints(text: str) -> list[str]:
    """Advice for a query that is valid but probably not what its author meant (0 rows, silently)."""
    if "https://schema.org/" not in text:  # the one trap known so far: no regex work for every other query
        return []
    https = {m.group(1) or "" for m in PREFIX_DECLARATION.finditer(text) if m.group(2) == "https://schema.org/"}
    body = PREFIX_DECLARATION.sub(" ", text)  # rdflib declares every prefix it knows, used or not
    used = SCHEMA_HTTPS.search(body) or any(re.search(rf"(?<![\w.:-]){re.escape(p)}:\w", body) for p in https)
    return [SCHEMA_HINT] if used else []


def _graphs(params: Sequence[tuple[str, str]], name: str) -> tuple[str, ...] | None:
    values = _values(params, name)
    if name == "default-graph-uri":
        values = [value for value in values if value != RDFLIB_DEFAULT_GRAPH]
    if not values:
        return None
    for value in values:
        if not ABSOLUTE_IRI.match(value):
            raise ProtocolError(400, f"{name}={value[:200]!r} is not an absolute IRI")
    return tuple(values)


def _operation(params: list[tuple[str, str]], direct: tuple[str, str] | None) -> Operation:
    queries = _values(params, "query")
    updates = _values(params, "update")
    formats = _values(params, "format")
    fmt = formats[-1] if formats else None
    if direct is not None:
        (queries if direct[0] == "query" else updates).append(direct[1])
    if len(queries) > 1:
        raise ProtocolError(400, "give exactly one query parameter (this request has several)")
    if len(updates) > 1:
        raise ProtocolError(400, "give exactly one update parameter (this request has several)")
    if queries and updates:
        raise ProtocolError(400, "give a query or an update, not both")
    if updates:
        if any(_values(params, p) for p in QUERY_PARAMS):
            raise ProtocolError(
                400, "an update takes using-graph-uri / using-named-graph-uri, not default-/named-graph-uri"
            )
        if not updates[0].strip():
            raise ProtocolError(400, "the update is empty")
        return Operation(
            "update",
            updates[0],
            using=_graphs(params, "using-graph-uri"),
            using_named=_graphs(params, "using-named-graph-uri"),
            format=fmt,
        )
    if queries:
        if any(_values(params, p) for p in UPDATE_PARAMS):
            raise ProtocolError(400, "a query takes default-graph-uri / named-graph-uri, not using-graph-uri")
        if not queries[0].strip():
            raise ProtocolError(400, "the query is empty")
        return Operation(
            "query",
            queries[0],
            default_graphs=_graphs(params, "default-graph-uri"),
            named_graphs=_graphs(params, "named-graph-uri"),
            format=fmt,
        )
    return Operation("description", format=fmt)
