"""The time and history rules (queries/rules/date-precision.rq, partner-country.rq) derive the same triples on
both engines (Oxigraph builds, rdflib derives for `citykg diff`), and every sort date agrees with its date."""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import XSD

from citykg.build import BuildResult, apply_rules
from citykg.config import Project
from citykg.inputs import graph_paths, ontology_paths

CKG = "https://w3id.org/citykg/ontology#"
DERIVED = [URIRef(CKG + name) for name in ("sortDate", "datePrecision", "countryAtStart")]
PRECISION = {XSD.date: "day", XSD.gYearMonth: "month", XSD.gYear: "year"}


def test_rdflib_derives_what_oxigraph_derives(project: Project, built: BuildResult) -> None:
    dataset = Dataset(default_union=True)
    for path in [*ontology_paths(project), *graph_paths(project)]:
        dataset.graph(path.as_uri()).parse(path, format="turtle", publicID=project.base)
    apply_rules(dataset, project)
    for predicate in DERIVED:
        by_rdflib = set(dataset.triples((None, predicate, None)))
        by_oxigraph = set(built.dataset.triples((None, predicate, None)))
        assert by_rdflib == by_oxigraph and by_oxigraph, predicate


def test_sort_date_is_the_first_day_of_the_start_date(built: BuildResult) -> None:
    data = built.dataset
    starts = list(data.subject_objects(URIRef("http://schema.org/startDate")))
    assert len(starts) > 100
    for node, start in starts:
        [sort_date] = list(data.objects(node, URIRef(CKG + "sortDate")))
        [precision] = list(data.objects(node, URIRef(CKG + "datePrecision")))
        assert isinstance(sort_date, Literal) and sort_date.datatype == XSD.date, node
        assert str(sort_date).startswith(str(start)) and len(str(sort_date)) == 10, node
        assert str(precision).endswith("/" + PRECISION[start.datatype]), node
