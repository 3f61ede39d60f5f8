"""`citykg serve` does nothing O(graph) before it listens: what it says at start (named graphs, triples, the
focus resource) comes from the child that prepared the Oxigraph store, and the pages' rdflib dataset is
parsed in the background, only read when a page needs it."""

from __future__ import annotations

import asyncio
import threading

from rdflib import Dataset, URIRef

from citykg.server.datasets import Holdings
from citykg.server.served import prepare
from citykg.store import focus_resource


def test_prepared_store_reports_what_the_parsed_dataset_says(project, built) -> None:
    served = prepare(project, [], writable=False)
    try:
        dataset = Dataset(default_union=True)
        dataset.parse(served.dump, format="nquads")
        reference = Holdings(dataset, project.base)
        assert [URIRef(g) for g in served.graphs] == reference.named_graphs()
        assert served.triples == reference.triple_count() > 1000
        assert served.focus == str(focus_resource(dataset))
    finally:
        served.remove()


def test_holdings_answer_startup_questions_without_loading() -> None:
    release = threading.Event()
    calls = []
    loaded = Dataset(default_union=True)
    graph = URIRef("urn:example:g")
    loaded.graph(graph).add((URIRef("urn:example:s"), URIRef("urn:example:p"), URIRef("urn:example:o")))

    def loader() -> Dataset:
        calls.append(1)
        release.wait(10)
        return loaded

    holdings = Holdings(None, "urn:example:", loader=loader, graph_names=[graph], triples=1)
    assert holdings.named_graphs() == [graph] and holdings.holds(graph)
    assert holdings.triple_count() == 1
    assert not calls and not holdings.ready
    holdings.load_in_background()
    holdings.load_in_background()  # one parse, however often asked

    async def waits() -> bool:
        task = asyncio.create_task(holdings.wait())
        await asyncio.sleep(0.05)
        assert not task.done()  # the event loop kept running while the parse waits
        release.set()
        await task
        return holdings.ready

    assert asyncio.run(waits())
    assert holdings.dataset is loaded and calls == [1]
    holdings.changed()  # after an update the count comes from the data
    assert holdings.triple_count() == 1
