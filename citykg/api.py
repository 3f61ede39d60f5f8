"""The Python API for researchers and notebooks: ``citykg.open(path)`` and a handle on the built graph.

The handle calls the same library functions as the CLI and the server (:func:`citykg.store.open_dataset`,
:mod:`citykg.queries`, :func:`citykg.server.describe.describe`, :func:`citykg.views.projection.project`),
so a notebook gets the answers ``citykg query`` and ``/queries/NAME`` give, as Python values::

    import citykg
    kg = citykg.open(".")
    kg.query("partnerships-as-of", year=1970).to_pandas()

Results are :class:`Rows` (a list of dicts: IRIs as ``str``, numbers as ``int``/``Decimal``, dates as
``datetime.date``, ``xsd:gYear`` as ``int``, text as ``str``). Opening is lazy: the dataset is loaded (and
rebuilt when a source changed, as ``citykg query`` does) on the first question.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citykg.config import Project, load_project
from citykg.errors import UsageError, require


class Rows(list):
    """The rows of a SELECT result as dicts of Python values, in the query's order; ``columns`` in its order."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), columns: Iterable[str] = ()) -> None:
        super().__init__(rows)
        self.columns = list(columns)

    def to_pandas(self):  # -> pandas.DataFrame
        """A DataFrame with the query's columns (needs the ``notebook`` extra: ``pip install 'citykg[notebook]'``)."""
        require("pandas", "Rows.to_pandas()", "notebook")
        import pandas

        return pandas.DataFrame(list(self), columns=self.columns)


@dataclass
class Statement:
    """One statement about (or around) the resource, with the citations that support it."""

    subject: str
    predicate: str
    object: Any
    citations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Description:
    """What the graph says about one resource: its own statements and those of the relationships it is in."""

    iri: str
    label: str | None
    types: list[str]
    statements: list[Statement]

    def cited(self) -> list[Statement]:
        return [s for s in self.statements if s.citations]


