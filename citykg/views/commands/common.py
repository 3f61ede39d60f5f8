"""What the commands of the views and analytics share: --lang, the selection options, loading the projection,
resolving names, writing the output (see citykg.views.commands)."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from citykg.cli import Context
from citykg.errors import UsageError
from citykg.projection import Projection, project, project_around
from citykg.store import focus_resource, open_dataset
from citykg.views.i18n import LANGUAGES


def _default_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """--lang, else the project's [dataset] lang (citykg.toml)."""
    if value:
        return value
    obj = ctx.find_object(Context)
    try:
        return obj.project.lang if obj is not None else "de"
    except Exception:  # noqa: BLE001 - a broken citykg.toml is reported by the command itself
        return "de"


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    callback=_default_lang,
    help="Language of labels and page words (default: [dataset] lang in citykg.toml, else de).",
)


def _split(values: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(v for v in re.split(r"[,\s]+", value) if v)
    return tuple(out)


def _dataset(ctx: Context):
    store = getattr(ctx, "store", None)
    return open_dataset(ctx.project, store=store) if store is not None else open_dataset(ctx.project)


def load(ctx: Context) -> tuple[object, Projection]:
    """The built dataset (in the store chosen with citykg --store, where the CLI offers one) and its projection."""
    dataset = _dataset(ctx)
    return dataset, project(dataset)


def _focus(dataset, proj: Projection, value: str | None, ctx: Context, name: str = "--focus") -> str | None:  # type: ignore[no-untyped-def]
    """A resource given by name (either language), IRI or path, as a node of the projection."""
    return _node(dataset, proj, value, ctx, name) if value else None


def _node(dataset, proj: Projection, value: str, ctx: Context, name: str) -> str:  # type: ignore[no-untyped-def]
    from citykg.names import resolve

    return proj.resolve(str(resolve(dataset, value, ctx.project.base, name)), ctx.project.base, name)


def load_around(ctx: Context, focus: str | None, depth: int | None) -> tuple[Projection, str | None]:
    """The projection a view of ``--focus`` and ``--depth`` needs, and the focus as an IRI: with a depth only
    the neighbourhood is projected (``project_around``, the same view in a fraction of the time on a large
    graph); without one, or where the focus is not a resource of the network, everything (and the errors and
    suggestions come from there)."""
    from citykg.names import resolve

    dataset = _dataset(ctx)
    if depth is not None:
        iri: str | None = None
        with contextlib.suppress(UsageError):  # reported, with suggestions, by the whole projection below
            iri = str(resolve(dataset, focus, ctx.project.base, "--focus")) if focus else None
        root = focus_resource(dataset)  # type: ignore[arg-type]
        around = iri or (str(root) if root is not None and not focus else None)
        part = project_around(dataset, around, depth) if around else None  # type: ignore[arg-type]
        if part is not None:
            return part, iri
    proj = project(dataset)
    return proj, _focus(dataset, proj, focus, ctx)


def write(output: Path | None, data: bytes, default: str) -> Path | None:
    """Write atomically to ``output`` (``-``: stdout; none: ``default`` in the current folder)."""
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    target = (output or Path(default)).resolve()
    if target.is_dir():
        raise UsageError(f"{target} is a folder", hint="give a file name with -o")
    from citykg import build as building  # (lazy: analyze and path write no file)

    building.write_atomically(target.parent, {target.name: data})
    return target


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} kB" if size >= 1024 else f"{size} B"


def selection_options(func):
    func = click.option(
        "--classes",
        multiple=True,
        metavar="CLASS[,…]",
        help="Only these classes (partner, network, unbody, person, event …).",
    )(func)
    func = click.option(
        "--kinds",
        multiple=True,
        metavar="KIND[,…]",
        help="Only these relation kinds (twinning, climate, project, membership, tenure, engagement, award, event, "
        "sdg, structure …).",
    )(func)
    func = click.option("--depth", type=click.IntRange(min=0), help="Only what is within N relations of the focus.")(
        func
    )
    func = click.option(
        "--focus",
        metavar="RESOURCE",
        help="IRI or path relative to the base (city/leeds); default: the dataset's focus city.",
    )(func)
    return func
