"""Content negotiation: one table of formats, one Accept parser, one chooser.

Every route that answers in more than one format asks :func:`choose` with its offers in the server's order
of preference; a ``format`` parameter (a short name such as ``csv`` or a media type) overrides ``Accept``.
The chooser follows RFC 9110 §12.5.1: the most specific media range that matches an offer gives its
quality, ``q=0`` excludes, and among equal qualities the server's order decides. A missing or empty
``Accept`` means the first offer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    key: str  # short name, used by ?format= and in file extensions
    media_type: str  # what the response says in Content-Type (without charset)
    kind: str  # "tabular" (SELECT/ASK results), "rdf" (graphs), "quads" (datasets), "html", "json"
    also: tuple[str, ...] = ()  # further media types that ask for this format
    names: tuple[str, ...] = ()  # further short names
    extension: str = ""
    text: bool = True  # gets "; charset=utf-8"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.also)


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        Format(
            "json", "application/sparql-results+json", "tabular", ("application/json",), ("srj",), "srj", text=False
        ),
        Format("xml", "application/sparql-results+xml", "tabular", ("application/xml", "text/xml"), ("srx",), "srx"),
        Format("csv", "text/csv", "tabular", (), (), "csv"),
        Format("tsv", "text/tab-separated-values", "tabular", (), (), "tsv"),
        Format("ttl", "text/turtle", "rdf", ("application/x-turtle", "text/n3"), ("turtle", "n3"), "ttl"),
        # text/plain: the N-Triples media type of RDF 2004, still sent by rdflib (format="nt") and others
        Format("nt", "application/n-triples", "rdf", ("text/plain",), ("ntriples", "n-triples"), "nt"),
        Format("jsonld", "application/ld+json", "rdf", ("application/json",), ("json-ld",), "jsonld", text=False),
        Format(
            "rdfxml", "application/rdf+xml", "rdf", ("application/xml", "text/xml"), ("rdf", "rdf+xml", "xml"), "rdf"
        ),
        Format("trig", "application/trig", "quads", (), (), "trig"),
        Format("nq", "application/n-quads", "quads", (), ("nquads", "n-quads"), "nq"),
        Format("html", "text/html", "html", ("application/xhtml+xml",), ("htm",), "html"),
        Format("atom", "application/atom+xml", "feed", (), (), "atom"),
    )
}

#: Offers, in the server's order of preference (the first is the default).
TABULAR = ("json", "xml", "csv", "tsv")
GRAPH = ("ttl", "nt", "jsonld", "rdfxml")
DATASET = ("trig", "nq")
#: A CONSTRUCT or DESCRIBE result: a graph, also offered as a dataset of one (default) graph.
CONSTRUCTED = (*GRAPH, *DATASET)


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + len(self.params)

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return (self.type in ("*", kind)) and (self.subtype in ("*", sub))


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed parts are skipped, never an error."""
    return list(_ranges(header[:4096] if header else header))


@functools.lru_cache(maxsize=512)
def _ranges(header: str | None) -> tuple[MediaRange, ...]:
    """:func:`parse_accept`, kept per header text: clients send the same few headers on every request (at most
    512 headers of at most 4 KiB are kept)."""
    return tuple(_parse_accept(header))


def _parse_accept(header: str | None) -> list[MediaRange]:
    ranges: list[MediaRange] = []
    for part in (header or "")[:4096].split(","):
        pieces = [p.strip() for p in part.split(";")]
        kind, sep, sub = pieces[0].lower().partition("/")
        if not sep or not kind or not sub or " " in kind or " " in sub:
            if pieces[0] == "*":  # some clients send a bare "*"
                kind, sub = "*", "*"
            else:
                continue
        if kind == "*" and sub != "*":
            continue
        q = 1.0
        params = []
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                if q != q:  # NaN
                    q = 0.0
                break  # parameters after q are accept-extensions
            if name:
                params.append((name, value))
        ranges.append(MediaRange(kind, sub, q, tuple(params)))
    return ranges


def quality(ranges: Sequence[MediaRange], fmt: Format) -> float:
    """The quality the client gives ``fmt``: from the most specific range matching any of its media types."""
    best_q, best_spec = 0.0, -1
    for media_type in fmt.media_types:
        alias = media_type != fmt.media_type
        for r in ranges:
            # the most specific matching range decides; among equally specific ones the higher q.
            # Aliases (application/xml for SPARQL XML …) count only when named exactly, not via wildcards.
            if alias and r.specificity < 2:
                continue
            if r.matches(media_type) and (r.specificity > best_spec or (r.specificity == best_spec and r.q > best_q)):
                best_q, best_spec = r.q, r.specificity
    return best_q


