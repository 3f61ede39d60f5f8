"""The ``citykg`` command line: parse input, call one library function, render its result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from citykg import __version__
from citykg.cligroup import LazyGroup
from citykg.cliutil import Context, pass_context, reports_errors
from citykg.errors import EXIT_INVALID_DATA, UsageError
from citykg.formats import EXPORT_FORMATS, GRAPH_FORMATS, RDF_MEDIA_TYPES, TABULAR

# The library's RDF modules are imported inside the commands: `citykg query` on the build's store, and a
# repeated one from the answer cache, load no rdflib at all.


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="citykg")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (with citykg.toml); default: the nearest one upward from here.",
)
@click.option("--base", help="IRI base of the data (overrides citykg.toml and CITYKG_BASE).")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), help="Where builds go.")
@click.option(
    "--store",
    envvar="CITYKG_STORE",
    default="oxigraph",
    show_default=True,
    metavar="memory|oxigraph[:DIR]",
    help="Backend that holds the built graph: Oxigraph (the build's store, or a copy in DIR), or rdflib in memory.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress on stderr (it is off anyway when stderr is no terminal)."
)
@click.pass_context
@reports_errors
def main(
    ctx: click.Context, project_dir: Path | None, base: str | None, build_dir: Path | None, store: str, quiet: bool
) -> None:
    """citykg: the knowledge graph of a city's international relations.

    Exit codes: 0 success, 1 invalid data (syntax or validation), 2 usage error, 3 runtime failure.
    """
    from citykg import progress

    progress.set_quiet(quiet)
    ctx.obj = Context(project_dir, base, build_dir, store)


def _write(output: Path | None, data: bytes) -> None:
    """Write to a file atomically (an earlier file stays intact on failure) or to stdout (no file, or ``-``)."""
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from citykg.build import write_atomically

    write_atomically(output.resolve().parent, {output.name: data})
    click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


@main.command()
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True, help="Language of messages.")
@click.option(
    "--formats",
    default=",".join(EXPORT_FORMATS),
    show_default=True,
    help="Comma-separated export formats (the N-Quads store cache is always written).",
)
@click.option(
    "--no-validate",
    "skip_validation",
    is_flag=True,
    help="Skip SHACL validation; the manifest records it.",
)
@click.option(
    "--engine",
    type=click.Choice(["sparql", "pyshacl"]),
    default="sparql",
    show_default=True,
    help="Validator: the shapes as SPARQL on Oxigraph, or pySHACL (the reference; slow at scale).",
)
@pass_context
@reports_errors
def build(ctx: Context, lang: str, formats: str, skip_validation: bool, engine: str) -> None:
    """Load ontology and graph, validate, write the exports (Turtle, N-Triples, JSON-LD, TriG, N-Quads).

    Example: citykg build
    """
    from citykg import build as building

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    unknown = sorted(set(wanted) - set(RDF_MEDIA_TYPES))
    if unknown:
        raise UsageError(f"unknown export format {', '.join(unknown)}", hint=f"use {', '.join(RDF_MEDIA_TYPES)}")
    result = building.build(ctx.project, lang=lang, formats=wanted, validating=not skip_validation, engine=engine)
    if result.report.violations:
        click.echo(result.report.text(), err=True)
    checked = "validation skipped" if result.report.skipped else "0 violations"
    click.echo(f"{result.triples:,} triples, {checked}, built in {result.seconds:.1f} s")
    for path in result.files:
        click.echo(f"  {path.relative_to(ctx.project.root) if path.is_relative_to(ctx.project.root) else path}")


@main.command()
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True, help="Language of messages.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True)
@pass_context
@reports_errors
def validate(ctx: Context, lang: str, engine: str) -> None:
    """Validate the sources against the SHACL shapes without writing anything.

    Example: citykg validate --lang de
    """
    from citykg.build import check

    _, report = check(ctx.project, lang=lang, engine=engine)
    click.echo(report.text(), err=not report.conforms)
    if not report.conforms:
        sys.exit(EXIT_INVALID_DATA)


@main.command(name="queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_context
@reports_errors
def list_queries(ctx: Context, fmt: str) -> None:
    """List the named queries with their parameters.

    Example: citykg queries
    """
    from citykg.queries import Catalogue

    catalogue = Catalogue(ctx.project.queries_dir)
    if fmt == "json":
        import json

        click.echo(json.dumps([_describe(q) for q in catalogue], ensure_ascii=False, indent=1))
        return
    for query in catalogue:
        params = " ".join(f"[{p.name}={p.type}]" if not p.required else f"{p.name}={p.type}" for p in query.parameters)
        click.echo(f"{query.name:<28} {query.title}" + (f"  ({params})" if params else ""))


def _describe(query: Any) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "form": query.form,
        "parameters": [
            {"name": p.name, "type": p.type, "description": p.description, "default": p.default, "required": p.required}
            for p in query.parameters
        ],
    }


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r} is not NAME=VALUE", hint="e.g. --param year=1970")
        params[key.strip()] = value
    return params


@main.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter (repeatable).")
@click.option("--sparql", help="Run this SPARQL text instead of a named query.")
@click.option(
    "--file", "query_file", type=click.Path(dir_okay=False, path_type=Path), help="Run the query in this .rq file."
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(set(TABULAR + GRAPH_FORMATS))), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option(
    "--lang",
    type=click.Choice(["de", "en"]),
    help="Language of the table's headers and values, and the default of a query's lang parameter "
    "(default: [dataset] lang in citykg.toml).",
)
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL endpoint instead of the embedded store.")
@click.option(
    "--graph", "graph_iri", metavar="IRI", help="With --endpoint: the graph to query (default: where push puts it)."
)
@click.option("--user", help="With --endpoint: user name for HTTP authentication.")
@click.option("--password-env", metavar="VAR", help="With --endpoint: environment variable holding the password.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="With --endpoint: seconds to wait for an answer.",
)
@pass_context
@reports_errors
def query(
    ctx: Context,
    name: str | None,
    params: tuple[str, ...],
    sparql: str | None,
    query_file: Path | None,
    fmt: str,
    output: Path | None,
    lang: str | None,
    endpoint: str | None,
    graph_iri: str | None,
    user: str | None,
    password_env: str | None,
    timeout: float,
) -> None:
    """Run a named query (see `citykg queries`), or ad-hoc SPARQL with --sparql / --file.

    The table (the default format) is for people: column headers and dates in the chosen language
    ("Seit", "14. Mai 2024"); csv, tsv, json and xml keep the variable names and the terms.

    Examples: citykg query twin-cities --format csv;
    citykg query partnerships-as-of -p year=1970;
    citykg query twin-cities --endpoint http://127.0.0.1:7878/query
    """
    from citykg.question import Question, Remote, answer

    remote = Remote(endpoint, graph_iri, user, password_env, timeout) if endpoint is not None else None
    data = answer(
        ctx.project,
        Question(name, sparql, query_file, _parse_params(params), fmt, lang),
        store=ctx.store,
        remote=remote,
        on_hint=lambda hint: click.echo(f"citykg: hint: {hint}", err=True),
    )
    _write(output, data)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True)
@pass_context
@reports_errors
def stats(ctx: Context, fmt: str) -> None:
    """Counts by class and by relation.

    Example: citykg stats
    """
    from citykg.queries import Catalogue, run
    from citykg.results import render
    from citykg.store import open_dataset

    project = ctx.project
    catalogue = Catalogue(project.queries_dir)
    dataset = open_dataset(project, store=ctx.store)
    for name in ("counts-by-class", "counts-by-relation"):
        selected = catalogue.get(name)
        if fmt == "table":
            click.echo(selected.title)
        click.echo(render(run(dataset, selected), fmt, project.base))


@main.command()
@click.option("--format", "fmt", type=click.Choice(sorted(RDF_MEDIA_TYPES)), default="ttl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option("--served", is_flag=True, help="Export the served store of `serve --allow-update` (with its updates).")
@pass_context
@reports_errors
def export(ctx: Context, fmt: str, output: Path | None, served: bool) -> None:
    """Export the whole built dataset (Turtle, N-Triples, JSON-LD, TriG, N-Quads, RDF/XML).

    With --served: the data of the store `citykg serve --allow-update` keeps in BUILD/served/ (the build plus
    every update made through the endpoint), which the build's dumps do not contain.

    Example: citykg export --format jsonld -o citykg.jsonld; citykg export --served --format nq -o now.nq
    """
    from citykg.export import serialize
    from citykg.store import open_dataset, open_served

    dataset = open_served(ctx.project) if served else open_dataset(ctx.project, store=ctx.store)
    _write(output, serialize(dataset, fmt, ctx.project.base))


@main.command()
@click.option("--cities", type=click.IntRange(min=2), required=True, help="How many cities.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same bytes.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A .nt file, or a folder that becomes a complete project (ontology, queries, data).",
)
@pass_context
@reports_errors
def synth(ctx: Context, cities: int, seed: int, output: Path) -> None:
    """Write a deterministic synthetic world of city relations in the project's ontology (for scale tests).

    Example: citykg synth --cities 8000 -o /tmp/world && citykg --project /tmp/world --store oxigraph build
    """
    from citykg import synth as synthetic

    if output.suffix in (".nt", ".ttl"):
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8") as out:
            stats = synthetic.generate_with_progress(out, cities=cities, seed=seed)
    else:
        stats = synthetic.write_project(output, ctx.project, cities=cities, seed=seed)
    click.echo(
        f"{stats.triples:,} triples: {stats.cities:,} cities, {stats.partnerships:,} partnerships, "
        f"{stats.memberships:,} memberships -> {output}"
    )


@main.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "trig", "nq"]), default="text", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (- is stdout)."
)
@pass_context
@reports_errors
def diff_command(ctx: Context, old: str, new: str, fmt: str, output: Path | None) -> None:
    """What changed between two versions: build folders, project folders or git revisions.

    In words (per resource, - removed and + added statements), as JSON, or as RDF (TriG/N-Quads with the
    graphs urn:citykg:diff:removed and urn:citykg:diff:added).

    Examples: citykg diff HEAD~1 HEAD; citykg diff /tmp/old-build build --format trig
    """
    from citykg.diff import diff, render

    project = ctx.project
    _write(output, render(diff(project, old, new), fmt, project.base))
