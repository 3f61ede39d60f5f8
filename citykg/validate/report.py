"""What validation returns: a Report of Violations a curator can act on, whichever engine found them.

Messages come from the shapes (``sh:message`` in German and English); each violation is traced back to
the source file and line of its focus node, so the report reads like a compiler's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from citykg.namespaces import bind_prefixes


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


def message(messages: Iterable[Node], lang: str) -> str:
    """The shape's message in ``lang``, else in English, else untagged, else the first."""
    texts = [m for m in messages if isinstance(m, Literal)]
    for wanted in (lang, "en", None):
        for text in texts:
            if text.language == wanted:
                return str(text)
    return str(texts[0]) if texts else "constraint violated"


def prefixed() -> Graph:
    """An empty graph with the project's prefixes: what values and paths are compacted with."""
    return bind_prefixes(Graph())


def compact(graph: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - any IRI rdflib cannot compact is shown in full
            return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    return str(node)


def where(locate: Locator | None, focus: Node, value: Node | None) -> tuple[str, int]:
    """The file and line of a violation's focus node (of its statement with ``value`` for a literal)."""
    if not locate or not isinstance(focus, URIRef):
        return "", 0
    file, line = locate(str(focus), str(value)) if isinstance(value, Literal) else locate(str(focus))
    return file, line or 0
