"""``citykg serve``: a SPARQL 1.1 endpoint, dereferenceable Linked Data, dumps with VoID/DCAT and HTML pages.

Modules, one noun each: :mod:`command` (the CLI), :mod:`app` (routes and the guard in front of them),
:mod:`state` (what handlers share), :mod:`settings`, :mod:`datasets` (what is held), :mod:`engine`
(SPARQL over rdflib, with the network policy), :mod:`workers` (forked processes with a real timeout),
:mod:`cache`, :mod:`protocol` (the SPARQL protocol's request rules), :mod:`negotiation`, :mod:`endpoint`
(``/sparql``), :mod:`service` (service description), :mod:`void` (VoID/DCAT), :mod:`dumps` (dumps, graph
store), :mod:`namedqueries`, :mod:`linkeddata`, :mod:`describe`, :mod:`ontology`, :mod:`search`,
:mod:`site` (landing page, static files), :mod:`views` (``/view``, ``/map``, ``/timeline`` from
:mod:`citykg.views`), :mod:`pages` and :mod:`i18n` (HTML), :mod:`responses`.
"""
