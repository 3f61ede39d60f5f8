"""Reading from a SPARQL endpoint through SPARQLWrapper: timeouts, retries, a User-Agent, credentials.

:func:`run_remote` runs a named query on a remote endpoint and returns an rdflib ``Result``, so
``citykg.results.render`` prints it exactly as it prints a result of the embedded store. Parameters are
bound by VALUES blocks (:mod:`citykg.bindings`); the prefixes that ``citykg query`` predeclares
locally are declared in the text sent. ``graph`` becomes the ``default-graph-uri`` protocol parameter: the
queries then see the pushed graph as their default graph, on Oxigraph server and Virtuoso alike (Virtuoso's
own default graph is the union of all its graphs, system graphs included).

Retries: HTTP 429 and 5xx answers and dropped connections are retried up to :data:`RETRIES` times with
exponential backoff (0.5 s, 1 s, 2 s …; a ``Retry-After`` header is honoured up to 30 s). A refused
connection, a timeout or a 4xx answer is reported at once. Credentials: the user is given on the command
line, the password only through an environment variable (``--password-env VAR``, default
``CITYKG_PASSWORD``); the store's challenge decides between HTTP Digest and Basic authentication.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper import __version__ as SPARQLWRAPPER_VERSION

from citykg import __version__
from citykg.bindings import bind_remote
from citykg.errors import UsageError
from citykg.namespaces import PREFIXES
from citykg.queries import NamedQuery, parse_header, plain_strings
from citykg.remote.errors import AuthError, RemoteError, redact

DEFAULT_TIMEOUT = 60.0
#: How often a 429/5xx answer or a dropped connection is retried, and the first pause (doubling).
RETRIES = 3
BACKOFF = 0.5
MAX_RETRY_AFTER = 30.0
PASSWORD_ENV = "CITYKG_PASSWORD"
USER_AGENT = (
    f"citykg/{__version__} (https://w3id.org/citykg; knowledge graph of city relations) "
    f"SPARQLWrapper/{SPARQLWRAPPER_VERSION}"
)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

T = TypeVar("T")


@dataclass(frozen=True)
class Credentials:
    """A user and the password read from an environment variable (never shown, never logged)."""

    user: str
    password: str = field(repr=False)
    variable: str = PASSWORD_ENV

    def __str__(self) -> str:
        return f"user {self.user!r} (password from ${self.variable})"


def credentials(user: str | None, password_env: str | None = None) -> Credentials | None:
    """The credentials for ``--user`` / ``--password-env``; None without a user."""
    variable = password_env or PASSWORD_ENV
    if not user:
        if password_env:
            raise UsageError("--password-env needs --user", hint="give --user NAME as well")
        return None
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
        raise UsageError(f"--password-env {variable!r} is not an environment variable name", hint="e.g. VIRTUOSO_PW")
    password = os.environ.get(variable)
    if password is None:
        raise UsageError(
            f"--user {user} needs a password in the environment variable {variable}, which is not set",
            hint=f"export {variable}=… before the command (passwords are never taken from the command line)",
        )
    return Credentials(user, password, variable)


def retry_after(headers: Mapping[str, str] | None, attempt: int) -> float:
    """The pause before retry ``attempt`` (0-based): the server's Retry-After, else exponential backoff."""
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    if value and value.strip().isdigit():
        return min(float(value.strip()), MAX_RETRY_AFTER)
    return BACKOFF * (2**attempt)


class Transient(Exception):
    """A failure worth retrying; carries the final error to raise when the retries are used up."""

    def __init__(self, error: Exception, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers


def with_retries(call: Callable[[], T], retries: int | None = None, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``call``; when it raises :class:`Transient`, wait and try again, then raise the carried error."""
    attempts = RETRIES if retries is None else retries
    for attempt in range(attempts + 1):
        try:
            return call()
        except Transient as transient:
            if attempt == attempts:
                raise transient.error from None
            sleep(retry_after(transient.headers, attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def prologue_for(text: str) -> str:
    """PREFIX lines for the predeclared prefixes that ``text`` uses without declaring them."""
    declared = {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?:", text)}
    lines = [
        f"PREFIX {name}: <{namespace}>"
        for name, namespace in PREFIXES.items()
        if name not in declared and re.search(rf"(?<![\w?$.-]){re.escape(name)}:", text)
    ]
    return "\n".join(lines) + "\n" if lines else ""


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper that opens requests with its own opener, so that urllib errors reach us unchanged
    (with status, headers and body) and credentials answer the store's challenge (Digest or Basic)
    instead of being sent unasked or installed in a process-wide opener."""

    opener: urllib.request.OpenerDirector

    def _query(self):  # type: ignore[override]
        request = self._createRequest()
        return self.opener.open(request, timeout=self.timeout), self.returnFormat


def opener_for(url: str, creds: Credentials | None) -> urllib.request.OpenerDirector:
    if creds is None:
        return urllib.request.build_opener()
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, url, creds.user, creds.password)
    return urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)
    )


