"""What every command module shares: the click context (project and store choice) and the error wrapper.

A module of its own so that command modules (citykg.remotecommands, citykg.server.command, …) need not
import citykg.cli, which imports them lazily.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from citykg.config import Project, load_project
from citykg.errors import EXIT_INVALID_DATA, EXIT_RUNTIME, CityKGError, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn CityKGError into a message on stderr and its exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(exc.report.text(), err=True)
            click.echo(f"citykg: {exc}", err=True)
            sys.exit(EXIT_INVALID_DATA)
        except CityKGError as exc:
            click.echo(f"citykg: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("citykg: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `citykg stats | head`: the reader has what it wanted; that is success
            _silence_stdout()
            sys.exit(0)
        except OSError as exc:  # the disk, not the user: a message and exit 3, never a traceback
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"citykg: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_RUNTIME)

    return wrapper  # type: ignore[return-value]


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail on the closed pipe again."""
    import os

    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class Context:
    def __init__(self, project_dir: Path | None, base: str | None, build_dir: Path | None, store: str) -> None:
        self._args = (project_dir, base, build_dir)
        self._project: Project | None = None
        self.store = store

    def override(self, name: str, value: Any) -> None:
        """A global option given after the subcommand (``citykg query … --project X``) counts the same."""
        if name == "store":
            self.store = value
            return
        project_dir, base, build_dir = self._args
        given = {"project_dir": project_dir, "base": base, "build_dir": build_dir, name: value}
        self._args = (given["project_dir"], given["base"], given["build_dir"])
        self._project = None

    @property
    def project(self) -> Project:
        if self._project is None:
            project_dir, base, build_dir = self._args
            self._project = load_project(project_dir).with_overrides(base=base, build_dir=build_dir)
        return self._project


pass_context = click.make_pass_decorator(Context)
