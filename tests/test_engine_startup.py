"""`citykg serve` does nothing O(graph) before it listens, and its process holds no copy of the data: what it
says at start (named graphs, triples, the focus resource) comes from the child that prepared the Oxigraph
store, and the pages read that store through bound queries (queries/server/*.rq), opened read-only on first
use; after an update the handle is reopened."""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS

from citykg.server.datasets import Holdings
from citykg.server.served import prepare
from citykg.store import cache_path, focus_resource


def test_prepared_store_reports_what_the_parsed_dataset_says(project, built) -> None:
    served = prepare(project, [], writable=False)
    try:
        dataset = Dataset(default_union=True)
        dataset.parse(cache_path(project), format="nquads")  # rdflib's own reading of the build, for reference
        names = sorted({c.identifier for c in dataset.graphs() if isinstance(c.identifier, URIRef) and len(c)})
        names = [n for n in names if not str(n).startswith("urn:x-rdflib:")]
        assert [URIRef(g) for g in served.graphs] == names
        assert served.triples == len(dataset) > 1000
        assert served.focus == str(focus_resource(dataset))
        store = Holdings(served.location, project.base)  # the same answers read from the store itself
        assert store.named_graphs() == names
        assert store.triple_count() == served.triples
    finally:
        served.remove()


def test_holdings_answer_startup_questions_without_opening_the_store(tmp_path) -> None:
    graph = URIRef("urn:example:g")
    holdings = Holdings(tmp_path / "no-store-here", "urn:example:", graph_names=[graph], triples=1)
    assert holdings.named_graphs() == [graph] and holdings.holds(graph)
    assert holdings.triple_count() == 1
    assert holdings._store is None  # nothing was opened, let alone parsed


def test_holdings_read_labels_and_counts_from_the_store_and_follow_changes() -> None:
    import pyoxigraph as ox

    store = ox.Store()
    g = ox.NamedNode("urn:example:g")
    s = ox.NamedNode("urn:example:s")
    store.add(ox.Quad(s, ox.NamedNode(str(RDFS.label)), ox.Literal("Stadt", language="de"), g))
    holdings = Holdings(store, "urn:example:")
    assert holdings.label(URIRef("urn:example:s"), "en") == "Stadt"
    assert holdings.triple_count() == 1 and holdings.named_graphs() == [URIRef("urn:example:g")]
    store.add(ox.Quad(s, ox.NamedNode(str(RDFS.label)), ox.Literal("City", language="en"), g))
    store.add(ox.Quad(s, ox.NamedNode("urn:example:p"), ox.Literal("x"), ox.NamedNode("urn:example:h")))
    assert holdings.label(URIRef("urn:example:s"), "en") == "Stadt"  # remembered within a generation
    holdings.changed()
    assert holdings.generation == 1
    assert holdings.label(URIRef("urn:example:s"), "en") == "City"
    assert holdings.label(URIRef("urn:example:s"), "de") == "Stadt"
    assert holdings.triple_count() == 3
    assert URIRef("urn:example:h") in holdings.named_graphs()
    assert holdings.select("statements", s=URIRef("urn:example:s")).count((URIRef("urn:example:p"), Literal("x"))) == 1


def test_labels_read_in_batches_equal_labels_read_one_by_one(project, built) -> None:
    from citykg.store import store_path

    one = Holdings(store_path(project), project.base)
    many = Holdings(store_path(project), project.base)
    iris = sorted({s for (s,) in one.rows("labelled", base=Literal(project.base))}, key=str)
    assert len(iris) > 100
    many.prefetch_labels(iris, batch=37)
    assert all(many._labels[i] == one.labels_of(i) for i in iris)
    assert any(len(one.labels_of(i)) > 1 for i in iris)  # several languages, one label each
