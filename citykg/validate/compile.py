"""SHACL shapes compiled to SPARQL: one SELECT per (targeted node shape, constraint), run on Oxigraph.

pySHACL checks a million triples focus node by focus node in Python (minutes); the same constraints as
set-at-a-time SPARQL run inside Oxigraph in seconds. Each query joins the shape's targets with the
pattern that finds the constraint's violations and returns ``?this`` (the focus node), ``?value`` and,
for SPARQL-based components, ``?path``. Nested shapes (``sh:and``, ``sh:or``, ``sh:node``, qualified
value shapes) become ``EXISTS`` tests of the patterns that make a node fail them. Messages, severities
and paths come from the reporting shape, as in pySHACL's report. What is covered is what
ontology/shapes.ttl uses (SHACL Core minus closed/xone/property-pair components, plus SPARQL targets and
SPARQL-based constraint components); anything else is refused when compiling, never silently skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from citykg.errors import UsageError

SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)
#: Datatypes Oxigraph can cast to, so an ill-formed lexical form ("2014-13"^^xsd:gYearMonth) is caught.
CASTABLE = {
    f"http://www.w3.org/2001/XMLSchema#{name}"
    for name in ["boolean", "decimal", "integer", "float", "double", "date", "time", "dateTime", "gYear",
                 "gYearMonth", "gMonth", "gDay", "gMonthDay", "duration", "yearMonthDuration", "dayTimeDuration"]
}  # fmt: skip
#: Parameters this compiler understands; a shape with another sh: parameter is refused.
KNOWN = {
    SH.parameter, SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.pattern, SH.flags, SH.nodeKind, SH.hasValue,
    SH["in"], SH.uniqueLang, SH.languageIn, SH.minInclusive, SH.maxInclusive, SH.minExclusive,
    SH.maxExclusive, SH.minLength, SH.maxLength, SH["and"], SH["or"], SH["not"], SH.node, SH.property,
    SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
    SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.deactivated,
    SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target, SH.declare,
    SH.prefixes, SH.defaultValue,
}  # fmt: skip
COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
NODE_KINDS = {
    SH.IRI: "!isIRI({v})",
    SH.Literal: "!isLiteral({v})",
    SH.BlankNode: "!isBlank({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}
VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Check:
    """One query and what its rows mean: each row is a violation of ``shape`` at ``?this``."""

    query: str
    shape: Node  # the shape that reports (its sh:message and sh:severity)
    path: str  # the reported path as a SPARQL path ("" for node shapes; ?path rows override it)
    path_node: Node | None  # the path when it is one IRI (compacted in the report like pySHACL's)
    messages: tuple[Literal, ...]
    severity: str
    component: str
    value: str | None  # the variable of the value, if the component reports one
    path_var: str | None  # the variable of the path, if the component reports it per row


@dataclass(frozen=True)
class Found:
    """What a constraint compiles to: a pattern (joined after the focus is bound) and what it reports."""

    pattern: str
    value: str | None  # variable holding the value, if the component reports one
    path: str | None = None  # variable holding the path (SPARQL-based components)


class Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self._fresh = itertools.count()
        self.components = self._components()

    # ---- the whole shapes graph --------------------------------------------------------------------

    def prologue(self) -> str:
        declared = {
            (str(self.g.value(d, SH.prefix)), str(self.g.value(d, SH.namespace)))
            for d in self.g.objects(None, SH.declare)
        }
        declared |= {("rdf", str(RDF)), ("rdfs", "http://www.w3.org/2000/01/rdf-schema#")}
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(declared))

    def checks(self) -> list[Check]:
        prologue = self.prologue()
        targeted = sorted({s for t in TARGETS for s in self.g.subjects(t, None)}, key=str)
        out = []
        for shape in targeted:
            if self._off(shape):
                continue
            target = self.target(shape)
            for check in self._shape_checks(shape, target):
                out.append(replace(check, query=prologue + check.query))
        return out

    def _shape_checks(self, shape: Node, target: str) -> list[Check]:
        out = []
        for reporter, path in [(shape, None)] + [
            (p, self.g.value(p, SH.path)) for p in sorted(self.g.objects(shape, SH.property), key=str)
        ]:
            if reporter is not shape and self._off(reporter):
                continue
            path_text = self.path(path) if path is not None else None
            for component, found in self.constraints(reporter, "?this", path_text):
                select = " ".join(dict.fromkeys(v for v in ("?this", found.value, found.path) if v))
                query = f"SELECT DISTINCT {select} WHERE {{\n  {{ {target} }}\n  {found.pattern}\n}}"
                out.append(
                    Check(
                        query,
                        reporter,
                        path_text or "",
                        path if isinstance(path, URIRef) else None,
                        tuple(m for m in self.g.objects(reporter, SH.message) if isinstance(m, Literal)),
                        SEVERITIES.get(self.g.value(reporter, SH.severity), "violation"),
                        component,
                        found.value[1:] if found.value else None,
                        found.path[1:] if found.path else None,
                    )
                )
        return out

    def _off(self, shape: Node) -> bool:
        return self.g.value(shape, SH.deactivated) == Literal(True)

    # ---- targets and paths ---------------------------------------------------------------------------

    def target(self, shape: Node) -> str:
        """A group pattern binding ?this to every focus node of ``shape``."""
        parts = []
        for cls in sorted(self.g.objects(shape, SH.targetClass), key=str):
            parts.append(f"?this rdf:type/rdfs:subClassOf* {cls.n3()} .")
        for p in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            parts.append(f"?this {p.n3()} [] .")
        for p in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            parts.append(f"[] {p.n3()} ?this .")
        for node in sorted(self.g.objects(shape, SH.targetNode), key=str):
            parts.append(f"VALUES ?this {{ {node.n3()} }}")
        for target in self.g.objects(shape, SH.target):
            select = self.g.value(target, SH.select)
            if select is None:
                raise UsageError(f"shape {shape}: only SPARQL targets (sh:select) are supported as sh:target")
            parts.append(_strip_prefixes(str(select)))
        return " UNION ".join(f"{{ {p} }}" for p in parts)

    def path(self, node: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return node.n3()
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in Collection(self.g, node)) + ")"
        for key, template in (
            (SH.alternativePath, None),
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = self.g.value(node, key)
            if inner is None:
                continue
            if template is None:
                return "(" + "|".join(self.path(p) for p in Collection(self.g, inner)) + ")"
            return template.format(self.path(inner) if isinstance(inner, URIRef) else f"({self.path(inner)})")
        raise UsageError(f"unsupported SHACL path {node!r}")

    # ---- constraints ---------------------------------------------------------------------------------

    def var(self, name: str = "v") -> str:
        return f"?{name}_{next(self._fresh)}"

    def constraints(
        self, shape: Node, focus: str, path: str | None, *, nested: bool = False
    ) -> list[tuple[str, Found]]:
        """Every constraint of ``shape`` as (component, Found), for the focus variable ``focus``; a nested
        shape (one a value must conform to) also brings the constraints of its property shapes."""
        out: list[tuple[str, Found]] = []
        g = self.g
        unknown = {p for p in g.predicates(shape, None) if str(p).startswith(str(SH)) and p not in KNOWN}
        if unknown:
            names = ", ".join(sorted("sh:" + str(u).split("#")[-1] for u in unknown))
            raise UsageError(f"shape {shape}: the SPARQL validator does not support {names}")

        def each(component: str, condition: Callable[[str], str]) -> None:
            """A value-by-value constraint: the pattern binds each value node and keeps the failing ones."""
            v = self.var() if path else focus
            bind = f"{focus} {path} {v} . " if path else ""
            out.append((component, Found(f"{bind}FILTER ({condition(v)})", v)))

        for n in g.objects(shape, SH.minCount):
            if path and int(n) > 0:
                out.append(("MinCount", Found(self._count(focus, path, "<", int(n)), None)))
        for n in g.objects(shape, SH.maxCount):
            if path:
                out.append(("MaxCount", Found(self._count(focus, path, ">", int(n)), None)))
        for cls in g.objects(shape, SH["class"]):
            each("Class", lambda v, c=cls: f"NOT EXISTS {{ {v} rdf:type/rdfs:subClassOf* {c.n3()} }}")
        for dt in g.objects(shape, SH.datatype):
            each("Datatype", lambda v, d=dt: _not_datatype(v, d))
        for pattern in g.objects(shape, SH.pattern):
            flags = g.value(shape, SH.flags)
            args = _string(str(pattern)) + (f", {_string(str(flags))}" if flags else "")
            each("Pattern", lambda v, a=args: f"isBlank({v}) || !REGEX(STR({v}), {a})")
        for kind in g.objects(shape, SH.nodeKind):
            each("NodeKind", lambda v, k=kind: NODE_KINDS[k].format(v=v))
        for value in g.objects(shape, SH.hasValue):
            if path:
                out.append(("HasValue", Found(f"FILTER NOT EXISTS {{ {focus} {path} {value.n3()} }}", None)))
            else:
                out.append(("HasValue", Found(f"FILTER (!sameTerm({focus}, {value.n3()}))", focus)))
        for members in g.objects(shape, SH["in"]):
            terms = [m.n3() for m in Collection(g, members)]
            each("In", lambda v, t=terms: "!(" + (" || ".join(f"sameTerm({v}, {m})" for m in t) or "false") + ")")
        if g.value(shape, SH.uniqueLang) == Literal(True) and path:
            a, b = self.var("a"), self.var("b")
            out.append(
                (
                    "UniqueLang",
                    Found(
                        f"{focus} {path} {a} . {focus} {path} {b} . "
                        f'FILTER (!sameTerm({a}, {b}) && LANG({a}) != "" && LCASE(LANG({a})) = LCASE(LANG({b})))',
                        None,
                    ),
                )
            )
        for langs in g.objects(shape, SH.languageIn):
            tags = [_string(str(t)) for t in Collection(g, langs)]
            each(
                "LanguageIn",
                lambda v, t=tags: (
                    f"!isLiteral({v}) || !(" + (" || ".join(f"langMatches(LANG({v}), {x})" for x in t) or "false") + ")"
                ),
            )
        for key, op in COMPARISONS.items():
            for bound in g.objects(shape, key):
                each(key.fragment, lambda v, o=op, b=bound: f"!COALESCE({v} {o} {b.n3()}, false)")
        for key, op in ((SH.minLength, "<"), (SH.maxLength, ">")):
            for n in g.objects(shape, key):
                each(key.fragment, lambda v, o=op, m=int(n): f"isBlank({v}) || STRLEN(STR({v})) {o} {m}")
        for members in g.objects(shape, SH["and"]):
            each("And", lambda v, m=members: self._all_of(list(Collection(g, m)), v))
        for node in g.objects(shape, SH.node):
            each("Node", lambda v, n=node: self._all_of([n], v))
        for node in g.objects(shape, SH["not"]):
            each("Not", lambda v, n=node: _none(self.fails(n, v)))
        for members in g.objects(shape, SH["or"]):
            each("Or", lambda v, m=members: self._none_of(list(Collection(g, m)), v))
        for q in g.objects(shape, SH.qualifiedValueShape):
            out += self._qualified(shape, q, focus, path)
        out += self._sparql_components(shape, focus, path)
        if nested:
            for prop in g.objects(shape, SH.property):
                if not self._off(prop):
                    inner = self.path(g.value(prop, SH.path))
                    out += [(c, Found(f.pattern, None)) for c, f in self.constraints(prop, focus, inner)]
        return out

    def fails(self, shape: Node, focus: str) -> str:
        """A pattern (alternatives joined with UNION) with a solution iff ``focus`` does not conform to
        ``shape``; "" if nothing can make it fail."""
        found = self.constraints(shape, focus, None, nested=True)
        return " UNION ".join("{ " + f.pattern + " }" for _, f in found)

    def _all_of(self, shapes: list[Node], v: str) -> str:
        fails = [f for f in (self.fails(s, v) for s in shapes) if f]
        return f"EXISTS {{ {' UNION '.join(fails)} }}" if fails else "false"

    def _none_of(self, shapes: list[Node], v: str) -> str:
        fails = [self.fails(s, v) for s in shapes]
        return " && ".join(f"EXISTS {{ {f} }}" for f in fails) if all(fails) else "false"

    def _count(self, focus: str, path: str, op: str, n: int) -> str:
        x = self.var("x")
        if (op, n) == ("<", 1):
            return f"FILTER NOT EXISTS {{ {focus} {path} {x} }}"
        if (op, n) == (">", 0):
            return f"FILTER EXISTS {{ {focus} {path} {x} }}"
        if (op, n) == (">", 1):
            y = self.var("x")
            return f"{focus} {path} {x} . {focus} {path} {y} . FILTER (!sameTerm({x}, {y}))"
        c = self.var("count")
        return (
            f"OPTIONAL {{ SELECT {focus} (COUNT(DISTINCT {x}) AS {c}) WHERE {{ {focus} {path} {x} }} "
            f"GROUP BY {focus} }} FILTER (COALESCE({c}, 0) {op} {n})"
        )

    def _qualified(self, shape: Node, q: Node, focus: str, path: str | None) -> list[tuple[str, Found]]:
        if path is None:
            raise UsageError(f"shape {shape}: sh:qualifiedValueShape needs a property shape")
        out = []
        x = self.var("q")
        fail = self.fails(q, x)
        conforming = f"{focus} {path} {x} ." + (f" FILTER NOT EXISTS {{ {fail} }}" if fail else "")
        for key, op in ((SH.qualifiedMinCount, "<"), (SH.qualifiedMaxCount, ">")):
            for n in self.g.objects(shape, key):
                if (op, int(n)) == ("<", 1):
                    out.append((key.fragment, Found(f"FILTER NOT EXISTS {{ {conforming} }}", None)))
                    continue
                c = self.var("count")
                pattern = (
                    f"OPTIONAL {{ SELECT {focus} (COUNT(DISTINCT {x}) AS {c}) WHERE {{ {conforming} }} "
                    f"GROUP BY {focus} }} FILTER (COALESCE({c}, 0) {op} {int(n)})"
                )
                out.append((key.fragment, Found(pattern, None)))
        return out

    # ---- SPARQL-based constraint components ----------------------------------------------------------

    def _components(self) -> dict[Node, tuple[Node, Node | None, Node | None]]:
        """parameter path -> (component, node validator, property validator)."""
        out = {}
        for component in self.g.subjects(RDF.type, SH.ConstraintComponent):
            params = [self.g.value(p, SH.path) for p in self.g.objects(component, SH.parameter)]
            if len(params) != 1:
                raise UsageError(f"component {component}: only components with one parameter are supported")
            generic = self.g.value(component, SH.validator)
            node = self.g.value(component, SH.nodeValidator) or generic
            prop = self.g.value(component, SH.propertyValidator) or generic
            out[params[0]] = (component, node, prop)
        return out

    def _sparql_components(self, shape: Node, focus: str, path: str | None) -> list[tuple[str, Found]]:
        out = []
        for param, (component, node_validator, prop_validator) in self.components.items():
            for argument in self.g.objects(shape, param):
                validator = prop_validator if path else node_validator
                if validator is None:
                    continue
                select = str(self.g.value(validator, SH.select))
                body = select[select.index("{") + 1 : select.rindex("}")]
                suffix = next(self._fresh)
                name = str(param).split("#")[-1].split("/")[-1]
                value = f"?value_{suffix}"
                path_var = f"?path_{suffix}"

                def rename(match: re.Match, name=name, argument=argument, suffix=suffix) -> str:
                    var = match.group(1)
                    if var == "this":
                        return focus
                    if var == "PATH" and path:
                        return path
                    if var == name:
                        return argument.n3()
                    return f"?{var}_{suffix}"

                pattern = "{ " + VARIABLE.sub(rename, _strip_prefixes(body)) + " }"
                reports_path = f"?path_{suffix}" in pattern
                reports_value = value in pattern
                label = str(component).split("#")[-1]
                out.append(
                    (
                        label,
                        Found(
                            pattern,
                            value if reports_value else (None if path else focus),
                            path_var if reports_path else None,
                        ),
                    )
                )
        return out


def _none(fails: str) -> str:
    return f"NOT EXISTS {{ {fails} }}" if fails else "true"


def _not_datatype(v: str, dt: Node) -> str:
    text = f"!isLiteral({v}) || !sameTerm(DATATYPE({v}), {dt.n3()})"
    if str(dt) in CASTABLE:  # and well-formed: Oxigraph casts only a valid lexical form
        text += f" || !COALESCE(isLiteral({dt.n3()}(STR({v}))), false)"
    return text


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _strip_prefixes(select: str) -> str:
    """A SELECT without PREFIX/BASE lines (the compiled query declares every prefix once)."""
    return re.sub(r"(?im)^\s*(PREFIX|BASE)\s+[^\n]*\n", "", select).strip()


def compile_shapes(shapes: Graph) -> list[Check]:
    return Compiler(shapes).checks()
