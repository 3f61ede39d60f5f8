"""The persistent store loaded in a child process during the build: in place and stamped after a build, never
half-loaded, gone with a failed build, and loaded in the build's own process when the child fails."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from citykg import exportwriter, quadstore, storeloader
from citykg import store as stores
from citykg.build import STEM, build
from citykg.config import Project
from citykg.errors import ValidationFailed

INVALID = (
    "@prefix schema: <http://schema.org/> .\n@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .\n\n"
    "<city/nowhere> a schema:City ;\n    geo:lat 123.0 .\n"
)
CITY = '<https://w3id.org/citykg/dortmund/city/nowhere> <http://www.w3.org/2000/01/rdf-schema#label> "Nowhere"@en .\n'


def stamp(project: Project) -> str | None:
    return json.loads((stores.store_path(project) / stores.STAMP).read_text(encoding="utf-8"))["nquads"]


def leftovers(project: Project) -> list[str]:
    hidden = [p.name for p in project.build_dir.iterdir() if p.name.startswith(".")]
    return hidden + [p.name for p in (project.build_dir / "generations").iterdir() if not p.name.isdigit()]


def quads_in_store(project: Project) -> int:
    return len(ox.Store.read_only(str(stores.store_path(project))))


@pytest.fixture
def out(project_copy: Project, tmp_path: Path) -> Project:
    return project_copy.with_overrides(build_dir=tmp_path / "out")


def test_the_store_holds_the_build_and_names_its_nquads(out: Project) -> None:
    result = build(out, validating=False)
    manifest = json.loads((out.build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert stamp(out) == manifest["outputs"][f"{STEM}.nq"]
    assert quads_in_store(out) == len(result.store) > 0
    assert leftovers(out) == []


def test_a_failed_validation_stops_the_loader_and_keeps_the_old_store(out: Project) -> None:
    build(out, validating=False)
    before = stamp(out)
    (out.graph_dir / "broken.ttl").write_text(INVALID, encoding="utf-8")
    with pytest.raises(ValidationFailed):
        build(out)
    assert stamp(out) == before
    assert leftovers(out) == []  # neither the child's half-loaded store nor the staged generation


def test_a_killed_builds_store_folder_is_removed_by_the_next_build(out: Project) -> None:
    build(out, validating=False)
    (out.build_dir / ".store.k1ll3d").mkdir()
    (out.build_dir / ".store.k1ll3d" / "000001.sst").write_bytes(b"half")
    build(out, validating=False)
    assert leftovers(out) == []


def test_a_failing_child_is_replaced_by_loading_in_process(out: Project, monkeypatch) -> None:
    build(out, validating=False)
    (out.graph_dir / "zz-extra.ttl").write_text(CITY, encoding="utf-8")
    monkeypatch.setattr(storeloader, "_CHILD", "raise SystemExit(3)")
    result = build(out, validating=False)
    manifest = json.loads((out.build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert stamp(out) == manifest["outputs"][f"{STEM}.nq"]
    assert quads_in_store(out) == len(result.store)
    assert leftovers(out) == []


def test_chunked_load_keeps_blank_nodes_whole(tmp_path: Path) -> None:
    """The loader works in chunks of lines; a blank node whose lines fall into different chunks stays one node."""
    lines = [f"<urn:s{i}> <urn:p> <urn:o{i}> <urn:g> .\n" for i in range(7)]
    lines[1] = "<urn:a> <urn:knows> _:b0 <urn:g> .\n"
    lines[5] = '_:b0 <urn:name> "x" <urn:g> .\n'
    nquads = tmp_path / "in.nq"
    nquads.write_text("".join(sorted(lines)), encoding="utf-8")
    stores.load_folder(nquads, tmp_path / "store", chunk=2)
    store = ox.Store.read_only(str(tmp_path / "store"))
    assert len(store) == 7
    found = store.query("SELECT ?n WHERE { GRAPH ?g { <urn:a> <urn:knows> ?b . ?b <urn:name> ?n } }")
    assert [row[0].value for row in found] == ["x"]


LINES = (
    '<https://w3id.org/citykg/dortmund/city/lines> <http://www.w3.org/2000/01/rdf-schema#label> "Lines"@en .\n'
    '<https://w3id.org/citykg/dortmund/city/lines> <http://www.w3.org/2000/01/rdf-schema#comment> "from an .nt" .\n'
)


def test_the_store_loaded_from_the_start_holds_exactly_the_nquads(out: Project) -> None:
    """The loader reads the N-Triples sources itself and gets the rest (Turtle graphs, derived graph) from the
    build: without blank nodes anywhere, its store is the same quads as citykg.nq."""
    (out.graph_dir / "zz-lines.nt").write_text(LINES, encoding="utf-8")
    build(out, validating=False)
    nquads = (out.build_dir / f"{STEM}.nq").read_bytes()
    assert b"_:" not in nquads and b"from an .nt" in nquads
    assert quadstore.nquads(ox.Store.read_only(str(stores.store_path(out)))) == nquads
    assert leftovers(out) == []


BLANK_LINES = (
    "<https://w3id.org/citykg/dortmund/city/lines> <https://ex.org/knows> _:friend .\n"
    '_:friend <https://ex.org/name> "F" .\n'
)
BLANK_TURTLE = '<https://w3id.org/citykg/dortmund/city/turtle> <https://ex.org/knows> [ <https://ex.org/name> "T" ] .\n'


@pytest.mark.parametrize("where", ["nt", "ttl"])
def test_blank_nodes_send_the_loader_back_to_the_nquads(out: Project, where: str) -> None:
    """A blank node in a line-based source or in a graph sent by the build: the store is loaded from the sorted
    N-Quads (each node stays one node)."""
    name, text = ("zz-blank.nt", BLANK_LINES) if where == "nt" else ("zz-blank.ttl", BLANK_TURTLE)
    (out.graph_dir / name).write_text(text, encoding="utf-8")
    (out.graph_dir / "zz-lines.nt").write_text(LINES, encoding="utf-8")
    result = build(out, validating=False)
    store = ox.Store.read_only(str(stores.store_path(out)))
    assert len(store) == len(result.store)
    found = store.query(
        "SELECT ?n WHERE { GRAPH ?g { ?s <https://ex.org/knows> ?b } GRAPH ?h { ?b <https://ex.org/name> ?n } }"
    )
    assert [row[0].value for row in found] == ["F" if where == "nt" else "T"]
    assert leftovers(out) == []


def test_unchanged_sources_keep_the_store(out: Project) -> None:
    build(out, validating=False)
    marker = stores.store_path(out) / "kept"
    marker.write_text("", encoding="utf-8")
    build(out, validating=False)
    assert marker.exists() and leftovers(out) == []
    (out.graph_dir / "zz-lines.nt").write_text(LINES, encoding="utf-8")
    build(out, validating=False)
    assert (
        not marker.exists()
        and stamp(out) == json.loads((out.build_dir / "manifest.json").read_text())["outputs"][f"{STEM}.nq"]
    )


def test_a_failing_writer_fails_the_build_and_keeps_the_previous_one(out: Project, monkeypatch) -> None:
    build(out, validating=False)
    before = {p.name: p.read_bytes() for p in out.build_dir.glob(f"{STEM}.*")}
    (out.graph_dir / "zz-lines.nt").write_text(LINES, encoding="utf-8")
    monkeypatch.setattr(exportwriter, "_CHILD", "import sys; sys.stderr.write('disk full\\n'); raise SystemExit(3)")
    with pytest.raises(exportwriter.ExportFailed, match=r"citykg\.trig.*failed in the writer process: disk full"):
        build(out, validating=False)
    assert {p.name: p.read_bytes() for p in out.build_dir.glob(f"{STEM}.*")} == before
    assert leftovers(out) == []


def sst_files(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.suffix == ".sst")


def assert_compacted(project: Project, tmp_path: Path) -> None:
    """Compacting a copy of the build's store leaves as many sorted files as it has (each bulk load adds files
    that a reader must all consult; a compacted store is as fast to read as it gets)."""
    import shutil

    copy = tmp_path / "compacted"
    shutil.copytree(stores.store_path(project), copy)
    store = ox.Store(str(copy))
    store.optimize()
    del store
    assert sst_files(stores.store_path(project)) == sst_files(copy)


def test_compact_merges_the_files_of_several_loads(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "s"))
    for k in range(3):
        lines = "".join(f"<urn:s{k}-{i}> <urn:p> <urn:o{i}> .\n" for i in range(5)).encode()
        store.bulk_load(lines, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(f"urn:g{k}"))
    store.flush()
    loaded = sst_files(tmp_path / "s")
    stores.compact(store)
    assert sst_files(tmp_path / "s") < loaded and len(store) == 15


def test_the_build_leaves_a_compacted_store(out: Project, tmp_path: Path) -> None:
    """The loader reads the N-Triples sources, then the graphs the build sends, then compacts."""
    (out.graph_dir / "zz-lines.nt").write_text(LINES, encoding="utf-8")
    build(out, validating=False)
    assert_compacted(out, tmp_path)


def test_the_store_loaded_from_the_nquads_is_compacted(out: Project, tmp_path: Path) -> None:
    (out.graph_dir / "zz-blank.nt").write_text(BLANK_LINES, encoding="utf-8")
    build(out, validating=False)
    assert_compacted(out, tmp_path)


HOLDER = (
    "@prefix ckg: <https://w3id.org/citykg/ontology#> .\n"
    "<https://w3id.org/citykg/dortmund/tenure/zz> a ckg:Tenure ;\n"
    "    ckg:post <https://w3id.org/citykg/dortmund/post/zz> ;\n"
    '    ckg:holder [ <https://ex.org/name> "Anonymous" ] .\n'
)


def test_rules_keep_a_blank_node_of_the_data_itself(out: Project) -> None:
    """A rule's answer that holds a blank node of the data is added term by term (a load would rename it)."""
    from citykg.build import prepare

    (out.graph_dir / "zz-holder.ttl").write_text(HOLDER, encoding="utf-8")
    store, _ = prepare(out)
    found = store.query(
        "SELECT ?n WHERE { GRAPH ?d { ?who <http://www.w3.org/ns/org#holds> ?post }"
        " GRAPH ?g { ?who <https://ex.org/name> ?n } FILTER(?post = <https://w3id.org/citykg/dortmund/post/zz>) }"
    )
    assert [row[0].value for row in found] == ["Anonymous"]
