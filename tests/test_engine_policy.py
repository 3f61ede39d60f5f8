"""The policy scan: SERVICE / FROM / FROM NAMED / LOAD found wherever SPARQL has them, and nowhere else."""

from __future__ import annotations

import pytest

from citykg.policy import Reach, Refused, UnknownGraph, check, scan

CASES = [
    ("SELECT * { ?s ?p ?o }", Reach("SELECT")),
    ("select * { service <http://h/> { ?s ?p ?o } }", Reach("SELECT", services=("http://h/",))),
    ("SELECT * { SERVICE SILENT ?where { ?s ?p ?o } }", Reach("SELECT", services=("?where",))),
    ("PREFIX e: <http://e/> SELECT * { SERVICE e:x {} }", Reach("SELECT", services=("http://e/x",))),
    ("BASE <http://b/> SELECT * { SERVICE <rel> {} }", Reach("SELECT", services=("http://b/rel",))),
    (r"SELECT * { SERV\u0049CE <http://h/> {} }", Reach("SELECT", services=("http://h/",))),
    (
        "SELECT * FROM <http://g/1> FROM NAMED <file:///etc/passwd> {}",
        Reach("SELECT", default=("http://g/1",), named=("file:///etc/passwd",)),
    ),
    ("ASK FROM schema:x {}", Reach("ASK", default=("http://schema.org/x",))),
    ("LOAD SILENT <http://h/x> INTO GRAPH <urn:g>", Reach("", loads=("http://h/x",))),
    ("INSERT { ?s <urn:p> 1 } WHERE { SELECT ?s { ?s ?p ?o } }", Reach("")),
    # not clauses: strings, comments, IRIs, prefixed names and variables that merely contain the words
    ('SELECT * { ?s ?p "SERVICE <http://h/>" }', Reach("SELECT")),
    ("SELECT * { ?s ?p '''FROM <http://g/>\n''' }", Reach("SELECT")),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://h/>", Reach("SELECT")),
    ("SELECT ?service ?from { ?service ex:load <urn:SERVICE> ; :from ?from }", Reach("SELECT")),
    ("SELECT * { ?a ?b ?c FILTER (?a<?b) }", Reach("SELECT")),
    ('SELECT * { ?s ?p "a \\" SERVICE <http://h/>" }', Reach("SELECT")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_scan(text: str, expected: Reach) -> None:
    assert scan(text, {"schema": "http://schema.org/"}) == expected


def test_check_refuses_service_and_load_unless_allowed() -> None:
    with pytest.raises(Refused, match="SERVICE <http://h/>"):
        check(scan("SELECT * { SERVICE <http://h/> {} }"), lambda iri: True)
    with pytest.raises(Refused, match="LOAD"):
        check(scan("LOAD <http://h/x>"), lambda iri: True)
    check(scan("SELECT * { SERVICE <http://h/> {} }"), lambda iri: True, ["http://h/"])


def test_check_names_an_unknown_graph() -> None:
    with pytest.raises(UnknownGraph, match="FROM NAMED <file:///etc/passwd>"):
        check(scan("SELECT * FROM NAMED <file:///etc/passwd> {}"), {"urn:held"}.__contains__)
    check(scan("SELECT * FROM <urn:held> {}"), {"urn:held"}.__contains__)
