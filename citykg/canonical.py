"""Canonical Turtle, TriG and JSON-LD written from an Oxigraph store's own N-Triples dumps.

rdflib's Turtle and JSON-LD writers need minutes and gigabytes for a million triples; building a Python
object per quad costs a minute too. Here Oxigraph dumps each graph as N-Triples (in Rust) and Python only
splits, sorts and re-joins text, one graph at a time. The same quads always give the same bytes:
subjects, predicates and objects in the order of their N-Triples text (``rdf:type`` first), the
project's prefixes, IRIs compacted only where the local part is a plain name. The JSON-LD document has
the project's prefixes as its ``@context`` and one ``@graph`` per named graph.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

from citykg.namespaces import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TYPE = f"<{RDF_TYPE}>"
#: A local name that needs no escaping in Turtle and reads as a compact IRI in JSON-LD.
LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
#: (subject, predicate or "" for rdf:type, object): N-Triples text; sorted, this is the canonical order.
Row = tuple[str, str, str]


#: How many compacted IRIs a :class:`Prefixes` remembers (each a few hundred bytes: 2M is a few hundred MB).
MEMO = 2_000_000


class Prefixes:
    """The project's prefixes (longest namespace first) and a memo of compacted IRIs.

    One regular expression tries the namespaces in that order (backtracking to a shorter one when the rest
    is no plain local name), so a new IRI costs one match, a known one a dictionary look-up."""

    def __init__(self) -> None:
        self.table = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda item: -len(item[0]))
        self._prefix: dict[str, str] = {}
        for namespace, prefix in self.table:
            self._prefix.setdefault(namespace, prefix)
        namespaces = "|".join(re.escape(namespace) for namespace, _ in self.table)
        self._pattern = re.compile(f"({namespaces})({LOCAL.pattern})\\Z")
        self._memo: dict[str, str | None] = {}
        self._terms: dict[str, str] = {}
        #: The Turtle form of an IRI term already converted, else None.
        self.known = self._terms.get

    def compact(self, iri: str) -> str | None:
        """``prefix:local`` for an IRI in one of the namespaces, else None."""
        found = self._memo.get(iri, "")
        if found != "":
            return found
        match = self._pattern.match(iri)
        found = f"{self._prefix[match[1]]}:{match[2]}" if match else None
        if len(self._memo) < MEMO:
            self._memo[iri] = found
        return found

    def turtle(self, term: str) -> str:
        """An N-Triples term as Turtle: IRIs and datatypes compacted where they can be."""
        first = term[0]
        if first == "<":
            found = self._terms.get(term)
            if found is None:
                found = self.compact(term[1:-1]) or term
                if len(self._terms) < MEMO:
                    self._terms[term] = found
            return found
        if first == '"' and term[-1] == ">":
            at = term.rindex("^^<")
            short = self.compact(term[at + 3 : -1])
            return term[: at + 2] + short if short else term
        return term

    def declarations(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted((p, str(ns)) for p, ns in PREFIXES.items()))


def graph_names(store: ox.Store) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph (if it holds anything) first, then the named graphs in IRI order."""
    named = sorted(store.named_graphs(), key=lambda g: g.value)
    return ([ox.DefaultGraph()] if has_default(store) else []) + named


def rows(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> list[Row]:
    """One graph's triples as sorted rows, from Oxigraph's N-Triples dump of it."""
    out = []
    # line by line from the bytes (b"\n" ends a line, never U+2028 and the like): no decoded copy of the whole
    for line in io.BytesIO(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)):
        s, p, rest = line.decode("utf-8").rstrip("\n").split(" ", 2)
        out.append((s, "" if p == TYPE else p, rest[:-2]))
    out.sort()
    return out


Graphs = list[tuple[ox.NamedNode | ox.DefaultGraph, list[Row]]]


def all_rows(store: ox.Store) -> Graphs:
    """Every graph with its sorted rows: computed once when a build writes several formats."""
    return [(graph, rows(store, graph)) for graph in graph_names(store)]


