"""Shortest chains of relations between two resources (``citykg path``): the path through the projection's
network, whatever the direction of each relation, with the most telling relation for every hop."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from citykg.projection import Projection, local_name
from citykg.projection.between import shortest_nodes
from citykg.projection.words import RELATION_LABELS, REPORT_WORDS, STATUS_LABELS, pick

# --------------------------------------------------------------------------------------------------------
# citykg path
# --------------------------------------------------------------------------------------------------------


@dataclass
class Hop:
    source: str
    target: str
    forward: bool
    key: str
    data: dict


@dataclass
class Chain:
    start: str
    end: str
    nodes: list[str]
    hops: list[Hop]


def shortest_chain(proj: Projection, start: str, end: str) -> Chain | None:
    """The shortest chain of relations between two resources, whatever their direction (None: unconnected)."""
    graph = proj.graph
    nodes = shortest_nodes(graph, start, end)
    if nodes is None:
        return None
    hops = []
    for a, b in itertools.pairwise(nodes):
        options = [(True, k, d) for k, d in (graph.get_edge_data(a, b) or {}).items()]
        options += [(False, k, d) for k, d in (graph.get_edge_data(b, a) or {}).items()]
        forward, key, data = min(options, key=lambda o: (_hop_rank(o[2]), not o[0], o[1]))
        hops.append(Hop(a, b, forward, key, data))
    return Chain(start, end, nodes, hops)


def _hop_rank(data: Mapping[str, object]) -> int:
    """Prefer the most telling relation when several link the same two resources."""
    order = ["partnership", "membership", "engagement", "tenure", "participation", "conferral", "milestone"]
    kind = str(data["type"])
    return order.index(kind) if kind in order else len(order)


def relation_label(proj: Projection, data: Mapping[str, object], lang: str) -> str:
    kind, qualifier = str(data["type"]), data.get("qualifier")
    if qualifier and kind in ("partnership", "participation", "engagement"):
        return proj.label(str(qualifier), lang)
    return RELATION_LABELS.get(kind, {}).get(lang, kind)


def dates_text(data: Mapping[str, object], lang: str) -> str:
    start, end = data.get("start"), data.get("end")
    since, until = ("seit", "bis") if lang == "de" else ("since", "until")
    if start and end and start != end:
        text = f"{start}–{end}"
    elif start and data.get("type") in ("participation", "conferral", "milestone", "location", "organizer"):
        text = str(start)
    elif start:
        text = f"{since} {start}"
    elif end:
        text = f"{until} {end}"
    else:
        text = ""
    status = data.get("status")
    if status in ("dormant", "ended"):
        text = f"{text}, {STATUS_LABELS[str(status)][lang]}".strip(", ")
        if data.get("dormant_from"):
            text += f" {since} {data['dormant_from']}"
    return text


def format_chain(proj: Projection, chain: Chain | None, lang: str, a: str, b: str) -> str:
    words = REPORT_WORDS[lang]
    if chain is None:
        return words["no_path"].format(a=proj.label(a, lang), b=proj.label(b, lang)) + "\n"
    parts = [proj.label(chain.nodes[0], lang)]
    steps = []
    for number, hop in enumerate(chain.hops, start=1):
        word = relation_label(proj, hop.data, lang)
        here, there = proj.label(hop.source, lang), proj.label(hop.target, lang)
        if hop.data.get("symmetric"):
            arrow = f" — {word} — "
        elif hop.forward:
            arrow = f" — {word} → "
        else:
            arrow = f" ← {word} — "
        parts.append(arrow + there)
        when = dates_text(hop.data, lang)
        cites = proj.citations.get(str(hop.data.get("rel") or ""), [])
        source = ""
        if cites:
            first = cites[0]
            title = pick(first.title, lang, first.url or local_name(first.source))
            source = f"{words['source']}: {title}" + (f" <{first.url}>" if first.url else "")
        details = "; ".join(part for part in (when, source) if part)  # an undated step: "(Quelle: …)"
        steps.append(f"  {number}. {here}{arrow}{there}" + (f" ({details})" if details else ""))
    return "".join(parts) + "\n\n" + f"{words['steps']}:\n" + "\n".join(steps) + "\n"


def chain_json(proj: Projection, chain: Chain | None, lang: str) -> dict[str, object]:
    if chain is None:
        return {"path": None}
    return {
        "path": [{"iri": n, "label": proj.label(n, lang)} for n in chain.nodes],
        "relations": [
            {
                "from": h.source if h.forward else h.target,
                "to": h.target if h.forward else h.source,
                "relation": relation_label(proj, h.data, lang),
                "type": h.data["type"],
                "iri": h.data.get("rel"),
                "start": h.data.get("start"),
                "end": h.data.get("end"),
                "status": h.data.get("status"),
                "sources": [c.url for c in proj.citations.get(str(h.data.get("rel") or ""), []) if c.url],
            }
            for h in chain.hops
        ],
        "text": format_chain(proj, chain, lang, chain.start, chain.end).split("\n\n")[0],
    }