def python_value(term: Any) -> Any:
    """An rdflib term as a plain Python value (None stays None)."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Literal):
        if term.datatype == XSD.gYear and str(term).lstrip("-").isdigit():
            return int(str(term))
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return str(term)


class CityGraph:
    """A handle on one project's built graph; see the module docstring and docs/python.md."""

    def __init__(self, project: Project, store: str = "memory") -> None:
        self.project = project
        self.store = store
        self._dataset = None

    def __repr__(self) -> str:
        return f"<citykg graph of {self.project.root} ({self.store})>"

    # -- the graph ------------------------------------------------------------------------------------------
    @property
    def dataset(self):  # -> rdflib.Dataset
        """The built dataset (rdflib; the union of the named graphs is its default graph)."""
        if self._dataset is None:
            from citykg.store import open_dataset

            self._dataset = open_dataset(self.project, store=self.store, quiet=True)
        return self._dataset

    @property
    def base(self) -> str:
        return self.project.base

    def iri(self, name_or_iri: str) -> str:
        """A full IRI, a path relative to the base (``city/leeds``) or a label (``Leeds``) as the resource's IRI."""
        from rdflib import URIRef

        from citykg.server.datasets import LABELS

        text = name_or_iri.strip()
        dataset = self.dataset
        candidates = [text] if ":" in text.split("/")[0] else [self.base + text.lstrip("/"), text]
        for candidate in candidates:
            term = URIRef(candidate)
            if (term, None, None) in dataset or (None, None, term) in dataset:
                return candidate
        labels: dict[str, str] = {}
        for predicate in LABELS:
            for subject, label in dataset.subject_objects(predicate):
                if isinstance(subject, URIRef):
                    labels.setdefault(str(label).casefold(), str(subject))
        if text.casefold() in labels:
            return labels[text.casefold()]
        close = difflib.get_close_matches(text.casefold(), list(labels), n=4, cutoff=0.6)
        hint = f"did you mean {', '.join(labels[c].removeprefix(self.base) for c in close)}?" if close else None
        raise UsageError(f"{name_or_iri!r} names no resource in the graph", hint=hint or "give an IRI or city/leeds")

    # -- questions ------------------------------------------------------------------------------------------
    def queries(self) -> list[str]:
        """The names of the named queries (``citykg queries``)."""
        from citykg.queries import Catalogue

        return [q.name for q in Catalogue(self.project.queries_dir)]

    def query(self, name: str, **params: Any) -> Rows | bool | Any:
        """Run a named query with typed parameters (``year=1970``, ``city="city/leeds"``, ``lang="de"``)."""
        from citykg import queries as named
        from citykg.store import focus_resource

        selected = named.Catalogue(self.project.queries_dir).get(name)
        given = {key: _text(value) for key, value in params.items()}
        bindings = named.bind(selected, given, self.base, focus_resource(self.dataset))
        return _result(named.run(self.dataset, selected, bindings))

    def sparql(self, text: str) -> Rows | bool | Any:
        """Run SPARQL text (the common prefixes are predeclared): Rows, a bool (ASK) or an rdflib Graph."""
        from citykg import queries as named
        from citykg.server.protocol import hints

        for hint in hints(text):
            warnings.warn(hint, stacklevel=2)
        return _result(named.run(self.dataset, named.adhoc(text, "sparql")))

    def sources(self, name_or_iri: str) -> Rows:
        """Every source cited for a resource or for the relationships it takes part in (``sources-of``)."""
        return self.query("sources-of", resource=self.iri(name_or_iri))

    def describe(self, name_or_iri: str, lang: str = "en") -> Description:
        """The statements about a resource and about the relationships it is in, each with its citations."""
        from rdflib import URIRef

        from citykg.server.datasets import Holdings
        from citykg.server.describe import describe

        iri = URIRef(self.iri(name_or_iri))
        holdings = Holdings(self.dataset, self.base)
        found = describe(holdings, iri)
        own = [_citation(c) for c in found.citations]
        statements = [
            Statement(str(iri), str(predicate), python_value(value), own)
            for predicate, values in found.outgoing
            for value, _graphs in values
        ]
        for relation in found.relations:
            cited = [_citation(c) for c in relation.citations]
            statements += [Statement(str(relation.iri), str(p), python_value(o), cited) for p, o in relation.statements]
        types = [str(t) for t in found.types]
        return Description(str(iri), holdings.label(iri, lang), types, statements)

    def network(self):  # -> networkx.MultiDiGraph
        """The network the views and ``citykg analyze`` draw: resources as nodes, relationships as edges."""
        from citykg.projection import project
        from citykg.store import focus_resource

        focus = focus_resource(self.dataset)
        return project(self.dataset, queries=self.project.queries_dir, focus=str(focus) if focus else None).graph


def open(
    path: str | Path = ".", *, store: str = "memory", base: str | None = None, build_dir: str | Path | None = None
) -> CityGraph:
    """The graph of the project at ``path`` (the folder with ``citykg.toml``, or one below it); ``store`` is
    ``memory`` or ``oxigraph[:DIR]`` as for the CLI's ``--store``, ``base`` and ``build_dir`` as its options."""
    project = load_project(Path(path)).with_overrides(base=base, build_dir=Path(build_dir) if build_dir else None)
    return CityGraph(project, store)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _result(result: Any) -> Rows | bool | Any:
    if result.type == "ASK":
        return bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.graph
    columns = [str(v) for v in result.vars]
    rows = [{name: python_value(values.get(name)) for name in columns} for values in _named(result.bindings)]
    return Rows(rows, columns)


def _named(bindings: Iterable[Mapping[Any, Any]]) -> Iterable[dict[str, Any]]:
    for row in bindings:
        yield {str(key): value for key, value in row.items()}


def _citation(citation: Any) -> dict[str, Any]:
    return {
        "citation": str(citation.iri),
        "source": str(citation.source) if citation.source is not None else None,
        "url": citation.url,
        "title": python_value(citation.title),
        "quote": python_value(citation.quote),
        "confidence": str(citation.confidence).rsplit("/", 1)[-1] if citation.confidence is not None else None,
    }
