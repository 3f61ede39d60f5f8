"""A question to the graph, as ``citykg query`` asks it: a named query or SPARQL text with parameters, answered
from the answer cache, the built Oxigraph store, rdflib (``--store memory``) or a remote endpoint.

The CLI only parses the command line, calls :func:`answer` and writes the bytes. RDF modules are imported
inside: a repeated question is answered from the answer cache (citykg.answers), and a SELECT or ASK on the
build's store by Oxigraph (citykg.native: parameters bound with its terms, labels resolved on its store, the
people's table made from its JSON), neither loading rdflib (tests/test_cli_imports.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from citykg import answers
from citykg.config import Project
from citykg.errors import CityKGError, QueryError, UsageError

LANG_PARAMETER = re.compile(r"(?m)^#\+\s*param\s*:\s*lang\s*:\s*language")


@dataclass(frozen=True)
class Remote:
    """Where ``--endpoint`` sends the question, and how."""

    endpoint: str
    graph: str | None = None
    user: str | None = None
    password_env: str | None = None
    timeout: float = 60.0


@dataclass
class Question:
    """Exactly one of ``name``, ``sparql`` or ``query_file``; ``given`` holds the parameters as written."""

    name: str | None = None
    sparql: str | None = None
    query_file: Path | None = None
    given: dict[str, str] = field(default_factory=dict)
    fmt: str = "table"
    lang: str | None = None  # the table's language (headers, dates, codes); None: the project's

    def check(self) -> None:
        if sum(x is not None for x in (self.name, self.sparql, self.query_file)) != 1:
            raise UsageError("give exactly one of NAME, --sparql or --file", hint="citykg queries lists the names")


def answer(
    project: Project,
    question: Question,
    *,
    store: str | None = None,
    remote: Remote | None = None,
    on_hint: Callable[[str], None] = lambda hint: None,
) -> bytes:
    """The rendered answer (``question.fmt``); ad-hoc SPARQL gets hints (``on_hint``) before it runs.

    A ``table`` of a SELECT or ASK is the people's table (citykg.peopletable): made from the JSON answer, which
    carries the datatypes, with the query's column headers, dates in words and codes as labels in ``lang``.
    """
    question.check()
    lang = question.lang or project.lang
    given = dict(question.given)
    text = query_text(project, question)
    if text is not None and question.name is None:
        from citykg.server.protocol import hints

        for hint in hints(text):
            on_hint(hint)
    if "lang" not in given and LANG_PARAMETER.search(text or ""):
        given["lang"] = lang  # --lang, else the project's language ([dataset] lang), as for the views
    if question.fmt == "table" and _tabular(text):
        data = _answer(project, replace(question, fmt="json"), text, given, store, remote)
        return _people_table(project, question, text, data, lang)
    return _answer(project, question, text, given, store, remote)


def _answer(
    project: Project,
    question: Question,
    text: str | None,
    given: dict[str, str],
    store: str | None,
    remote: Remote | None,
) -> bytes:
    """The answer in ``question.fmt``: from the endpoint, the answer cache, or evaluated here (then cached)."""
    if remote is not None:
        return _remote(project, question, text, given, remote, store)
    key = answers.key(project, text, given, question.fmt, store) if text is not None else None
    cached = answers.lookup(project, key) if key else None
    if cached is not None:
        return cached
    data = _local(project, question, text, given, store)
    if key:
        answers.keep(project, key, data)
    return data


def _tabular(text: str | None) -> bool:
    """Whether a query text is a SELECT or ASK (a table); None (an unknown name) is reported later."""
    if text is None:
        return False
    from citykg.policy import scan

    return scan(text).form in ("SELECT", "ASK")


def _people_table(project: Project, question: Question, text: str | None, data: bytes, lang: str) -> bytes:
    from citykg import queries as named
    from citykg.codes import Codes
    from citykg.peopletable import people_table

    # the answer is there, so the text has passed the engine's syntax check: only its header is wanted here
    shown = _named(project, question.name, text) if question.name else named.parse_header(text or "", "--sparql")
    return people_table(shown, data, lang, project.base, Codes.load(project))


def query_text(project: Project, question: Question) -> str | None:
    """The SPARQL text to run, or None for a name that is no file (the catalogue then says what is close)."""
    if question.sparql is not None:
        return question.sparql
    path = question.query_file if question.query_file is not None else project.queries_dir / f"{question.name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        if question.query_file is not None:
            raise UsageError(f"{question.query_file}: {exc.strerror}") from None
        return None


def _named(project: Project, name: str, text: str | None):  # type: ignore[no-untyped-def]
    """The named query ``name`` from its file's ``text`` alone (reading every header of the catalogue took longer
    than the query); the catalogue when the folder has no such file, to say which names are close."""
    from citykg import queries as named

    if text is not None and f"{name}.rq" in {path.name for path in project.queries_dir.iterdir()}:
        return named.parse_header(text, name, project.queries_dir / f"{name}.rq")
    return named.Catalogue(project.queries_dir).get(name)


def _selected(project: Project, question: Question, text: str | None):  # type: ignore[no-untyped-def]
    from citykg import queries as named

    if question.name is not None:
        return _named(project, question.name, text)
    return named.parse_header(text or "", str(question.query_file) if question.query_file else "--sparql")


def _local(project: Project, question: Question, text: str | None, given: dict[str, str], store: str | None) -> bytes:
    """Oxigraph's engine on the built store (the default), else rdflib on the chosen backend."""
    from citykg import queries as named
    from citykg.store import parse_store

    selected = _selected(project, question, text)
    if parse_store(store) == parse_store("oxigraph"):
        from citykg.native import answer as native_answer

        data = native_answer(project, selected, given, question.fmt)
        if data is not None:
            return data
    from citykg.names import resolver
    from citykg.native import guard
    from citykg.store import focus_resource, open_dataset

    selected.prepared()
    dataset = open_dataset(project, store=store)
    guard(selected.text, selected.name, {str(g.identifier) for g in dataset.graphs()})
    bindings = named.bind(selected, given, project.base, focus_resource(dataset), resolver(dataset, project.base))
    try:
        return named.execute(dataset, selected, bindings, question.fmt, project.base).encode("utf-8")
    except CityKGError:
        raise
    except Exception as exc:  # noqa: BLE001 - rdflib evaluation errors share no base class
        raise QueryError(f"{selected.name}: query failed: {exc}") from None


def _remote(
    project: Project, question: Question, text: str | None, given: dict[str, str], remote: Remote, store: str | None
) -> bytes:
    """The same query, parameters and rendering as locally, evaluated by a remote endpoint (never cached)."""
    from citykg.errors import require

    require("SPARQLWrapper", "query --endpoint", "remote")
    from citykg import queries as named
    from citykg.remote.endpoint import run_remote
    from citykg.remote.push import default_graph
    from citykg.results import render
    from citykg.store import focus_resource, open_dataset

    selected = (
        named.Catalogue(project.queries_dir).get(question.name)
        if question.name is not None
        else named.adhoc(text or "", "--sparql")
    )
    selected.prepared()
    focus = (
        focus_resource(open_dataset(project, store=store))
        if any(p.default == named.FOCUS for p in selected.parameters)
        else None
    )
    bindings = named.bind(selected, given, project.base, focus)
    result = run_remote(
        remote.endpoint,
        selected,
        bindings,
        timeout=remote.timeout,
        user=remote.user,
        password_env=remote.password_env,
        graph=remote.graph or default_graph(project),
    )
    return render(result, question.fmt, project.base).encode("utf-8")
