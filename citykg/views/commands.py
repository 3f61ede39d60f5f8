"""Commands of the views and analytics: view, map, timeline, analyze, path, shared.

Registered lazily in citykg.cli.LazyGroup.lazy (see docs/views.md), so ``citykg --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from citykg import build as building
from citykg.cli import Context, pass_context, reports_errors
from citykg.errors import UsageError
from citykg.projection import Projection, project, project_around
from citykg.store import focus_resource, open_dataset
from citykg.views.i18n import LANGUAGES
from citykg.views.options import CLUSTERS, PHYSICS, SIZE_MEASURES, ViewOptions


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


# --------------------------------------------------------------------------------------------------------


@click.command(name="view")
@selection_options
@click.option("--as-of", "as_of", type=int, metavar="YEAR", help="Open the page at this year (the slider still moves).")
@LANG_OPTION
@click.option(
    "--size-by",
    type=click.Choice(SIZE_MEASURES),
    default="degree",
    show_default=True,
    help="Node size by this centrality.",
)
@click.option("--cluster", type=click.Choice(CLUSTERS), help="Group nodes by class or country when the page opens.")
@click.option(
    "--physics",
    type=click.Choice(PHYSICS),
    default="auto",
    show_default=True,
    help="Live layout; auto: only up to --layout-threshold nodes.",
)
@click.option(
    "--layout-threshold",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Above this many nodes, positions are computed here and physics stays off.",
)
@click.option(
    "--edge-labels/--no-edge-labels",
    default=None,
    help="Draw relation names on edges (default: for views up to the threshold).",
)
@click.option("--show-undated", is_flag=True, help="With a year chosen, also show relations without dates.")
@click.option(
    "--unfold",
    is_flag=True,
    help="Draw every resource from the start (default: events, people … are folded into the partner, network "
    "or UN body they belong to; a click unfolds them).",
)
@click.option("--isolated", is_flag=True, help="Also draw resources without any relation (whole view).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (default citykg-view.html; - for stdout).",
)
@pass_context
@reports_errors
def view(
    ctx: Context,
    focus: str | None,
    depth: int | None,
    kinds: tuple[str, ...],
    classes: tuple[str, ...],
    as_of: int | None,
    lang: str,
    size_by: str,
    cluster: str | None,
    physics: str,
    layout_threshold: int,
    edge_labels: bool | None,
    show_undated: bool,
    unfold: bool,
    isolated: bool,
    output: Path | None,
) -> None:
    """Write the network of relations as one HTML file that works offline (double-click to open).

    Examples: citykg view; citykg view --focus city/leeds --depth 1 --lang en -o leeds.html;
    citykg view --kinds twinning,membership --as-of 1970
    """
    from citykg.views.fold import drawn, fold
    from citykg.views.network import network_html, selection

    proj, focus_iri = load_around(ctx, focus, depth)
    options = ViewOptions(
        focus=focus_iri,
        depth=depth,
        kinds=_split(kinds),
        classes=_split(classes),
        as_of=as_of,
        lang=lang,
        size_by=size_by,
        cluster=cluster,
        physics=physics,
        layout_threshold=layout_threshold,
        edge_labels=edge_labels,
        show_undated=show_undated,
        unfold=unfold,
        isolated=isolated,
        base=ctx.project.base,
    )
    chosen = selection(proj, options)
    html = network_html(chosen, options)
    data = html.encode("utf-8")
    target = write(output, data, "citykg-view.html")
    counts = (len(chosen.graph), chosen.graph.number_of_edges())
    where = f"wrote {target}" if target else "wrote the view to stdout"
    shown = drawn(chosen, fold(chosen, options), as_of, show_undated=show_undated).counts()
    opens = f"; it opens with {shown[0]:,} nodes and {shown[1]:,} relations" if shown != counts else ""
    click.echo(
        f"{where} ({counts[0]:,} nodes, {counts[1]:,} relations{opens}, {_kb(len(data))}); open it in a browser",
        err=True,
    )
    if counts[0] > layout_threshold:
        click.echo(
            f"citykg: the view has {counts[0]:,} nodes (more than {layout_threshold}): positions are precomputed and "
            "physics is off; group nodes with --cluster class|country, or narrow the view, e.g.\n"
            "  citykg view --focus city/… --depth 1\n"
            "  citykg view --kinds twinning,membership\n"
            "  citykg view --classes partner,network",
            err=True,
        )
    if counts[0] <= 1:
        click.echo("citykg: the view is (nearly) empty: check --focus, --depth, --kinds and --classes", err=True)


# --------------------------------------------------------------------------------------------------------


def _format(fmt: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    if fmt:
        return fmt
    if output is not None and output.suffix.lower().lstrip(".") in allowed:
        return output.suffix.lower().lstrip(".")
    return "html"


@click.command(name="map")
@click.option(
    "--focus", metavar="RESOURCE", help="The city whose partners are shown (default: the dataset's focus city)."
)
@click.option(
    "--kinds",
    multiple=True,
    metavar="KIND[,…]",
    help="Only these kinds of partnership (twinning, friendship, project, climate …).",
)
@click.option(
    "--as-of",
    "as_of",
    type=int,
    metavar="YEAR",
    help="Partnerships as they stood in this year (SVG/PNG); HTML opens at it.",
)
@LANG_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["html", "svg", "png"]), help="Default: from the -o suffix, else html."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default citykg-map.FORMAT; - for stdout).",
)
@pass_context
@reports_errors
def map_command(
    ctx: Context,
    focus: str | None,
    kinds: tuple[str, ...],
    as_of: int | None,
    lang: str,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Draw the focus city and its partner cities on an offline world map (HTML, SVG or PNG for slides).

    Examples: citykg map; citykg map --format svg --as-of 1990 -o partners-1990.svg; citykg map -o map.png
    """
    from citykg.views.mapview import map_html, map_model, map_svg
    from citykg.views.render import svg_to_png

    dataset, proj = load(ctx)
    fmt = _format(fmt, output, ("html", "svg", "png"))
    kinds_ = _split(kinds)
    options = ViewOptions(
        focus=_focus(dataset, proj, focus, ctx), kinds=kinds_, as_of=as_of, lang=lang, base=ctx.project.base
    )
    if fmt == "html":
        data = map_html(proj, options).encode("utf-8")
    elif fmt == "svg":
        data = map_svg(proj, options).encode("utf-8")
    else:
        data = svg_to_png(map_svg(proj, options))
    target = write(output, data, f"citykg-map.{fmt}")
    model = map_model(proj, options, all_years=fmt == "html")
    where = f"wrote {target}" if target else "wrote the map to stdout"
    click.echo(f"{where} ({len(model.partners)} partners, {len(model.lines)} partnerships, {_kb(len(data))})", err=True)
    if model.missing:
        names = ", ".join(proj.label(m, lang) for m in model.missing)
        click.echo(f"citykg: not on the map for lack of coordinates (geo:lat, geo:long): {names}", err=True)


