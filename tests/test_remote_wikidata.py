"""Reconciliation with and enrichment from Wikidata, against a local Oxigraph server loaded with the
hand-written fixture in tests/data/wikidata/ (never the internet: name lookups other than loopback fail)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS

from citykg.build import check
from citykg.namespaces import CKG, GEO, SCHEMA, WDT
from citykg.remote.enrich import default_output, enrich, parse_point, render_turtle
from citykg.remote.reconcile import dates_agree, reconcile, wikidata_date
from citykg.remotecommands import enrich as enrich_command
from citykg.remotecommands import reconcile as reconcile_command
from citykg.sources import load_sources, source_files

pytest.register_assert_rewrite("remote_conftest")
from remote_conftest import copy_project_to  # noqa: E402

pytest_plugins = ["remote_conftest"]
pytestmark = pytest.mark.usefixtures("remote_offline")


def test_wikidata_dates_at_their_precision() -> None:
    assert wikidata_date("1980-01-01T00:00:00Z", 9) == "1980"
    assert wikidata_date("1980-06-01T00:00:00Z", 10) == "1980-06"
    assert wikidata_date("1980-06-12T00:00:00Z", 11) == "1980-06-12"
    assert wikidata_date("1980-01-01T00:00:00Z", None) == "1980"  # guessed: Wikidata writes a year so
    assert dates_agree("1981", "1981-05-14") and dates_agree("1981-05-14", "1981")
    assert not dates_agree("1981", "1980") and not dates_agree("1981-05", "1981-06-01")


def test_wkt_points() -> None:
    assert parse_point("Point(7.465 51.513)") == (Decimal("51.513"), Decimal("7.465"))
    assert parse_point("<http://www.wikidata.org/entity/Q405> Point(1 2)") is not None  # a point on the Moon
    assert parse_point("Point(200 100)") is None and parse_point("LINESTRING(1 2, 3 4)") is None


@pytest.fixture(scope="module")
def reconciled(wikidata_fixture, remote_project, remote_built):
    [result] = reconcile(remote_project, remote_built.dataset, endpoint=wikidata_fixture, timeout=30)
    return result


def test_reconcile_finds_each_kind_of_difference(reconciled) -> None:
    by_item = {p.item: p for p in reconciled.pairs if p.item}
    assert reconciled.item == "Q1295" and reconciled.city_label == "Dortmund"
    assert by_item["Q39121"].findings == ["agrees"]
    assert by_item["Q39121"].start_wikidata == ["1969"]  # the deprecated 1970 statement is ignored
    assert by_item["Q40435"].findings == ["agrees"] and by_item["Q55630"].findings == ["agrees"]
    netanya = by_item["Q192225"]
    assert netanya.findings == ["date-differs"]
    assert (netanya.start_here, netanya.start_wikidata) == ("1981", ["1980"])
    zwickau = by_item["Q3778"]
    assert zwickau.findings == ["asymmetric"]
    assert (zwickau.listed_by_city, zwickau.listed_by_partner) == (True, False)
    assert "Zwickau (Q3778) does not list Dortmund (Q1295)" in zwickau.note
    assert by_item["Q5826"].findings == ["missing-on-wikidata"]
    sandbox = by_item["Q4115189"]
    assert sandbox.findings[0] == "missing-here" and sandbox.partner is None
    assert "Q1342" not in by_item  # Pittsburgh: an innovation partnership, not on Wikidata as a twin: fine
    unaligned = {p.label for p in reconciled.pairs if p.findings == ["not-aligned"]}
    assert unaligned == {"Amiens", "Rostov-on-Don", "Trabzon", "Kumasi", "Zhytomyr"}
    summary = reconciled.summary()
    assert summary["agrees"] == 3 and summary["missing-here"] == 1 and summary["missing-on-wikidata"] == 1


def test_reconcile_command_table_json_csv(wikidata_fixture, remote_cli_context) -> None:
    runner = CliRunner()
    table = runner.invoke(reconcile_command, ["--endpoint", wikidata_fixture], obj=remote_cli_context)
    assert table.exit_code == 0, table.output
    assert "Dortmund (Q1295) compared with" in table.output
    assert "Netanya: start 1981 here, 1980 on Wikidata (P580)" in table.output
    assert "not compared (no ckg:wikidata link here): Amiens" in table.output
    data = json.loads(
        runner.invoke(
            reconcile_command, ["--endpoint", wikidata_fixture, "--format", "json"], obj=remote_cli_context
        ).output
    )
    assert data[0]["item"] == "Q1295" and data[0]["summary"]["date-differs"] == 1
    assert {p["item"] for p in data[0]["pairs"] if "asymmetric" in p["findings"]} == {"Q3778", "Q4115189"}
    csv_text = runner.invoke(
        reconcile_command, ["--endpoint", wikidata_fixture, "--format", "csv"], obj=remote_cli_context
    ).output
    header, *rows = csv_text.strip().splitlines()
    assert header.startswith("city,city_item,partner,partner_item,label") and len(rows) == len(data[0]["pairs"])


def test_reconcile_needs_a_linked_city(wikidata_fixture, remote_cli_context) -> None:
    result = CliRunner().invoke(
        reconcile_command, ["--endpoint", wikidata_fixture, "--city", "city/amiens"], obj=remote_cli_context
    )
    assert result.exit_code == 2
    assert "has no Wikidata link (ckg:wikidata)" in result.output


def test_an_unreachable_wikidata_is_a_clear_error(remote_cli_context) -> None:
    result = CliRunner().invoke(
        reconcile_command, ["--endpoint", "http://127.0.0.1:9/sparql", "--timeout", "3"], obj=remote_cli_context
    )
    assert result.exit_code == 3
    assert "http://127.0.0.1:9/sparql: cannot connect (connection refused)" in result.output


@pytest.fixture(scope="module")
def enriched(wikidata_fixture, tmp_path_factory):
    """A project copy where Leeds has no curated coordinates and no English label, enriched once."""
    project = copy_project_to(tmp_path_factory.mktemp("enrich"))
    places = project.graph_dir / "places.ttl"
    text = places.read_text(encoding="utf-8")
    leeds = text.index("city:leeds a schema:City")
    block_end = text.index("\n\n", leeds)
    block = text[leeds:block_end]
    edited = block.replace(' , "Leeds"@en', "").replace(
        '    geo:lat "53.79648"^^xsd:decimal ; geo:long "-1.54785"^^xsd:decimal ;\n', ""
    )
    assert edited != block
    places.write_text(text[:leeds] + edited + text[block_end:], encoding="utf-8")
    result = enrich(project, endpoint=wikidata_fixture, timeout=30)
    return project, result


def test_enrich_writes_its_own_file(enriched) -> None:
    project, result = enriched
    assert result.path == default_output(project) and result.path.is_file()
    # The fixture holds the 8 linked cities; the 4 historical countries (USSR, GDR, SFRY, West Germany) are not in it.
    assert result.items == 12 and result.found == 8
    assert sorted(result.not_found) == ["Q15180", "Q16957", "Q713750", "Q83286"]
    assert result.added["population"] == 7  # Pittsburgh has none in the fixture
    assert result.added["coordinates"] == 1 and result.added["labels"] == 1  # Leeds, as edited
    assert result.alternatives["labels"] == 1  # Netanja@de
    text = result.path.read_text(encoding="utf-8")
    assert "<city/leeds>" in text and "https://w3id.org/citykg/dortmund/city/" not in text  # base-relative


def test_enrich_output_validates_and_becomes_its_own_named_graph(enriched) -> None:
    project, result = enriched
    dataset, report = check(project)
    assert report.conforms, report.text()
    graph = dataset.graph(URIRef(f"{project.base}graph/enrichment/wikidata"))
    assert len(graph) == result.triples


def test_enrich_never_overwrites_or_contradicts_curated_statements(enriched) -> None:
    project, result = enriched
    curated_files = [f for f in source_files(project) if "enrichment" not in f.path.parts]
    curated = load_sources(project, curated_files)
    added = Graph().parse(result.path, format="turtle", publicID=project.base)
    base = project.base
    for resource in curated.subjects(CKG.wikidata, None):
        for prop in (GEO.lat, GEO.long, WDT.P1082):
            if curated.value(resource, prop) is not None:
                assert added.value(resource, prop) is None, (resource, prop)
        for label in added.objects(resource, RDFS.label):
            assert not any(c.language == label.language for c in curated.objects(resource, RDFS.label))
    zwickau = URIRef(base + "city/zwickau")
    alternative = URIRef(base + "city/zwickau/wikidata")
    assert added.value(alternative, PROV.alternateOf) == zwickau
    assert str(added.value(alternative, GEO.lat)) == "50.718889"
    assert str(curated.value(zwickau, GEO.lat)) == "50.72724"
    netanya = URIRef(base + "city/netanya/wikidata")
    assert Literal("Netanja", lang="de") in set(added.objects(netanya, SCHEMA.name))
    leeds = URIRef(base + "city/leeds")
    assert str(added.value(leeds, GEO.lat)) == "53.799722" and Literal("Leeds", lang="en") in set(
        added.objects(leeds, RDFS.label)
    )
    assert int(added.value(leeds, WDT.P1082)) == 536280


def test_enrich_records_its_provenance(enriched, wikidata_fixture) -> None:
    project, result = enriched
    added = Graph().parse(result.path, format="turtle", publicID=project.base)
    source = URIRef(project.base + "source/wikidata-query-service")
    activity = added.value(source, PROV.wasGeneratedBy)
    assert added.value(source, SCHEMA.url) == URIRef(wikidata_fixture)
    assert added.value(activity, PROV.startedAtTime) is not None and added.value(activity, PROV.endedAtTime) is not None
    assert "wdt:P625" in str(added.value(activity, RDFS.comment))  # the query it ran
    buffalo = URIRef(project.base + "city/buffalo")
    citation = added.value(buffalo, PROV.qualifiedDerivation)
    assert added.value(citation, PROV.entity) == source
    assert "population 278,349 (2020-04-01)" in str(added.value(citation, RDFS.comment))


def test_enrich_command_again_gives_the_same_file_but_for_the_time(enriched, wikidata_fixture, tmp_path) -> None:
    project, result = enriched
    from citykg.cli import main

    ctx = main.make_context(
        "citykg", ["--project", str(project.root), "--build-dir", str(project.build_dir), "queries"]
    )
    with ctx:
        ctx.invoke(main.callback, **ctx.params)
    before = result.path.read_text(encoding="utf-8")
    run = CliRunner().invoke(enrich_command, ["--endpoint", wikidata_fixture], obj=ctx.obj)
    assert run.exit_code == 0, run.output
    assert "wrote graph/enrichment/wikidata.ttl" in run.output and "added: 1 coordinates" in run.output
    after = result.path.read_text(encoding="utf-8")
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+00:00)")
    assert stamp.sub("T", before) == stamp.sub("T", after)


def test_turtle_writer_is_deterministic_and_relative() -> None:
    base = "https://example.org/x/"
    graph = Graph()
    graph.add((URIRef(base + "city/a"), RDFS.label, Literal('A "quoted"', lang="en")))
    graph.add(
        (URIRef(base + "city/a"), GEO.lat, Literal("1.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")))
    )
    text = render_turtle(graph, base)
    assert "<city/a>" in text and '"1.5"^^xsd:decimal' in text
    again = Graph().parse(data=text, format="turtle", publicID=base)
    assert set(again) == set(graph)
