"""``citykg analyze``, ``path`` and ``shared``: the network's measures and chains, spelt out."""

from __future__ import annotations

import json

import click

from citykg.cli import Context, pass_context, reports_errors
from citykg.errors import UsageError
from citykg.projection import project
from citykg.views.commands.common import LANG_OPTION, _dataset, _focus, _node, _split, load, selection_options


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
    from citykg.analytics import restrict
    from citykg.largegraph import analyze_graph, collector_paused
    from citykg.projection import select
    from citykg.projection.network import project_network

    dataset = _dataset(ctx)
    if focus is None and depth is None and not kinds and not classes and as_of is None:
        _report(analyze_graph(dataset, top=top, lang=lang), fmt)
        return
    with collector_paused():
        proj = project_network(dataset, dated=as_of is not None)
    iri = None
    if focus is not None:  # an unknown focus: the whole projection reports it, with suggestions by name
        iri = _focus(dataset, proj if _known(ctx, dataset, proj, focus) else project(dataset), focus, ctx)
    chosen = proj  # (select without a selection is a copy of everything)
    if iri is not None or depth is not None or kinds or classes:
        chosen = select(proj, focus=iri, depth=depth, kinds=_split(kinds), classes=_split(classes))
    _report(run_analysis(restrict(chosen, as_of), top=top, lang=lang, year=as_of), fmt)


def _report(result, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from citykg.analytics import format_analysis

    if fmt == "json":
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_analysis(result), nl=False)


def _known(ctx: Context, dataset, proj, value: str) -> bool:  # type: ignore[no-untyped-def]
    """Is ``value`` (a name, IRI or path) a node of ``proj``? (Else only the whole projection has the names to
    suggest others.)"""
    from citykg.names import resolve

    try:
        return str(resolve(dataset, value, ctx.project.base, "--focus")) in proj.graph
    except UsageError:
        return False


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

    dataset = _dataset(ctx)
    chosen, a, b = _between(ctx, dataset, start, end, _split(kinds), as_of) or (None, "", "")
    if chosen is None:  # the whole projection: --as-of, blank nodes in reach, or an error to report from there
        proj = project(dataset)
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


def _between(ctx: Context, dataset, start: str, end: str, kinds: tuple[str, ...], as_of: int | None):  # type: ignore[no-untyped-def]
    """The part of the projection with the shortest chain (citykg.projection.between) and both ends as IRIs, or
    None where only the whole projection answers: --as-of (which relations count depends on the whole graph),
    an end that is no resource (the error and its suggestions come from there), a kind no relation in reach has."""
    from citykg.names import resolve
    from citykg.projection import select
    from citykg.projection.between import project_between

    if as_of is not None:
        return None
    try:
        a = str(resolve(dataset, start, ctx.project.base, "A"))
        b = str(resolve(dataset, end, ctx.project.base, "B"))
    except UsageError:
        return None
    part = project_between(dataset, a, b, kinds=kinds)
    if part is None:
        return None
    if not kinds:
        return part, a, b  # (select without a selection would copy it)
    try:
        return select(part, kinds=kinds), a, b
    except UsageError:
        return None


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
