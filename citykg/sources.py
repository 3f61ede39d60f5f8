"""The source files of a project: which files, which named graph each becomes, and where an IRI is written.

Each Turtle file becomes its own named graph, so every triple keeps the file it came from; relative IRIs
in data files resolve against the configured base.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from citykg.config import Project
from citykg.errors import SourceSyntaxError, UsageError
from citykg.inputs import digest, graph_paths, ontology_paths, readable
from citykg.namespaces import ONTOLOGY_IRI, VOCAB_IRI


class _IllTypedLiterals(logging.Filter):
    """rdflib logs a warning with a traceback for every ill-typed literal ("2023-13-45"^^xsd:date) it reads;
    the SHACL shapes report those as violations at the value's line, so the warning is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiterals())

RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".nq": "nquads", ".jsonld": "json-ld", ".rdf": "xml"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph: URIRef

    def digest(self) -> str:
        return digest(self.path)


def derived_graph(project: Project) -> URIRef:
    return URIRef(f"{project.base}graph/derived")


def source_files(project: Project) -> list[SourceFile]:
    """Ontology, vocabulary and every graph/**/*.ttl and *.nt, in a stable order (shapes are not data)."""
    fixed = {"citykg.ttl": ONTOLOGY_IRI, "vocab.ttl": VOCAB_IRI}
    files = [
        SourceFile(path, URIRef(fixed.get(path.name, f"{ONTOLOGY_IRI}/{path.stem}")))
        for path in ontology_paths(project)
    ]
    for path in graph_paths(project):
        rel = path.relative_to(project.graph_dir).with_suffix("").as_posix()
        files.append(SourceFile(path, URIRef(f"{project.base}graph/{rel}")))
    return files


def parse_file(path: Path, base: str, into: Graph | None = None, rdf_format: str | None = None) -> Graph:
    """Parse one RDF file; a syntax error becomes a SourceSyntaxError naming the file and line."""
    graph = into if into is not None else Graph()
    fmt = rdf_format or RDF_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unknown RDF file type", hint=f"use one of {', '.join(sorted(RDF_SUFFIXES))}")
    readable(path)
    try:
        graph.parse(path, format=fmt, publicID=base)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror}") from None
    except BadSyntax as exc:
        raise SourceSyntaxError(path, _bad_syntax_line(exc), exc._why) from exc
    except (ValueError, SyntaxError) as exc:
        raise SourceSyntaxError(
            path, _line_of(exc), str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from exc
    return graph


def _bad_syntax_line(exc: BadSyntax) -> int:
    """The line of the error position (rdflib's own ``lines`` counter can run one line ahead)."""
    text = exc._str.decode("utf-8", "replace") if isinstance(exc._str, bytes) else str(exc._str)
    return text.count("\n", 0, exc._i) + 1


def _line_of(exc: Exception) -> int | None:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def load_sources(project: Project, files: list[SourceFile] | None = None) -> Dataset:
    dataset = Dataset(default_union=True)
    for source in files if files is not None else source_files(project):
        parse_file(source.path, project.base, into=dataset.graph(source.graph))
    return dataset


def locate(source: SourceFile, iri: str, base: str) -> int | None:
    """The first line of ``source`` where ``iri`` is written as a subject (full, relative or prefixed form)."""
    try:
        lines = source.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    forms = [f"<{iri}>"]
    if iri.startswith(base):
        relative = iri[len(base) :]
        forms.append(f"<{relative}>")
        head, _, local = relative.rpartition("/")
        if head and local:
            prefixes = [
                m.group(1) for line in lines if (m := re.match(rf"@prefix\s+([\w-]*):\s*<{re.escape(head)}/>", line))
            ]
            forms += [f"{p}:{local}" for p in prefixes]
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        if any(stripped.startswith(form) and _ends_name(stripped, len(form)) for form in forms):
            return number
    return None


def locate_value(source: SourceFile, iri: str, base: str, lexical: str) -> int | None:
    """The line of the statement about ``iri`` where the literal ``lexical`` is written (an invalid date is
    reported at the date's line, not at the node's first line); None when it is not found."""
    start = locate(source, iri, base)
    if start is None:
        return None
    lines = source.path.read_text(encoding="utf-8").splitlines()
    quoted = (f'"{lexical}"', f"'{lexical}'")
    for number in range(start, min(len(lines), start + 500) + 1):
        line = lines[number - 1]
        if any(form in line for form in quoted):
            return number
        if number > start and line and not line[0].isspace() and not line.startswith("#"):
            return None  # the next statement begins
    return None


def _ends_name(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] in "-_.:")
