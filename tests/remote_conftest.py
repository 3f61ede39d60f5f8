"""Fixtures for the remote tests: real stores on loopback, the Wikidata fixture, and comparison helpers.

* ``oxigraph``: an Oxigraph server (``oxigraph serve``, from PyPI ``oxigraph``) on a free 127.0.0.1 port
  with a temporary on-disk store, for the whole session, with the Dortmund graph pushed to it;
* ``virtuoso``: Virtuoso Open Source 7 started by ``scripts/virtuoso.sh`` on free loopback ports with a
  temporary database, for the whole session, with the same graph pushed (as dba, digest auth);
* ``wikidata``: an Oxigraph server loaded with ``tests/data/wikidata/*.ttl`` standing in for the Wikidata
  Query Service (no test touches the internet);
* ``OxigraphServer`` / ``VirtuosoServer``: start, stop, kill and restart on the same database, for the
  fault-injection tests, which make their own.

Without the ``oxigraph`` binary or Virtuoso (``virtuoso-t``; ``$OXIGRAPH_BIN`` and ``$VIRTUOSO_BIN`` name
other ones), the tests that need them skip and say why;
with ``CI=true`` they fail instead, so CI cannot pass without the stores. Test modules load this file with
``pytest_plugins = ["remote_conftest"]``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from citykg.bindings import tokens
from citykg.build import BuildResult, build
from citykg.config import Project, load_project
from citykg.golden import Case, load_cases
from citykg.queries import Catalogue, NamedQuery, adhoc, bind, run
from citykg.results import render
from citykg.store import focus_resource

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
WIKIDATA_FIXTURE = DATA / "wikidata"
CASES: list[Case] = load_cases(DATA / "golden" / "cases.toml")
VIRTUOSO_SCRIPT = ROOT / "scripts" / "virtuoso.sh"
#: The account of the throwaway Virtuoso databases (created on first start, loopback only).
VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"
PASSWORD_ENV = "CITYKG_TEST_VIRTUOSO_PASSWORD"


def missing(reason: str) -> None:
    """Skip (locally) or fail (with CI=true) because a store is not available."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the remote tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str | None:
    """``$OXIGRAPH_BIN``, else the ``oxigraph`` next to this Python (the venv's), else on the PATH."""
    if "OXIGRAPH_BIN" in os.environ:
        return shutil.which(os.environ["OXIGRAPH_BIN"])
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def wait_for(url: str, seconds: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} after {seconds} s")


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port with its store in ``location``."""

    def __init__(self, location: Path, port: int | None = None) -> None:
        binary = oxigraph_binary()
        if binary is None:
            missing("the Oxigraph server binary `oxigraph` is not installed (pip install oxigraph)")
        self.binary = binary
        self.location = location
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log = location.parent / f"{location.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def start(self) -> OxigraphServer:
        self.location.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for(self.url, 30, self.process)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> OxigraphServer:
        self.stop()
        return self.start()


class VirtuosoServer:
    """Virtuoso on free loopback ports with a database in ``folder``, through scripts/virtuoso.sh."""

    def __init__(self, folder: Path) -> None:
        binary = os.environ.get("VIRTUOSO_BIN", "virtuoso-t")  # scripts/virtuoso.sh reads it too
        if shutil.which(binary) is None:
            missing(f"Virtuoso ({binary}) is not installed; run scripts/install_virtuoso.sh as root")
        self.folder = folder
        self.http = free_port()
        self.sql = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http}/sparql"

    @property
    def pid(self) -> int:
        return int((self.folder / "virtuoso.pid").read_text().strip())

    def _script(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(VIRTUOSO_SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
        )

    def start(self) -> VirtuosoServer:
        done = self._script("start", str(self.folder), str(self.http), str(self.sql))
        if done.returncode != 0:
            raise RuntimeError(f"scripts/virtuoso.sh start failed: {done.stderr.strip()}")
        return self

    def stop(self) -> None:
        self._script("stop", str(self.folder))

    def kill(self) -> None:
        self._script("kill", str(self.folder))

    def restart(self) -> VirtuosoServer:
        self.stop()
        return self.start()


@pytest.fixture(scope="session")
def remote_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The shipped project, building into a temporary folder."""
    return load_project(ROOT).with_overrides(build_dir=tmp_path_factory.mktemp("remote-build"))