def ntriples(store: ox.Store, nquads: bytes | None = None) -> bytes:
    """The union of the graphs as sorted N-Triples, each triple once: Oxigraph's lines, sorted as bytes."""
    if nquads is not None and not has_default(store):
        return b"".join(ntriples_from_nquads(nquads))
    lines: set[bytes] = set()
    for graph in graph_names(store):
        lines.update(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).split(b"\n"))
    lines.discard(b"")
    return b"\n".join(sorted(lines)) + b"\n" if lines else b""


def ntriples_from_nquads(nquads: bytes, chunk: int = 20_000) -> Iterator[bytes]:
    """:func:`ntriples` in pieces of ``chunk`` lines, from the store's sorted N-Quads when it has no default
    graph (the caller checks with :func:`has_default`): each line without its graph.

    Every line then ends in `` <graph> .``, the graph IRI has no space, and dropping it keeps the order (a
    triple is a prefix of its line, and a term never continues with a character below the space), so the
    lines of one triple are neighbours and a linear pass replaces the sort; nothing is held but one piece."""
    out: list[bytes] = []
    last = None
    for line in io.BytesIO(nquads):
        triple = line[: line.rindex(b" <")]
        if triple != last:
            out.append(triple)
            last = triple
            if len(out) == chunk:
                yield b" .\n".join(out) + b" .\n"
                out = []
    if out:
        yield b" .\n".join(out) + b" .\n"


def has_default(store: ox.Store) -> bool:
    """True if the store's default graph holds anything."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def _blocks(triples: Iterable[Row], prefixes: Prefixes, indent: str) -> Iterator[str]:
    """Turtle statements, one subject block each, from rows sorted by subject, predicate, object."""
    subject = predicate = None
    parts: list[str] = []
    turtle, known = prefixes.turtle, prefixes.known  # the memo first: most objects are IRIs seen before
    for s, p, o in triples:
        if s != subject:
            if parts:
                yield "".join(parts) + " .\n"
            parts = [indent, turtle(s), " ", "a" if p == "" else turtle(p), " "]
            subject, predicate = s, p
        elif p != predicate:
            parts += [" ;\n", indent, "    ", "a" if p == "" else turtle(p), " "]
            predicate = p
        else:
            parts.append(", ")
        parts.append(known(o) or turtle(o))
    if parts:
        yield "".join(parts) + " .\n"


def _distinct(rows: list[Row]) -> Iterator[Row]:
    """Sorted rows without repeats (a triple in two graphs is written once)."""
    last = None
    for row in rows:
        if row != last:
            yield row
            last = row


def turtle(store: ox.Store, graphs: Graphs | None = None) -> bytes:
    """The union of the store's graphs as Turtle (each triple once)."""
    union: list[Row] = []
    for _, found in graphs if graphs is not None else all_rows(store):
        union += found
    union.sort()  # a merge of already sorted runs
    return turtle_from(_distinct(union))


def turtle_from(union: Iterable[Row]) -> bytes:
    """Turtle of the union's rows (sorted, each once): :func:`union_rows` streams them from sorted N-Quads."""
    prefixes = Prefixes()
    body = _joined(_blocks(union, prefixes, ""), b"\n")
    return (prefixes.declarations() + "\n").encode("utf-8") + body


