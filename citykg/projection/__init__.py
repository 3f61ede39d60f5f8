"""The RDF graph projected to a directed multigraph of resources (nodes) and relations (edges), below both the
views (citykg.views) and the analytics (citykg.analytics), which import it from here.

Relationship nodes (``ckg:Partnership``, ``org:Membership``, ``ckg:Tenure``, ``ckg:Participation``,
``ckg:Engagement``, ``ckg:AwardConferral``) become edges between the resources they relate, carrying their
kind, dates, status and citations; milestones become edges from the event to the partner city; a few plain
links (organisation structure, event places, SDG links …) become edges too. Every relation is kept: two
partnerships between the same cities are two edges.

- ``model``: the classes, relation kinds and :class:`Projection`;
- ``rows``: the answers of the view queries as plain values, from rdflib or straight from Oxigraph;
- ``edges``: the edge rule (relationship nodes, milestones and plain links to edges), shared by all below, and
  relations.rq's whole answer from edges.rq's (Oxigraph pairs partners in the store slowly);
- ``whole``: the projection of the whole dataset (``project``);
- ``scoped``: the neighbourhood of one resource, fetched hop by hop with bound queries (``project_around``);
- ``between``: the shortest chains between two resources, searched from both ends ring by ring (``citykg path``);
- ``network``: the lean projection ``citykg analyze`` reads (no places, citations or names);
- ``select``: selections (focus, depth, kinds, classes) and the year filter (``visible``).

The SPARQL is in ``queries/views/*.rq``.
"""

from __future__ import annotations

from citykg.projection.model import Citation, Projection, fraction_of, local_name, year_of
from citykg.projection.rows import Lit, Rows, rows_of
from citykg.projection.scoped import project_around
from citykg.projection.select import Visible, select, subgraph, today_year, visible, within
from citykg.projection.whole import build, load_query, project

__all__ = [
    "Citation",
    "Lit",
    "Projection",
    "Rows",
    "Visible",
    "build",
    "fraction_of",
    "load_query",
    "local_name",
    "project",
    "project_around",
    "rows_of",
    "select",
    "subgraph",
    "today_year",
    "visible",
    "within",
    "year_of",
]