@pytest.fixture(scope="session")
def remote_built(remote_project: Project) -> BuildResult:
    return build(remote_project)


@pytest.fixture(scope="session")
def graph_iri(remote_project: Project) -> str:
    from citykg.remote.push import default_graph

    return default_graph(remote_project)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory, remote_built: BuildResult, remote_project, graph_iri):
    """An Oxigraph server holding the pushed Dortmund graph."""
    from citykg.remote.push import push

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "store").start()
    try:
        push(server.url, remote_project.build_dir / "citykg.nt", graph=graph_iri, retries=0)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory, remote_built: BuildResult, remote_project, graph_iri):
    """A Virtuoso server holding the pushed Dortmund graph."""
    from citykg.remote.push import push

    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(PASSWORD_ENV, VIRTUOSO_PASSWORD)
            push(
                server.url,
                remote_project.build_dir / "citykg.nt",
                graph=graph_iri,
                user=VIRTUOSO_USER,
                password_env=PASSWORD_ENV,
                retries=0,
            )
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_store(request: pytest.FixtureRequest):
    """Each store in turn, as (name, server): a test using it runs once per store."""
    return request.param, request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(scope="session")
def wikidata_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of an Oxigraph server loaded with the hand-written Wikidata fixture."""
    server = OxigraphServer(tmp_path_factory.mktemp("wikidata") / "store").start()
    try:
        for path in sorted(WIKIDATA_FIXTURE.glob("*.ttl")):
            response = httpx.post(
                f"http://127.0.0.1:{server.port}/store",
                params={"default": ""},
                content=path.read_bytes(),
                headers={"Content-Type": "text/turtle"},
                timeout=30,
            )
            response.raise_for_status()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def remote_cli_context(remote_project: Project, remote_built: BuildResult):
    """The ``obj`` the citykg group gives its commands, made by the group itself for this project and build
    folder, so that the remote commands can be invoked on their own with CliRunner."""
    from citykg.cli import main

    args = ["--project", str(remote_project.root), "--build-dir", str(remote_project.build_dir), "queries"]
    ctx = main.make_context("citykg", args)
    with ctx:
        ctx.invoke(main.callback, **ctx.params)
    return ctx.obj


@pytest.fixture
def virtuoso_password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, VIRTUOSO_PASSWORD)
    return PASSWORD_ENV


def synthetic_ntriples(path: Path, triples: int) -> Path:
    """A large N-Triples file of distinct triples (no blank nodes), written fast."""
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, triples, 10_000):
            out.write(
                "".join(
                    f'<http://example.org/s{i // 4}> <http://example.org/p{i % 4}> "value {i}" .\n'
                    for i in range(start, min(start + 10_000, triples))
                )
            )
    return path


def copy_project_to(target: Path) -> Project:
    """A writable copy of the shipped sources (ontology, graph without enrichment/, queries, settings)."""
    for name in ("ontology", "graph", "queries"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("enrichment"))
    shutil.copy(ROOT / "citykg.toml", target / "citykg.toml")
    return load_project(target).with_overrides(build_dir=target / "build")


@pytest.fixture
def remote_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse name lookups of anything but the loopback host: a test that tried the internet fails."""
    original = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise OSError(f"test tried to reach {host!r}: the remote tests run offline")
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


# --- comparing results -------------------------------------------------------------------------------


def local_result(project: Project, built: BuildResult, query: NamedQuery, params: dict[str, str]):
    bindings = bind(query, params, project.base, focus_resource(built.dataset))
    return run(built.dataset, query, bindings), bindings


def tsv_rows(text: str) -> tuple[str, list[str]]:
    header, *body = text.rstrip("\n").split("\n")
    return header, body


def same_rows(local_tsv: str, remote_tsv: str) -> bool:
    """Equal as multisets (headers equal, rows counted): row order is checked separately."""
    (lh, lb), (rh, rb) = tsv_rows(local_tsv), tsv_rows(remote_tsv)
    return lh == rh and Counter(lb) == Counter(rb)


