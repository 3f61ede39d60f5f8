"""``citykg diff OLD NEW``: what changed between two versions of the dataset, in words and as RDF.

Each side is a build folder, a project folder or a git revision (see :mod:`citykg.versions`). The comparison
is over statements (the triples of the union graph, as in the N-Triples dump; the data has no blank nodes, so
set difference is exact), grouped by the resource they are about (their subject). As RDF the change is a
dataset of two named graphs, ``urn:citykg:diff:removed`` and ``urn:citykg:diff:added`` (TriG or N-Quads),
which a mirror applies as DELETE DATA / INSERT DATA.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.term import Node

from citykg.config import CONFIG_NAME, Project, load_project
from citykg.errors import UsageError
from citykg.results import compact
from citykg.versions import build_version, checkout, is_revision, manifest, release

ADDED = URIRef("urn:citykg:diff:added")
REMOVED = URIRef("urn:citykg:diff:removed")
Triple = tuple[Node, Node, Node]


@dataclass
class Side:
    label: str  # what the user gave
    version: str
    triples: set[Triple] = field(repr=False)


@dataclass
class Change:
    old: Side
    new: Side
    added: set[Triple]
    removed: set[Triple]

    @property
    def resources(self) -> list[Node]:
        return sorted({t[0] for t in self.added | self.removed}, key=str)

    def per_resource(self) -> list[tuple[Node, list[Triple], list[Triple]]]:
        """(resource, removed, added) in IRI order, each list sorted."""
        grouped: dict[Node, tuple[list[Triple], list[Triple]]] = {}
        for triple in sorted(self.removed, key=_key):
            grouped.setdefault(triple[0], ([], []))[0].append(triple)
        for triple in sorted(self.added, key=_key):
            grouped.setdefault(triple[0], ([], []))[1].append(triple)
        return [(node, *grouped[node]) for node in sorted(grouped, key=str)]

    def summary(self) -> dict[str, object]:
        return {
            "old": self.old.version,
            "new": self.new.version,
            "added": len(self.added),
            "removed": len(self.removed),
            "resources": len(self.resources),
        }


def _key(triple: Triple) -> tuple[str, str, str]:
    return (str(triple[0]), str(triple[1]), triple[2].n3())


def compare(old: Side, new: Side) -> Change:
    return Change(old, new, new.triples - old.triples, old.triples - new.triples)


def load_side(project: Project, spec: str, workdir: Path) -> Side:
    """A build folder, a project folder or a git revision of ``project``, as a set of statements."""
    path = Path(spec)
    if path.is_dir() and (path / "citykg.nq").is_file():
        found = manifest(path)
        version = f"{release(project)}+?"
        if found.get("inputs"):
            version = build_version(project, found)
        return Side(spec, version, _triples_of_file(path / "citykg.nq"))
    if path.is_dir() and (path / CONFIG_NAME).is_file():
        return _from_sources(spec, load_project(path).with_overrides(build_dir=workdir / "unused"))
    if path.exists():
        raise UsageError(f"{spec} is neither a build folder (with citykg.nq) nor a project folder (with citykg.toml)")
    if not is_revision(project, spec):
        raise UsageError(
            f"{spec!r} is no folder and no git revision of {project.root}",
            hint="give two build folders (e.g. build/ and a copy of an older one) or two revisions (HEAD~1 HEAD)",
        )
    target = Path(tempfile.mkdtemp(prefix="rev-", dir=workdir))
    return _from_sources(spec, checkout(project, spec, target))


def _triples_of_file(nquads: Path) -> set[Triple]:
    dataset = Dataset()
    dataset.parse(nquads, format="nquads")
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}


def _from_sources(label: str, project: Project) -> Side:
    from citykg.build import apply_rules
    from citykg.sources import load_sources, source_files

    dataset = load_sources(project, source_files(project))
    apply_rules(dataset, project)
    triples = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    return Side(label, build_version(project, {}), triples)


def diff(project: Project, old: str, new: str) -> Change:
    """Compare two sides (see :func:`load_side`) of ``project``."""
    with tempfile.TemporaryDirectory(prefix="citykg-diff-") as work:
        return compare(load_side(project, old, Path(work)), load_side(project, new, Path(work)))


# -- rendering ---------------------------------------------------------------------------------------------
def as_text(change: Change, base: str | None = None) -> str:
    """The change in words: a headline, then per resource its removed (-) and added (+) statements."""
    summary = change.summary()
    if not change.added and not change.removed:
        return f"no change between {change.old.version} and {change.new.version}\n"
    lines = [
        f"{change.old.version} -> {change.new.version}: {summary['removed']} statements removed, "
        f"{summary['added']} added, about {summary['resources']} resources"
    ]
    for node, removed, added in change.per_resource():
        lines.append("")
        lines.append(compact(node, base))
        lines += [f"  - {compact(p, base)} {_object(o, base)}" for _, p, o in removed]
        lines += [f"  + {compact(p, base)} {_object(o, base)}" for _, p, o in added]
    return "\n".join(lines) + "\n"


def _object(term: Node, base: str | None) -> str:
    return compact(term, base) if isinstance(term, URIRef) else term.n3()


def as_rdf(change: Change, fmt: str = "trig", base: str | None = None) -> bytes:
    from citykg.export import serialize

    dataset = Dataset()
    removed, added = dataset.graph(REMOVED), dataset.graph(ADDED)
    for triple in change.removed:
        removed.add(triple)
    for triple in change.added:
        added.add(triple)
    return serialize(dataset, fmt, base)


def as_json(change: Change) -> str:
    resources = [
        {
            "resource": str(node),
            "removed": [[str(p), o.n3()] for _, p, o in removed],
            "added": [[str(p), o.n3()] for _, p, o in added],
        }
        for node, removed, added in change.per_resource()
    ]
    return json.dumps({**change.summary(), "changes": resources}, ensure_ascii=False, indent=1) + "\n"


def render(change: Change, fmt: str, base: str | None = None) -> bytes:
    if fmt == "text":
        return as_text(change, base).encode("utf-8")
    if fmt == "json":
        return as_json(change).encode("utf-8")
    return as_rdf(change, fmt, base)


# -- the change log ----------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One version in the change log: its commit, and what changed since the version before it."""

    version: str
    commit: str
    date: str
    subject: str
    added: int
    removed: int
    resources: list[str]  # the resources whose statements changed (IRIs), in IRI order


def changelog(project: Project, limit: int = 5) -> list[Entry]:
    """The last ``limit`` versions of the sources in git, newest first, each compared with the one before."""
    from citykg.versions import history

    revisions = history(project, 2 * limit + 1)
    entries: list[Entry] = []
    with tempfile.TemporaryDirectory(prefix="citykg-log-") as work:
        sides = [load_side(project, r.commit, Path(work)) for r in revisions]
        for index, revision in enumerate(revisions):
            older = sides[index + 1] if index + 1 < len(sides) else Side("", "", set())
            change = compare(older, sides[index])
            if len(entries) == limit:
                break
            if older.version == sides[index].version or not (change.added or change.removed):
                continue  # e.g. a change of layout or comments only: the same statements, not a new version
            entries.append(
                Entry(
                    sides[index].version,
                    revision.commit,
                    revision.date,
                    revision.subject,
                    len(change.added),
                    len(change.removed),
                    [str(r) for r in change.resources],
                )
            )
    return entries
