"""Writing to a SPARQL store: SPARQL 1.1 Update and the Graph Store HTTP Protocol, over httpx.

Stores lay out their services differently, so a :class:`StoreProfile` says where updates and graph-store
requests go, given the query endpoint:

=========  =====================  ===============================  ===================================  ===========
store      query endpoint         updates                          graph store (GSP)                    graph param
=========  =====================  ===============================  ===================================  ===========
oxigraph   ``…/query``            ``…/update``                     ``…/store``                          ``graph``
virtuoso   ``/sparql``            ``/sparql-auth`` (with a user)   ``/sparql-graph-crud-auth``          ``graph-uri``
generic    the URL given          ``--update-endpoint`` or the URL ``--gsp-endpoint`` (none: updates)   ``graph``
=========  =====================  ===============================  ===================================  ===========

``--store auto`` (the default) asks the endpoint once (``ASK {}``) and reads its ``Server`` header.
Credentials answer the store's challenge: Virtuoso wants HTTP Digest on its ``-auth`` services, other stores
usually Basic; the first request of a push carries no body (it clears the staging graph), so the digest
handshake never has to resend a large upload.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from citykg.errors import UsageError
from citykg.remote.endpoint import (
    DEFAULT_TIMEOUT,
    RETRY_STATUS,
    USER_AGENT,
    Credentials,
    Transient,
    http_failure,
    unreachable,
    with_retries,
)
from citykg.remote.errors import AuthError, RemoteError, redact

KINDS = ("auto", "oxigraph", "virtuoso", "generic")


@dataclass(frozen=True)
class StoreProfile:
    kind: str
    query_url: str
    update_url: str
    gsp_url: str | None
    graph_param: str = "graph"


def _root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def layout(
    kind: str,
    query_url: str,
    *,
    authenticated: bool,
    update_url: str | None = None,
    gsp_url: str | None = None,
) -> StoreProfile:
    """Where a store of ``kind`` takes updates and graph-store requests (explicit URLs win)."""
    if kind == "oxigraph":
        base = query_url[: -len("/query")] if query_url.rstrip("/").endswith("/query") else query_url.rstrip("/")
        profile = StoreProfile(kind, query_url, f"{base}/update", f"{base}/store", "graph")
    elif kind == "virtuoso":
        root = _root(query_url)
        suffix = "-auth" if authenticated else ""
        profile = StoreProfile(
            kind, query_url, f"{root}/sparql{suffix}", f"{root}/sparql-graph-crud{suffix}", "graph-uri"
        )
    elif kind == "generic":
        profile = StoreProfile(kind, query_url, query_url, None, "graph")
    else:
        raise UsageError(f"unknown store kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    return StoreProfile(
        profile.kind,
        query_url,
        update_url or profile.update_url,
        gsp_url or profile.gsp_url,
        profile.graph_param,
    )


def detect(query_url: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """``oxigraph``, ``virtuoso`` or ``generic``, from the Server header of an ``ASK {}``; raises if unreachable."""
    shown = redact(query_url)
    try:
        response = httpx.get(
            query_url,
            params={"query": "ASK {}"},
            headers={"User-Agent": USER_AGENT, "Accept": "application/sparql-results+json"},
            timeout=timeout,
        )
    except httpx.ConnectError as exc:
        raise unreachable(shown, exc) from None
    except httpx.TimeoutException:
        raise RemoteError(f"{shown}: no answer within {timeout:g} s", hint="raise --timeout") from None
    except httpx.HTTPError as exc:
        raise RemoteError(f"{shown}: cannot connect ({exc})", hint="check the URL") from None
    server = response.headers.get("server", "").lower()
    if server.startswith("oxigraph"):
        return "oxigraph"
    if server.startswith("virtuoso"):
        return "virtuoso"
    return "generic"


class ChallengeAuth(httpx.Auth):
    """Credentials for whatever the store asks: the first 401 decides between Digest and Basic.

    Nothing is sent before the store asks; afterwards every request carries the answer (for Digest, from
    the cached challenge), so uploads are not sent twice.
    """

    def __init__(self, creds: Credentials) -> None:
        self.creds = creds
        self.inner: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.inner is not None:
            yield from self.inner.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        schemes = [h.split(" ", 1)[0].lower() for h in response.headers.get_list("www-authenticate")]
        if "digest" in schemes:
            self.inner = httpx.DigestAuth(self.creds.user, self.creds.password)
        elif "basic" in schemes:
            self.inner = httpx.BasicAuth(self.creds.user, self.creds.password)
        else:
            return
        flow = self.inner.auth_flow(request)
        pending = next(flow)
        if isinstance(self.inner, httpx.DigestAuth):
            pending = flow.send(response)  # the flow's own first request would get this very challenge
        while True:
            response = yield pending
            try:
                pending = flow.send(response)
            except StopIteration:
                return


class GraphStore:
    """Updates and graph-store requests to one store, with retries on 429/5xx and dropped connections."""

    def __init__(
        self,
        profile: StoreProfile,
        creds: Credentials | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int | None = None,
    ) -> None:
        self.profile = profile
        self.creds = creds
        self.retries = retries
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            auth=ChallengeAuth(creds) if creds else None,
            headers={"User-Agent": USER_AGENT},
        )
        self.timeout = timeout

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def _send(self, method: str, url: str, doing: str, *, ok: tuple[int, ...] = (), **kwargs: object) -> httpx.Response:
        shown = redact(url)

        def attempt() -> httpx.Response:
            try:
                response = self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
            except httpx.ConnectError as exc:
                raise unreachable(shown, exc) from None
            except httpx.TimeoutException:
                raise RemoteError(
                    f"{shown}: no answer within {self.timeout:g} s while {doing}",
                    hint="raise --timeout, or use smaller chunks (--chunk-size)",
                ) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                raise Transient(RemoteError(f"{shown}: the connection dropped while {doing} ({exc})")) from None
            if response.status_code >= 400 and response.status_code not in ok:
                detail = response.text
                if response.status_code == 500 and "SR186" in detail:  # Virtuoso: no write permission
                    raise AuthError(
                        f"{shown}: the store does not let "
                        + (f"{self.creds}" if self.creds else "anonymous users")
                        + f" write (while {doing})",
                        hint="give --user with write permission (Virtuoso: e.g. dba) "
                        "and its password via --password-env",
                    )
                error = http_failure(shown, response.status_code, detail, doing, self.creds)
                if response.status_code in RETRY_STATUS:
                    raise Transient(error, dict(response.headers))
                raise error
            return response

        return with_retries(attempt, self.retries)

    def update(self, text: str, doing: str, *, timeout: float | None = None) -> None:
        """Run a SPARQL Update request (``timeout``: for this request, if not the client's)."""
        extra = {"timeout": httpx.Timeout(timeout)} if timeout else {}
        self._send(
            "POST",
            self.profile.update_url,
            doing,
            data={"update": text},
            headers={"Accept": "*/*"},
            **extra,
        )

    def _gsp(self) -> str:
        if not self.profile.gsp_url:
            raise UsageError(
                f"{redact(self.profile.query_url)}: no Graph Store endpoint known for this store",
                hint="give --gsp-endpoint URL, or --method update to load with SPARQL Update",
            )
        return self.profile.gsp_url

    def delete_graph(self, graph: str, doing: str) -> None:
        """Delete a graph through the Graph Store Protocol (no error if it does not exist); no body."""
        self._send("DELETE", self._gsp(), doing, params={self.profile.graph_param: graph}, ok=(404,))

    def post_triples(self, graph: str, data: bytes, doing: str) -> None:
        """Add N-Triples to a graph through the Graph Store Protocol (POST merges)."""
        self._send(
            "POST",
            self._gsp(),
            doing,
            params={self.profile.graph_param: graph},
            content=data,
            headers={"Content-Type": "application/n-triples"},
        )
