"""Code values as staff read them: the SKOS concepts of the vocabulary (statuses, kinds, roles, directions,
confidence levels) by their ``skos:prefLabel`` in the chosen language, and the plain code literals queries derive
from them (``STRAFTER(STR(?level), "/vocab/")`` gives ``"high"``) mapped back to their concept by data.

A literal names a concept when the vocabulary's namespace followed by the literal is a ``skos:Concept``; a column
is read as codes only when every value in it names a concept, so a title that happens to read "active" stays as
it is. The words come from the ontology files (vocab.ttl, labels.ttl), never from Python; CSV and JSON keep the
raw values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from citykg.config import Project
from citykg.inputs import ontology_paths
from citykg.namespaces import CKGV
from citykg.sources import parse_file

#: Label predicates in the order they win (a concept's preferred label first).
LABELS = (SKOS.prefLabel, RDFS.label)


class Codes:
    """Concepts and labels of the ontology files: IRI → {language → label}."""

    def __init__(self, labels: dict[URIRef, dict[str, str]], concepts: Iterable[URIRef]) -> None:
        self.labels = labels
        self.concepts = frozenset(concepts)

    @classmethod
    def of(cls, graph: Graph) -> Codes:
        """The concepts and labels that ``graph`` (or a dataset, all its graphs) holds."""
        labels: dict[URIRef, dict[str, str]] = {}
        for predicate in LABELS:
            for s, o in graph.subject_objects(predicate):
                if isinstance(s, URIRef) and isinstance(o, Literal):
                    labels.setdefault(s, {}).setdefault((o.language or "").lower(), str(o))
        concepts = (s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef))
        return cls(labels, concepts)

    @classmethod
    def load(cls, project: Project) -> Codes:
        """The codes of the project's ontology directory (ontology, vocabulary and labels; not the shapes)."""
        paths = ontology_paths(project)
        try:  # Oxigraph's parser: a tenth of rdflib's time, which ``citykg query`` would pay on every table
            return cls._read(paths, project.base)
        except (SyntaxError, ValueError, OSError):
            graph = Graph()  # rdflib's parser says where the file is wrong (file:line)
            for path in paths:
                parse_file(path, project.base, graph)
            return cls.of(graph)

    @classmethod
    def _read(cls, paths: Iterable[Path], base: str) -> Codes:
        import pyoxigraph as ox

        wanted = {str(p): i for i, p in enumerate(LABELS)}
        found: list[list[tuple[URIRef, Literal]]] = [[] for _ in LABELS]
        concepts: list[URIRef] = []
        rdf_type, concept = str(RDF.type), str(SKOS.Concept)
        for path in paths:
            for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=base):
                s, p, o = quad.subject, quad.predicate.value, quad.object
                if not isinstance(s, ox.NamedNode):
                    continue
                if p in wanted and isinstance(o, ox.Literal):
                    found[wanted[p]].append((URIRef(s.value), Literal(o.value, lang=o.language)))
                elif p == rdf_type and isinstance(o, ox.NamedNode) and o.value == concept:
                    concepts.append(URIRef(s.value))
        labels: dict[URIRef, dict[str, str]] = {}
        for pairs in found:
            for s, o in pairs:
                labels.setdefault(s, {}).setdefault((o.language or "").lower(), str(o))
        return cls(labels, concepts)

    def concept(self, code: str) -> URIRef | None:
        """The concept a plain code literal names (``"high"`` → ckgv:high), or None."""
        if not code or any(ch in code for ch in "/#:? "):
            return None
        iri = URIRef(str(CKGV) + code)
        return iri if iri in self.concepts else None

    def label(self, iri: Node, lang: str) -> str | None:
        """The label of ``iri`` in ``lang`` (then English, German, untagged), or None when the ontology has none."""
        names = self.labels.get(iri) if isinstance(iri, URIRef) else None
        if not names:
            return None
        for key in (lang, "en", "de", ""):
            if key in names:
                return names[key]
        return next(iter(names.values()))

    def columns(self, rows: Sequence[Sequence[Node | None]]) -> set[int]:
        """Indexes of the columns whose every value is a plain literal naming a concept (and not all empty)."""
        width = max((len(r) for r in rows), default=0)
        found: set[int] = set()
        for i in range(width):
            values = [r[i] for r in rows if i < len(r) and r[i] is not None]
            if values and all(_plain(v) and self.concept(str(v)) is not None for v in values):
                found.add(i)
        return found

    def with_concepts(self, rows: Sequence[Sequence[Node | None]]) -> list[list[Node | None]]:
        """``rows`` with the code literals of code columns replaced by their concepts."""
        coded = self.columns(rows)
        return [
            [self.concept(str(v)) if i in coded and v is not None else v for i, v in enumerate(row)] for row in rows
        ]


def _plain(node: Node) -> bool:
    return isinstance(node, Literal) and node.language is None and node.datatype in (None, XSD.string)
