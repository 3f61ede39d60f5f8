"""The sources and citations a view page embeds: each source once, each citation once, referred to by index from
the nodes, relations and rows that they support (network, map and timeline pages share the format)."""

from __future__ import annotations

from typing import Any

from citykg.projection import Projection


class CitationTable:
    def __init__(self, proj: Projection) -> None:
        self.proj = proj
        self.sources: list[dict[str, Any]] = []
        self.cites: list[dict[str, Any]] = []
        self._source_index: dict[str, int] = {}

    def of(self, thing: str | None) -> list[int]:
        """The indexes of the citations of ``thing`` (a resource or relationship node), added on first use.

        A source's URL is kept only when it is an http(s) URL: the page links it, and no other scheme belongs
        behind a link."""
        out = []
        for cite in self.proj.citations.get(thing or "", []):
            if cite.source not in self._source_index:
                self._source_index[cite.source] = len(self.sources)
                url = cite.url if cite.url and cite.url.startswith(("http://", "https://")) else None
                self.sources.append({"iri": cite.source, "url": url, "t": cite.title or self.proj.labels(cite.source)})
            self.cites.append(
                {
                    "s": self._source_index[cite.source],
                    "q": cite.quote,
                    "ql": cite.quote_lang,
                    "n": cite.comment,
                    "cf": cite.confidence,
                }
            )
            out.append(len(self.cites) - 1)
        return out
