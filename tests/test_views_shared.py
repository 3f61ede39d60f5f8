"""`citykg shared` answers from the data the graph has, refuses the focus city; `path` spells undated steps
without an empty date."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from citykg.cli import main
from citykg.config import Project

MEMBERSHIP = """
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ckg:  <https://w3id.org/citykg/ontology#> .
@prefix ckgv: <https://w3id.org/citykg/vocab/> .

<https://w3id.org/citykg/dortmund/membership/leeds-eurocities> a org:Membership ;
    rdfs:label "Mitgliedschaft von Leeds in EUROCITIES"@de , "Leeds's membership in EUROCITIES"@en ;
    org:member <https://w3id.org/citykg/dortmund/city/leeds> ;
    org:organization <https://w3id.org/citykg/dortmund/organisation/eurocities> ;
    prov:qualifiedDerivation <https://w3id.org/citykg/dortmund/citation/leeds-eurocities> .

<https://w3id.org/citykg/dortmund/citation/leeds-eurocities> a ckg:Citation ;
    prov:entity <https://w3id.org/citykg/dortmund/source/dortmund-de-internationale-netzwerke> ;
    ckg:quote "Leeds is a member of EUROCITIES (test fixture)"@en ;
    ckg:confidence ckgv:high .
"""


def invoker(project: Project, build_dir):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["--project", str(project.root), "--build-dir", str(build_dir), *args])


@pytest.fixture
def run(project: Project, built):
    return invoker(project, project.build_dir)


def test_shared_says_when_the_partner_has_no_memberships_in_the_graph(run) -> None:
    result = run("shared", "Leeds")
    assert result.exit_code == 0, result.output
    assert "keine Mitgliedschaften oder Engagements von Leeds" in result.output
    assert "Keine gemeinsamen" not in result.output


def test_shared_refuses_the_focus_city(run) -> None:
    result = run("shared", "city/dortmund")
    assert result.exit_code == 2 and "itself" in result.output


def test_shared_lists_a_network_both_belong_to(project_copy: Project, tmp_path) -> None:
    (project_copy.graph_dir / "leeds-eurocities.ttl").write_text(MEMBERSHIP, encoding="utf-8")
    run = invoker(project_copy, tmp_path / "build")
    assert run("build").exit_code == 0
    result = run("shared", "leeds")
    assert result.exit_code == 0, result.output
    assert "EUROCITIES" in result.output and "Leeds: Mitglied" in result.output


def test_undated_step_has_no_empty_date(run) -> None:
    result = run("path", "Dortmund", "Eurocities")
    assert result.exit_code == 0, result.output
    assert "(; " not in result.output and "(Quelle: " in result.output