@click.command(name="timeline")
@selection_options
@click.option("--since", type=int, default=1960, show_default=True, metavar="YEAR", help="First year shown.")
@click.option("--until", type=int, metavar="YEAR", help="Last year shown (default: this year).")
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["html", "svg"]), help="Default: from the -o suffix, else html.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default citykg-timeline.FORMAT; - for stdout).",
)
@pass_context
@reports_errors
def timeline(
    ctx: Context,
    focus: str | None,
    depth: int | None,
    kinds: tuple[str, ...],
    classes: tuple[str, ...],
    since: int,
    until: int | None,
    lang: str,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Partnerships, milestones, memberships, posts, awards and events over time (HTML or SVG).

    Examples: citykg timeline; citykg timeline --since 1990 --format svg -o since-1990.svg
    """
    from citykg.views.timeline import timeline_html, timeline_model, timeline_svg

    if until is not None and until < since:
        raise UsageError(f"--until {until} is before --since {since}")
    dataset, proj = load(ctx)
    fmt = _format(fmt, output, ("html", "svg"))
    options = ViewOptions(
        focus=_focus(dataset, proj, focus, ctx),
        depth=depth,
        kinds=_split(kinds),
        classes=_split(classes),
        since=since,
        until=until,
        lang=lang,
        base=ctx.project.base,
    )
    data = (timeline_html(proj, options) if fmt == "html" else timeline_svg(proj, options)).encode("utf-8")
    target = write(output, data, f"citykg-timeline.{fmt}")
    rows = timeline_model(proj, options).rows
    where = f"wrote {target}" if target else "wrote the timeline to stdout"
    click.echo(f"{where} ({len(rows)} rows, {_kb(len(data))})", err=True)


# --------------------------------------------------------------------------------------------------------


@click.command(name="analyze")
@selection_options
@click.option("--as-of", "as_of", type=int, metavar="YEAR", help="Analyse the network as it stood in this year.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many nodes per ranking.")
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_context
@reports_errors
def analyze(
    ctx: Context,
    focus: str | None,
    depth: int | None,
    kinds: tuple[str, ...],
    classes: tuple[str, ...],
    as_of: int | None,
    top: int,
    lang: str,
    fmt: str,
) -> None:
    """Counts, the most central resources (degree, betweenness, eigenvector) and the connected components.

    Examples: citykg analyze; citykg analyze --as-of 1990 --top 5 --lang en; citykg analyze --format json
    """
    from citykg.analytics import analyze as run_analysis
    from citykg.analytics import format_analysis, restrict
    from citykg.projection import select

    dataset, proj = load(ctx)
    chosen = select(
        proj, focus=_focus(dataset, proj, focus, ctx), depth=depth, kinds=_split(kinds), classes=_split(classes)
    )
    result = run_analysis(restrict(chosen, as_of), top=top, lang=lang, year=as_of)
    if fmt == "json":
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_analysis(result), nl=False)


@click.command(name="path")
@click.argument("start", metavar="A")
@click.argument("end", metavar="B")
@click.option("--kinds", multiple=True, metavar="KIND[,…]", help="Only follow these relation kinds.")
@click.option("--as-of", "as_of", type=int, metavar="YEAR", help="Only relations that held in this year.")
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_context
@reports_errors
def path(ctx: Context, start: str, end: str, kinds: tuple[str, ...], as_of: int | None, lang: str, fmt: str) -> None:
    """The shortest chain of relations between two resources, spelled out (IRIs or paths like city/leeds).

    Examples: citykg path city/dortmund organisation/un-habitat;
    citykg path city/amiens city/leeds --lang en
    """
    from citykg.analytics import chain_json, format_chain, restrict, shortest_chain
    from citykg.projection import select

    dataset, proj = load(ctx)
    a = _node(dataset, proj, start, ctx, "A")
    b = _node(dataset, proj, end, ctx, "B")
    chosen = restrict(select(proj, kinds=_split(kinds)), as_of)
    for name, node, value in (("A", a, start), ("B", b, end)):
        if node not in chosen.graph:
            raise UsageError(
                f"{name} {value!r} has no relation of the chosen kinds{' in ' + str(as_of) if as_of else ''}"
            )
    chain = shortest_chain(chosen, a, b)
    if fmt == "json":
        click.echo(json.dumps(chain_json(chosen, chain, lang), ensure_ascii=False, indent=1))
    else:
        click.echo(format_chain(chosen, chain, lang, a, b), nl=False)


@click.command(name="shared")
@click.argument("partner", metavar="PARTNER")
@click.option("--city", metavar="RESOURCE", help="The other city (default: the dataset's focus city).")
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_context
@reports_errors
def shared(ctx: Context, partner: str, city: str | None, lang: str, fmt: str) -> None:
    """Which networks and organisations link the focus city and a partner (memberships, engagements).

    Examples: citykg shared city/leeds; citykg shared city/amiens --city city/dortmund --lang en
    """
    from citykg.analytics import format_shared, partner_links_known, shared_memberships

    dataset, proj = load(ctx)
    b = _node(dataset, proj, partner, ctx, "PARTNER")
    a = _node(dataset, proj, city, ctx, "--city") if city else proj.focus
    if a is None:
        raise UsageError("the dataset names no focus city", hint="give --city IRI")
    if a == b:
        raise UsageError(f"PARTNER {partner!r} is {proj.label(a, lang)} itself", hint="give a partner city")
    links = shared_memberships(dataset, a, b, lang=lang, base=ctx.project.base)
    known = partner_links_known(dataset, b)
    if fmt == "json":
        data = {"city": a, "partner": b, "shared": links, "partner_memberships_in_graph": known}
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(format_shared(proj, a, b, links, lang, known), nl=False)


#: The lazy command entries for citykg.cli.LazyGroup.lazy.
LAZY = {
    "view": "citykg.views.commands:view",
    "map": "citykg.views.commands:map_command",
    "timeline": "citykg.views.commands:timeline",
    "analyze": "citykg.views.commands:analyze",
    "path": "citykg.views.commands:path",
    "shared": "citykg.views.commands:shared",
}
