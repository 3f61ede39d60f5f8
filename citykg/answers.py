"""Answers of queries over an unchanged build, kept on disk so a repeated `citykg query` costs milliseconds.

The key covers everything an answer depends on: the fingerprint of every input file (so any edit
misses), the query text, the raw parameters, the format and the store. Only successful answers are kept;
this module imports no RDF library, so a hit never loads one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from citykg.config import Project
from citykg.inputs import fingerprint

FOLDER = "answers"


def key(project: Project, text: str, params: dict[str, str], fmt: str, store: str) -> str:
    material = json.dumps(
        {"inputs": fingerprint(project), "query": text, "params": params, "format": fmt, "store": store},
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def lookup(project: Project, answer_key: str) -> bytes | None:
    try:
        return (project.build_dir / FOLDER / answer_key).read_bytes()
    except OSError:
        return None


def keep(project: Project, answer_key: str, data: bytes) -> None:
    import tempfile  # here: a hit (lookup) never needs it

    folder = project.build_dir / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".answer.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(folder / answer_key)
    except OSError:
        pass  # a cache that cannot be written is only slower


def forget(project: Project) -> None:
    """Drop every kept answer (a new build makes them unreachable anyway; this frees the space)."""
    folder = project.build_dir / FOLDER
    if folder.is_dir():
        for path in folder.iterdir():
            path.unlink(missing_ok=True)
