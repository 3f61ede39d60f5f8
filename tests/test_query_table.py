"""`citykg query`'s table for people (issue 13): headers from the query header's German (or English) fields,
dates as people write them, no language tags or datatypes; CSV and JSON keep the variable names and terms."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from citykg.cli import main
from citykg.config import Project


@pytest.fixture
def run(project: Project, built):
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(main, ["--project", str(project.root), "--build-dir", str(project.build_dir), *args])
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_german_table(run) -> None:
    out = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "de")
    head = out.splitlines()[0].split()
    assert head[:3] == ["Datum", "Art", "Meilenstein"] and "Verlässlichkeit" in head
    assert "2. Juni 1969" in out and "April 1970" in out  # a day and a month, at the source's precision
    assert "1969-06-02" not in out and "eventLabel" not in out
    assert "@de" not in out and "^^" not in out and "xsd:" not in out
    assert out.rstrip().endswith("(5 Zeilen)")


def test_project_language_is_the_default(run) -> None:
    out = run("query", "twin-cities")  # citykg.toml: lang = "de"
    assert out.splitlines()[0].split()[:3] == ["Partner", "Partnerstadt", "Land"]
    assert "Rostow am Don" in out


def test_english_table(run) -> None:
    out = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "en")
    assert out.splitlines()[0].split()[:2] == ["Date", "Kind"] and "2 June 1969" in out
    assert out.rstrip().endswith("(5 rows)")


def test_csv_and_json_keep_variable_names_and_terms(run) -> None:
    csv = run("query", "partnership-history", "-p", "partner=Leeds", "--format", "csv")
    assert csv.splitlines()[0].startswith("date,kindLabel,eventLabel") and "1969-06-02" in csv
    data = json.loads(run("query", "partnership-history", "-p", "partner=Leeds", "--format", "json"))
    assert data["head"]["vars"][0] == "date"
    assert data["results"]["bindings"][0]["date"]["datatype"].endswith("#date")


def test_ask_and_adhoc(run) -> None:
    assert run("query", "--sparql", "ASK { ?s ?p ?o }", "--lang", "de").strip() == "ja"
    out = run("query", "--sparql", "SELECT ?since WHERE { ?p schema:startDate ?since } LIMIT 1", "--lang", "de")
    assert out.splitlines()[0] == "Since" and "-" not in out.splitlines()[2]  # a date in words


def test_codes_in_words(run) -> None:
    """Confidence (a code literal the query derives from ckgv:high) and statuses (concept IRIs) print as the
    vocabulary's labels in the chosen language; the CSV keeps the codes."""
    de = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "de")
    assert " hoch " in de and " mittel " in de
    assert " high " not in de and " medium " not in de
    en = run("query", "partnership-history", "-p", "partner=Leeds", "--lang", "en")
    assert " high " in en and " hoch " not in en
    status = "SELECT DISTINCT ?status WHERE { ?p ckg:status ?status } ORDER BY ?status"
    assert run("query", "--sparql", status, "--lang", "de").splitlines()[2:5] == ["aktiv", "ruhend", "beendet"]
    csv = run("query", "partnership-history", "-p", "partner=Leeds", "--format", "csv")
    assert ",high," in csv and "hoch" not in csv


def test_code_columns_only_when_every_value_is_a_code() -> None:
    """A column is read as codes only when every value names a concept of the vocabulary."""
    from rdflib import Graph, Literal

    from citykg.codes import Codes

    vocab = Graph().parse(
        data="@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix v: <https://w3id.org/citykg/vocab/> ."
        ' v:high a skos:Concept ; skos:prefLabel "hoch"@de , "high"@en .',
        format="turtle",
    )
    codes = Codes.of(vocab)
    rows = [[Literal("high"), Literal("high")], [Literal("high"), Literal("A title")]]
    coded = codes.with_concepts(rows)
    assert codes.label(coded[0][0], "de") == "hoch" and coded[1][1] == Literal("A title")
    assert coded[0][1] == Literal("high")  # its column also holds a non-code


