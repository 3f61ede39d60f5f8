"""The SHACL shapes (ontology/shapes.ttl) against the fixtures in tests/data/shapes/<case>/.

Fixture names say what to expect:
  valid*.ttl     conforms, with no violations and no warnings
  invalid-*.ttl  does not conform
  warning-*.ttl  conforms, but with warnings
Every non-valid fixture declares in its leading comments what it triggers:
  # expect: <substring of the English message>      one line per distinct message
  # expect-focus: <IRI, relative to the base>        optional: a result has this focus node
  # expect-de: <substring of the German message>     optional: checked with lang="de"
Every result must match some `expect` line and every `expect` line some result, so a fixture also proves
that nothing else fires.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from citykg.namespaces import bind_prefixes
from citykg.validate import Report, validate

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/citykg/dortmund/"
FIXTURES = ROOT / "tests" / "data" / "shapes"
CASES = sorted(FIXTURES.glob("*/*.ttl"))
EXPECT = re.compile(r"^# (expect|expect-focus|expect-de): (.+)$", re.MULTILINE)


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ROOT / "ontology" / "shapes.ttl")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for name in ("citykg.ttl", "vocab.ttl"):
        graph.parse(ROOT / "ontology" / name)
    return graph


def check(path: Path, ontology: Graph, shapes: Graph, lang: str = "en") -> Report:
    data = bind_prefixes(Graph())
    data += ontology
    data.parse(path, format="turtle", publicID=BASE)
    return validate(data, shapes, lang=lang)


def expectations(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"expect": [], "expect-focus": [], "expect-de": []}
    for key, value in EXPECT.findall(path.read_text(encoding="utf-8")):
        found[key].append(value.strip())
    return found


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_fixture(path: Path, ontology: Graph, shapes: Graph) -> None:
    report = check(path, ontology, shapes)
    expected = expectations(path)
    if path.stem.startswith("valid"):
        assert not expected["expect"], "a valid fixture expects nothing"
        assert report.violations == [], report.text()
        return
    assert expected["expect"], "an invalid or warning fixture must say what it expects (# expect: …)"
    assert report.conforms == path.stem.startswith("warning-"), report.text()
    messages = [v.message for v in report.violations]
    missing = [e for e in expected["expect"] if not any(e in m for m in messages)]
    unexpected = [v.text() for v in report.violations if not any(e in v.message for e in expected["expect"])]
    assert not missing, f"expected but not reported: {missing}\n{report.text()}"
    assert not unexpected, "reported but not expected:\n" + "\n".join(unexpected)
    foci = {v.focus for v in report.violations}
    for focus in expected["expect-focus"]:
        assert urljoin(BASE, focus) in foci, report.text()


GERMAN = [p for p in CASES if expectations(p)["expect-de"]]


@pytest.mark.parametrize("path", GERMAN, ids=case_id)
def test_german_messages(path: Path, ontology: Graph, shapes: Graph) -> None:
    messages = [v.message for v in check(path, ontology, shapes, lang="de").violations]
    for expected in expectations(path)["expect-de"]:
        assert any(expected in m for m in messages), messages


def test_every_message_in_english_and_german(shapes: Graph) -> None:
    for holder in set(shapes.subjects(SH.message, None)):
        languages = sorted(m.language or "" for m in shapes.objects(holder, SH.message) if isinstance(m, Literal))
        assert languages == ["de", "en"], f"{holder}: sh:message languages {languages}"


def test_every_reporting_property_shape_has_a_message(shapes: Graph) -> None:
    # Reporting property shapes are named; anonymous ones only live inside helpers and sh:or lists.
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)):
        assert shapes.value(shape, SH.message) is not None, f"{shape} has no sh:message"


def test_every_case_has_valid_and_invalid_fixtures() -> None:
    for folder in sorted({p.parent for p in CASES}):
        stems = [p.stem for p in folder.glob("*.ttl")]
        assert any(s.startswith("valid") for s in stems), f"{folder.name}: no valid fixture"
        assert any(s.startswith("invalid-") for s in stems), f"{folder.name}: no invalid fixture"
