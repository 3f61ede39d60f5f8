"""Deterministic serialisations: the same graph always gives the same bytes, so data review is a git diff.

rdflib's N-Triples, N-Quads and JSON-LD writers follow hash order, which changes between processes;
here lines are sorted, and JSON-LD is the canonical compact form of the build's dump (``@context``, graphs by
name, nodes in order). Turtle and TriG from rdflib are already sorted by subject and predicate.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Dataset, Graph

from citykg.errors import UsageError
from citykg.formats import RDF_MEDIA_TYPES
from citykg.namespaces import bind_prefixes

FORMATS = RDF_MEDIA_TYPES


def union_graph(dataset: Graph) -> Graph:
    """All triples of all named graphs as one graph (what a dump of the dataset means)."""
    if not isinstance(dataset, Dataset):
        return dataset
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def _sorted_lines(data: str) -> bytes:
    lines = sorted({line for line in data.splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def to_turtle(graph: Graph, base: str | None = None) -> bytes:
    return bind_prefixes(union_graph(graph), base).serialize(format="turtle", encoding="utf-8")


def native_store(graph: Graph):  # -> pyoxigraph.Store | None
    """The pyoxigraph store behind an oxrdflib-backed graph, or None for rdflib's own stores."""
    store = graph.store
    # subclasses too (quadstore.PlainStringStore, the server's and the build's view of a store), by name: no
    # import of oxrdflib for rdflib's own stores
    return store._inner if any(c.__name__ == "OxigraphStore" for c in type(store).__mro__) else None


def _sorted_byte_lines(lines: list[bytes], *, unique: bool) -> bytes:
    """Sort UTF-8 lines as bytes (the same order as sorting the decoded text) without decoding a copy."""
    if unique:
        lines = list(set(lines))
    lines.sort()
    if lines and not lines[0]:
        del lines[0]
    return b"\n".join(lines) + b"\n" if lines else b""


def to_ntriples(graph: Graph, base: str | None = None) -> bytes:
    inner = native_store(graph)
    if inner is not None:  # Oxigraph's own N-Triples lines: no conversion to rdflib and back
        from citykg.canonical import ntriples

        return ntriples(inner)
    return _sorted_lines(union_graph(graph).serialize(format="nt", encoding="utf-8").decode("utf-8"))


def to_nquads(graph: Graph, base: str | None = None) -> bytes:
    inner = native_store(graph)
    if inner is not None:
        import pyoxigraph as ox

        # a store holds each quad once: no de-duplication, and the dump is split in place, never decoded
        return _sorted_byte_lines(inner.dump(format=ox.RdfFormat.N_QUADS).split(b"\n"), unique=False)
    if not isinstance(graph, Dataset):
        return to_ntriples(graph)
    # rdflib writes the default graph's quads with a graph term; keep only named-graph quads and triples
    text = graph.serialize(format="nquads", encoding="utf-8").decode("utf-8")
    return _sorted_lines(text)


def to_trig(graph: Graph, base: str | None = None) -> bytes:
    """TriG with the named graphs in IRI order, each written by the (sorted) Turtle writer."""
    if not isinstance(graph, Dataset):
        return to_turtle(graph, base)
    prefixes: set[str] = set()
    blocks = []
    for context in sorted(graph.graphs(), key=lambda g: str(g.identifier)):
        if len(context) == 0:
            continue
        part = Graph()
        for triple in context:
            part.add(triple)
        body = bind_prefixes(part, base).serialize(format="turtle")
        lines = body.splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        indented = "\n".join(f"    {line}" for line in lines if line and not line.startswith("@prefix"))
        blocks.append(f"<{context.identifier}> {{\n{indented}\n}}")
    blocks.insert(0, "\n".join(sorted(prefixes)))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def to_jsonld(graph: Graph, base: str | None = None) -> bytes:
    """Compact JSON-LD in the form of the build's dump (:func:`citykg.canonical.jsonld`): the project's prefixes
    as ``@context``, one ``@graph`` per named graph of a dataset, a plain graph's nodes at the top. For
    documents, CONSTRUCT answers and ``citykg export``, so that every JSON-LD this project writes reads alike."""
    import pyoxigraph as ox

    from citykg import canonical

    store = native_store(graph)
    if store is None:
        store = ox.Store()
        store.bulk_load(to_nquads(graph), format=ox.RdfFormat.N_QUADS)
    return canonical.jsonld(store)


def to_rdfxml(graph: Graph, base: str | None = None) -> bytes:
    return bind_prefixes(union_graph(graph), base).serialize(format="pretty-xml", encoding="utf-8")


WRITERS: dict[str, Callable[[Graph, str | None], bytes]] = {
    "ttl": to_turtle,
    "nt": to_ntriples,
    "jsonld": to_jsonld,
    "trig": to_trig,
    "nq": to_nquads,
    "rdfxml": to_rdfxml,
}


def serialize(graph: Graph, fmt: str, base: str | None = None) -> bytes:
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise UsageError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(WRITERS)}") from None
    return writer(graph, base)
