"""Errors of the remote commands: each names the endpoint, the graph, what failed and what to do.

They are runtime failures (exit code 3) unless the command was called wrongly (a ``UsageError``, exit 2).
Passwords never appear in them: URLs are shown without user information, credentials by user name only.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from citykg.errors import EXIT_RUNTIME, CityKGError


class RemoteError(CityKGError):
    """A remote store or endpoint failed, refused or answered something unusable."""

    exit_code = EXIT_RUNTIME


class AuthError(RemoteError):
    """The store refused the credentials (HTTP 401/403) or wants some where none were given."""


class PushFailed(RemoteError):
    """A push stopped before the target graph was replaced; the previous graph is intact."""


def redact(url: str) -> str:
    """``url`` without user information (``https://user:secret@host/x`` -> ``https://host/x``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
