"""``citykg view``: the network of relations as one offline HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from citykg.cli import Context, pass_context, reports_errors
from citykg.views.commands.common import LANG_OPTION, _kb, _split, load_around, selection_options, write
from citykg.views.options import CLUSTERS, PHYSICS, SIZE_MEASURES, ViewOptions


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
    from citykg.projection.rows import collector_paused
    from citykg.views.fold import drawn, fold
    from citykg.views.network import network_html, selection

    with collector_paused():  # one pause for all the steps (see collector_paused), no collection between them
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