def order_by_keys(query: NamedQuery) -> list[str] | None:
    """The expressions of the query's final ORDER BY (ASC/DESC removed), or None if it has none."""
    text = query.text
    toks = list(tokens(text))
    depth, last_close = 0, -1
    for tok in toks:
        if tok.kind == "{":
            depth += 1
        elif tok.kind == "}":
            depth -= 1
            if depth == 0:
                last_close = tok.end
    tail = text[last_close:]
    upper = tail.upper()
    at = upper.find("ORDER BY")
    if at < 0:
        return None
    clause = tail[at + len("ORDER BY") :]
    for stop in ("LIMIT", "OFFSET"):
        cut = clause.upper().find(stop)
        if cut >= 0:
            clause = clause[:cut]
    keys, depth, current = [], 0, ""
    for ch in clause.strip() + " ":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch.isspace() and depth == 0:
            if current.strip():
                keys.append(current.strip())
            current = ""
        else:
            current += ch
    cleaned = []
    for key in keys:
        upper_key = key.upper()
        if upper_key.startswith(("ASC(", "DESC(")):
            key = key[key.index("(") + 1 : -1]
        cleaned.append(key)
    return cleaned


def keyed_query(query: NamedQuery, keys: list[str]) -> NamedQuery:
    """The query with its ORDER BY expressions added to the projection as ?__k0, ?__k1, …"""
    text = query.text
    toks = list(tokens(text))
    select = next(t for t in toks if t.kind == "word" and t.text.upper() == "SELECT")
    after = select.end
    rest = text[after:]
    stripped = rest.lstrip()
    if stripped.upper().startswith("DISTINCT"):
        after += len(rest) - len(stripped) + len("DISTINCT")
    extra = " ".join(f"({key} AS ?__k{i})" for i, key in enumerate(keys))
    return adhoc(text[:after] + f" {extra} " + text[after:], query.name + "-keys")


def order_consistent(project: Project, built: BuildResult, query: NamedQuery, params, remote_tsv: str) -> bool:
    """True when the remote rows come in an order the query's ORDER BY allows (ties in any order).

    The ORDER BY expressions are evaluated locally (added to the projection); each row's rank is the
    position of its key in the local order, and the remote rows' ranks must not decrease.
    """
    keys = order_by_keys(query)
    if not keys:
        return True
    keyed = keyed_query(query, keys)
    result, _ = local_result(project, built, keyed, params)
    names = [str(v) for v in result.vars if not str(v).startswith("__k")]
    ranks: dict[str, set[int]] = {}
    last_key, rank = None, -1
    for row in result:
        values = row.asdict()
        key = tuple((values.get(f"__k{i}").n3() if values.get(f"__k{i}") is not None else "") for i in range(len(keys)))
        if key != last_key:
            rank += 1
            last_key = key
        line = "\t".join("" if values.get(n) is None else values[n].n3() for n in names)
        ranks.setdefault(line, set()).add(rank)
    current = -1
    for line in tsv_rows(remote_tsv)[1]:
        possible = sorted(r for r in ranks.get(line, set()) if r >= current)
        if not possible:
            return False
        current = possible[0]
    return True


def remote_render_all(result, base: str) -> dict[str, str]:
    """The result rendered in every format that applies, JSON and XML with each row's bindings in the
    order of the variables: rdflib writes them in the order its evaluation bound them, which is not the
    same on two engines (a result from rdflib's engine and one parsed from a store's answer differ only
    in that). The request to order them in citykg.results.render itself is in docs/remote.md."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return {fmt: render(result, fmt, base) for fmt in ("ttl", "nt", "jsonld")}
    if result.type == "SELECT":
        names = list(result.vars or [])
        result.bindings = [{v: row[v] for v in names if row.get(v) is not None} for row in result.bindings]
    return {fmt: render(result, fmt, base) for fmt in ("table", "csv", "tsv", "json", "xml")}


__all__ = [
    "CASES",
    "Catalogue",
    "OxigraphServer",
    "VirtuosoServer",
    "local_result",
    "missing",
    "order_consistent",
    "remote_render_all",
    "same_rows",
    "synthetic_ntriples",
]
