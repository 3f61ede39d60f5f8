"""Finding resources by label (the search box, class listings) and near misses (the 404 page)."""

from __future__ import annotations

import difflib
import re

from rdflib import URIRef
from rdflib.namespace import RDF

from citykg.server.datasets import Holdings


def search(holdings: Holdings, text: str, lang: str, kind: URIRef | None = None, limit: int = 100) -> list[URIRef]:
    """Resources whose label (any language) or IRI contains ``text``; exact, then prefix, then substring."""
    needle = text.casefold().strip()[:200]
    pool: set[URIRef] | None = None
    if kind is not None:
        pool = {s for s in holdings.dataset.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    scored: list[tuple[int, str, URIRef]] = []
    candidates = pool if pool is not None else set(holdings.labels)
    for iri in candidates:
        names = holdings.labels.get(iri, {})
        shown = holdings.label(iri, lang) or str(iri)
        if not needle:
            scored.append((0, shown.casefold(), iri))
            continue
        best = None
        for name in names.values():
            folded = name.casefold()
            score = 0 if folded == needle else 1 if folded.startswith(needle) else 2 if needle in folded else None
            if score is not None and (best is None or score < best):
                best = score
        if best is None and needle in str(iri).casefold():
            best = 3
        if best is not None:
            scored.append((best, shown.casefold(), iri))
    scored.sort(key=lambda item: (item[0], item[1], str(item[2])))
    return [iri for _, _, iri in scored[:limit]]


def suggestions(holdings: Holdings, missing: str, lang: str, limit: int = 8) -> list[URIRef]:
    """Resources whose IRI or label is close to an IRI that does not exist."""
    base = holdings.base
    local = {str(s)[len(base) :]: s for s in holdings.labels if str(s).startswith(base)}
    wanted = missing[len(base) :] if missing.startswith(base) else missing
    found: list[URIRef] = [local[name] for name in difflib.get_close_matches(wanted, list(local), n=limit, cutoff=0.6)]
    words = [w for w in re.split(r"[^\w]+", wanted.rsplit("/", 1)[-1]) if len(w) > 2]
    for word in words:
        for iri in search(holdings, word, lang, limit=limit):
            if iri not in found:
                found.append(iri)
    return found[:limit]
