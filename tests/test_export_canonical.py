"""The canonical writers' shortcuts give what their plain forms give, on terms chosen to break them: escapes
in literals, blank nodes, a triple in two graphs, language variants."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from citykg import canonical, exportwriter, quadstore

DATA = r"""
<https://ex.org/g/a> {
  <https://ex.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/Place> , "a literal type" .
  <https://ex.org/s> <http://schema.org/name> "plain" , "plain"@en , "plain"@en-gb , "say \"hi\"" , "back\\slash" .
  <https://ex.org/s> <http://schema.org/description> "line\nbreak" , "tab\there" , "bell\u0007" , "sep\u2028x" .
  <https://ex.org/s> <http://schema.org/startDate> "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
  <https://ex.org/s> <http://schema.org/knows> _:b1 , _:b10 , <https://ex.org/s2> .
  _:b1 <http://schema.org/name> "one" .
  _:b10 <http://schema.org/name> "ten" .
  <https://ex.org/s2> <http://schema.org/name> "two" .
}
<https://ex.org/g/b> {
  <https://ex.org/s> <http://schema.org/name> "plain" .
  <https://ex.org/s2> <http://schema.org/name> "two"@de .
  <https://ex.org/s3> <http://schema.org/url> <https://ex.org/not%20compact?x=1> .
}
"""


@pytest.fixture
def store() -> ox.Store:
    loaded = ox.Store()
    loaded.load(DATA.encode("utf-8"), format=ox.RdfFormat.TRIG)
    return loaded


def test_ntriples_from_sorted_nquads_is_the_sorted_union(store: ox.Store) -> None:
    by_sorting = canonical.ntriples(store)
    assert canonical.ntriples(store, quadstore.nquads(store)) == by_sorting
    assert by_sorting.count(b'<http://schema.org/name> "plain" .') == 1  # in both graphs, written once
    assert by_sorting.split(b"\n")[:-1] == sorted(set(by_sorting.split(b"\n")[:-1]))


def test_ntriples_with_a_default_graph_is_still_the_union(store: ox.Store) -> None:
    store.add(
        ox.Quad(ox.NamedNode("https://ex.org/d"), ox.NamedNode("https://ex.org/p"), ox.NamedNode("https://ex.org/g/a"))
    )
    lines = canonical.ntriples(store, quadstore.nquads(store)).split(b"\n")
    assert b"<https://ex.org/d> <https://ex.org/p> <https://ex.org/g/a> ." in lines  # not cut as if a graph


def test_jsonld_lines_are_what_json_dumps_writes(store: ox.Store) -> None:
    text = canonical.jsonld(store).decode("utf-8")
    document = json.loads(text)
    nodes = [line.strip().rstrip(",") for line in text.split("\n") if line.startswith("   {")]
    assert len(nodes) == 7
    for line in nodes:
        assert line == json.dumps(json.loads(line), ensure_ascii=False)
    graphs = {g["@id"]: {n["@id"]: n for n in g["@graph"]} for g in document["@graph"]}
    subject = graphs["https://ex.org/g/a"]["https://ex.org/s"]
    assert subject["@type"] == ["schema:Place"] and subject["rdf:type"] == [{"@value": "a literal type"}]
    names = {v["@value"] for v in subject["schema:name"]}
    assert {'say "hi"', "back\\slash", "plain"} <= names
    described = {v["@value"] for v in subject["schema:description"]}
    assert described == {"line\nbreak", "tab\there", "bell\u0007", "sep\u2028x"}
    assert {"@value": "2020-01-01", "@type": "xsd:date"} in subject["schema:startDate"]
    known = [v["@id"] for v in subject["schema:knows"]]  # blank nodes relabelled by Oxigraph: IRIs sort first
    assert known[0] == "https://ex.org/s2" and len(known) == 3 and all(k.startswith("_:") for k in known[1:])
    other = graphs["https://ex.org/g/b"]
    assert other["https://ex.org/s3"]["schema:url"] == [{"@id": "https://ex.org/not%20compact?x=1"}]


def test_prefixes_compact_only_plain_local_names() -> None:
    prefixes = canonical.Prefixes()
    assert prefixes.compact("http://schema.org/name") == "schema:name"
    assert prefixes.compact("http://www.w3.org/ns/org#Membership") == "org:Membership"
    assert prefixes.compact("http://schema.org/a/b") is None
    assert prefixes.compact("http://example.org/x") is None
    assert prefixes.turtle("<http://www.w3.org/2001/XMLSchema#date>") == "xsd:date"
    assert prefixes.turtle('"1"^^<http://www.w3.org/2001/XMLSchema#integer>') == '"1"^^xsd:integer'


@pytest.mark.parametrize("which", ["terms", "shipped project"])
def test_rows_and_turtle_from_sorted_nquads_are_the_stores(which: str, store: ox.Store, built) -> None:
    """What the build streams from citykg.nq (a writer process has nothing else) equals what the store gives."""
    source = store if which == "terms" else built.store
    nquads = quadstore.nquads(source)
    from_store = canonical.all_rows(source)
    from_lines = canonical.graph_rows(io.BytesIO(nquads))
    assert [g.value for g, _ in from_lines] == [g.value for g, _ in from_store]
    assert [rows for _, rows in from_lines] == [rows for _, rows in from_store]
    assert canonical.turtle_from(canonical.union_rows(nquads)) == canonical.turtle(source)


def test_the_writer_process_writes_the_in_process_bytes(store: ox.Store, tmp_path: Path) -> None:
    (tmp_path / "in.nq").write_bytes(quadstore.nquads(store))
    with (tmp_path / "in.nq").open("rb") as lines:
        digests = exportwriter.write(lines, tmp_path, "out", ["trig", "jsonld"])
    assert (tmp_path / "out.trig").read_bytes() == canonical.trig(store)
    assert (tmp_path / "out.jsonld").read_bytes() == canonical.jsonld(store)
    assert digests["out.trig"] == hashlib.sha256(canonical.trig(store)).hexdigest()


def test_graphs_from_sorted_nquads_come_in_iri_order() -> None:
    """``<https://ex.org/a-b>`` sorts before ``<https://ex.org/a>`` as text, after it as an IRI."""
    loaded = ox.Store()
    for graph in ("https://ex.org/a", "https://ex.org/a-b"):
        node = ox.NamedNode(graph)
        loaded.add(ox.Quad(node, node, node, node))
    from_lines = canonical.graph_rows(io.BytesIO(quadstore.nquads(loaded)))
    assert [g.value for g, _ in from_lines] == [g.value for g in canonical.graph_names(loaded)]
