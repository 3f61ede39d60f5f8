"""The reference engine: pySHACL on an rdflib graph. Exact SHACL, but minutes per million triples; kept to
check the SPARQL engine against (tests/test_validate_engines.py) and for ``--engine pyshacl``."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from citykg.namespaces import bind_prefixes
from citykg.validate.report import Locator, Report, Violation, compact, message, where

SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


def validate(data: Graph, shapes: Graph, *, lang: str = "en", locate: Locator | None = None) -> Report:
    """Validate ``data`` (a Graph or Dataset; named graphs are unioned) against ``shapes`` with pySHACL."""
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
    file, line = where(locate, focus, value if isinstance(value, Literal) else None)
    return Violation(
        file=file,
        line=line,
        focus=str(focus),
        path=compact(data, path) if path is not None else "",
        message=message(results.objects(result, SH.resultMessage), lang),
        severity=SEVERITIES.get(results.value(result, SH.resultSeverity), "violation"),
        value=compact(data, value) if value is not None else "",
        shape=str(results.value(result, SH.sourceShape) or ""),
    )
