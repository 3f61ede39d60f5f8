"""The build's working store: every source parsed into pyoxigraph, the rules applied there, dumps from there.

rdflib needs minutes and gigabytes for a million triples; pyoxigraph loads them in seconds. Curated Turtle
keeps rdflib's error messages (file and line): a file pyoxigraph cannot parse is parsed again by rdflib,
which reports the error the way every other citykg command does. The result is an rdflib ``Dataset`` over
the same pyoxigraph store (oxrdflib), so validation, the exporters and the callers see one dataset, and the
sorted N-Triples/N-Quads come straight from Oxigraph's own writer.

Oxigraph keeps numeric literals in canonical form ("7.4650"^^xsd:decimal is stored as "7.465"): the exports
are the same bytes whichever store later reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import XSD, Dataset, Literal

from citykg.config import Project
from citykg.errors import SourceSyntaxError
from citykg.inputs import readable
from citykg.sources import SourceFile, derived_graph, parse_file

#: Source types Oxigraph parses itself (others go through rdflib and are handed over as N-Triples).
NATIVE = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}


def load(project: Project, files: Iterable[SourceFile]) -> ox.Store:
    """An in-memory Oxigraph store with each source file in its named graph."""
    store = ox.Store()
    for source in files:
        load_file(store, source, project.base)
    return store


def load_file(store: ox.Store, source: SourceFile, base: str) -> None:
    fmt = NATIVE.get(source.path.suffix.lower())
    graph = ox.NamedNode(str(source.graph))
    readable(source.path)  # a folder, a FIFO or an unreadable file is named, never read (or waited on)
    if fmt is None:
        data = parse_file(source.path, base).serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph)
        return
    try:
        store.bulk_load(
            path=str(source.path),
            format=fmt,
            base_iri=base,
            to_graph=None if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) else graph,
        )
    except SyntaxError as exc:
        if fmt is ox.RdfFormat.TURTLE:
            parse_file(source.path, base)  # rdflib's message, with the line, as everywhere else
        message = str(exc.msg if hasattr(exc, "msg") else exc).split(": ", 1)[-1]
        raise SourceSyntaxError(source.path, exc.lineno, message) from None
    except OSError as exc:
        from citykg.errors import UsageError

        raise UsageError(f"{source.path}: {exc.strerror or exc}") from None


def apply_rules(store: ox.Store, project: Project) -> None:
    """Run the CONSTRUCT rules of queries/rules/ (in name order, each seeing what the earlier ones derived)
    into the derived graph."""
    derived = ox.NamedNode(str(derived_graph(project)))
    store.remove_graph(derived) if derived in set(store.named_graphs()) else None
    for rule in sorted(Path(project.rules_dir).glob("*.rq")):
        query = rule.read_text(encoding="utf-8")
        # the answer as N-Triples, bulk-loaded (in Rust): a Python Quad per triple and Store.extend took 60% of
        # the rules' time at a million triples
        data = store.query(query, use_default_graph_as_union=True).serialize(format=ox.RdfFormat.N_TRIPLES)
        if b"_:" not in data:
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=derived)
        else:  # a blank node of the data must stay itself (a load would name it afresh): term by term
            triples = list(store.query(query, use_default_graph_as_union=True))
            store.extend(ox.Quad(t.subject, t.predicate, t.object, derived) for t in triples)


class PlainStringStore(OxigraphStore):
    """oxrdflib's store, with ``"x"^^xsd:string`` read as the plain ``"x"`` rdflib's parsers give: RDF 1.1 makes
    them one term, rdflib keeps them apart (serialisers would write ``^^xsd:string`` and comparisons with
    parsed graphs would fail)."""

    def triples(self, triple_pattern, context=None):  # type: ignore[no-untyped-def, override]
        for (s, p, o), contexts in super().triples(triple_pattern, context):
            if type(o) is Literal and o.datatype == XSD.string:
                o = Literal(str(o))
            yield (s, p, o), contexts


def as_dataset(store: ox.Store) -> Dataset:
    """The store as an rdflib Dataset (the union of the named graphs as its default graph), without a copy."""
    return Dataset(store=PlainStringStore(store=store), default_union=True)


def nquads(store: ox.Store) -> bytes:
    """The store as sorted N-Quads (each quad once: a store holds no duplicates), split in place."""
    lines = store.dump(format=ox.RdfFormat.N_QUADS).split(b"\n")
    lines.sort()
    if lines and not lines[0]:
        del lines[0]
    return b"\n".join(lines) + b"\n" if lines else b""


def to_rdflib(data: bytes) -> Dataset:
    """N-Quads as an rdflib memory Dataset (plain literals stay plain, as rdflib's own parsers give them)."""
    dataset = Dataset(default_union=True)
    if data:
        dataset.parse(data=data, format="nquads")
    return dataset
