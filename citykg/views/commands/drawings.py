"""``citykg map`` and ``citykg timeline``: drawings for screens (HTML), documents (SVG) and meetings (PDF,
PNG on A4 or a 16:9 slide)."""

from __future__ import annotations

from pathlib import Path

import click

from citykg.cli import Context, pass_context, reports_errors
from citykg.errors import UsageError
from citykg.views.commands.common import LANG_OPTION, _focus, _kb, _split, load, selection_options, write
from citykg.views.options import ViewOptions

KINDS = ("html", "svg", "pdf", "png")


def _format(fmt: str | None, output: Path | None, allowed: tuple[str, ...] = KINDS) -> str:
    """What to write: --format, else the -o suffix (map.pdf: a PDF, never HTML), else html."""
    suffix = output.suffix.lower().lstrip(".") if output is not None and str(output) != "-" else ""
    if fmt:
        if suffix in allowed and suffix != fmt:
            raise UsageError(f"--format {fmt} does not match the file name {output}", hint=f"write to a .{fmt} file")
        return fmt
    if suffix in allowed:
        return suffix
    if suffix:
        raise UsageError(
            f"cannot tell what to write to {output} from its suffix",
            hint="use " + ", ".join(f".{kind}" for kind in allowed) + " or --format",
        )
    return "html"


def _printed(svg: str, fmt: str, page: str, breaks: tuple[float, ...] = ()) -> bytes:
    """The drawing printed by Chromium on ``page`` as PDF or PNG (citykg.views.prints)."""
    from citykg.views.prints import PAGES, drawing_document, print_page

    document, landscape = drawing_document(svg, page, breaks=breaks)
    return print_page(document, fmt, PAGES[page], landscape=landscape)


PAGE_OPTION = click.option(
    "--page",
    type=click.Choice(["a4", "slide"]),
    default="a4",
    show_default=True,
    help="Paper of PDF and PNG: A4 (landscape for a wide drawing) or a 16:9 slide.",
)


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
@click.option("--format", "fmt", type=click.Choice(KINDS), help="Default: from the -o suffix, else html.")
@PAGE_OPTION
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
    page: str,
    output: Path | None,
) -> None:
    """Draw the focus city and its partner cities on an offline world map: HTML, SVG, or PDF and PNG on A4 or
    a 16:9 slide (printed by Chromium).

    Examples: citykg map; citykg map --format svg --as-of 1990 -o partners-1990.svg;
    citykg map -o map.pdf; citykg map --page slide -o map.png
    """
    from citykg.views.mapview import map_html, map_model, map_svg

    fmt = _format(fmt, output)
    dataset, proj = load(ctx)
    kinds_ = _split(kinds)
    options = ViewOptions(
        focus=_focus(dataset, proj, focus, ctx), kinds=kinds_, as_of=as_of, lang=lang, base=ctx.project.base
    )
    if fmt == "html":
        data = map_html(proj, options).encode("utf-8")
    elif fmt == "svg":
        data = map_svg(proj, options).encode("utf-8")
    else:
        data = _printed(map_svg(proj, options), fmt, page)
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
@click.option("--format", "fmt", type=click.Choice(KINDS), help="Default: from the -o suffix, else html.")
@PAGE_OPTION
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
    page: str,
    output: Path | None,
) -> None:
    """Partnerships, milestones, memberships, posts, awards and events over time: HTML, SVG, or PDF and PNG on
    A4 or a 16:9 slide (a long timeline goes on one page with shorter rows when that fits, else on several
    pages, cut between rows).

    Examples: citykg timeline; citykg timeline --since 1990 --format svg -o since-1990.svg;
    citykg timeline --kinds twinning -o partnerships.pdf
    """
    from citykg.views.timeline import timeline_html, timeline_model, timeline_print, timeline_svg

    if until is not None and until < since:
        raise UsageError(f"--until {until} is before --since {since}")
    fmt = _format(fmt, output)
    dataset, proj = load(ctx)
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
    model = timeline_model(proj, options)
    if fmt == "html":
        data = timeline_html(proj, options).encode("utf-8")
    elif fmt == "svg":
        data = timeline_svg(proj, options).encode("utf-8")
    else:
        svg, breaks = timeline_print(model, options.lang, page)
        data = _printed(svg, fmt, page, tuple(breaks))
    target = write(output, data, f"citykg-timeline.{fmt}")
    rows = model.rows
    where = f"wrote {target}" if target else "wrote the timeline to stdout"
    click.echo(f"{where} ({len(rows)} rows, {_kb(len(data))})", err=True)
