"""What a SPARQL text asks of the world outside the store: SERVICE, FROM / FROM NAMED, LOAD.

Oxigraph's engine would contact a SERVICE host over HTTP and LOAD a URL; citykg never lets it. This
module finds those clauses with a small tokenizer (comments, strings and IRIs are skipped, so ``"SERVICE"``
in a literal or ``ex:service`` is no clause) in microseconds, without a full parser on the hot path.
Prefixed names are resolved from the text's PREFIX declarations and the predeclared prefixes, relative
IRIs against BASE. The engine checks the result (:func:`check`): SERVICE and LOAD refused unless
allow-listed, FROM / FROM NAMED only graphs that are held.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

_IRI = re.compile(r'<([^<>"{}|^`\\\x00-\x20]*)>')
_PNAME = re.compile(r"(?:[A-Za-z_][\w.-]*)?:(?:[\w%:-]|\.(?=[\w%:-]))*|[A-Za-z_][\w-]*")
_VAR = re.compile(r"[?$]\w+")
_NUMBER = re.compile(r"\d[\w.]*")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


class Refused(Exception):
    """The text asks for something this store never does (contact a host, read a file)."""


class UnknownGraph(Exception):
    """FROM / FROM NAMED (or a dataset parameter) names a graph that is not held."""

    def __init__(self, iri: str, clause: str) -> None:
        self.iri = iri
        self.clause = clause
        super().__init__(
            f"{clause} <{iri}> is not a graph of this dataset; graphs are never fetched from the network or "
            "read from files (list them with SELECT DISTINCT ?g { GRAPH ?g {} })"
        )


@dataclass(frozen=True)
class Token:
    kind: str  # iri, pname, word, var, string, number, punct
    text: str
    start: int = 0


@dataclass(frozen=True)
class Reach:
    """The outside-world clauses of one text; IRIs resolved (a variable SERVICE is ``?name``)."""

    form: str = ""  # SELECT, ASK, CONSTRUCT, DESCRIBE, or "" for an update
    services: tuple[str, ...] = ()
    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    loads: tuple[str, ...] = ()


def tokens(text: str) -> Iterator[Token]:
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            end = _string_end(text, i)
            yield Token("string", text[i:end], i)
            i = end
        elif ch == "<" and (m := _IRI.match(text, i)):
            yield Token("iri", m.group(1), i)
            i = m.end()
        elif ch in "?$" and (m := _VAR.match(text, i)):
            yield Token("var", m.group(), i)
            i = m.end()
        elif ch.isdigit() and (m := _NUMBER.match(text, i)):
            yield Token("number", m.group(), i)
            i = m.end()
        elif (ch.isalpha() or ch in "_:") and (m := _PNAME.match(text, i)) and m.end() > i:
            word = m.group()
            yield Token("pname" if ":" in word else "word", word, i)
            i = m.end()
        else:
            yield Token("punct", ch, i)
            i += 1


def unescape(text: str) -> str:
    """SPARQL applies ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes before parsing, anywhere in the text: so does the scan,
    or ``SERV\\u0049CE`` would slip through."""
    if "\\u" not in text and "\\U" not in text:
        return text
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _string_end(text: str, i: int) -> int:
    quote = text[i]
    long = text.startswith(quote * 3, i)
    delimiter = quote * 3 if long else quote
    j = i + len(delimiter)
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text.startswith(delimiter, j):
            return j + len(delimiter)
        elif not long and text[j] in "\r\n":
            return j  # an unterminated short string: the engine reports it
        else:
            j += 1
    return len(text)


def scan(text: str, prefixes: Mapping[str, str] | None = None) -> Reach:
    """The form and the SERVICE / FROM / FROM NAMED / LOAD IRIs of ``text``."""
    text = unescape(text)
    known = dict(prefixes or {})
    base = ""
    form = ""
    decided = False  # the first query or update keyword decides the form
    services: list[str] = []
    default: list[str] = []
    named: list[str] = []
    loads: list[str] = []
    items = list(tokens(text))

    def term(j: int) -> str | None:
        if j >= len(items):
            return None
        token = items[j]
        if token.kind == "iri":
            return urljoin(base, token.text) if base else token.text
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            return known[prefix] + local if prefix in known else token.text
        if token.kind == "var":
            return "?" + token.text[1:]
        return None

    def after_silent(j: int) -> int:
        return j + 1 if j < len(items) and items[j].text.upper() == "SILENT" else j

    for j, token in enumerate(items):
        if token.kind != "word":
            continue
        word = token.text.upper()
        if word == "PREFIX" and j + 2 < len(items) and items[j + 1].kind == "pname" and items[j + 2].kind == "iri":
            known[items[j + 1].text.rstrip(":").partition(":")[0]] = term(j + 2) or ""
        elif word == "BASE" and j + 1 < len(items) and items[j + 1].kind == "iri":
            base = term(j + 1) or base
        if not decided and (word in FORMS or word in UPDATES):
            decided = True
            form = word if word in FORMS else ""
        if word == "SERVICE":
            services.append(term(after_silent(j + 1)) or "?")
        elif word == "LOAD":
            loads.append(term(after_silent(j + 1)) or "?")
        elif word == "FROM":
            if j + 1 < len(items) and items[j + 1].text.upper() == "NAMED":
                named.append(term(j + 2) or "")
            else:
                default.append(term(j + 1) or "")
    return Reach(form, tuple(services), tuple(default), tuple(named), tuple(loads))


def check(reach: Reach, holds: Callable[[str], bool], allow_service: Collection[str] = ()) -> None:
    """Raise :class:`Refused` for SERVICE / LOAD not allow-listed, :class:`UnknownGraph` for FROM not held."""
    for iri in reach.services:
        if iri not in allow_service:
            what = iri if iri.startswith("?") else f"<{iri}>"
            raise Refused(f"SERVICE {what} is not allowed: citykg never contacts other hosts from a query")
    for iri in reach.loads:
        if iri not in allow_service:
            raise Refused(f"LOAD <{iri}> is not allowed: citykg never fetches URLs or reads files from a query")
    for iris, clause in ((reach.default, "FROM"), (reach.named, "FROM NAMED")):
        for iri in iris:
            if not holds(iri):
                raise UnknownGraph(iri, clause)


def with_using(text: str, using: tuple[str, ...], using_named: tuple[str, ...]) -> str:
    """An update with the protocol's using-graph-uri / using-named-graph-uri written as USING / USING NAMED
    before the WHERE of each DELETE/INSERT operation (SPARQL 1.1 Protocol §2.2.3); IRIs must be IRIREFs.
    Raises ValueError when an operation has its own USING or WITH (the protocol forbids combining them)."""
    for iri in (*using, *using_named):
        if not _IRI.fullmatch(f"<{iri}>"):
            raise ValueError(f"<{iri}> is not an IRI")
    clause = " ".join([*(f"USING <{i}>" for i in using), *(f"USING NAMED <{i}>" for i in using_named)])
    source = unescape(text)
    depth = 0
    at: list[int] = []
    previous = ""
    for token in tokens(source):
        if token.kind == "punct" and token.text == "{":
            depth += 1
        elif token.kind == "punct" and token.text == "}":
            depth -= 1
        elif token.kind == "word" and depth == 0:
            word = token.text.upper()
            if word in ("USING", "WITH"):
                raise ValueError("the update has its own USING, USING NAMED or WITH")
            if word == "WHERE" and previous != "DELETE":
                at.append(token.start)
            previous = word
    for position in reversed(at):
        source = f"{source[:position]}{clause} {source[position:]}"
    return source
