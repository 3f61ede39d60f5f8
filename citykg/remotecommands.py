"""The click commands ``citykg push``, ``citykg reconcile`` and ``citykg enrich`` (lazily loaded by the CLI)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from citykg.build import write_atomically
from citykg.cliutil import Context, pass_context, reports_errors
from citykg.remote.endpoint import DEFAULT_TIMEOUT, PASSWORD_ENV
from citykg.remote.graphstore import KINDS
from citykg.remote.push import METHODS, built_source, default_graph
from citykg.remote.push import push as push_graph
from citykg.remote.reconcile import BATCH, FORMATS, WIKIDATA

#: From how many triples on a push shows a progress bar (on stderr).
LARGE = 10_000

_timeout = click.option(
    "--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True, help="Seconds to wait for each answer."
)
_batch = click.option(
    "--batch-size", type=click.IntRange(1, 500), default=BATCH, show_default=True, help="Wikidata items per request."
)


def _write(output: Path | None, text: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output.resolve().parent, {output.name: text.encode("utf-8")})
    click.echo(f"wrote {output}", err=True)


@click.command()
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The store's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query (Oxigraph server) or "
    "http://127.0.0.1:8890/sparql (Virtuoso).",
)
@click.option("--graph", metavar="IRI", help="The named graph to replace (default: the base IRI + 'graph').")
@click.option(
    "--file",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Push this N-Triples file instead of the build's citykg.nt.",
)
@click.option(
    "--store-type",
    "kind",
    type=click.Choice(KINDS),
    default="auto",
    show_default=True,
    help="What the remote store is; auto asks it (its Server header). Decides where updates and uploads go.",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="gsp: Graph Store Protocol POSTs; update: SPARQL INSERT DATA; auto: gsp where the store has it.",
)
@click.option("--update-endpoint", metavar="URL", help="SPARQL Update endpoint, if not the store's usual one.")
@click.option("--gsp-endpoint", metavar="URL", help="Graph Store Protocol endpoint, if not the store's usual one.")
@click.option("--user", help="User name for writing (Virtuoso: e.g. dba).")
@click.option(
    "--password-env",
    metavar="VAR",
    help=f"Environment variable holding the password (default {PASSWORD_ENV}); never give a password itself.",
)
@click.option(
    "--chunk-size", type=click.IntRange(1), help="Triples per request (default 50,000 for gsp, 1,000 for update)."
)
@_timeout
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@pass_context
@reports_errors
def push(
    ctx: Context,
    endpoint: str,
    graph: str | None,
    source: Path | None,
    kind: str,
    method: str,
    update_endpoint: str | None,
    gsp_endpoint: str | None,
    user: str | None,
    password_env: str | None,
    chunk_size: int | None,
    timeout: float,
    quiet: bool,
) -> None:
    """Load the built graph into a SPARQL store, replacing a named graph atomically.

    The triples go to a staging graph first; only when its triple count is right does one MOVE replace the
    target, so a push that fails midway leaves the previous graph intact. Idempotent.

    Example: CITYKG_PASSWORD=… citykg push --endpoint http://127.0.0.1:8890/sparql --user dba
    """
    project = ctx.project
    target = graph or default_graph(project)
    path = source or built_source(project)
    bar: dict[str, object] = {}

    from citykg.progress import enabled as progress_shown

    def on_start(total: int) -> None:
        if not quiet and total > LARGE and progress_shown():
            progress = click.progressbar(length=total, label=f"pushing {total:,} triples", file=sys.stderr)
            bar["progress"] = progress.__enter__()

    def on_chunk(count: int) -> None:
        if "progress" in bar:
            bar["progress"].update(count)  # type: ignore[attr-defined]

    try:
        result = push_graph(
            endpoint,
            path,
            graph=target,
            kind=kind,
            method=method,
            user=user,
            password_env=password_env,
            update_url=update_endpoint,
            gsp_url=gsp_endpoint,
            chunk_size=chunk_size,
            timeout=timeout,
            queries_dir=project.queries_dir,
            on_start=on_start,
            on_chunk=on_chunk,
        )
    finally:
        if "progress" in bar:
            bar["progress"].__exit__(None, None, None)  # type: ignore[attr-defined]
    how = "Graph Store Protocol" if result.method == "gsp" else "SPARQL Update"
    click.echo(
        f"pushed {result.triples:,} triples to <{result.graph}> at {result.endpoint} "
        f"({result.store}, {how}, {result.requests} requests) in {result.seconds:.1f} s; "
        f"it held {result.previous:,} before"
    )


@click.command()
@click.option("--endpoint", default=WIKIDATA, show_default=True, metavar="URL", help="Wikidata's SPARQL endpoint.")
@click.option(
    "--city",
    "cities",
    multiple=True,
    metavar="IRI",
    help="The city to check (repeatable; IRI or path relative to the base; default: the dataset's focus city).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@_timeout
@_batch
@pass_context
@reports_errors
def reconcile(
    ctx: Context,
    endpoint: str,
    cities: tuple[str, ...],
    fmt: str,
    output: Path | None,
    timeout: float,
    batch_size: int,
) -> None:
    """Compare a city's partnerships with Wikidata's twinnings (P190), both ways.

    Shows what Wikidata lacks and what citykg lacks, start dates (P580) that differ, and twinnings that
    Wikidata lists on one side only. Partners without a ckg:wikidata link are listed as not aligned.

    Example: citykg reconcile --format csv -o reconcile.csv
    """
    from citykg.remote.reconcile import reconcile as run_reconcile
    from citykg.remote.reconcile import render_reconciliation
    from citykg.store import open_dataset

    project = ctx.project
    results = run_reconcile(
        project, open_dataset(project), cities=cities, endpoint=endpoint, timeout=timeout, batch=batch_size
    )
    _write(output, render_reconciliation(results, fmt))


@click.command()
@click.option("--endpoint", default=WIKIDATA, show_default=True, metavar="URL", help="Wikidata's SPARQL endpoint.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the Turtle (default: graph/enrichment/wikidata.ttl, its own named graph in the build).",
)
@_timeout
@_batch
@pass_context
@reports_errors
def enrich(ctx: Context, endpoint: str, output: Path | None, timeout: float, batch_size: int) -> None:
    """Fetch coordinates, population, country and labels from Wikidata for resources with a Wikidata link.

    Adds only what the curated graph lacks; where a curated value exists and Wikidata differs, Wikidata's
    value is kept as an alternative (<resource>/wikidata), never replacing the curated one. Every added
    value cites the retrieval (endpoint, query, time). Run citykg build afterwards.

    Example: citykg enrich
    """
    from citykg.remote.enrich import enrich as run_enrich

    project = ctx.project
    result = run_enrich(project, endpoint=endpoint, output=output, timeout=timeout, batch=batch_size)
    shown = result.path.relative_to(project.root) if result.path.is_relative_to(project.root) else result.path

    def counts(counter: object) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(counter.items())) or "none"  # type: ignore[attr-defined]

    click.echo(
        f"wrote {shown}: {result.triples} triples for {result.found} of {result.items} Wikidata items "
        f"from {result.endpoint} in {result.seconds:.1f} s"
    )
    click.echo(f"  added: {counts(result.added)}")
    click.echo(f"  differing from curated values, kept as alternatives: {counts(result.alternatives)}")
    click.echo(f"  agreeing with curated values: {counts(result.agreeing)}")
    if result.not_found:
        click.echo(f"  not found or without these facts on Wikidata: {', '.join(result.not_found)}")
