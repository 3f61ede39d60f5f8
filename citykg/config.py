"""Project settings: where the sources are, the IRI base, where builds go.

A project is a folder with a ``citykg.toml``. Settings come from that file, then the environment
(``CITYKG_BASE``, ``CITYKG_BUILD_DIR``), then the command line, the later winning.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from citykg.errors import ConfigError

CONFIG_NAME = "citykg.toml"
LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Project:
    root: Path
    base: str
    graph_dir: Path
    ontology_dir: Path
    queries_dir: Path
    build_dir: Path
    lang: str = "de"  # [dataset] lang: the default language of the CLI, the views and the query labels

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    @property
    def rules_dir(self) -> Path:
        return self.queries_dir / "rules"

    def with_overrides(self, *, base: str | None = None, build_dir: Path | None = None) -> Project:
        changed = self
        if base:
            changed = replace(changed, base=check_base(base))
        if build_dir:
            changed = replace(changed, build_dir=build_dir.resolve())
        return changed


def check_base(base: str) -> str:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base IRI {base!r} is not an http(s) IRI",
            hint="set [dataset] base in citykg.toml or --base to e.g. https://example.org/mycity/",
        )
    if not base.endswith(("/", "#")):
        raise ConfigError(f"base IRI {base!r} must end with '/' or '#'", hint="add a trailing slash")
    return base


def find_root(start: Path | str | None = None) -> Path:
    """The nearest folder upward from ``start`` (default: cwd) with a citykg.toml, else the checkout."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / CONFIG_NAME).is_file():
        return checkout
    raise ConfigError(
        f"no {CONFIG_NAME} found in {here} or above",
        hint="run citykg inside a project folder or pass --project DIR",
    )


def load_project(root: Path | str | None = None) -> Project:
    root = find_root(root)
    path = root / CONFIG_NAME
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8")).get("dataset", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the TOML syntax") from exc

    def folder(key: str, default: str) -> Path:
        return (root / str(settings.get(key, default))).resolve()

    base = os.environ.get("CITYKG_BASE") or settings.get("base")
    if not base:
        raise ConfigError(f"{path}: [dataset] base is missing", hint='add base = "https://…/"')
    build_env = os.environ.get("CITYKG_BUILD_DIR")
    lang = str(settings.get("lang", "de")).lower()
    if lang not in LANGUAGES:
        raise ConfigError(f"{path}: [dataset] lang = {lang!r} is not one of {', '.join(LANGUAGES)}")
    return Project(
        root=root,
        base=check_base(str(base)),
        graph_dir=folder("graph", "graph"),
        ontology_dir=folder("ontology", "ontology"),
        queries_dir=folder("queries", "queries"),
        build_dir=Path(build_env).resolve() if build_env else folder("build", "build"),
        lang=lang,
    )
