"""``/changes``: the change log of the last versions (HTML for people, Atom for mirrors and feed readers).

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
    entries = await _entries(state)
    if key == "atom":
        return document(request, atom(state, entries), FORMATS["atom"].content_type, {"Vary": "Accept"})
    built = modified(state.build_dir)
    base = state.holdings.base
    return state.pages.render(
        request,
        "changes.html",
        version=version(state),
        built=built.strftime("%Y-%m-%d %H:%M UTC") if built else None,
        entries=[(e, [(r, compact_iri(r, base)) for r in e.resources[:SHOWN]]) for e in entries],
        feed=state.settings.url(
            "/changes",
        )
        + "?format=atom",
        headers={
            "Link": f'<{state.settings.url("/changes")}?format=atom>; rel="alternate"; type="application/atom+xml"'
        },
    )


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


def atom(state, entries: list[Entry]) -> bytes:  # type: ignore[no-untyped-def]
    """An Atom 1.0 feed (RFC 4287), one entry per version; the same log gives the same bytes."""
    page = state.settings.url("/changes")
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "title").text = "citykg: changes of the dataset"
    ET.SubElement(feed, "id").text = page
    ET.SubElement(feed, "link", href=page + "?format=atom", rel="self", type="application/atom+xml")
    ET.SubElement(feed, "link", href=page, rel="alternate", type="text/html")
    ET.SubElement(feed, "updated").text = entries[0].date if entries else "1970-01-01T00:00:00+00:00"
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = "citykg"
    for entry in entries:
        item = ET.SubElement(feed, "entry")
        ET.SubElement(item, "title").text = f"{entry.version}: {entry.removed} removed, {entry.added} added"
        ET.SubElement(item, "id").text = f"{page}#{entry.version}"
        ET.SubElement(item, "link", href=f"{page}#{entry.version}", rel="alternate")
        ET.SubElement(item, "updated").text = entry.date
        names = ", ".join(compact_iri(r, state.holdings.base) for r in entry.resources[:SHOWN])
        more = f" and {len(entry.resources) - SHOWN} more" if len(entry.resources) > SHOWN else ""
        ET.SubElement(
            item, "summary"
        ).text = (
            f"{entry.subject} (commit {entry.commit[:12]}). {len(entry.resources)} resources changed: {names}{more}."
        )
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
