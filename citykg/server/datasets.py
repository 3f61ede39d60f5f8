"""What the server holds: the built dataset, further named graphs (EXTRA files), labels, and restricted views.

The SPARQL protocol's ``default-graph-uri`` / ``named-graph-uri`` and a query's ``FROM`` / ``FROM NAMED``
pick graphs from what is held here, never from the network: :meth:`Holdings.view` answers with a default
graph and a dataset whose named graphs are exactly the chosen ones, and raises :class:`UnknownGraph`
naming any IRI the server does not hold.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS
from rdflib.term import Node
from rdflib.util import guess_format

from citykg.errors import UsageError
from citykg.namespaces import SCHEMA

#: Predicates whose literal objects name a resource, in order of preference.
LABELS = (RDFS.label, SKOS.prefLabel, SCHEMA.name, DCTERMS.title, FOAF.name)
QUAD_FORMATS = ("nquads", "trig", "trix")
EXTRA_PREFIX = "urn:citykg:extra:"


class UnknownGraph(Exception):
    """A dataset parameter or FROM clause names a graph the server does not hold."""

    def __init__(self, iri: str, clause: str) -> None:
        self.iri = iri
        self.clause = clause
        super().__init__(
            f"{clause} <{iri}> is not a graph this server holds; graphs are never fetched from the network "
            "(list them with SELECT DISTINCT ?g { GRAPH ?g {} } or see the service description)"
        )


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


class DatasetView(Dataset):
    """The same store, but only ``named`` are named graphs (what GRAPH ?g iterates and GRAPH <g> finds)."""

    def __init__(self, store, named: Iterable[URIRef]) -> None:
        super().__init__(store=store, default_union=False)
        self._named = tuple(dict.fromkeys(named))
        self._empty = Graph()

    def contexts(self, triple=None):  # type: ignore[override]
        for iri in self._named:
            graph = Graph(store=self.store, identifier=iri)
            if triple is None or triple in graph:
                yield graph

    graphs = contexts  # type: ignore[assignment]

    def get_context(self, identifier, quoted=False, base=None):  # type: ignore[override]
        if identifier in self._named:
            return Graph(store=self.store, identifier=identifier)
        return Graph(identifier=identifier)


class Holdings:
    """The served dataset and what the pages need about it (labels), versioned by ``generation``.

    With ``loader`` the rdflib dataset is parsed in a background thread (started by :meth:`load_in_background`)
    while SPARQL and named queries, which the workers answer from the Oxigraph store, are served at once;
    ``graph_names``, ``triples`` and ``focus`` (computed from that store in the child that prepared it) answer
    the startup questions without the parse. :attr:`dataset` waits for the parse; :meth:`wait` awaits it.
    """

    def __init__(
        self,
        dataset: Dataset | None,
        base: str,
        *,
        declared: Iterable[URIRef] = (),
        focus: URIRef | None = None,
        loader: Callable[[], Dataset] | None = None,
        graph_names: Iterable[URIRef] | None = None,
        triples: int | None = None,
    ):
        if dataset is None and loader is None:
            raise ValueError("Holdings needs a dataset or a loader")
        self._dataset = dataset
        self._loader = loader
        self._loaded = threading.Event()
        self._loading = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        if dataset is not None:
            self._loaded.set()
        self.base = base
        self.focus = focus
        self.declared = set(declared)
        self.generation = 0
        self._labels: dict[URIRef, dict[str, str]] | None = None
        self._names: list[URIRef] | None = sorted(set(graph_names) | self.declared) if graph_names is not None else None
        self._name_set: frozenset[URIRef] = frozenset(self._names or ())
        self._triples = triples

    # -- the rdflib dataset (pages, VoID, search, describe) ------------------------------------------------
    def load_in_background(self) -> None:
        with self._loading:
            if self._loader is not None and self._thread is None and not self._loaded.is_set():
                self._thread = threading.Thread(target=self._load, name="citykg-pages-data", daemon=True)
                self._thread.start()

    def _load(self) -> None:
        try:
            self._dataset = self._loader()  # type: ignore[misc]
        except BaseException as exc:  # noqa: BLE001 - reported to every reader
            self._failure = exc
        finally:
            self._loaded.set()

    @property
    def ready(self) -> bool:
        return self._loaded.is_set()

    async def wait(self) -> None:
        """Await the background parse without holding the event loop."""
        if not self._loaded.is_set():
            import asyncio

            await asyncio.to_thread(self._loaded.wait)

    @property
    def dataset(self) -> Dataset:
        if not self._loaded.is_set():
            self.load_in_background()
            self._loaded.wait()
        if self._failure is not None:
            raise UsageError(f"the served data could not be read for the pages: {self._failure}")
        return self._dataset  # type: ignore[return-value]

    # -- graphs -------------------------------------------------------------------------------------------
    def named_graphs(self) -> list[URIRef]:
        if self._names is None:
            found = {
                c.identifier
                for c in self.dataset.graphs()
                if c.identifier != DATASET_DEFAULT_GRAPH_ID and isinstance(c.identifier, URIRef) and len(c)
            }
            self._names = sorted(found | self.declared)
            self._name_set = frozenset(self._names)
        return self._names

    def holds(self, iri: Node) -> bool:
        self.named_graphs()
        return isinstance(iri, URIRef) and iri in self._name_set

    def graph(self, iri: URIRef) -> Graph:
        return Graph(store=self.dataset.store, identifier=iri)

    def default_graph(self, iris: Sequence[URIRef], clause: str) -> Graph:
        """The RDF merge of ``iris`` as one graph (no copy when there is one)."""
        for iri in iris:
            self.check(iri, clause)
        unique = list(dict.fromkeys(iris))
        if len(unique) == 1:
            return self.graph(unique[0])
        merged = Graph()
        for iri in unique:
            for triple in self.graph(iri):
                merged.add(triple)
        return merged

    def view(self, named: Sequence[URIRef], clause: str) -> DatasetView:
        for iri in named:
            self.check(iri, clause)
        return DatasetView(self.dataset.store, named)

    def check(self, iri: Node, clause: str) -> None:
        if not self.holds(iri):
            raise UnknownGraph(str(iri), clause)

    # -- labels -------------------------------------------------------------------------------------------
    @property
    def labels(self) -> dict[URIRef, dict[str, str]]:
        """Resource → {language tag ('' for none) → label}, first label predicate wins per language."""
        if self._labels is None:
            index: dict[URIRef, dict[str, str]] = {}
            for predicate in LABELS:
                for s, o in self.dataset.subject_objects(predicate):
                    if isinstance(s, URIRef) and isinstance(o, Literal):
                        index.setdefault(s, {}).setdefault((o.language or "").lower(), str(o))
            self._labels = index
        return self._labels

    def label(self, term: Node, lang: str = "en") -> str | None:
        names = self.labels.get(term) if isinstance(term, URIRef) else None
        if not names:
            return None
        for key in (lang, "en", "de", ""):
            if key in names:
                return names[key]
        return next(iter(names.values()))

    # -- changes ------------------------------------------------------------------------------------------
    def snapshot(self) -> set[tuple[Node, Node, Node, Node | None]]:
        return set(self.dataset.quads((None, None, None, None)))

    def apply(self, removed: Iterable[tuple], added: Iterable[tuple]) -> None:
        """Apply a change computed elsewhere (an update run in a worker) and start a new generation."""
        for s, p, o, g in removed:
            (self.dataset.default_graph if g is None else self.graph(g)).remove((s, p, o))
        for s, p, o, g in added:
            (self.dataset.default_graph if g is None else self.dataset.graph(g)).add((s, p, o))
        self.changed()

    def changed(self) -> None:
        self.generation += 1
        self._labels = None
        self._names = None
        self._triples = None

    def triple_count(self) -> int:
        if self._triples is None:
            self._triples = sum(1 for _ in self.dataset.triples((None, None, None)))
        return self._triples
