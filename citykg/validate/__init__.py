"""SHACL validation that returns values: a Report of Violations a curator can act on.

Two engines give the same report: the shapes compiled to SPARQL and run on Oxigraph (the default, fast at
a million triples: :mod:`citykg.validate.engine`) and pySHACL (the reference: :mod:`citykg.validate.reference`).
"""

from __future__ import annotations

from rdflib import Graph

from citykg.validate.report import Locator, Report, Violation

ENGINES = ("sparql", "pyshacl")


def validate(
    data: Graph, shapes: Graph, *, lang: str = "en", locate: Locator | None = None, engine: str = "sparql"
) -> Report:
    """Validate ``data`` (a Graph or Dataset; named graphs are unioned) against ``shapes``.

    ``locate(iri) -> (file, line)`` maps a focus node to where it is written; without it, file and line
    stay empty.
    """
    if engine == "pyshacl":
        from citykg.validate import reference

        return reference.validate(data, shapes, lang=lang, locate=locate)
    from citykg.validate import engine as sparql

    return sparql.validate(data, shapes, lang=lang, locate=locate)


__all__ = ["ENGINES", "Locator", "Report", "Violation", "validate"]
