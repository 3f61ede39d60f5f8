"""Parameter binding for remote endpoints: VALUES blocks with typed terms, never pasted text.

Locally a named query's parameters are bound with rdflib's ``initBindings``: the variable has its value in
the whole query. A remote endpoint only takes query text, so the same typed terms (from
:func:`citykg.queries.bind`) are written as one-row ``VALUES (?a ?b) { (t1 t2) }`` blocks, each term
serialised by rdflib's ``term.n3()``:

* the top-level WHERE group gets a block with every parameter (unless it is only a sub-select wrapper);
* SPARQL evaluates groups bottom-up, so a variable bound only there would be unbound inside a nested
  OPTIONAL, a UNION branch, an EXISTS or a sub-select: every nested pattern group that mentions one of the
  parameters gets a block of its own for the parameters it mentions. Sub-select wrappers, VALUES data and
  CONSTRUCT templates never do (blocks there would be syntax errors or mean something else).

With the same value everywhere, this is exactly what ``initBindings`` means. The same function places
multi-row blocks (``VALUES ?item { wd:Q1 wd:Q2 }``) for batched look-ups, and :func:`fill_placeholders`
replaces placeholder IRIs (``<urn:citykg:bind:NAME>``) in update templates, where SPARQL admits no
variables (``MOVE <a> TO <b>``), with checked IRIs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from citykg.errors import QueryError, UsageError

if TYPE_CHECKING:  # rdflib is imported where it is used: binding Oxigraph parameters needs none of it
    from rdflib import URIRef
    from rdflib.term import Node

#: Placeholder IRIs in update templates: ``<urn:citykg:bind:graph>`` is replaced by a checked IRI.
PLACEHOLDER = re.compile(r"<urn:citykg:bind:([A-Za-z_]\w*)>")
#: What an IRI written in SPARQL may not contain (the IRIREF production).
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')

_IRI_TOKEN = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][\w.-]*(?::[\w.%-]*)?")
_VAR = re.compile(r"[?$]\w+")


@dataclass(frozen=True)
class Token:
    kind: str  # "{", "}", "var", "word"
    start: int
    end: int
    text: str


def tokens(text: str) -> Iterable[Token]:
    """The braces, variables and words of SPARQL text, skipping comments, strings and IRIs."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            i = _skip_string(text, i)
        elif ch == "<" and (match := _IRI_TOKEN.match(text, i)):
            i = match.end()
        elif ch in "{}":
            yield Token(ch, i, i + 1, ch)
            i += 1
        elif ch in "?$" and (match := _VAR.match(text, i)):
            yield Token("var", i, match.end(), match.group(0)[1:])
            i = match.end()
        elif match := _WORD.match(text, i):
            yield Token("word", i, match.end(), match.group(0))
            i = match.end()
        else:
            i += 1


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    long = text.startswith(quote * 3, i)
    delimiter = quote * 3 if long else quote
    j = i + len(delimiter)
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text.startswith(delimiter, j):
            return j + len(delimiter)
        if not long and text[j] == "\n":
            break
        j += 1
    raise QueryError("unterminated string in SPARQL text", hint="check the quotes of the query")


@dataclass
class Group:
    """A ``{ … }`` of the query: where it opens, what it is, and the variables written directly in it."""

    open_at: int  # offset just after the '{'
    kind: str  # "where" (top-level WHERE), "pattern", "optional", "exists", "subselect", "data" (VALUES), "template"
    variables: set[str]


