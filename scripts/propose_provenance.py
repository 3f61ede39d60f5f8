"""Propose statement-level provenance: which property and value of its node each citation supports.

For every citation of a relationship node or an event that names no ``ckg:supportsProperty`` yet, this reads
the quote and proposes the statements it carries: a date whose day and month or year the quote names, a
linked resource (partner, holder, participant, place …) whose label or surname the quote names, the kind when
the quote names it. A curator reviews the proposal (a TSV file) and may edit it, then ``--apply`` writes the
reviewed rows into the citation blocks of graph/*.ttl (one ``ckg:supportsProperty … ; ckg:supportsValue … ;``
line before the block's ``ckg:confidence``). Nothing is written without review: the proposal is text.

    python scripts/propose_provenance.py > /tmp/proposal.tsv     # propose, then review the file
    python scripts/propose_provenance.py --apply /tmp/proposal.tsv
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import ORG, PROV, RDF, RDFS, SKOS

from citykg.build import check
from citykg.config import load_project
from citykg.namespaces import CKG, SCHEMA

ROOT = Path(__file__).resolve().parent.parent

#: What a citation of each kind of node can support, in the order proposals are listed.
DATES = (SCHEMA.startDate, SCHEMA.endDate, CKG.documentedOn)
LINKS = (
    CKG.partner, CKG.holder, CKG.post, CKG.participant, CKG.event, CKG.actor, CKG.counterpart, CKG.recipient,
    CKG.award, ORG.member, ORG.organization, SCHEMA.location, SCHEMA.organizer, SCHEMA.about,
)  # fmt: skip
CLASSES = (CKG.Relationship, CKG.Partnership, CKG.Tenure, CKG.Participation, CKG.Engagement, CKG.AwardConferral,
           ORG.Membership, SCHEMA.Event)  # fmt: skip

MONTHS = {
    1: ("januar", "january", "jan."), 2: ("februar", "february", "feb."), 3: ("märz", "march", "mär."),
    4: ("april", "apr."), 5: ("mai", "may"), 6: ("juni", "june", "jun."), 7: ("juli", "july", "jul."),
    8: ("august", "aug."), 9: ("september", "sept.", "sep."), 10: ("oktober", "october", "okt.", "oct."),
    11: ("november", "nov."), 12: ("dezember", "december", "dez.", "dec."),
}  # fmt: skip
PREFIXES = {
    "city/": "city:", "country/": "country:", "partnership/": "pship:", "event/": "event:", "organisation/": "orgn:",
    "person/": "person:", "post/": "post:", "tenure/": "tenure:", "membership/": "mship:", "participation/": "part:",
    "engagement/": "eng:", "award/": "award:", "conferral/": "conf:", "programme/": "prog:", "source/": "src:",
    "citation/": "cite:",
}  # fmt: skip
TERMS = {
    str(SCHEMA): "schema:", str(CKG): "ckg:", str(ORG): "org:", "https://w3id.org/citykg/vocab/": "ckgv:",
    "http://metadata.un.org/sdg/": "sdg:",
}  # fmt: skip
STOP = {"stadt", "city", "der", "die", "das", "von", "und", "the", "of", "mayor", "lord", "oberbürgermeister"}


def names_date(quote: str, value: str) -> bool:
    """Whether ``quote`` names ``value`` (a date, year-month or year) by its year or by its day and month."""
    text = quote.lower()
    if re.search(rf"(?<!\d){value[:4]}(?!\d)", text):
        return True
    if len(value) < 7:
        return False
    month = int(value[5:7])
    numeric = re.search(rf"(?<!\d)0?{int(value[8:10]) if len(value) == 10 else 99}\.\s?0?{month}\.", text)
    named = any(re.search(rf"(?<![a-zäöü]){re.escape(m)}(?![a-zäöü])", text) for m in MONTHS[month])
    if len(value) == 7:
        return named
    day = int(value[8:10])
    return bool(numeric) or (named and re.search(rf"(?<!\d){day}(\.|\b)", text) is not None)


def names_resource(ds, quote: str, resource: URIRef) -> bool:
    text = quote.lower()
    for label in (*ds.objects(resource, RDFS.label), *ds.objects(resource, SKOS.prefLabel),
                  *ds.objects(resource, SCHEMA.alternateName), *ds.objects(resource, SKOS.altLabel)):  # fmt: skip
        label = re.sub(r"\(.*?\)|[/:]", " ", str(label)).lower()
        if label.strip() and label.strip() in text:
            return True
        words = [w for w in re.findall(r"[\w’'-]{4,}", label) if w not in STOP]
        if words and (words[-1] in text or (len(words[-1]) > 7 and words[-1][:7] in text)):
            return True
    return False


def proposals(project) -> list[tuple[str, str, str, str, str]]:
    """Rows ``citation, node, property, value, why`` for citations without ckg:supportsProperty."""
    ds, _ = check(project, validating=False)
    rows = []
    for node, citation in sorted(ds.subject_objects(PROV.qualifiedDerivation)):
        if (citation, CKG.supportsProperty, None) in ds:
            continue
        if not any((node, RDF.type, cls) in ds for cls in CLASSES):
            continue
        quote = " ".join(str(q) for q in ds.objects(citation, CKG.quote)) or " ".join(
            str(c) for c in ds.objects(citation, RDFS.comment)
        )
        found = []
        for prop in DATES:
            for value in sorted(ds.objects(node, prop), key=str):
                if names_date(quote, str(value)):
                    found.append((prop, value, "date named"))
        for prop in LINKS:
            for value in sorted(ds.objects(node, prop), key=str):
                if isinstance(value, URIRef) and names_resource(ds, quote, value):
                    found.append((prop, value, "label named"))
        for prop in (CKG.kind, CKG.role):
            for value in ds.objects(node, prop):
                if names_resource(ds, quote, value):
                    found.append((prop, value, "kind named"))
        if not found:
            rows.append((term(project, citation), term(project, node), "", "", "NOTHING MATCHED: review by hand"))
        for prop, value, why in found:
            rows.append((term(project, citation), term(project, node), term(project, prop), term(project, value), why))
    return rows


def term(project, node) -> str:
    if isinstance(node, Literal):
        return f'"{node}"^^xsd:{str(node.datatype).rsplit("#", 1)[-1]}'
    text = str(node)
    if text.startswith(project.base):
        rel = text[len(project.base) :]
        for path, prefix in PREFIXES.items():
            if rel.startswith(path) and "/" not in rel[len(path) :]:
                return prefix + rel[len(path) :]
        return f"<{rel}>"
    for namespace, prefix in TERMS.items():
        if text.startswith(namespace):
            return prefix + text[len(namespace) :]
    return f"<{text}>"


def apply(project, reviewed: Path) -> int:
    """Write the reviewed rows (citation, node, property, value) into the citation blocks; returns blocks changed."""
    wanted: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    with reviewed.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if not row["property"]:
                continue
            props, values = wanted[row["citation"]]
            if row["property"] not in props:
                props.append(row["property"])
            if row["value"] and row["value"] not in values:
                values.append(row["value"])
    changed = 0
    for path in sorted(project.graph_dir.glob("*.ttl")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        out, current = [], None
        for line in lines:
            head = re.match(r"^(cite:[\w.-]+) a ckg:Citation", line)
            if head:
                current = head.group(1)
            if current in wanted and line.startswith("    ckg:confidence"):
                props, values = wanted.pop(current)
                text = f"    ckg:supportsProperty {' , '.join(props)} ;"
                if values:
                    text += f" ckg:supportsValue {' , '.join(values)} ;"
                out.append(text + "\n")
                changed += 1
            if line.strip() == "" or (not line.startswith(" ") and not head):
                current = None if not head else current
            out.append(line)
        path.write_text("".join(out), encoding="utf-8")
    if wanted:
        print(f"not found: {', '.join(sorted(wanted))}", file=sys.stderr)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apply", type=Path, help="a reviewed proposal (TSV) to write into graph/*.ttl")
    args = parser.parse_args()
    project = load_project(ROOT)
    if args.apply:
        print(f"{apply(project, args.apply)} citation blocks changed")
        return
    writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    writer.writerow(("citation", "node", "property", "value", "why"))
    writer.writerows(proposals(project))


if __name__ == "__main__":
    main()
