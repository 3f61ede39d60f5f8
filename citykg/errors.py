"""One error hierarchy: every failure a user can cause names what failed, where, and what to do next.

The CLI turns these into a message on stderr and the exit code below; nothing else should reach the user
as a traceback.
"""

from __future__ import annotations

from pathlib import Path

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_INVALID_DATA = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3


class CityKGError(Exception):
    """Base class; ``exit_code`` says what went wrong, ``hint`` what to do next."""

    exit_code = EXIT_RUNTIME

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(CityKGError):
    """The command was called wrongly: an unknown name, a bad parameter, a missing file."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The project settings (citykg.toml, --base, environment) are unusable."""


class DataError(CityKGError):
    """The curated data is broken: syntax errors or SHACL violations."""

    exit_code = EXIT_INVALID_DATA


class SourceSyntaxError(DataError):
    """An RDF file does not parse; names the file and the line."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(
            f"{where}: syntax error: {reason}",
            hint="fix the file and run `citykg build` again; the previous build output is unchanged",
        )
        self.path = path
        self.line = line
        self.reason = reason


class ValidationFailed(DataError):
    """SHACL validation found violations; carries the report."""

    def __init__(self, report: object, count: int) -> None:
        super().__init__(
            f"validation failed: {count} violation{'s' if count != 1 else ''}",
            hint="fix the data at the places listed above; the previous build output is unchanged",
        )
        self.report = report


class QueryError(UsageError):
    """A named query or its parameters cannot be used as asked."""


class QuerySyntaxError(QueryError):
    """SPARQL text that does not parse; names the query and the position."""


class MissingComponent(CityKGError):
    """A feature's optional libraries are not installed (an extra of the package): say which extra brings them."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(
            f"{feature} needs {missing}, which is not installed",
            hint=f"pip install 'citykg[{extra}]' (or pip install -e '.[{extra}]' in a checkout)",
        )
        self.extra = extra


def require(module: str, feature: str, extra: str) -> None:
    """Raise :class:`MissingComponent` when ``module`` cannot be imported (checked before the feature runs)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingComponent(feature, extra, module)
