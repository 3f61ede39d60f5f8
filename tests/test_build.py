"""The build: deterministic, atomic, and honest about broken input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from citykg.build import EXPORT_FORMATS, STEM, build
from citykg.config import Project
from citykg.export import union_graph
from citykg.namespaces import CKG, ORG, SCHEMA

RELATIONSHIPS = [
    CKG.Partnership,
    ORG.Membership,
    CKG.Tenure,
    CKG.Participation,
    CKG.Engagement,
    CKG.AwardConferral,
    SCHEMA.Event,
]


def test_shipped_graph_validates(built) -> None:
    assert built.report.conforms, built.report.text()
    assert built.report.errors == []


def test_build_twice_is_byte_identical(project_copy: Project, tmp_path: Path) -> None:
    first = build(project_copy.with_overrides(build_dir=tmp_path / "one"))
    # a different hash seed changes Python's set order: the exports must not notice
    code = (
        "from citykg.build import build; from citykg.config import load_project; import sys;"
        "build(load_project(sys.argv[1]).with_overrides(build_dir=__import__('pathlib').Path(sys.argv[2])))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(project_copy.root), str(tmp_path / "two")],
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    for path in first.files:
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name


def test_every_export_parses_back_isomorphic(built, project: Project) -> None:
    expected = union_graph(built.dataset)
    for fmt, rdf_format in {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}.items():
        parsed = Graph().parse(project.build_dir / f"{STEM}.{fmt}", format=rdf_format)
        assert isomorphic(parsed, expected), fmt
    for fmt, rdf_format in {"trig": "trig", "nq": "nquads"}.items():
        parsed = Dataset()
        parsed.parse(project.build_dir / f"{STEM}.{fmt}", format=rdf_format)
        by_graph = {str(g.identifier): g for g in parsed.graphs() if len(g)}
        for graph in built.dataset.graphs():
            if len(graph):
                assert isomorphic(by_graph[str(graph.identifier)], graph), (fmt, graph.identifier)


def test_trig_has_one_named_graph_per_source_file(built, project: Project) -> None:
    names = {str(g.identifier) for g in built.dataset.graphs() if len(g)}
    for path in project.graph_dir.glob("*.ttl"):
        assert f"{project.base}graph/{path.stem}" in names
    assert f"{project.base}graph/derived" in names


def test_no_blank_nodes(built) -> None:
    blanks = [t for t in built.dataset.triples((None, None, None)) if any(isinstance(x, BNode) for x in t)]
    assert blanks == []


def test_every_relationship_and_event_has_a_source_with_url(built) -> None:
    g = union_graph(built.dataset)
    unsourced = []
    for cls in RELATIONSHIPS:
        for node in g.subjects(RDF.type, cls):
            urls = [
                url
                for citation in g.objects(node, URIRef("http://www.w3.org/ns/prov#qualifiedDerivation"))
                for source in g.objects(citation, URIRef("http://www.w3.org/ns/prov#entity"))
                for url in g.objects(source, SCHEMA.url)
            ]
            if not urls:
                unsourced.append(node)
    assert unsourced == []


def test_syntax_error_names_file_and_line_and_keeps_exports(project_copy: Project, tmp_path: Path) -> None:
    project = project_copy.with_overrides(build_dir=tmp_path / "out")
    build(project)
    before = {p.name: p.read_bytes() for p in project.build_dir.iterdir() if p.is_file()}
    broken = project.graph_dir / "dataset.ttl"
    lines = broken.read_text(encoding="utf-8").splitlines()
    bad_line = len(lines) + 2
    broken.write_text("\n".join(lines) + '\n\n<x> <y> "unterminated .\n', encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "citykg",
            "--project",
            str(project.root),
            "--build-dir",
            str(project.build_dir),
            "build",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"dataset.ttl:{bad_line}" in result.stderr
    assert "syntax error" in result.stderr and "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in project.build_dir.iterdir() if p.is_file()} == before


def test_invalid_data_exits_1_with_report_and_keeps_exports(project_copy: Project, tmp_path: Path) -> None:
    project = project_copy.with_overrides(build_dir=tmp_path / "out")
    build(project)
    before = {p.name: p.read_bytes() for p in project.build_dir.iterdir() if p.is_file()}
    extra = project.graph_dir / "broken.ttl"
    extra.write_text(
        "@prefix schema: <http://schema.org/> .\n@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .\n\n"
        "<city/nowhere> a schema:City ;\n    geo:lat 123.0 .\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "citykg",
            "--project",
            str(project.root),
            "--build-dir",
            str(project.build_dir),
            "build",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "graph/broken.ttl:4" in result.stderr
    assert "city/nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in project.build_dir.iterdir() if p.is_file()} == before


def test_base_is_configurable(project_copy: Project, tmp_path: Path) -> None:
    other = project_copy.with_overrides(base="https://example.org/elsewhere/", build_dir=tmp_path / "b")
    result = build(other)
    subjects = {str(s) for s in union_graph(result.dataset).subjects() if isinstance(s, URIRef)}
    assert "https://example.org/elsewhere/city/dortmund" in subjects
    assert not any(s.startswith("https://w3id.org/citykg/dortmund/") for s in subjects)


def test_export_formats_are_all_written(built, project: Project) -> None:
    for fmt in EXPORT_FORMATS:
        assert (project.build_dir / f"{STEM}.{fmt}").stat().st_size > 0


def test_oxigraph_writes_the_same_ntriples_and_nquads(built, project: Project) -> None:
    from citykg.export import serialize
    from citykg.store import open_dataset

    oxigraph = open_dataset(project, store="oxigraph")
    for fmt in ("nt", "nq"):
        assert serialize(oxigraph, fmt) == serialize(built.dataset, fmt), fmt
