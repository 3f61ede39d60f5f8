"""SHACL validation that returns values: a Report of Violations a curator can act on.

Messages come from the shapes (``sh:message`` in German and English); each violation is traced back to
the source file and line of its focus node, so the report reads like a compiler's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from citykg.namespaces import bind_prefixes

SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True, order=True)
class Violation:
    file: str
    line: int
    focus: str
    path: str
    message: str
    severity: str = "violation"
    value: str = ""
    shape: str = ""

    def text(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else (self.file or "<data>")
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{where}: {self.severity}: <{self.focus}>{path}: {self.message}{value}"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    skipped: bool = False

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "violation"]

    @property
    def conforms(self) -> bool:
        return not self.errors

    def text(self) -> str:
        if self.skipped:
            return "validation skipped"
        if not self.violations:
            return "0 violations"
        lines = [v.text() for v in self.violations]
        lines.append(f"{len(self.errors)} violations, {len(self.violations) - len(self.errors)} warnings")
        return "\n".join(lines)


#: ``locate(iri)`` or ``locate(iri, value)``: where the node (or its statement with that literal) is written.
Locator = Callable[..., tuple[str, int]]


def validate(data: Graph, shapes: Graph, *, lang: str = "en", locate: Locator | None = None) -> Report:
    """Validate ``data`` (a Graph or Dataset; named graphs are unioned) against ``shapes``.

    ``locate(iri) -> (file, line)`` maps a focus node to where it is written; without it, file and line
    stay empty.
    """
    import pyshacl  # imported here: it costs a tenth of a second that `citykg query` should not pay

    union = data
    if hasattr(data, "contexts"):
        union = Graph()
        for triple in data.triples((None, None, None)):  # Dataset with default_union or ConjunctiveGraph
            union.add(triple)
        bind_prefixes(union)
    _, results, _ = pyshacl.validate(
        union, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, allow_infos=True
    )
    bind_prefixes(results)
    violations = [
        _violation(results, result, union, lang, locate) for result in results.subjects(RDF.type, SH.ValidationResult)
    ]
    return Report(sorted(set(violations)))


def _violation(results: Graph, result: Node, data: Graph, lang: str, locate: Locator | None) -> Violation:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    file, line = ("", 0)
    if locate and isinstance(focus, URIRef):
        file, line = locate(str(focus), str(value)) if isinstance(value, Literal) else locate(str(focus))
    return Violation(
        file=file,
        line=line or 0,
        focus=str(focus),
        path=_compact(data, path) if path is not None else "",
        message=_message(results.objects(result, SH.resultMessage), lang),
        severity=SEVERITIES.get(results.value(result, SH.resultSeverity), "violation"),
        value=_compact(data, value) if value is not None else "",
        shape=str(results.value(result, SH.sourceShape) or ""),
    )


def _message(messages: Iterable[Node], lang: str) -> str:
    texts = [m for m in messages if isinstance(m, Literal)]
    for wanted in (lang, "en", None):
        for text in texts:
            if text.language == wanted:
                return str(text)
    return str(texts[0]) if texts else "constraint violated"


def _compact(graph: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - any IRI rdflib cannot compact is shown in full
            return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    return str(node)
