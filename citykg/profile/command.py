"""``citykg profile NAME``: one partner city, network or UN body on one page (HTML, PDF or PNG)."""

from __future__ import annotations

from pathlib import Path

import click

from citykg.cli import Context, pass_context, reports_errors
from citykg.views.commands import LANG_OPTION, write


@click.command(name="profile")
@click.argument("name", metavar="NAME")
@LANG_OPTION
@click.option(
    "--format",
    "page_format",
    type=click.Choice(["a4", "16:9"]),
    default="a4",
    show_default=True,
    help="Paper for PDF/PNG: A4, or 16:9 for slides (also --page).",
)
@click.option(
    "--page",
    type=click.Choice(["a4", "slide"]),
    help="Paper for PDF/PNG, as for map and timeline: a4 or slide (16:9); overrides --format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .html, .pdf or .png (default citykg-profile-NAME.html; - for stdout).",
)
@pass_context
@reports_errors
def profile(ctx: Context, name: str, lang: str, page_format: str, page: str | None, output: Path | None) -> None:
    """A partner city, network or UN body in plain words: the relationship to the focus city, milestones,
    people, events, shared networks and sources. NAME is a label in either language, an IRI or a path.

    Examples: citykg profile Leeds; citykg profile Schytomyr -o schytomyr.pdf; citykg profile Eurocities --lang en
    """
    from citykg.names import resolve
    from citykg.profile import build_profile
    from citykg.profile.render import profile_html
    from citykg.store import focus_resource, open_dataset
    from citykg.views.prints import kind_of, print_page

    if page is not None:
        page_format = "16:9" if page == "slide" else "a4"
    dataset = open_dataset(ctx.project, store=getattr(ctx, "store", None))
    iri = resolve(dataset, name, ctx.project.base, "NAME")
    result = build_profile(dataset, iri, focus_resource(dataset), lang=lang, base=ctx.project.base)
    html = profile_html(result, page_format=page_format, raw_href=str(iri))
    kind = kind_of(output, ("html", "pdf", "png"))
    data = html.encode("utf-8") if kind == "html" else print_page(html, kind, page_format)
    slug = str(iri).rstrip("/").rsplit("/", 1)[-1]
    target = write(output, data, f"citykg-profile-{slug}.{kind}")
    where = f"wrote {target}" if target else "wrote the profile to stdout"
    click.echo(f"{where} ({len(result.statements)} relations, {len(result.milestones)} milestones)", err=True)
