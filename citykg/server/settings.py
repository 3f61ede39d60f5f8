"""The server's options (``citykg serve``), in one frozen object."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from citykg.errors import UsageError


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""  # the public URL of the server's root, ending in "/"; default http://HOST:PORT/
    timeout: float = 10.0  # seconds a query may run before its worker is killed
    workers: int = 2  # query worker processes
    allow_update: bool = False
    update_token: str | None = None  # required as "Authorization: Bearer …" when updates are allowed
    allow_service: tuple[str, ...] = ()  # IRIs that SERVICE and LOAD may contact
    max_body: int = 1024 * 1024  # bytes of a request body
    html_rows: int = 500  # rows shown in an HTML results table
    cache_mb: int = 64  # memory for cached answers
    memory_mb: int = 2048  # address space a worker may add to what it inherited
    heavy_seconds: float = 1.0  # a query shape that ran this long goes to the heavy lane (citykg.server.lanes)

    @property
    def prefix(self) -> str:
        """The path of the public URL ("" at a host's root), for links in pages."""
        return urlsplit(self.base_url).path.rstrip("/")

    def url(self, path: str) -> str:
        """The public absolute URL of a server path such as "/sparql"."""
        return self.base_url.rstrip("/") + path


def check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(f"--base-url {url!r} is not an http(s) URL", hint="e.g. --base-url https://data.example.org/")
    return url if url.endswith("/") else url + "/"


def default_base_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"