@dataclass
class Endpoint:
    """A SPARQL query endpoint."""

    url: str
    timeout: float = DEFAULT_TIMEOUT
    creds: Credentials | None = None
    default_graph: str | None = None
    retries: int | None = None

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^/\s]+", self.url or ""):
            raise UsageError(
                f"--endpoint {redact(self.url or '')!r} is not an http(s) URL",
                hint="e.g. http://127.0.0.1:7878/query (Oxigraph server) or http://127.0.0.1:8890/sparql (Virtuoso)",
            )
        if self.timeout <= 0:
            raise UsageError("--timeout must be more than 0 seconds")
        self._opener = opener_for(self.url, self.creds)

    @property
    def shown(self) -> str:
        return redact(self.url)

    def query(self, text: str, form: str = "SELECT", name: str = "query") -> Result:
        """Run SPARQL ``text`` of the given form (SELECT, ASK, CONSTRUCT, DESCRIBE) and parse the answer."""
        form = form.upper()
        graph_result = form in ("CONSTRUCT", "DESCRIBE")
        sparql = _Wrapper(self.url, agent=USER_AGENT)
        sparql.opener = self._opener
        sparql.setMethod(POST)
        sparql.setRequestMethod(URLENCODED)
        sparql.setTimeout(max(1, round(self.timeout)))
        sparql.setReturnFormat(TURTLE if graph_result else JSON)
        if self.default_graph:
            sparql.addDefaultGraph(self.default_graph)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SPARQLWrapper guesses the form from the text and warns when unsure
            sparql.setQuery(prologue_for(text) + text)
        sparql.queryType = form  # we know the form; SPARQLWrapper's guess can mistake words in comments

        def attempt() -> tuple[bytes, Mapping[str, str]]:
            try:
                response, _ = sparql._query()
                with response:
                    return response.read(), dict(response.headers.items())
            except urllib.error.HTTPError as exc:
                raise self._http_error(exc, name) from None
            except (http.client.RemoteDisconnected, ConnectionResetError, http.client.IncompleteRead) as exc:
                raise Transient(
                    RemoteError(f"{self.shown}: the connection dropped while running {name}: {exc}")
                ) from None
            except TimeoutError:
                raise RemoteError(
                    f"{self.shown}: no answer to {name} within {self.timeout:g} s",
                    hint="raise --timeout, or check that the store is not overloaded",
                ) from None
            except urllib.error.URLError as exc:
                raise unreachable(self.shown, exc.reason) from None
            except OSError as exc:
                raise unreachable(self.shown, exc) from None

        body, headers = with_retries(attempt, self.retries)
        result = self._parse(body, form, name)
        self._check_truncation(result, headers, name)
        return result

    def _http_error(self, exc: urllib.error.HTTPError, name: str) -> Exception:
        try:
            detail = exc.read().decode("utf-8", "replace")
        except OSError:
            detail = ""
        headers = dict(exc.headers.items()) if exc.headers else {}
        error = http_failure(self.shown, exc.code, detail, f"running {name}", self.creds)
        if exc.code in RETRY_STATUS:
            return Transient(error, headers)
        return error

    def _parse(self, body: bytes, form: str, name: str) -> Result:
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                parsed = Graph()
                parsed.parse(data=body.decode("utf-8"), format="turtle")
                graph = Graph()  # without the store's prefix names, like a local result graph
                for triple in parsed:
                    graph.add(triple)
                result = Result(form)
                result.graph = graph
                return result
            return normalise(Result.parse(io.BytesIO(body), format="json"))
        except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise many unrelated types
            reason = str(exc).splitlines()[0] if str(exc) else repr(exc)
            raise RemoteError(
                f"{self.shown}: the answer to {name} is not a SPARQL result: {reason}",
                hint="check that the URL is a SPARQL query endpoint",
            ) from None

    def _check_truncation(self, result: Result, headers: Mapping[str, str], name: str) -> None:
        limit = next((v for k, v in headers.items() if k.lower() == "x-sparql-maxrows"), None)
        if limit is None or not limit.strip().isdigit():
            return
        size = len(result.graph) if result.graph is not None else len(result.bindings or [])
        if size >= int(limit):
            raise RemoteError(
                f"{self.shown}: the answer to {name} was cut off at {limit} rows by the store (X-SPARQL-MaxRows)",
                hint="raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini "
                "(scripts/virtuoso.sh sets 1,000,000)",
            )

    def select(self, text: str, name: str = "query") -> list[dict[str, Node]]:
        """The rows of a SELECT as dicts of variable name -> term (unbound variables left out)."""
        result = self.query(text, "SELECT", name)
        return [{str(k): v for k, v in row.items() if v is not None} for row in result.bindings]


