"""The ``citykg`` command group: later stages (serve, view, push …) are imported only when called, global options
may also follow the subcommand, and a stage whose extra is missing still lists itself and says what to install."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import click

from citykg.cliutil import Context
from citykg.errors import EXIT_RUNTIME


class LazyGroup(click.Group):
    """Commands of the later stages (serve, view, …) import their heavy modules only when called."""

    lazy: ClassVar[dict[str, str]] = {
        "serve": "citykg.server.command:serve",
        "view": "citykg.views.commands:view",
        "map": "citykg.views.commands:map_command",
        "timeline": "citykg.views.commands:timeline",
        "analyze": "citykg.views.commands:analyze",
        "path": "citykg.views.commands:path",
        "shared": "citykg.views.commands:shared",
        "profile": "citykg.profile.command:profile",
        "push": "citykg.remotecommands:push",
        "reconcile": "citykg.remotecommands:reconcile",
        "enrich": "citykg.remotecommands:enrich",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    #: The extra of the package that brings a lazy command's libraries.
    extras: ClassVar[dict[str, str]] = {"push": "remote", "reconcile": "remote", "enrich": "remote"}

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attr = self.lazy[name].partition(":")
            try:
                command = getattr(importlib.import_module(module), attr)
            except ImportError as exc:
                command = _unavailable(name, str(exc), self.extras.get(name))
            self.add_command(command, name)
        command = super().get_command(ctx, name)
        if command is not None:
            _accept_global_options(command)
        return command


def _accept_global_options(command: click.Command) -> None:
    """Let the global options also follow the subcommand: ``citykg query twin-cities --store oxigraph``."""
    if getattr(command, "_citykg_globals", False):
        return
    command._citykg_globals = True  # type: ignore[attr-defined]
    taken = {opt for param in command.params for opt in getattr(param, "opts", [])}

    def keep(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
        def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
            if value is not None and isinstance(ctx.obj, Context):
                ctx.obj.override(name, value)

        return callback

    folder = click.Path(file_okay=False, path_type=Path)
    for flag, name, kind in (
        ("--project", "project_dir", folder),
        ("--base", "base", click.STRING),
        ("--build-dir", "build_dir", folder),
        ("--store", "store", click.STRING),
    ):
        if flag not in taken:
            command.params.append(
                click.Option([flag], type=kind, expose_value=False, hidden=True, callback=keep(name), is_eager=True)
            )


def _unavailable(name: str, reason: str, extra: str | None = None) -> click.Command:
    """A stand-in that keeps `citykg --help` working when a stage's dependencies are missing."""

    def fail() -> None:
        click.echo(f"citykg: `citykg {name}` is not available here: {reason}", err=True)
        if extra:
            click.echo(
                f"  hint: pip install 'citykg[{extra}]' (or pip install -e '.[{extra}]' in a checkout)", err=True
            )
        sys.exit(EXIT_RUNTIME)

    install = f"; pip install 'citykg[{extra}]'" if extra else ""
    return click.Command(name, callback=fail, help=f"(not available: {reason}{install})")
