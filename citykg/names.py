"""Names, not IRIs: a resource given as a label in either language (case- and accent-insensitive), an IRI
or a path relative to the base (``city/leeds``).

City staff type "Schytomyr", "zhytomyr" or "Dortmund", not ``https://…/city/zhytomyr``. An unknown or
ambiguous name is a usage error (exit 2) that lists the closest matches, so a typo ("lees") never silently
returns nothing.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citykg.errors import UsageError

if TYPE_CHECKING:  # rdflib's terms for its callers; Oxigraph's store is resolved without it (native_resolver)
    from rdflib import URIRef

#: Folded to plain letters before comparing (ß and æ have no decomposition of their own).
SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "–": "-", "—": "-"})
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: "Zürich" and "zurich" fold alike."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(SPECIAL))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_.,'’-]+", " ", text).strip()


def _keys(text: str) -> set[str]:
    """The folded text, and its German transliteration variant (ue/oe/ae for ü/ö/ä) folded too."""
    base = fold(text)
    german = fold(text.casefold().replace("ü", "ue").replace("ö", "oe").replace("ä", "ae"))
    return {base, german}


@dataclass
class Names:
    """The resources of a graph by every folded label and by their path relative to the base."""

    base: str
    labels: dict[str, set[str]] = field(default_factory=dict)  # folded key -> IRIs
    display: dict[str, str] = field(default_factory=dict)  # IRI -> a name to show in suggestions
    known: set[str] = field(default_factory=set)
    relations: set[str] = field(default_factory=set)  # relationships, citations, sources
    exists: Callable[[str], bool] | None = None  # is an unlabelled IRI a subject of the graph?

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str | None, bool]], base: str) -> Names:
        """From (IRI, label, language, is-a-relation) rows; German labels are preferred for display."""
        names = cls(base)
        for iri, label, _lang, relation in sorted(rows, key=lambda p: (p[0], p[2] != "de", p[1])):
            names.known.add(iri)
            if relation:
                names.relations.add(iri)
            names.display.setdefault(iri, label)
            for key in _keys(label):
                names.labels.setdefault(key, set()).add(iri)
        return names

    def path(self, iri: str) -> str:
        return iri[len(self.base) :] if iri.startswith(self.base) else iri

    def resolve(self, value: str, what: str = "resource") -> URIRef:
        """The one resource ``value`` names; unknown or ambiguous names are a UsageError with suggestions."""
        from rdflib import URIRef

        return URIRef(self.resolve_iri(value, what))

    def resolve_iri(self, value: str, what: str = "resource") -> str:
        """:meth:`resolve` as a plain IRI string."""
        text = value.strip()
        if not text:
            raise UsageError(f"{what}: give a name, an IRI or a path such as city/leeds")
        if IRI.match(text) and not re.search(r"\s", text):
            return text
        if "/" in text and not re.search(r"\s", text):
            iri = self.base + text.lstrip("/")
            if iri in self.known or not self.known or (self.exists is not None and self.exists(iri)):
                return iri
        found = set()
        for key in _keys(text):
            found |= self.labels.get(key, set())
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            nodes = [n for n in found if not self._is_relation(n)] or sorted(found)
            if len(nodes) == 1:
                return nodes[0]
            choices = ", ".join(f"{self.display.get(n, n)} ({self.path(n)})" for n in sorted(nodes)[:6])
            raise UsageError(f"{what} {value!r} names several resources", hint=f"give one of: {choices}")
        raise UsageError(f"{what} {value!r} is not in the graph", hint=self.suggest(text))

    def _is_relation(self, iri: str) -> bool:
        return iri in self.relations

    def suggest(self, text: str) -> str:
        key = fold(text)
        # a path ("city/xain") is compared with paths first, and only its last segment with the labels
        as_path = "/" in text.strip("/")
        close = difflib.get_close_matches(fold(text.rsplit("/", 1)[-1]), list(self.labels), n=6, cutoff=0.6)
        paths = {fold(self.path(i)): i for i in self.known}
        close_paths = difflib.get_close_matches(key, list(paths), n=3, cutoff=0.6)
        by_label = [i for k in close for i in sorted(self.labels[k])]
        by_path = [paths[k] for k in close_paths]
        iris = by_path + by_label if as_path else by_label + by_path
        iris = [i for i in dict.fromkeys(iris) if not self._is_relation(i)] or list(dict.fromkeys(iris))
        if not iris:
            return "give a name (Leeds, Schytomyr), an IRI or a path relative to the base, e.g. city/leeds"
        shown = ", ".join(f"{self.display.get(i, i)} ({self.path(i)})" for i in iris[:4])
        return f"did you mean {shown}?"


_CACHE: dict[tuple[int, int], Names] = {}


def names_of(dataset, base: str, version: int = 0) -> Names:  # type: ignore[no-untyped-def]
    """The names of a dataset (queries/views/names.rq), computed once per dataset object and ``version``
    (the server's generation, which changes with every update)."""
    key = (id(dataset), version)
    if key not in _CACHE:
        from citykg.export import native_store
        from citykg.projection.whole import load_query
        from citykg.queries import run

        inner = native_store(dataset)
        if inner is not None:  # Oxigraph's own terms, never converted to rdflib's (a million triples: ~5x faster)
            pairs = _native_rows(inner)
        else:
            pairs = [
                (str(r.resource), str(r.name), getattr(r.name, "language", None), str(r.relation).lower() == "true")
                for r in run(dataset, load_query("names"))
            ]
        _CACHE.clear()
        names = Names.from_rows(pairs, base)
        from rdflib import URIRef

        names.exists = lambda iri: (URIRef(iri), None, None) in dataset
        _CACHE[key] = names
    return _CACHE[key]


def resolve(dataset, value: str, base: str, what: str = "resource", version: int = 0) -> URIRef:  # type: ignore[no-untyped-def]
    """``value`` as the IRI of a resource of ``dataset``; IRIs and paths of subjects need no name index
    (so a large dataset pays for the index only when a label is given)."""
    from rdflib import URIRef

    text = value.strip()
    if text and not re.search(r"\s", text):
        if IRI.match(text):
            return URIRef(text)
        if "/" in text and (URIRef(base + text.lstrip("/")), None, None) in dataset:
            return URIRef(base + text.lstrip("/"))
    return names_of(dataset, base, version).resolve(value, what)


def resolver(dataset, base: str, version: int = 0) -> Callable[[str, str], URIRef]:  # type: ignore[no-untyped-def]
    """For :func:`citykg.queries.bind`: resource parameters given by name."""
    return lambda value, what: resolve(dataset, value, base, what, version)


# -- Oxigraph's store, without rdflib (``citykg query`` on the build's store) ----------------------------------------
#: The query of every name (also citykg.projection's view query "names").
NAMES_QUERY = Path(__file__).resolve().parent.parent / "queries" / "views" / "names.rq"


def _native_rows(store: Any) -> list[tuple[str, str, str | None, bool]]:
    """(IRI, label, language, is-a-relation) rows of ``store`` (a pyoxigraph.Store) by the names query."""
    text = NAMES_QUERY.read_text(encoding="utf-8")
    return [
        (r[0].value, r[1].value, r[1].language, r[2].value == "true")
        for r in store.query(text, use_default_graph_as_union=True)
    ]


def _holds(store: Any, iri: str) -> bool:
    """Whether ``iri`` is the subject of a quad of ``store`` (in any graph)."""
    import pyoxigraph as ox

    return next(iter(store.quads_for_pattern(ox.NamedNode(iri), None, None, None)), None) is not None


def native_resolver(store: Any, base: str) -> Callable[[str, str], str]:
    """:func:`resolver` for a pyoxigraph.Store: the same rules and messages, IRIs as plain strings; the name
    index is read (once per resolver) only when a label is given."""
    index: list[Names] = []

    def resolve_native(value: str, what: str) -> str:
        text = value.strip()
        if text and not re.search(r"\s", text):
            if IRI.match(text):
                return text
            if "/" in text and _holds(store, base + text.lstrip("/")):
                return base + text.lstrip("/")
        if not index:
            index.append(Names.from_rows(_native_rows(store), base))
            index[0].exists = lambda iri: _holds(store, iri)
        return index[0].resolve_iri(value, what)

    return resolve_native
