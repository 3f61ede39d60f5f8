"""HTML pages: Jinja2 templates with autoescaping, in English and German, links into the data.

Every label and literal reaches the page through Jinja's autoescape (never ``|safe``); only http(s) IRIs
become external links, so a ``javascript:`` IRI in the data stays text. Pages load nothing from other
hosts: styles and the one script are under ``/static/`` and the Content-Security-Policy says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import HTMLResponse

from citykg.codes import Codes
from citykg.headers import column, header
from citykg.namespaces import CKG, CKGV, ONTOLOGY_IRI, sparql_prologue
from citykg.profile.dates import human
from citykg.queries import NamedQuery
from citykg.results import compact
from citykg.server import i18n
from citykg.server.namedqueries import example_values, with_values
from citykg.server.negotiation import FORMATS, GRAPH, TABULAR, preferred_language

TEMPLATES = Path(__file__).resolve().parent / "templates"
DATES = frozenset({XSD.date, XSD.gYear, XSD.gYearMonth})
ONTOLOGY_NS = str(CKG)
OUR_NAMESPACES = (ONTOLOGY_IRI, str(CKGV))
#: Links remembered per generation of the data.
HREF_CACHE = 100_000


@dataclass(frozen=True)
class TermView:
    kind: str  # "iri", "literal", "bnode"
    text: str
    iri: str = ""
    href: str | None = None
    external: str | None = None
    lang: str | None = None
    datatype: str | None = None


def _subject(holdings, iri: URIRef) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``iri`` is the subject of a statement: one look-up in the store's index."""
    import pyoxigraph as ox

    try:
        node = ox.NamedNode(str(iri))
    except ValueError:
        return False
    return any(True for _ in holdings.store.quads_for_pattern(node, None, None, None))


def example_text(query: NamedQuery, lang: str, base: str, focus: URIRef | None) -> str:
    """A named query as an editor example: its parameters bound to defaults and the examples they name."""
    try:
        return with_values(query.text, example_values(query, lang, base, focus))
    except Exception:  # noqa: BLE001 - an example is a convenience; show the plain text
        return query.text


def http_url(text: str) -> str | None:
    """``text`` if it is an http(s) URL safe to put in an href, else None."""
    return text if re.match(r"^https?://[^\s<>\"'`]+$", text) else None