def normalise(result: Result) -> Result:
    """RDF 1.1 makes a literal without datatype an xsd:string; rdflib keeps the two apart, and stores differ
    in which they send: results get rdflib's own choice (no datatype), as the embedded store gives them."""
    return plain_strings(result)


def http_failure(shown: str, status: int, detail: str, doing: str, creds: Credentials | None) -> RemoteError:
    """The error for an HTTP failure status while ``doing`` something at ``shown``."""
    first = _first_line(detail)
    if status in (401, 403):
        if creds is None:
            return AuthError(
                f"{shown}: the store wants credentials for {doing} (HTTP {status})",
                hint="give --user NAME and put the password in the environment variable named by --password-env "
                f"(default {PASSWORD_ENV})",
            )
        return AuthError(
            f"{shown}: the store refused the credentials of {creds} for {doing} (HTTP {status})",
            hint=f"check the user name and the password in ${creds.variable}",
        )
    if status == 404:
        return RemoteError(
            f"{shown}: not found (HTTP 404) while {doing}" + (f": {first}" if first else ""),
            hint="check the URL: Oxigraph server answers queries at /query, Virtuoso at /sparql",
        )
    if status == 429:
        return RemoteError(f"{shown}: too many requests (HTTP 429) while {doing}", hint="wait and try again later")
    if status == 400:
        return RemoteError(
            f"{shown}: the store rejected the request while {doing} (HTTP 400): {first}",
            hint="the store may not support a construct the query uses; see docs/remote.md",
        )
    return RemoteError(
        f"{shown}: HTTP {status} while {doing}" + (f": {first}" if first else ""),
        hint="the store reported an error; see its log",
    )


def unreachable(shown: str, reason: object) -> RemoteError:
    text = str(reason)
    if isinstance(reason, ConnectionRefusedError) or "refused" in text.lower():
        return RemoteError(
            f"{shown}: cannot connect (connection refused)",
            hint="is the store running and listening on this host and port?",
        )
    if isinstance(reason, TimeoutError) or "timed out" in text.lower():
        return RemoteError(f"{shown}: no answer (timed out)", hint="raise --timeout, or check the network")
    return RemoteError(f"{shown}: cannot connect ({text})", hint="check the URL and the network")


def _first_line(detail: str) -> str:
    text = re.sub(r"<[^>]+>", " ", detail or "")
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return ""


def run_remote(
    endpoint: str,
    query: NamedQuery,
    bindings: Mapping[str, Node] | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    user: str | None = None,
    password_env: str | None = None,
    graph: str | None = None,
) -> Result:
    """Run a named (or ad-hoc) query on a remote SPARQL endpoint; the result renders like a local one.

    ``bindings`` are the typed terms of :func:`citykg.queries.bind`; ``graph`` (e.g. the IRI ``citykg push``
    wrote to, see :func:`citykg.remote.push.default_graph`) is sent as ``default-graph-uri``.
    """
    text = bind_remote(query.text, {str(k): v for k, v in (bindings or {}).items()})
    client = Endpoint(endpoint, timeout=timeout, creds=credentials(user, password_env), default_graph=graph)
    return client.query(text, query.form, query.name)


#: The SPARQL that citykg's remote commands run, next to the package (``queries/remote``, ``queries/wikidata``).
SHIPPED_QUERIES = Path(__file__).resolve().parent.parent.parent / "queries"


def query_file(relative: str, queries_dir: Path | None = None) -> NamedQuery:
    """A query the remote commands run, e.g. ``remote/count-graph.rq``: from the project's queries folder
    when it has the file, else from the one shipped with citykg."""
    for folder in (queries_dir, SHIPPED_QUERIES):
        if folder is not None and (folder / relative).is_file():
            path = folder / relative
            return parse_header(path.read_text(encoding="utf-8"), path.stem, path)
    raise UsageError(f"query file {relative} not found in {queries_dir or SHIPPED_QUERIES}", hint="reinstall citykg")