XSD = "http://www.w3.org/2001/XMLSchema#"
#: Lexical forms by datatype, canonical and not, valid and not: the table must show each as rdflib writes it.
LEXICAL = {
    "integer": ["0", "7", "-12", "01", "+5", "-0", " 5", "abc", "123456789012345678901234567890"],
    "decimal": ["1.50", "01.5", "-0.5", ".5", "5.", "+1.5", "0.0000001", "-0.0", "1e3", "3"],
    "double": ["1.0E3", "1.5E0", "INF", "NaN", "12.5", "1e-07", "x"],
    "float": ["1.5", "1.0E3"],
    "boolean": ["true", "false", "1", "0", "TRUE", "yes"],
    "string": ["x ", " a\nb", ""],
    "anyURI": ["http://example.org/a b", "urn:x"],
    "nonNegativeInteger": ["007", "7"],
    "token": ["  x ", "y"],
    "dayTimeDuration": ["PT36H"],
    "date": ["2024-05-14", "2024-05-14Z", "2024-05-14+02:00", "0999-01-01", "2024-05", "2024", "-0044-03-15", "x"],
    "dateTime": ["2024-05-14T10:00:00", "2024-05-14T10:00:00.000Z", "-0044-03-15T00:00:00", "2024-5-1T00:00:00"],
    "gYear": ["2024", "0999", "2024Z", "-0044", "24"],
    "gYearMonth": ["2024-05", "2024-5", "2024-05Z", "2024-05-14"],
}


def _rdflib_cell(value: dict[str, str] | None, lang: str, base: str, codes) -> str:  # type: ignore[no-untyped-def]
    """The table's cell as it was made from rdflib terms (the reference the rdflib-free cell must match)."""
    from rdflib import BNode, Literal, URIRef

    from citykg.profile.dates import human
    from citykg.results import compact

    if value is None:
        return ""
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return codes.label(text, lang) or compact(URIRef(text), base)
    if kind == "bnode":
        return f"_:{BNode(text)}"
    datatype = value.get("datatype")
    node = Literal(text, lang=value.get("xml:lang"), datatype=URIRef(datatype) if datatype else None)
    if datatype in (XSD + "date", XSD + "gYear", XSD + "gYearMonth", XSD + "dateTime"):
        shown = str(node)
        if datatype == XSD + "dateTime":
            shown, datatype = shown[:10], XSD + "date"
        return human(Literal(shown, datatype=URIRef(datatype)), lang)
    return str(node).replace("\n", " ")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_cells_without_rdflib_equal_rdflib_terms(project: Project, lang: str) -> None:
    """The people's table reads Oxigraph's JSON values without rdflib: every value is written as the rdflib
    terms wrote it (a lexical form rdflib normalises, such as "01"^^xsd:integer, is handed to rdflib)."""
    from citykg.codes import Codes
    from citykg.peopletable import cell

    codes = Codes.load(project)
    values: list[dict[str, str]] = [
        {"type": "literal", "value": text, "datatype": XSD + datatype}
        for datatype, texts in LEXICAL.items()
        for text in texts
    ]
    values += [
        {"type": "literal", "value": "Leeds"},
        {"type": "literal", "value": "Rostow am Don", "xml:lang": "de"},
        {"type": "bnode", "value": "b0"},
        {"type": "uri", "value": project.base + "city/leeds"},
        {"type": "uri", "value": "https://w3id.org/citykg/vocab/active"},
        {"type": "uri", "value": "https://w3id.org/citykg/ontology#Partnership"},
        {"type": "uri", "value": "urn:x"},
    ]
    for value in values:
        try:
            expected = _rdflib_cell(value, lang, project.base, codes)
        except (IndexError, ValueError) as exc:  # an impossible month: the cell fails the same way
            with pytest.raises(type(exc)):
                cell(value, lang, project.base, codes)
            continue
        assert cell(value, lang, project.base, codes) == expected, value