def by_name(name: str) -> Format | None:
    """A format named by ``?format=``: a short name, an extension or a media type."""
    wanted = name.strip().lower().split(";")[0].strip()
    if wanted in FORMATS:
        return FORMATS[wanted]
    for fmt in FORMATS.values():
        if wanted in fmt.names or wanted == fmt.media_type:
            return fmt
    for fmt in FORMATS.values():
        if wanted in fmt.also:
            return fmt
    return None


class NotAcceptable(Exception):
    """Nothing offered is acceptable (406), or ``?format=`` names no format at all (400: a bad request)."""

    def __init__(self, offers: Iterable[str], asked: str, status: int = 406) -> None:
        self.offers = tuple(offers)
        self.asked = asked
        self.status = status
        names = ", ".join(f"{FORMATS[k].media_type} (format={k})" for k in self.offers)
        if status == 400:
            super().__init__(f"{asked} is not a format this server knows; available: {names}")
        else:
            super().__init__(f"cannot answer in {asked}; available: {names}")


def unknown_format(format_param: str | None) -> bool:
    """True when ``?format=`` is given but names no known format (a bad request, not a negotiation failure)."""
    if format_param is None or not format_param.strip():
        return False
    return all(by_name(part) is None for part in format_param[:400].split(",") if part.strip())


def choose(accept: str | None, offers: Sequence[str], format_param: str | None = None) -> str:
    """The key of the offer to answer with; raises :class:`NotAcceptable`."""
    if format_param is not None and format_param.strip():
        # a short name, an extension or a media type; some clients send a comma-separated list of media types
        named = [by_name(part) for part in format_param[:400].split(",") if part.strip()]
        for fmt in named:
            if fmt is not None and fmt.key in offers:
                return fmt.key
        for fmt in named:  # e.g. format=json for a CONSTRUCT: the offer sharing a media type (JSON-LD)
            for key in offers:
                if fmt is not None and set(FORMATS[key].media_types) & set(fmt.media_types):
                    return key
        status = 400 if unknown_format(format_param) else 406
        raise NotAcceptable(offers, f"format={format_param[:60]!r}", status)
    best = pick(accept, offers)
    if best is None:
        raise NotAcceptable(offers, f"Accept: {(accept or '')[:120]}")
    return best


def pick(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer ``Accept`` prefers, or None when it accepts none (:func:`choose` without a format parameter
    and without the exception, for callers that try several sets of offers on every request)."""
    return _best(accept[:4096] if accept else accept, tuple(offers))


@functools.lru_cache(maxsize=512)
def _best(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """The offer an Accept header prefers, or None (kept per header and offers, as :func:`_ranges`)."""
    ranges = _ranges(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for key in offers:
        q = quality(ranges, FORMATS[key])
        if q > best_q:
            best, best_q = key, q
    return best


def prefers_html(accept: str | None) -> bool:
    """True when a browser-like Accept puts HTML at least as high as any RDF or results format."""
    return _prefers_html(accept[:4096] if accept else accept)


@functools.lru_cache(maxsize=512)
def _prefers_html(accept: str | None) -> bool:
    ranges = _ranges(accept)
    if not ranges:
        return False
    html = quality(ranges, FORMATS["html"])
    if html <= 0:
        return False
    explicit = [r for r in ranges if r.type != "*" and r.subtype != "*" and r.matches("text/html")]
    if not explicit:
        return False  # */* alone is a program, not a browser
    others = max((quality(ranges, FORMATS[k]) for k in (*TABULAR, *GRAPH)), default=0.0)
    return html >= others


def wants_html(accept: str | None, format_param: str | None) -> bool:
    """HTML for this request: ``format=html``, or (without a format parameter) a browser-like Accept."""
    if format_param is not None and format_param.strip():
        fmt = by_name(format_param)
        return fmt is not None and fmt.key == "html"
    return prefers_html(accept)


def preferred_language(header: str | None, available: Sequence[str], default: str) -> str:
    """The language of an Accept-Language header among ``available`` (primary subtags), else ``default``."""
    best, best_q = default, 0.0
    for position, part in enumerate((header or "")[:1024].split(",")):
        tag, _, rest = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        rest = rest.strip()
        if rest.startswith("q="):
            try:
                q = float(rest[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0]
        if primary in available and q > best_q:
            best, best_q = primary, q - position * 1e-6
        elif tag == "*" and q > best_q:
            best, best_q = default, q - position * 1e-6
    return best
