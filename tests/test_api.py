"""The Python API: docs/python.md's examples run as written (their output compared with the doc), values are
Python values, names resolve with suggestions, and the API gives the same rows as the CLI."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import types
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib.namespace as namespaces
from click.testing import CliRunner
from rdflib import Literal, URIRef

import citykg
from citykg.api import Rows, python_value
from citykg.cli import main
from citykg.errors import MissingComponent, UsageError

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "python.md"


def doc_examples() -> list[tuple[str, str | None]]:
    """(python block, the text block right after it or None), in the order of the document."""
    blocks = re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    pairs = []
    for index, (lang, body) in enumerate(blocks):
        if lang == "python":
            after = blocks[index + 1] if index + 1 < len(blocks) else None
            pairs.append((body, after[1] if after and after[0] == "text" else None))
    return pairs


@pytest.fixture(scope="module")
def kg(built, project):
    return citykg.open(project.root, build_dir=project.build_dir)


def test_docs_python_examples_run_and_print_what_they_say(built, project) -> None:
    shim = types.SimpleNamespace(
        open=lambda path=".", **kw: citykg.open(ROOT / path, build_dir=project.build_dir, **kw)
    )
    namespace: dict = {"__name__": "docs_python"}
    examples = doc_examples()
    assert len(examples) >= 6
    for code, expected in examples:
        code = code.replace("import citykg\n", "")
        namespace.setdefault("citykg", shim)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), namespace)
        if expected is not None:
            assert out.getvalue() == expected, f"docs/python.md block:\n{code}"


def test_values_are_python_values() -> None:
    assert python_value(Literal("1960", datatype=namespaces.XSD.gYear)) == 1960
    assert python_value(Literal("1960-04-02", datatype=namespaces.XSD.date)) == dt.date(1960, 4, 2)
    assert python_value(Literal("5", datatype=namespaces.XSD.integer)) == 5
    assert python_value(Literal("1.5", datatype=namespaces.XSD.decimal)) == Decimal("1.5")
    assert python_value(Literal("Leeds", lang="en")) == "Leeds"
    assert python_value(URIRef("http://x/")) == "http://x/"
    assert python_value(Literal("2024-05", datatype=namespaces.XSD.gYearMonth)) == "2024-05"
    assert python_value(None) is None


def test_same_rows_as_the_cli(kg, project) -> None:
    args = ["--project", str(project.root), "--build-dir", str(project.build_dir)]
    result = CliRunner().invoke(main, [*args, "query", "twin-cities", "-p", "lang=de", "--format", "json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)["results"]["bindings"]
    api = kg.query("twin-cities", lang="de")
    assert [row["partner"] for row in api] == [b["partner"]["value"] for b in cli]
    assert [str(row["since"]) for row in api] == [b["since"]["value"] for b in cli]


def test_names_resolve_and_mistakes_are_told(kg) -> None:
    assert kg.iri("city/leeds") == kg.iri("Leeds") == kg.iri(kg.base + "city/leeds") == kg.base + "city/leeds"
    with pytest.raises(UsageError) as caught:
        kg.iri("Leedz")
    assert "Leedz" in str(caught.value) and "city/leeds" in str(caught.value)
    with pytest.raises(UsageError):
        kg.query("twin-citys")
    with pytest.raises(UsageError):
        kg.query("partnerships-as-of")  # the year is required


def test_describe_keeps_citations(kg) -> None:
    description = kg.describe("city/kumasi")
    assert "http://schema.org/City" in description.types
    cited = description.cited()
    assert cited and all(c["url"] for s in cited for c in s.citations)
    assert {c["confidence"] for s in cited for c in s.citations} <= {"high", "medium", "unverified"}


def test_schema_https_warns(kg) -> None:
    with pytest.warns(UserWarning, match="http://schema.org/"):
        rows = kg.sparql("PREFIX schema: <https://schema.org/> SELECT ?c WHERE { ?c a schema:City }")
    assert rows == [] and rows.columns == ["c"]


def test_to_pandas_without_pandas_names_the_extra(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pandas" else real(name, *a))
    with pytest.raises(MissingComponent, match=r"citykg\[notebook\]"):
        Rows([{"a": 1}], ["a"]).to_pandas()


def test_oxigraph_store_gives_the_same_rows(kg, project) -> None:
    other = citykg.open(project.root, store="oxigraph", build_dir=project.build_dir)
    assert other.query("twin-cities", lang="de") == kg.query("twin-cities", lang="de")
    assert other.sparql("ASK { ?c a schema:City }") is True