def groups(text: str) -> list[Group]:
    """Every group of the query in text order, classified; raises on unbalanced braces."""
    toks = list(tokens(text))
    form = next(
        (t for t in toks if t.kind == "word" and t.text.upper() in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")),
        None,
    )
    if form is None:
        raise QueryError("no SELECT, CONSTRUCT, ASK or DESCRIBE in the query", hint="check the SPARQL text")
    found: list[Group] = []
    stack: list[Group] = []
    previous: list[Token] = []
    for tok in toks:
        if tok.kind == "{":
            kind = "pattern"
            if not stack:
                construct_template = (
                    form.text.upper() == "CONSTRUCT" and previous and previous[-1] is form and tok.start > form.start
                )
                kind = "template" if construct_template else ("where" if tok.start > form.start else "data")
            elif stack[-1].kind in ("data", "template"):
                kind = stack[-1].kind
            elif _after_values(previous):
                kind = "data"
            elif previous and previous[-1].kind == "word" and previous[-1].text.upper() in ("OPTIONAL", "EXISTS"):
                # an OPTIONAL's FILTER is the left join's condition and sees the outer bindings; EXISTS is
                # evaluated with them substituted: neither needs (nor is sped up by) a block of its own
                kind = previous[-1].text.lower()
            group = Group(tok.end, kind, set())
            found.append(group)
            stack.append(group)
        elif tok.kind == "}":
            if not stack:
                raise QueryError("unbalanced braces in the query", hint="check the SPARQL text")
            stack.pop()
        elif stack:
            if tok.kind == "var":  # a group mentions what any group inside it mentions
                for open_group in stack:
                    open_group.variables.add(tok.text)
            elif tok.kind == "word" and tok.text.upper() == "SELECT" and previous and previous[-1].kind == "{":
                stack[-1].kind = "subselect" if stack[-1].kind != "where" else "where-subselect"
        previous.append(tok)
    if stack:
        raise QueryError("unbalanced braces in the query", hint="check the SPARQL text")
    if not any(g.kind.startswith("where") for g in found):
        raise QueryError("the query has no WHERE group to bind values in", hint="add WHERE { … }")
    return found


def _after_values(previous: list[Token]) -> bool:
    """True when the '{' about to open follows ``VALUES ?x`` or ``VALUES (?x ?y)``: a data block."""
    k = len(previous) - 1
    while k >= 0 and previous[k].kind == "var":
        k -= 1
    return k >= 0 and previous[k].kind == "word" and previous[k].text.upper() == "VALUES"


def term_text(term: Node) -> str:
    """A term as SPARQL text (rdflib's N-Triples form); blank nodes cannot be bound."""
    from citykg.queries import Value

    if isinstance(term, Value):
        if term.iri:
            _check_iri_text(term.lexical, "IRI")
        return term.n3()
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, BNode):
        raise UsageError("a blank node cannot be sent to a remote endpoint as a parameter")
    if isinstance(term, URIRef):
        check_iri(str(term))
    if not isinstance(term, URIRef | Literal):
        raise UsageError(f"cannot bind {term!r}: not an IRI or a literal")
    return term.n3()


def check_iri(iri: str, what: str = "IRI") -> URIRef:
    _check_iri_text(iri, what)
    from rdflib import URIRef

    return URIRef(iri)


def _check_iri_text(iri: str, what: str) -> None:
    if not iri or IRI_FORBIDDEN.search(iri) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise UsageError(
            f"{what} {iri!r} is not an absolute IRI",
            hint="give a full IRI such as https://example.org/graph, without spaces, quotes or <>{}|^`\\",
        )


def values_block(rows: Sequence[Mapping[str, Node]], variables: Sequence[str]) -> str:
    """``VALUES (?a ?b) { (t1 t2) … }`` (distinct rows); a variable missing from a row is UNDEF."""
    if not variables:
        return ""
    head = "(" + " ".join(f"?{name}" for name in variables) + ")"
    lines: dict[str, None] = {}  # in order, each once (a set beside a list: thousands of rows stay linear)
    for row in rows:
        line = "(" + " ".join(term_text(row[name]) if name in row else "UNDEF" for name in variables) + ")"
        lines[line] = None
    return f"VALUES {head} {{ {' '.join(lines)} }}"


@functools.lru_cache(maxsize=256)
def slots(text: str, names: tuple[str, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where :func:`with_values` puts a block, and for which of ``names``: a function of the text alone, so it
    is kept (a named query served many times is tokenised once, not on every request)."""
    found: list[tuple[int, tuple[str, ...]]] = []
    for group in groups(text):
        if group.kind == "where":
            wanted = names
        elif group.kind == "pattern":
            wanted = tuple(name for name in names if name in group.variables)
        else:
            continue
        if wanted:
            found.append((group.open_at, wanted))
    return tuple(found)


def with_values(text: str, rows: Sequence[Mapping[str, Node]], variables: Sequence[str] | None = None) -> str:
    """``text`` with ``rows`` bound by VALUES blocks (unchanged when there is nothing to bind).

    The top-level WHERE group gets a block for every variable, as the SPARQL protocol has no other way to
    pass bindings. SPARQL evaluates groups bottom-up, so a variable bound only there is unbound inside a
    nested OPTIONAL, a UNION branch or a sub-select: each nested pattern group that mentions one of the
    variables therefore gets its own block for the variables it mentions. The values are the same
    everywhere, so this is exactly rdflib's ``initBindings`` (a variable bound in the whole query).
    """
    names = list(variables) if variables is not None else sorted({name for row in rows for name in row})
    if not rows or not names:
        return text
    inserts = [(at, values_block(rows, wanted)) for at, wanted in slots(text, tuple(names))]
    for at, block in sorted(inserts, reverse=True):
        text = f"{text[:at]} {block}{text[at:]}"
    return text


def bind_remote(text: str, bindings: Mapping[str, Node]) -> str:
    """A named query's text with its parameter bindings (from ``citykg.queries.bind``) as a VALUES row."""
    given = {name: term for name, term in bindings.items() if term is not None}
    return with_values(text, [given], sorted(given)) if given else text


def fill_placeholders(template: str, values: Mapping[str, Node | str]) -> str:
    """Replace ``<urn:citykg:bind:NAME>`` in an update template by the checked term for NAME."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise UsageError(f"template placeholder {name!r} has no value")
        value = values[name]
        term = check_iri(value) if isinstance(value, str) else value
        return term_text(term)

    return PLACEHOLDER.sub(replace, template)