def union_rows(nquads: bytes, ntriples: Callable[[bytes], object] | None = None, chunk: int = 20_000) -> Iterator[Row]:
    """The rows of the union of the graphs, in canonical order and each once, from the sorted N-Quads of a store
    without a default graph (as :func:`ntriples_from_nquads`): one subject at a time, never all at once.

    The lines of one subject are neighbours and in (predicate, object) order; only ``rdf:type`` (the empty
    predicate of a row) moves to the front, so each subject's few rows are sorted on their own. ``ntriples``,
    if given, is called with the sorted N-Triples on the way, ``chunk`` lines at a time (the same pass makes
    both exports)."""
    group: list[Row] = []
    lines: list[bytes] = []
    subject = last = None
    for line in io.BytesIO(nquads):
        triple = line[: line.rindex(b" <")]
        if triple == last:
            continue
        last = triple
        if ntriples is not None:
            lines.append(triple)
            if len(lines) == chunk:
                ntriples(b" .\n".join(lines) + b" .\n")
                lines = []
        s, p, o = triple.decode("utf-8").split(" ", 2)
        if s != subject:
            if group:
                group.sort()
                yield from group
            group, subject = [], s
        group.append((s, "" if p == TYPE else p, o))
    if ntriples is not None and lines:
        ntriples(b" .\n".join(lines) + b" .\n")
    group.sort()
    yield from group


def graph_rows(lines: Iterable[bytes]) -> Graphs:
    """:func:`all_rows` from the sorted N-Quads lines of a store without a default graph (what a process that
    has only the build's ``citykg.nq`` reads): the same graphs, the same rows."""
    found: dict[str, list[Row]] = {}
    for line in lines:
        triple, graph, _ = line.decode("utf-8").rsplit(" ", 2)  # (a graph IRI has no space)
        s, p, o = triple.split(" ", 2)
        rows = found.get(graph)
        if rows is None:
            rows = found[graph] = []
        rows.append((s, "" if p == TYPE else p, o))
    out = []
    for graph, rows in sorted(found.items(), key=lambda item: item[0][1:-1]):  # by IRI, as graph_names
        rows.sort()  # only rdf:type moves
        out.append((ox.NamedNode(graph[1:-1]), rows))
    return out


def trig(store: ox.Store, graphs: Graphs | None = None) -> bytes:
    """The store's graphs as TriG, named graphs in IRI order (the default graph first, outside braces)."""
    prefixes = Prefixes()
    out = [trig_head(prefixes)]
    for graph, found in graphs if graphs is not None else all_rows(store):
        out.append(trig_graph(graph, found, prefixes))
    return b"".join(out)


def trig_head(prefixes: Prefixes) -> bytes:
    return prefixes.declarations().encode("utf-8")


def trig_graph(graph: ox.NamedNode | ox.DefaultGraph, found: list[Row], prefixes: Prefixes) -> bytes:
    """One graph's part of the TriG document."""
    if isinstance(graph, ox.NamedNode):
        return b"".join([f"\n<{graph.value}> {{\n".encode(), _joined(_blocks(found, prefixes, "    "), b"\n"), b"}\n"])
    return b"\n" + _joined(_blocks(found, prefixes, ""), b"\n")


def _joined(parts: Iterable[str], separator: bytes) -> bytes:
    """Encode each part and join the bytes: a whole document as one str may take four bytes a character."""
    return separator.join([part.encode("utf-8") for part in parts])


#: What json.dumps escapes in a string (with ensure_ascii=False): text without any is written as it is.
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _js(text: str) -> str:
    """``json.dumps(text, ensure_ascii=False)``, without the call for text that needs no escape."""
    return json.dumps(text, ensure_ascii=False) if _ESCAPED.search(text) else '"' + text + '"'


