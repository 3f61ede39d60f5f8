"""``citykg serve``: prepare the served store (building first if the sources changed), load its data for the
pages, fork the query workers (which open the store themselves), bind the socket and run uvicorn."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import click
from rdflib import Dataset, Graph, URIRef

from citykg.cliutil import Context, pass_context, reports_errors
from citykg.errors import UsageError
from citykg.queries import Catalogue
from citykg.server import limits, statistics
from citykg.server.app import create_app
from citykg.server.datasets import Extra, Holdings, load_extras
from citykg.server.served import prepare
from citykg.server.settings import Settings, check_base_url, default_base_url
from citykg.server.state import ServerState
from citykg.store import ensure_built

MIN_TOKEN = 16


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one), made before any worker is forked."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host!r} does not resolve: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="choose another --port (0: any free one)"
        ) from None
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def load_shapes(path: Path) -> Graph:
    graph = Graph()
    if path.is_file():
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # noqa: BLE001 - the page goes without shapes, the server still starts
            click.echo(f"citykg serve: shapes not shown ({path}: {str(exc).splitlines()[0]})", err=True)
    return graph


@click.command(name="serve")
@click.argument("extra", nargs=-1, metavar="[IRI=]PATH...")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free one).")
@click.option("--base-url", help="Public URL of the server's root (default: http://HOST:PORT/).")
@click.option(
    "--timeout", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True, help="Seconds a query may run."
)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Query worker processes.")
@click.option("--allow-update", is_flag=True, help="Accept SPARQL Update (with the token from --update-token-env).")
@click.option(
    "--update-token-env",
    default="CITYKG_UPDATE_TOKEN",
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the update token (sent as Authorization: Bearer …).",
)
@click.option(
    "--allow-service", multiple=True, metavar="URL", help="An IRI that SERVICE and LOAD may contact (repeatable)."
)
@click.option(
    "--max-body", type=click.IntRange(1024), default=1024 * 1024, show_default=True, help="Largest request body, bytes."
)
@click.option(
    "--html-rows", type=click.IntRange(1, 100_000), default=500, show_default=True, help="Rows in HTML tables."
)
@click.option(
    "--cache-mb",
    type=click.IntRange(0, 65536),
    default=64,
    show_default=True,
    help="Memory for cached answers (0: none).",
)
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
@limits.options
@pass_context
@reports_errors
def serve(
    ctx: Context,
    extra: tuple[str, ...],
    host: str,
    port: int,
    base_url: str | None,
    timeout: float,
    workers: int,
    allow_update: bool,
    update_token_env: str,
    allow_service: tuple[str, ...],
    max_body: int,
    html_rows: int,
    cache_mb: int,
    access_log: bool,
    **limit_values: float,
) -> None:
    """Serve the graph: SPARQL endpoint, Linked Data pages, dumps and named queries.

    EXTRA files are served as further named graphs: PATH (graph urn:citykg:extra:FILENAME) or IRI=PATH.

    Example: citykg serve --port 8000
    """
    import uvicorn

    token = None
    if allow_update:
        token = os.environ.get(update_token_env, "")
        if len(token) < MIN_TOKEN:
            raise UsageError(
                f"--allow-update needs a token of at least {MIN_TOKEN} characters in ${update_token_env}",
                hint=f"export {update_token_env}=$(python3 -c 'import secrets; print(secrets.token_urlsafe())')",
            )
    if base_url:
        base_url = check_base_url(base_url)
    if allow_service:
        raise UsageError(
            "--allow-service is not supported: Oxigraph's engine follows HTTP redirects from an allowed host to "
            "any other and offers no control over that, so SERVICE and LOAD are always refused",
            hint="load the remote data into a file and serve it as an EXTRA graph",
        )
    project = ctx.project
    ensure_built(project)
    extras = [Extra.parse(spec) for spec in extra]
    names = load_extras(Dataset(), extras)  # checks every file (with messages) before anything is served
    served = prepare(project, extras, writable=allow_update)
    for message in served.messages:
        click.echo(f"citykg serve: {message}", err=True)
    holdings = Holdings(
        served.location,  # opened read-only by this process when a page first reads it: no copy of the data
        project.base,
        declared=names,
        focus=URIRef(served.focus) if served.focus else None,
        graph_names=[URIRef(g) for g in served.graphs],
        triples=served.triples,
    )
    catalogue = Catalogue(project.queries_dir)
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    settings = Settings(
        host=host,
        port=real_port,
        base_url=base_url or default_base_url(host, real_port),
        timeout=timeout,
        workers=workers,
        allow_update=allow_update,
        update_token=token,
        allow_service=allow_service,
        max_body=max_body,
        html_rows=html_rows,
        cache_mb=cache_mb,
        heavy_seconds=limit_values.pop("heavy_seconds"),
    )
    connection_limits = limits.from_options(limit_values)
    state = ServerState(settings, project, holdings, catalogue, load_shapes(project.shapes_file), served.location)
    app = create_app(state)
    state.pool.start()  # forks the zygote before this process opens the store
    statistics.warm(state)  # the VoID counts, in a thread (read from the build's store folder when kept there)
    listen = default_base_url(host, real_port)
    click.echo(f"citykg serve: listening on {listen} (SPARQL endpoint {settings.url('/sparql')})")
    click.echo(
        f"citykg serve: {holdings.triple_count():,} triples in {len(holdings.named_graphs())} named graphs; "
        f"{workers} workers, timeout {timeout:g} s, updates {'allowed' if allow_update else 'refused'}; Ctrl-C stops",
        err=True,
    )
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=access_log,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=3,
        timeout_keep_alive=connection_limits.idle_timeout,
        http=limits.protocol(connection_limits),
    )
    limits.quiet_logs()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        state.pool.close()
        sock.close()
        served.remove()