class Pages:
    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        self.state = state
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"], default_for_string=True, default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._codes: tuple[int, Codes] | None = None
        self._hrefs: tuple[int, dict[URIRef, str | None]] = (-1, {})

    # -- language and links ----------------------------------------------------------------------------------
    def language(self, request: Request) -> tuple[str, bool]:
        asked = request.query_params.get("lang", "").strip().lower()
        if asked in i18n.LANGUAGES:
            return asked, True
        return preferred_language(request.headers.get("accept-language"), i18n.LANGUAGES, i18n.DEFAULT), False

    def page_href(self, iri: Node) -> str | None:
        """The local page of an IRI, or None when the server knows nothing about it (remembered per generation
        of the data: a hub's page links the same classes and concepts thousands of times)."""
        if not isinstance(iri, URIRef):
            return None
        generation = self.state.holdings.generation
        if self._hrefs[0] != generation:
            self._hrefs = (generation, {})
        hrefs = self._hrefs[1]
        if iri not in hrefs:
            if len(hrefs) >= HREF_CACHE:
                hrefs.clear()
            hrefs[iri] = self._page_href(iri)
        return hrefs[iri]

    def _page_href(self, iri: URIRef) -> str | None:
        prefix = self.state.settings.prefix
        text = str(iri)
        base = self.state.holdings.base
        if text.startswith(base):
            rest = text[len(base) :]
            if not rest:
                return prefix + "/"
            if not re.search(r"[?#]|(^|/)\.{1,2}(/|$)|//", rest):
                return prefix + "/page/" + quote(rest, safe="/:@!$&'()*+,;=-._~")
        if text in (ONTOLOGY_IRI, ONTOLOGY_NS):
            return prefix + "/ontology"
        if text.startswith(ONTOLOGY_NS):
            return prefix + "/ontology#" + quote(text[len(ONTOLOGY_NS) :], safe="-._~")
        holdings = self.state.holdings
        if text.startswith(base) or holdings.holds(iri) or _subject(holdings, iri):
            return prefix + "/resource?" + urlencode({"iri": text})
        return None

    def data_href(self, iri: URIRef, fmt: str) -> str:
        prefix = self.state.settings.prefix
        page = self.page_href(iri) or ""
        if page.startswith(prefix + "/page/"):
            return prefix + "/data/" + page[len(prefix + "/page/") :] + "." + FORMATS[fmt].extension
        return prefix + "/resource?" + urlencode({"iri": str(iri), "format": fmt})

    def codes(self) -> Codes:
        """The vocabulary's concepts in the served data, read once per generation of the data."""
        holdings = self.state.holdings
        if self._codes is None or self._codes[0] != holdings.generation:
            self._codes = (holdings.generation, Codes.of(holdings.dataset))
        return self._codes[1]

    def coded(self, table: Any) -> Any:
        """A named query's table with code literals ("high") as their concepts, which the cells show by label."""
        if table is None or not table.rows:
            return table
        return replace(table, rows=self.codes().with_concepts(table.rows))

    def view(self, node: Node | None, lang: str) -> TermView:
        if node is None:
            return TermView("literal", "")
        if isinstance(node, URIRef):
            text = str(node)
            label = self.state.holdings.label(node, lang) or compact(node, self.state.holdings.base)
            ours = text.startswith(self.state.holdings.base) or text.startswith(OUR_NAMESPACES)
            return TermView("iri", label, text, self.page_href(node), None if ours else http_url(text))
        if isinstance(node, BNode):
            return TermView("bnode", f"_:{node}")
        if isinstance(node, Literal):
            datatype = None
            if node.datatype is not None and node.datatype not in (XSD.string,):
                datatype = compact(node.datatype)
            external = http_url(str(node)) if node.datatype in (None, XSD.anyURI, XSD.string) else None
            return TermView("literal", str(node), lang=node.language, datatype=datatype, external=external)
        return TermView("literal", str(node))

    def context(self, request: Request, **values: Any) -> dict[str, Any]:
        lang, explicit = self.language(request)
        state = self.state
        prefix = state.settings.prefix

        def url(path: str, **params: Any) -> str:
            params = {k: v for k, v in params.items() if v is not None and v != ""}
            if explicit and "lang" not in params:
                params["lang"] = lang
            query = urlencode(params, doseq=True)
            return prefix + path + (("&" if "?" in path else "?") + query if query else "")

        def switch(target: str) -> str:
            pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
            pairs.append(("lang", target))
            raw = request.scope.get("raw_path") or request.url.path.encode("utf-8")
            path = "/" + raw.decode("latin-1").lstrip("/")  # never "//host/…": a link to another host
            return prefix + path + "?" + urlencode(pairs)

        views: dict[Node | None, TermView] = {}  # per page: the same predicates and classes recur on every row

        def view(node: Node | None) -> TermView:
            found = views.get(node)
            if found is None:
                found = views[node] = self.view(node, lang)
            return found

        return {
            "lang": lang,
            "languages": i18n.LANGUAGES,
            "t": lambda key, **kw: i18n.text(key, lang, **kw),
            "url": url,
            "switch": switch,
            "view": view,
            "label": lambda node: view(node).text,
            "prefix": prefix,
            "endpoint": state.endpoint,
            "void_url": state.settings.url("/.well-known/void"),
            "formats": FORMATS,
            "http_url": http_url,
            "header": lambda query: header(query, lang),
            "column": column,
            "coded": self.coded,
            "human_date": lambda node: human(node, lang) if getattr(node, "datatype", None) in DATES else str(node),
            **values,
        }

    def render(
        self, request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any
    ) -> HTMLResponse:
        context = self.context(request, **values)
        body = self.env.get_template(template).render(**context)
        merged = {"Vary": "Accept, Accept-Language", "Content-Language": context["lang"], **(headers or {})}
        return HTMLResponse(body, status_code=status, headers=merged)

    # -- pages -----------------------------------------------------------------------------------------------
    def error(self, request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
        return self.render(request, "error.html", status, headers, code=status, message=message)

    def query(self, request: Request, text: str | None = None, outcome: Any = None) -> HTMLResponse:
        state = self.state
        lang, _ = self.language(request)
        examples = [(q, example_text(q, lang, state.holdings.base, state.holdings.focus)) for q in state.catalogue]
        if text is None:
            example = request.query_params.get("example")
            chosen = [t for q, t in examples if q.name == example]
            text = (
                chosen[0]
                if chosen
                else sparql_prologue(state.holdings.base)
                + (
                    "\nSELECT ?resource ?label WHERE {\n  ?resource rdfs:label ?label .\n"
                    f'  FILTER (langMatches(lang(?label), "{lang}"))\n}}\nORDER BY ?label\nLIMIT 25\n'
                )
            )
        status = 200
        downloads = []
        if outcome is not None:
            status = outcome.status if not outcome.ok else 200
            if outcome.ok:
                keys = GRAPH if outcome.form in ("CONSTRUCT", "DESCRIBE") else TABULAR
                downloads = [(FORMATS[k], self.context(request)["url"]("/sparql", query=text, format=k)) for k in keys]
        return self.render(
            request,
            "query.html",
            status,
            text=text,
            outcome=outcome,
            downloads=downloads,
            examples=examples,
            rows_cap=state.settings.html_rows,
        )

    def not_found(self, request: Request, iri: str, suggestions: list[URIRef]) -> HTMLResponse:
        return self.render(request, "notfound.html", 404, iri=iri, suggestions=suggestions)
