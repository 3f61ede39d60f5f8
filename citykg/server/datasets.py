"""What the server holds: the served Oxigraph store (the build plus EXTRA files and updates), as the pages see it.

The server process keeps no copy of the data: :class:`Holdings` opens the served store read-only (opening is
O(1), so pages answer at once) and reads it through the queries of ``queries/server/*.rq`` with their
parameters bound (:meth:`Holdings.select`), or through an rdflib view of the same store (oxrdflib, no copy)
for code written against rdflib's graph API (profiles, the views' projection). After an update the handle
is reopened, so pages, VoID and the answer cache describe the state the workers answer from.

The SPARQL protocol's ``default-graph-uri`` / ``named-graph-uri`` and a query's ``FROM`` / ``FROM NAMED``
pick graphs from what is held here, never from the network (:class:`UnknownGraph` names any other IRI).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from oxrdflib._converter import from_ox, to_ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS, XSD
from rdflib.term import Node
from rdflib.util import guess_format

from citykg.errors import UsageError
from citykg.export import native_store
from citykg.namespaces import SCHEMA
from citykg.quadstore import as_dataset
from citykg.server.readstore import UnknownGraph, open_read_only

#: Predicates whose literal objects name a resource, in order of preference.
LABELS = (RDFS.label, SKOS.prefLabel, SCHEMA.name, DCTERMS.title, FOAF.name)
QUAD_FORMATS = ("nquads", "trig", "trix")
EXTRA_PREFIX = "urn:citykg:extra:"
#: The server's own reads of the data (labels, search, VoID …), one SELECT per file, parameters bound.
QUERY_DIR = Path(__file__).resolve().parents[2] / "queries" / "server"
#: Labels remembered per generation (the label of every IRI a page shows is looked up once).
LABEL_CACHE = 50_000


@dataclass(frozen=True)
class Extra:
    """An EXTRA argument: a local RDF file served as a named graph (``[IRI=]PATH``)."""

    path: Path
    iri: str | None = None

    @classmethod
    def parse(cls, spec: str) -> Extra:
        if Path(spec).is_file():
            return cls(Path(spec))
        match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*:\S*)=(.+)$", spec)
        if match and not Path(spec).exists():
            iri, path = match.group(1), match.group(2)
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", iri):
                raise UsageError(f"EXTRA {spec!r}: {iri!r} is not an absolute IRI", hint="write IRI=PATH or PATH")
            return cls(Path(path), iri)
        return cls(Path(spec))

    @property
    def graph_iri(self) -> str:
        return self.iri or EXTRA_PREFIX + self.path.name


def load_extras(dataset: Dataset, extras: Sequence[Extra]) -> list[URIRef]:
    """Parse each EXTRA file into its named graph (quad formats keep their own graphs); returns the names."""
    names: list[URIRef] = []
    for extra in extras:
        if not extra.path.is_file():
            raise UsageError(f"EXTRA file {extra.path} does not exist", hint="give [IRI=]PATH of an RDF file")
        fmt = guess_format(str(extra.path)) or "turtle"
        try:
            if fmt in QUAD_FORMATS:
                if extra.iri:
                    raise UsageError(f"EXTRA {extra.path}: a {fmt} file names its own graphs", hint="drop the IRI=")
                before = {c.identifier for c in dataset.graphs()}
                dataset.parse(extra.path, format=fmt)
                names += [c.identifier for c in dataset.graphs() if c.identifier not in before]
                continue
            graph = dataset.graph(URIRef(extra.graph_iri))
            if extra.path.stat().st_size:
                graph.parse(extra.path, format=fmt, publicID=extra.graph_iri)
            names.append(URIRef(extra.graph_iri))
        except UsageError:
            raise
        except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise many unrelated types
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UsageError(f"EXTRA {extra.path}: cannot read it as {fmt}: {reason}") from None
    return names


@lru_cache(maxsize=64)
def server_query(name: str) -> str:
    """The text of ``queries/server/NAME.rq``."""
    path = QUERY_DIR / f"{name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise UsageError(f"server query {path} not found", hint="reinstall citykg") from None


def _ox_store(source: Path | Any) -> Any:
    """An Oxigraph store for ``source``: a folder (opened read-only), a store, or an rdflib dataset (the store
    behind an oxrdflib one, else an in-memory copy: for small datasets only, the API and tests)."""
    if isinstance(source, Path):
        return open_read_only(source)
    if isinstance(source, ox.Store):
        return source
    inner = native_store(source)
    if inner is not None:
        return inner
    store = ox.Store()
    store.extend(
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if _default(g) else to_ox(getattr(g, "identifier", g)))
        for s, p, o, g in source.quads((None, None, None, None))
    )
    return store


def _term(term: Any) -> Node | None:
    """An Oxigraph term as rdflib's; xsd:string literals plain, as rdflib's parsers give them."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value == XSD_STRING:
        return Literal(term.value)
    return from_ox(term)


