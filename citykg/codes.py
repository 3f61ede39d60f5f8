"""Code values as staff read them: the SKOS concepts of the vocabulary (statuses, kinds, roles, directions,
confidence levels) by their ``skos:prefLabel`` in the chosen language, and the plain code literals queries derive
from them (``STRAFTER(STR(?level), "/vocab/")`` gives ``"high"``) mapped back to their concept by data.

A literal names a concept when the vocabulary's namespace followed by the literal is a ``skos:Concept``; a column
is read as codes only when every value in it names a concept, so a title that happens to read "active" stays as
it is. The words come from the ontology files (vocab.ttl, labels.ttl), never from Python; CSV and JSON keep the
raw values.

IRIs are kept as plain strings and the files are read with Oxigraph's parser, so ``citykg query`` (its table of
an Oxigraph answer) never loads rdflib; :meth:`Codes.of` and :meth:`Codes.with_concepts` serve callers that hold
rdflib terms (the server's pages) and import it themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citykg.config import Project
from citykg.inputs import ontology_paths

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: The vocabulary's namespace (citykg.namespaces.CKGV, which a test compares).
CKGV = "https://w3id.org/citykg/vocab/"
#: Label predicates in the order they win (a concept's preferred label first).
LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")


class Codes:
    """Concepts and labels of the ontology files: IRI → {language → label}."""

    def __init__(self, labels: dict[str, dict[str, str]], concepts: Iterable[str]) -> None:
        self.labels = labels
        self.concepts = frozenset(concepts)

    @classmethod
    def of(cls, graph: Graph) -> Codes:
        """The concepts and labels that ``graph`` (or a dataset, all its graphs) holds."""
        from rdflib import Literal, URIRef

        found: list[list[tuple[str, str | None, str]]] = []
        for predicate in LABELS:
            found.append(
                [
                    (str(s), o.language, str(o))
                    for s, o in graph.subject_objects(URIRef(predicate))
                    if isinstance(s, URIRef) and isinstance(o, Literal)
                ]
            )
        concepts = (str(s) for s in graph.subjects(URIRef(RDF_TYPE), URIRef(SKOS_CONCEPT)) if isinstance(s, URIRef))
        return cls(_labels(found), concepts)

    @classmethod
    def load(cls, project: Project) -> Codes:
        """The codes of the project's ontology directory (ontology, vocabulary and labels; not the shapes)."""
        paths = ontology_paths(project)
        try:  # Oxigraph's parser: a tenth of rdflib's time, which ``citykg query`` would pay on every table
            return cls._read(paths, project.base)
        except (SyntaxError, ValueError, OSError):
            from rdflib import Graph

            from citykg.sources import parse_file

            graph = Graph()  # rdflib's parser says where the file is wrong (file:line)
            for path in paths:
                parse_file(path, project.base, graph)
            return cls.of(graph)

    @classmethod
    def _read(cls, paths: Iterable[Path], base: str) -> Codes:
        import pyoxigraph as ox

        wanted = {p: i for i, p in enumerate(LABELS)}
        found: list[list[tuple[str, str | None, str]]] = [[] for _ in LABELS]
        concepts: list[str] = []
        for path in paths:
            for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=base):
                s, p, o = quad.subject, quad.predicate.value, quad.object
                if not isinstance(s, ox.NamedNode):
                    continue
                if p in wanted and isinstance(o, ox.Literal):
                    found[wanted[p]].append((s.value, o.language, o.value))
                elif p == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value == SKOS_CONCEPT:
                    concepts.append(s.value)
        return cls(_labels(found), concepts)

    def concept_iri(self, code: str) -> str | None:
        """The IRI of the concept a plain code literal names (``"high"`` → ckgv:high), or None."""
        if not code or any(ch in code for ch in "/#:? "):
            return None
        iri = CKGV + code
        return iri if iri in self.concepts else None

    def concept(self, code: str) -> URIRef | None:
        """:meth:`concept_iri` as an rdflib term."""
        from rdflib import URIRef

        iri = self.concept_iri(code)
        return None if iri is None else URIRef(iri)

    def label(self, iri: str, lang: str) -> str | None:
        """The label of the IRI ``iri`` in ``lang`` (then English, German, untagged), or None when the ontology has
        none."""
        names = self.labels.get(str(iri))
        if not names:
            return None
        for key in (lang, "en", "de", ""):
            if key in names:
                return names[key]
        return next(iter(names.values()))

    def columns(self, rows: Sequence[Sequence[Any]], plain: Callable[[Any], str | None] | None = None) -> set[int]:
        """Indexes of the columns whose every value is a plain literal naming a concept (and not all empty);
        ``plain`` gives a value's text when it is a plain literal, else None (default: rdflib terms)."""
        plain = plain or _rdflib_plain
        width = max((len(r) for r in rows), default=0)
        found: set[int] = set()
        for i in range(width):
            values = [r[i] for r in rows if i < len(r) and r[i] is not None]
            if values and all((code := plain(v)) is not None and self.concept_iri(code) is not None for v in values):
                found.add(i)
        return found

    def with_concepts(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """``rows`` (rdflib terms) with the code literals of code columns replaced by their concepts."""
        coded = self.columns(rows)
        return [
            [self.concept(str(v)) if i in coded and v is not None else v for i, v in enumerate(row)] for row in rows
        ]


def _labels(found: Iterable[Iterable[tuple[str, str | None, str]]]) -> dict[str, dict[str, str]]:
    """IRI → {language → label} from (IRI, language, label) triples per predicate, the first predicate winning."""
    labels: dict[str, dict[str, str]] = {}
    for triples in found:
        for iri, language, text in triples:
            labels.setdefault(iri, {}).setdefault((language or "").lower(), text)
    return labels


def _rdflib_plain(node: Any) -> str | None:
    """The text of an rdflib plain literal (no language, no datatype but xsd:string), else None."""
    from rdflib import Literal

    if isinstance(node, Literal) and node.language is None and str(node.datatype or XSD_STRING) == XSD_STRING:
        return str(node)
    return None
