"""VALUES-based parameter binding for remote endpoints: where the blocks go, and that they mean what
rdflib's initBindings mean, checked for every golden case on Oxigraph's engine (in process).

(Not on rdflib's own engine: rdflib 7.6 drops rows when a group holds VALUES, BIND and a sequence path
together, e.g. event-details' first UNION branch, so there rdflib's initBindings stay the reference.)"""

from __future__ import annotations

import io

import pytest
from rdflib import Literal, URIRef

from citykg.bindings import bind_remote, fill_placeholders, groups, values_block, with_values
from citykg.errors import QueryError, UsageError
from citykg.queries import Catalogue, adhoc, bind, run
from citykg.results import render
from citykg.store import focus_resource

pytest.register_assert_rewrite("remote_conftest")
from remote_conftest import CASES, same_rows  # noqa: E402

pytest_plugins = ["remote_conftest"]

LANG = {"lang": Literal("en")}
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")


def test_block_opens_the_where_group() -> None:
    text = "SELECT ?x WHERE { ?x ?p ?lang }"
    assert with_values(text, [LANG]) == 'SELECT ?x WHERE { VALUES (?lang) { ("en") } ?x ?p ?lang }'


def test_optional_filters_see_the_outer_block() -> None:
    """An OPTIONAL's FILTER is its left join's condition: the WHERE group's block reaches it, and a block
    inside the OPTIONAL would only make engines evaluate it against the whole graph first."""
    text = "SELECT ?x WHERE { ?x a ?t OPTIONAL { ?x ?p ?l FILTER (lang(?l) = ?lang) } { ?y ?q ?z } }"
    bound = with_values(text, [LANG])
    assert bound.count('VALUES (?lang) { ("en") }') == 1
    assert "VALUES" not in bound.split("OPTIONAL", 1)[1]


def test_a_group_mentioning_a_variable_only_in_a_nested_optional_gets_the_block() -> None:
    text = "SELECT ?x WHERE { { SELECT ?x ?l WHERE { ?x a ?t OPTIONAL { ?x ?p ?l FILTER (lang(?l) = ?lang) } } } }"
    bound = with_values(text, [LANG])
    assert bound.count('VALUES (?lang) { ("en") }') == 2  # the WHERE group and the sub-select's WHERE group
    adhoc(bound)


def test_subselect_union_branch_and_exists_are_reached() -> None:
    text = (
        "SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p ?city } ORDER BY ?a } "
        "{ BIND (?city AS ?b) } UNION { ?b ?q ?city } FILTER NOT EXISTS { ?city ?r ?a } }"
    )
    bound = with_values(text, [{"city": URIRef("http://ex/c")}])
    assert bound.count("VALUES (?city) { (<http://ex/c>) }") == 4  # WHERE, sub-select WHERE, 2 branches (not EXISTS)
    assert "{ VALUES" not in bound.split("{ SELECT", 1)[0][-3:]  # never directly before a sub-select's SELECT
    adhoc(bound)  # still valid SPARQL


def test_construct_template_and_values_data_are_left_alone() -> None:
    text = "CONSTRUCT { ?x ?p ?city } WHERE { VALUES ?p { <http://ex/p> } ?x ?p ?city }"
    bound = with_values(text, [{"city": URIRef("http://ex/c")}])
    assert bound.startswith("CONSTRUCT { ?x ?p ?city } WHERE { VALUES (?city)")
    assert "VALUES ?p { <http://ex/p> }" in bound
    adhoc(bound)


def test_braces_in_strings_comments_and_iris_do_not_count() -> None:
    text = '# a { comment\nSELECT ?x WHERE { ?x ?p "{ not a group }" . ?x ?q <http://ex/a#b> FILTER (?x = ?lang) }'
    kinds = [g.kind for g in groups(text)]
    assert kinds == ["where"]
    assert with_values(text, [LANG]).count("VALUES") == 1


def test_long_strings_and_escapes_are_skipped() -> None:
    text = 'SELECT ?x WHERE { ?x ?p """a } \\" { b""" . ?x ?q \'c \\\' }\' FILTER (?x != ?lang) }'
    assert [g.kind for g in groups(text)] == ["where"]


def test_rows_are_typed_terms_never_text() -> None:
    rows = [{"year": Literal(1970, datatype=XSD_INTEGER), "name": Literal('say "hi" }')}]
    block = values_block(rows, ["year", "name"])
    assert block == 'VALUES (?year ?name) { ("1970"^^<http://www.w3.org/2001/XMLSchema#integer> "say \\"hi\\" }") }'


def test_several_rows_and_undef() -> None:
    rows = [{"item": URIRef("http://ex/a")}, {"item": URIRef("http://ex/b"), "x": Literal(1)}]
    assert values_block(rows, ["item", "x"]) == (
        'VALUES (?item ?x) { (<http://ex/a> UNDEF) (<http://ex/b> "1"^^<http://www.w3.org/2001/XMLSchema#integer>) }'
    )


def test_unbound_parameters_stay_unbound() -> None:
    text = "SELECT ?x WHERE { ?x ?p ?o FILTER (!BOUND(?year) || ?o = ?year) }"
    assert bind_remote(text, {}) == text


def test_bad_iris_are_refused() -> None:
    with pytest.raises(UsageError):
        values_block([{"x": URIRef("http://ex/a> } DROP ALL { <x")}], ["x"])
    with pytest.raises(UsageError):
        fill_placeholders("DROP GRAPH <urn:citykg:bind:graph>", {"graph": "not an iri"})


def test_placeholders_are_filled_with_checked_iris() -> None:
    text = fill_placeholders("MOVE <urn:citykg:bind:a> TO <urn:citykg:bind:b>", {"a": "urn:x:1", "b": "http://ex/g"})
    assert text == "MOVE <urn:x:1> TO <http://ex/g>"


def test_unbalanced_text_is_a_query_error() -> None:
    with pytest.raises(QueryError):
        with_values("SELECT ?x WHERE { ?x ?p ?o ", [LANG])
    with pytest.raises(QueryError):
        with_values('SELECT ?x WHERE { ?x ?p "open }', [LANG])


@pytest.fixture(scope="module")
def catalogue(remote_project) -> Catalogue:
    return Catalogue(remote_project.queries_dir)


@pytest.fixture(scope="module")
def embedded_oxigraph(remote_project, remote_built):
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    store.bulk_load(path=str(remote_project.build_dir / "citykg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename[:-4])
def test_values_binding_on_embedded_oxigraph(case, catalogue, remote_project, remote_built, embedded_oxigraph) -> None:
    """The VALUES-bound text on Oxigraph's engine, read back through SPARQL JSON as run_remote reads it,
    gives the rows rdflib gives with initBindings."""
    import pyoxigraph as ox
    from rdflib.query import Result

    from citykg.remote.endpoint import normalise

    query = catalogue.get(case.query)
    dataset = remote_built.dataset
    bindings = bind(query, case.params, remote_project.base, focus_resource(dataset))
    expected = render(run(dataset, query, bindings), "tsv", remote_project.base)
    answer = embedded_oxigraph.query(bind_remote(query.text, bindings))
    data = answer.serialize(format=ox.QueryResultsFormat.JSON)
    actual = render(normalise(Result.parse(io.BytesIO(data), format="json")), "tsv", remote_project.base)
    assert same_rows(expected, actual)
