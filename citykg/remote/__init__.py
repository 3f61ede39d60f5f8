"""citykg beyond one machine: push the built graph to SPARQL stores, query them, reconcile with Wikidata.

Modules: :mod:`endpoint` (reading: SPARQLWrapper, retries, credentials, ``run_remote``), :mod:`graphstore`
(writing: SPARQL Update and the Graph Store Protocol, store profiles), :mod:`bindings` (VALUES-based
parameter binding), :mod:`push`, :mod:`reconcile`, :mod:`enrich`, :mod:`commands` (the click commands).
The SPARQL they run lives in ``queries/remote/`` and ``queries/wikidata/``.
"""
