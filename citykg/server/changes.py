"""``/changes``: the change log of the last versions (HTML for people, Atom for mirrors and feed readers), in
English and German like every page (``?lang=``, else ``Accept-Language``; the pages' language switch).

The log is :func:`citykg.diff.changelog` (the project's git history of its sources, each version compared with
the one before), computed once per data generation in a thread, plus the served build's own version.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from citykg.diff import Entry, changelog
from citykg.results import compact
from citykg.server import i18n
from citykg.server.negotiation import FORMATS, NotAcceptable, choose
from citykg.server.responses import document, problem
from citykg.server.void import version
from citykg.versions import modified

ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 5
SHOWN = 30  # resources named per entry on the page


async def log(request: Request) -> Response:
    state = request.app.state.citykg
    try:
        key = choose(request.headers.get("accept"), ("html", "atom"), request.query_params.get("format"))
    except NotAcceptable as exc:
        return problem(request, exc.status, str(exc))
    lang, _ = state.pages.language(request)  # ?lang=, else Accept-Language, as on every page
    entries = await _entries(state)
    feed = feed_url(state, lang)
    if key == "atom":
        headers = {"Vary": "Accept, Accept-Language", "Content-Language": lang}
        return document(request, atom(state, entries, lang), FORMATS["atom"].content_type, headers)
    built = modified(state.build_dir)
    base = state.holdings.base
    return state.pages.render(
        request,
        "changes.html",
        version=version(state),
        built=built.strftime("%Y-%m-%d %H:%M UTC") if built else None,
        entries=[(e, [(r, compact_iri(r, base)) for r in e.resources[:SHOWN]]) for e in entries],
        feed=feed,
        number=lambda n: number(n, lang),
        headers={"Link": f'<{feed}>; rel="alternate"; type="application/atom+xml"; hreflang="{lang}"'},
    )


def feed_url(state, lang: str) -> str:  # type: ignore[no-untyped-def]
    """The feed of one language: the default language's has no ``lang`` (the URL mirrors already follow)."""
    url = state.settings.url("/changes") + "?format=atom"
    return url if lang == i18n.DEFAULT else f"{url}&lang={lang}"


def number(n: int, lang: str) -> str:
    """A count with the language's thousands separator (1,234 / 1.234)."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "de" else text


def compact_iri(iri: str, base: str) -> str:
    from rdflib import URIRef

    return compact(URIRef(iri), base)


_LOGS: dict[tuple[int, int], list[Entry]] = {}


async def _entries(state) -> list[Entry]:  # type: ignore[no-untyped-def]
    """The log, computed in a thread (it reads old revisions from git) once per server and data generation."""
    key = (id(state), state.holdings.generation)
    if key not in _LOGS:
        entries = await run_in_threadpool(changelog, state.project, LIMIT)
        _LOGS.clear()
        _LOGS[key] = entries
    return _LOGS[key]


def atom(state, entries: list[Entry], lang: str = i18n.DEFAULT) -> bytes:  # type: ignore[no-untyped-def]
    """An Atom 1.0 feed (RFC 4287) in one language, one entry per version; the same log gives the same bytes."""
    page = state.settings.url("/changes")
    words = lambda key, **values: i18n.text(key, lang, **values)  # noqa: E731
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": lang})
    html = page if lang == i18n.DEFAULT else f"{page}?lang={lang}"
    ET.SubElement(feed, "title").text = words("feed_title")
    ET.SubElement(feed, "id").text = html
    ET.SubElement(feed, "link", href=feed_url(state, lang), rel="self", type="application/atom+xml")
    ET.SubElement(feed, "link", href=html, rel="alternate", type="text/html", hreflang=lang)
    ET.SubElement(feed, "updated").text = entries[0].date if entries else "1970-01-01T00:00:00+00:00"
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = "citykg"
    for entry in entries:
        item = ET.SubElement(feed, "entry")
        counts = {"removed": number(entry.removed, lang), "added": number(entry.added, lang)}
        ET.SubElement(item, "title").text = words("feed_entry", version=entry.version, **counts)
        ET.SubElement(item, "id").text = f"{page}#{entry.version}"
        ET.SubElement(item, "link", href=f"{html}#{entry.version}", rel="alternate")
        ET.SubElement(item, "updated").text = entry.date
        names = ", ".join(compact_iri(r, state.holdings.base) for r in entry.resources[:SHOWN])
        rest = len(entry.resources) - SHOWN
        more = " " + words("more", n=rest) if rest > 0 else ""
        ET.SubElement(item, "summary").text = words(
            "feed_summary",
            subject=entry.subject,
            commit=entry.commit[:12],
            n=number(len(entry.resources), lang),
            names=names,
            more=more,
        )
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