XSD_STRING = str(XSD.string)


def _default(graph: Any) -> bool:
    identifier = getattr(graph, "identifier", graph)
    return identifier is None or str(identifier) == "urn:x-rdflib:default"


class Holdings:
    """The served data and what the pages need about it (labels, graphs, counts), versioned by ``generation``.

    ``source`` is the served store's folder (the server: opened read-only here, reopened after an update), an
    Oxigraph store, or an rdflib dataset. ``graph_names``, ``triples`` and ``focus`` (reported by the child
    that prepared the store) answer the startup questions; after an update they are read from the store.
    """

    def __init__(
        self,
        source: Path | Any,
        base: str,
        *,
        declared: Iterable[URIRef] = (),
        focus: URIRef | None = None,
        graph_names: Iterable[URIRef] | None = None,
        triples: int | None = None,
    ):
        self._source = source
        self._store: Any = None
        self._dataset: Dataset | None = None
        self._opening = threading.Lock()
        self.base = base
        self.focus = focus
        self.declared = set(declared)
        self.generation = 0
        self._labels: dict[URIRef, dict[str, str]] = {}
        self._names: list[URIRef] | None = sorted(set(graph_names) | self.declared) if graph_names is not None else None
        self._name_set: frozenset[URIRef] = frozenset(self._names or ())
        self._triples = triples

    # -- the store ----------------------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The Oxigraph store (a read-only handle in the server process; nothing is copied into Python)."""
        if self._store is None:
            with self._opening:
                if self._store is None:
                    self._store = _ox_store(self._source)
        return self._store

    @property
    def dataset(self) -> Dataset:
        """The same store as an rdflib Dataset (oxrdflib: the union of the graphs as default graph, no copy)."""
        dataset = self._dataset
        if dataset is None:
            dataset = self._dataset = as_dataset(self.store)
        return dataset

    ready = True  # kept for callers that waited for the old background parse: the store is open at once

    async def wait(self) -> None:
        """Nothing to wait for (the store opens in milliseconds); kept for the handlers that await it."""

    def rows(self, name: str, **bindings: Node) -> Iterator[tuple[Node | None, ...]]:
        """The rows of ``queries/server/NAME.rq`` over the union of the graphs, ``bindings`` substituted (never
        pasted into the text; a query projects what it binds), as rdflib terms in the order of the SELECT's
        variables, the bound ones left out."""
        result = self.store.query(
            server_query(name),
            use_default_graph_as_union=True,
            substitutions={ox.Variable(k): to_ox(v) for k, v in bindings.items()},
        )
        columns = [i for i, v in enumerate(result.variables) if v.value not in bindings]
        for solution in result:
            yield tuple(_term(solution[i]) for i in columns)

    def is_node(self, iri: str) -> bool:
        """Whether ``iri`` is a node of the views' network: the views' own nodes query, ``?node`` bound."""
        from citykg.projection import load_query

        text = load_query("nodes").text
        substitutions = {ox.Variable("node"): ox.NamedNode(iri)}
        return any(True for _ in self.store.query(text, use_default_graph_as_union=True, substitutions=substitutions))

    def select(self, name: str, **bindings: Node) -> list[tuple[Node | None, ...]]:
        return list(self.rows(name, **bindings))

    # -- graphs -------------------------------------------------------------------------------------------
    def named_graphs(self) -> list[URIRef]:
        if self._names is None:
            found = {g for (g,) in self.rows("graphs") if isinstance(g, URIRef)}
            self._names = sorted(found | self.declared)
            self._name_set = frozenset(self._names)
        return self._names

    def holds(self, iri: Node) -> bool:
        self.named_graphs()
        return isinstance(iri, URIRef) and iri in self._name_set

    def graph(self, iri: URIRef) -> Graph:
        """One named graph as an rdflib graph over the store (no copy)."""
        return Graph(store=self.dataset.store, identifier=iri)

    def graph_size(self, iri: URIRef) -> int:
        return sum(1 for _ in self.store.quads_for_pattern(None, None, None, ox.NamedNode(str(iri))))

    def check(self, iri: Node, clause: str) -> None:
        if not self.holds(iri):
            raise UnknownGraph(str(iri), clause)

    # -- labels -------------------------------------------------------------------------------------------
    def labels_of(self, iri: URIRef) -> dict[str, str]:
        """{language tag ('' for none) → label} of one resource, the first label predicate winning per language."""
        found = self._labels.get(iri)
        if found is None:
            rank = {p: i for i, p in enumerate(LABELS)}
            rows = sorted(self.rows("labels", s=iri), key=lambda row: rank.get(row[0], len(rank)))  # type: ignore[arg-type]
            found = {}
            for _, label in rows:
                if isinstance(label, Literal):
                    found.setdefault((label.language or "").lower(), str(label))
            if len(self._labels) >= LABEL_CACHE:
                self._labels.clear()
            self._labels[iri] = found
        return found

    def prefetch_labels(self, terms: Iterable[Node], batch: int = 500) -> None:
        """Read the labels of many IRIs at once (queries/server/labels-of.rq, the IRIs as typed VALUES rows)."""
        from citykg.bindings import with_values

        wanted = sorted({t for t in terms if isinstance(t, URIRef) and t not in self._labels}, key=str)
        rank = {p: i for i, p in enumerate(LABELS)}
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            text = with_values(server_query("labels-of"), [{"s": iri} for iri in chunk], ["s"])
            rows = self.store.query(text, use_default_graph_as_union=True)
            found: dict[URIRef, list[tuple[int, Literal]]] = {iri: [] for iri in chunk}
            for row in rows:
                label = _term(row[2])
                if isinstance(label, Literal):
                    found.setdefault(URIRef(row[0].value), []).append((rank.get(_term(row[1]), len(rank)), label))
            if len(self._labels) + len(found) >= LABEL_CACHE:
                self._labels.clear()
            for iri, labels in found.items():
                names: dict[str, str] = {}
                for _, label in sorted(labels, key=lambda item: item[0]):
                    names.setdefault((label.language or "").lower(), str(label))
                self._labels[iri] = names

    def label(self, term: Node, lang: str = "en") -> str | None:
        names = self.labels_of(term) if isinstance(term, URIRef) else None
        return pick(names, lang) if names else None

    # -- changes ------------------------------------------------------------------------------------------
    def changed(self) -> None:
        """The store changed (an update): reopen it, forget what was read from it, start a new generation."""
        with self._opening:
            self._store = None
            self._dataset = None
        self.generation += 1
        self._labels = {}
        self._names = None
        self._triples = None

    def triple_count(self) -> int:
        if self._triples is None:
            self._triples = int(self.select("triples")[0][0])  # type: ignore[arg-type]
        return self._triples


def pick(names: dict[str, str], lang: str) -> str:
    """The label for ``lang``: that language, then English, German, untagged, any."""
    for key in (lang, "en", "de", ""):
        if key in names:
            return names[key]
    return next(iter(names.values()))
