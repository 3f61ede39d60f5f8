"""Finding resources by label (the search box, class listings) and near misses (the 404 page), in the store."""

from __future__ import annotations

import difflib
import re
import time

from rdflib import Literal, URIRef

from citykg.server.cache import LRU
from citykg.server.datasets import Holdings

PATH = re.compile(r"^[\w./~-]+$")
#: A search stops reading matches after this many (a one-letter search on a large graph matches most labels).
MAX_MATCHES = 5000


def search(
    holdings: Holdings,
    text: str,
    lang: str,
    kind: URIRef | None = None,
    limit: int = 100,
    deadline: float | None = None,
) -> list[URIRef]:
    """Resources whose label (any language) contains ``text``, or whose path it is; exact, then prefix, then
    substring matches, each by label. A class listing (``kind``) lists its instances whose label or IRI
    contains ``text``.

    The store finds the matches (queries/server/search.rq with the text bound as ``?needle``, or
    search-kind.rq); at most ``MAX_MATCHES`` are read, and none after ``deadline`` (time.monotonic())."""
    needle = text.casefold().strip()[:200]
    matched: dict[URIRef, list[str]] = {}
    if kind is not None:
        rows = holdings.rows("search-kind", kind=kind)
    else:
        rows = (row for row in holdings.rows("search", needle=Literal(text.strip()[:200].lower())))
    for count, row in enumerate(rows):
        if count >= MAX_MATCHES or (deadline is not None and count % 64 == 0 and time.monotonic() > deadline):
            break
        iri, label = row[0], row[-1]
        if isinstance(iri, URIRef):
            matched.setdefault(iri, [])
            if isinstance(label, Literal):
                matched[iri].append(str(label))
    path = URIRef(holdings.base + needle.lstrip("/")) if "/" in needle and PATH.match(needle) else None
    if kind is None and path is not None and path not in matched and holdings.labels_of(path):
        matched[path] = []
    scored: list[tuple[int, str, URIRef]] = []
    for iri, labels in matched.items():
        best = 0 if not needle else None
        for name in labels if needle else ():
            folded = name.casefold()
            score = 0 if folded == needle else 1 if folded.startswith(needle) else 2 if needle in folded else None
            if score is not None and (best is None or score < best):
                best = score
        if best is None and needle in str(iri).casefold():
            best = 3
        if best is not None:
            scored.append((best, min(labels, key=str.casefold, default=str(iri)).casefold(), iri))
    scored.sort(key=lambda item: (item[0], item[1], str(item[2])))
    return [iri for _, _, iri in scored[:limit]]


#: The 404 page's suggestions look at this much of the unknown IRI, this many of its words, for this long.
MAX_WANTED = 200
MAX_WORDS = 3
BUDGET = 0.05  # seconds; a hostile IRI must not hold the event loop (every route) for longer
_SUGGESTED = LRU(max_entries=1024, max_bytes=1024 * 1024)


def suggestions(holdings: Holdings, missing: str, lang: str, limit: int = 8, budget: float = BUDGET) -> list[URIRef]:
    """Resources whose IRI or label is close to an IRI that does not exist.

    It runs on the event loop, so its work is bounded: the first ``MAX_WANTED`` characters, at most
    ``MAX_WORDS`` distinct words, and ``budget`` seconds in all (then it returns what it found); answers
    are cached per data generation.
    """
    base = holdings.base
    wanted = (missing[len(base) :] if missing.startswith(base) else missing)[:MAX_WANTED]
    key = (id(holdings), holdings.generation, wanted, lang, limit)
    cached = _SUGGESTED.get(key)
    if cached is not None:
        return list(cached)
    deadline = time.monotonic() + budget
    found = _close_iris(holdings, wanted, limit, deadline)
    words = list(dict.fromkeys(w for w in re.split(r"[^\w]+", wanted.rsplit("/", 1)[-1]) if 2 < len(w) <= 40))
    for word in words[:MAX_WORDS]:
        if time.monotonic() > deadline:
            break
        for iri in search(holdings, word, lang, limit=limit, deadline=deadline):
            if iri not in found:
                found.append(iri)
    found = found[:limit]
    if time.monotonic() <= deadline:  # a complete answer (a cut one is not kept: the budget bounds it anyway)
        _SUGGESTED.put(key, tuple(found), len(wanted) + 100 * len(found) + 200)
    return found


def _close_iris(holdings: Holdings, wanted: str, limit: int, deadline: float) -> list[URIRef]:
    """difflib.get_close_matches over the local names of the base's IRIs, stopping at ``deadline``."""
    base = holdings.base
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)
    scored: list[tuple[float, str, URIRef]] = []
    for count, (iri,) in enumerate(holdings.rows("labelled", base=Literal(base))):
        if count % 256 == 0 and time.monotonic() > deadline:
            break
        text = str(iri)
        matcher.set_seq1(text[len(base) :])
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            scored.append((-matcher.ratio(), text, iri))
    scored.sort()
    return [iri for _, _, iri in scored[:limit]]
