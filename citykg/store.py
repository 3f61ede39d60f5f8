"""The store every command reads: the last good build, rebuilt first when its sources changed.

Parsing the sorted N-Quads cache is several times faster than parsing and validating the Turtle
sources, which keeps ``citykg query`` quick from a cold start.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.namespace import RDF, VOID

from citykg.build import MANIFEST, STEM, build, fingerprint
from citykg.config import Project


def cache_path(project: Project) -> Path:
    return project.build_dir / f"{STEM}.nq"


def is_fresh(project: Project) -> bool:
    """True when the build folder holds a build of exactly the current sources."""
    try:
        manifest = json.loads((project.build_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not cache_path(project).is_file():
        return False
    current = fingerprint(project)
    return all(manifest.get(key) == value for key, value in current.items())


def open_dataset(project: Project, *, quiet: bool = False) -> Dataset:
    """The built dataset (union of named graphs as default graph); builds first if needed."""
    if not is_fresh(project):
        if not quiet:
            print("citykg: sources changed since the last build; building …", file=sys.stderr)
        return build(project).dataset
    dataset = Dataset(default_union=True)
    dataset.parse(cache_path(project), format="nquads")
    return dataset


def focus_resource(dataset: Dataset) -> URIRef | None:
    """The dataset's root resource (void:rootResource), used as the default for 'focus' parameters."""
    for ds in sorted(dataset.subjects(RDF.type, VOID.Dataset)):
        root = dataset.value(ds, VOID.rootResource)
        if isinstance(root, URIRef):
            return root
    return None
