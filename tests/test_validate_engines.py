"""The SPARQL engine (shapes compiled to queries on Oxigraph, the default) against pySHACL (the reference):
the same report on every fixture of tests/data/shapes/ and on the project's own data, and planted
violations found in a synthetic world."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from citykg.config import load_project
from citykg.namespaces import bind_prefixes
from citykg.validate import Report, validate
from citykg.validate.compile import compile_shapes

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/citykg/dortmund/"
CASES = sorted((ROOT / "tests" / "data" / "shapes").glob("*/*.ttl"))
BLANK = re.compile(r"^(_:)?[A-Za-z0-9]{20,}$")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ROOT / "ontology" / "shapes.ttl")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for name in ("citykg.ttl", "vocab.ttl"):
        graph.parse(ROOT / "ontology" / name)
    return graph


def comparable(report: Report, reference: bool) -> list[tuple[str, ...]]:
    """Violations with blank node labels (random in both engines) blanked; a path that is no IRI is
    compared only as "complex" (pySHACL reports a fresh blank node for it, the SPARQL engine its text)."""

    def term(text: str) -> str:
        return "_:b" if BLANK.match(text) else text

    def path(text: str) -> str:
        if reference:
            return "complex" if BLANK.match(text) else text
        return "complex" if text.startswith(("(", "^")) else text

    return sorted(
        (term(v.focus), path(v.path), v.message, v.severity, term(v.value), v.shape) for v in report.violations
    )


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_report_as_pyshacl(path: Path, ontology: Graph, shapes: Graph) -> None:
    data = bind_prefixes(Graph())
    data += ontology
    data.parse(path, format="turtle", publicID=BASE)
    expected = validate(data, shapes, engine="pyshacl")
    found = validate(data, shapes)
    assert comparable(found, False) == comparable(expected, True), found.text()


def test_same_report_on_the_project_with_files_and_lines(tmp_path: Path) -> None:
    from citykg.build import check

    project = load_project(ROOT)
    # one planted error per kind of location: a literal value, an IRI value, a missing statement
    target = tmp_path / "p"
    for name in ("ontology", "queries", "graph"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copy(ROOT / "citykg.toml", target / "citykg.toml")
    (target / "graph" / "planted.ttl").write_text(
        "@prefix schema: <http://schema.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .\n\n<city/planted> a schema:City ;\n"
        '    rdfs:label "Planted"@en ;\n    geo:lat "91.5" ; geo:long 7.0 .\n',
        encoding="utf-8",
    )
    project = load_project(target)
    _, fast = check(project, engine="sparql")
    _, reference = check(project, engine="pyshacl")
    assert fast.violations == reference.violations
    assert any(v.file == "graph/planted.ttl" and v.line > 0 for v in fast.errors), fast.text()


def test_every_shape_compiles_with_a_message(shapes: Graph) -> None:
    checks = compile_shapes(shapes)
    assert checks and all(c.messages for c in checks)


PLANTED = (
    # (line appended to the synthetic world, message the build must report for it)
    (
        '<https://synth.citykg.example/city/c1> <http://www.w3.org/2003/01/geo/wgs84_pos#lat> "95.0"'
        "^^<http://www.w3.org/2001/XMLSchema#decimal> .",
        "latitude",
    ),
    (
        "<https://synth.citykg.example/partnership/p1> <https://w3id.org/citykg/ontology#status> "
        "<https://w3id.org/citykg/vocab/nonsense> .",
        "status",
    ),
    (
        "<https://synth.citykg.example/citation/c1> <http://www.w3.org/ns/prov#entity> "
        "<https://synth.citykg.example/city/c2> .",
        "source of a citation",
    ),
)


def test_violations_planted_in_a_synthetic_world_are_reported(tmp_path: Path) -> None:
    from citykg.build import build
    from citykg.errors import ValidationFailed
    from citykg.synth import write_project

    world = tmp_path / "world"
    write_project(world, load_project(ROOT), cities=300)
    build(load_project(world), formats=("nq",))  # the generated world itself validates
    with (world / "graph" / "synthetic.nt").open("a", encoding="utf-8") as out:
        out.write("\n".join(line for line, _ in PLANTED) + "\n")
    with pytest.raises(ValidationFailed) as failed:
        build(load_project(world), formats=("nq",))
    report = failed.value.report
    for line, words in PLANTED:
        focus = line.split(">", 1)[0][1:]
        assert any(v.focus == focus and words in v.message.lower() for v in report.errors), (words, report.text())
    assert all(v.file == "graph/synthetic.nt" and v.line > 0 for v in report.errors), report.text()