class _Json:
    """JSON text of N-Triples terms, the IRIs compacted with the prefixes (and remembered)."""

    def __init__(self, prefixes: Prefixes) -> None:
        self.prefixes = prefixes
        self._iris: dict[str, str] = {}
        #: The value objects of IRIs and blank nodes already written.
        self._objects: dict[str, str] = {}

    def iri(self, term: str) -> str:
        """An IRI term ``<…>`` (or a blank node ``_:…``) as a JSON string."""
        found = self._iris.get(term)
        if found is None:
            found = _js(self.prefixes.compact(term[1:-1]) or term[1:-1]) if term[0] == "<" else _js(term)
            if len(self._iris) < MEMO:
                self._iris[term] = found
        return found

    def value(self, term: str) -> str:
        """An object as its JSON-LD value object."""
        if term[0] == '"':
            if term[-1] == '"':
                return '{"@value": ' + self.string(term) + "}"
            if term[-1] == ">":
                at = term.rindex('"^^<')
                return '{"@value": ' + self.string(term[: at + 1]) + ', "@type": ' + self.iri(term[at + 3 :]) + "}"
            at = term.rindex('"@')
            return '{"@value": ' + self.string(term[: at + 1]) + ', "@language": ' + _js(term[at + 2 :]) + "}"
        found = self._objects.get(term)
        if found is None:
            found = '{"@id": ' + self.iri(term) + "}"
            if len(self._objects) < MEMO:
                self._objects[term] = found
        return found

    @staticmethod
    def string(quoted: str) -> str:
        """An N-Triples string (with its quotes) as a JSON string: the same text unless it has escapes."""
        inner = quoted[1:-1]
        return quoted if not _ESCAPED.search(inner) else _js(json.loads(quoted))  # N-Triples escapes are JSON's


def _nodes(triples: list[Row], prefixes: Prefixes) -> Iterator[str]:
    """Each subject's node as one line of JSON (what ``json.dumps`` gives for the node object)."""
    terms = _Json(prefixes)
    iri, value, known = terms.iri, terms.value, terms._iris.get  # the memo first: most terms were seen before
    objects = terms._objects.get
    rdf_type = iri(f"<{RDF_TYPE}>")
    node: dict[str, list[str]] = {}
    subject = None
    for s, p, o in triples:
        if s != subject:
            if subject is not None:
                yield _node(iri(subject), node)
            subject, node = s, {}
        if p == "":
            key, found = ('"@type"', known(o) or iri(o)) if o[0] == "<" else (rdf_type, value(o))
        else:
            key, found = known(p) or iri(p), objects(o) or value(o)
        values = node.get(key)
        if values is None:
            node[key] = [found]
        else:
            values.append(found)
    if subject is not None:
        yield _node(iri(subject), node)


def _node(subject: str, values: dict[str, list[str]]) -> str:
    return "".join(['{"@id": ', subject, *(f", {key}: [{', '.join(found)}]" for key, found in values.items()), "}"])


def jsonld(store: ox.Store, graphs: Graphs | None = None) -> bytes:
    """The store's graphs as one JSON-LD document: the prefixes as ``@context``, one ``@graph`` per named
    graph (IRI order), nodes by subject, every value in an array, one node per line."""
    prefixes = Prefixes()
    out = [JSONLD_HEAD]
    for number, (graph, found) in enumerate(graphs if graphs is not None else all_rows(store)):
        out.append(jsonld_graph(number, graph, found, prefixes))
    out.append(JSONLD_TAIL)
    return b"".join(out)


_CONTEXT = json.dumps({p: str(ns) for p, ns in sorted(PREFIXES.items())}, ensure_ascii=False, sort_keys=True)
JSONLD_HEAD = ('{\n "@context": ' + _CONTEXT + ',\n "@graph": [').encode("utf-8")
JSONLD_TAIL = b"\n ]\n}\n"


def jsonld_graph(number: int, graph: ox.NamedNode | ox.DefaultGraph, found: list[Row], prefixes: Prefixes) -> bytes:
    """The part of the JSON-LD document of the ``number``-th graph (from 0)."""
    out = [b"," if number else b""]
    if isinstance(graph, ox.NamedNode):
        out.append(('\n  {"@id": ' + json.dumps(graph.value) + ', "@graph": [\n').encode("utf-8"))
        out += [_joined(("   " + node for node in _nodes(found, prefixes)), b",\n"), b"\n  ]}"]
    else:
        nodes = _joined(("   " + node for node in _nodes(found, prefixes)), b",\n")
        out += [b"\n", nodes.replace(b"\n   ", b"\n  ")]  # (the first node keeps three spaces, as it did)
    return b"".join(out)
