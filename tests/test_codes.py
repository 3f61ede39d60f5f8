"""citykg.codes: the words of the vocabulary's concepts, read with Oxigraph's parser and, where a file is
broken, with rdflib's (which names the file and line)."""

from __future__ import annotations

import pytest
from rdflib import Graph

from citykg.codes import Codes
from citykg.config import Project
from citykg.errors import CityKGError
from citykg.inputs import ontology_paths
from citykg.sources import parse_file


def _rdflib_codes(project: Project) -> Codes:
    graph = Graph()
    for path in ontology_paths(project):
        parse_file(path, project.base, graph)
    return Codes.of(graph)


def test_fast_read_equals_rdflib(project: Project) -> None:
    fast, slow = Codes.load(project), _rdflib_codes(project)
    assert fast.labels == slow.labels
    assert fast.concepts == slow.concepts
    assert len(fast.concepts) > 10


def test_broken_ontology_file_is_reported_with_its_line(project_copy: Project) -> None:
    vocab = sorted(ontology_paths(project_copy))[-1]
    vocab.write_text(vocab.read_text(encoding="utf-8") + "\nthis is not turtle .\n", encoding="utf-8")
    with pytest.raises(CityKGError) as caught:
        Codes.load(project_copy)
    assert vocab.name in str(caught.value)
