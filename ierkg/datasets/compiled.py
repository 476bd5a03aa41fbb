"""The fast engine: the shapes compiled, core constraints to Python and SPARQL ones to Oxigraph.

SHACL core constraints (sh:minCount, sh:maxCount, sh:class, sh:datatype,
sh:lessThanOrEquals) are simple per-property checks, and Python runs them over per-property
columns of the data far faster than one SPARQL scan per constraint. SPARQL-based constraints
run unchanged on an Oxigraph store holding only the predicates they read. A construct the
compiler does not know stops it with an error rather than being skipped, and the differential
tests (tests/test_engines.py) demand exactly pySHACL's results.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from ..errors import IerkgError
from ..namespaces import SH
from ..resources import release_dir, shapes_dir
from .episodes import Chunk
from .findings import rule_name
from .sparql_plan import Plan, TripleIndex, Unsupported, plan
from .terms import VALIDATORS, less_or_equal, lexical, literal, same_value
from .validation import Engine, RawResult

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = f"<{RDF.type}>"
SUBCLASS = f"<{RDFS.subClassOf}>"
FOCUS = "urn:ierkg:engine:focus"  # marker the engine adds to its private store
_SHAPE_KEYS = {
    RDF.type,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.targetClass,
    SH.property,
    SH.sparql,
    SH.declare,
    RDFS.comment,
}
_CORE = {SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.lessThanOrEquals}


@dataclass(frozen=True)
class CoreCheck:
    """One core constraint on one property, for the focus nodes of one target."""

    target: frozenset[str]  # target classes (IRIs)
    path: str
    component: str
    argument: str  # the count, class, datatype or other property
    message: str
    severity: str


@dataclass(frozen=True)
class SparqlCheck:
    query: str  # for a store: the constraint joined with the focus nodes
    target: frozenset[str]
    message: str
    severity: str
    plan: Plan | None  # the constraint planned for Python, None where the planner refuses it
    select: str  # the constraint as written, for $this substituted per focus node (SEP-0007)


class CompiledEngine(Engine):
    name = "compiled"

    def __init__(self, shapes: Path | None = None, release: Path | None = None, plan_sparql: bool = True):
        """``plan_sparql=False`` sends every SPARQL constraint to Oxigraph (the tests compare both)."""
        graph = Graph().parse(shapes or shapes_dir() / "episodes.ttl", format="turtle")
        self.core, sparql = compile_shapes(graph)
        self.planned = [check for check in sparql if plan_sparql and check.plan is not None]
        self.sparql = [check for check in sparql if check not in self.planned]
        self.refused_at_run: list[SparqlCheck] = []
        self.ontology = _ontology(str(release or release_dir()))
        # Predicates the store's SPARQL checks read; only these go into the store, from the
        # data and from the ontology alike (pySHACL's queries see both).
        self.store_predicates: set[str] | None = {
            iri for check in self.sparql for iri in _predicates_in(check.query)
        }
        if any(_reads_types(check.query) for check in self.sparql):
            self.store_predicates |= {RDF_TYPE, SUBCLASS}
        if any(_has_variable_predicate(check.query) for check in self.sparql):
            self.store_predicates = None  # any predicate may matter: load everything
        self.ontology_part = "".join(
            line
            for line in self.ontology.ntriples.decode("utf-8").splitlines(keepends=True)
            if self.store_predicates is None
            or (line.split(" ", 2)[1:2] and line.split(" ", 2)[1] in self.store_predicates)
        ).encode("utf-8")

    def check(self, chunk: Chunk) -> list[RawResult]:
        data = _Subjects(chunk)
        types = _Types(self.ontology, data)
        results: list[RawResult] = []
        columns = _Columns(data, types)
        for check in self.core:
            results += _run_core(check, columns, types)
        if self.planned:
            results += self._run_planned(chunk, types)
        if self.sparql:
            results += self._run_sparql(chunk, types, self.sparql, self.store_predicates, self.ontology_part)
        if self.refused_at_run:
            results += self._run_substituted(chunk, types)
        return results

    def _run_planned(self, chunk: Chunk, types: _Types) -> list[RawResult]:
        graph = TripleIndex(chunk.subjects, self.ontology.subjects)
        results = []
        for check in list(self.planned):
            assert check.plan is not None
            columns = check.plan.variables
            try:
                solutions = check.plan.run(types.focus(check.target), graph)
            except Unsupported:
                # The data took the plan somewhere it cannot go: Oxigraph answers this check
                # from now on, with every triple loaded since its predicates were not counted.
                self.planned.remove(check)
                self.refused_at_run.append(check)
                continue
            for solution in solutions:
                bound = dict(zip(columns, solution, strict=True))
                focus, path, value = bound.get("this"), bound.get("path"), bound.get("value")
                if focus is None:
                    continue
                results.append(
                    RawResult(
                        focus=lexical(focus),
                        path=lexical(path) if path else None,
                        # SHACL: without a ?value binding, a node shape's value node is the focus node
                        value=lexical(value if value is not None else focus),
                        message=check.message,
                        severity=check.severity,
                        rule=rule_name("SPARQL", lexical(path) if path else None),
                    )
                )
        return results

    def _run_sparql(
        self,
        chunk: Chunk,
        types: _Types,
        checks: list[SparqlCheck],
        wanted: set[str] | None,
        ontology_part: bytes,
    ) -> list[RawResult]:
        store = self._store(chunk, types, checks, wanted, ontology_part)
        results = []
        for check in checks:
            results += _results(check, store.query(check.query), chunk)
        return results

    def _run_substituted(self, chunk: Chunk, types: _Types) -> list[RawResult]:
        """Checks whose plan the data defeated: one query per focus node with $this substituted,
        which is SHACL's pre-binding exactly (joining with the focus nodes is not, where $this
        sits inside an OPTIONAL)."""
        checks = self.refused_at_run
        store = self._store(chunk, types, checks, None, self.ontology.ntriples)
        this = pyoxigraph.Variable("this")
        results = []
        for check in checks:
            for node in types.focus(check.target):
                solutions = store.query(check.select, substitutions={this: _term(node)})
                results += _results(check, solutions, chunk)
        return results

    def _store(
        self,
        chunk: Chunk,
        types: _Types,
        checks: list[SparqlCheck],
        wanted: set[str] | None,
        ontology_part: bytes,
    ) -> pyoxigraph.Store:
        store = pyoxigraph.Store()
        parts = [
            f"{subject} {predicate} {obj} .\n"
            for subject, props in chunk.subjects.items()
            for predicate, objects in props.items()
            if wanted is None or predicate in wanted
            for obj in objects
        ]
        for target in {t for check in checks for t in check.target}:
            parts += [f"{node} <{FOCUS}> <{target}> .\n" for node in types.focus(frozenset([target]))]
        # Parsed and added (not loaded), so that blank nodes keep the chunk's labels and each
        # result maps back to the value as written.
        store.extend(
            pyoxigraph.parse(
                ontology_part + "".join(parts).encode("utf-8"),
                format=pyoxigraph.RdfFormat.N_TRIPLES,
                lenient=True,
            )
        )
        return store


def _results(check: SparqlCheck, solutions: pyoxigraph.QuerySolutions, chunk: Chunk) -> list[RawResult]:
    results = []
    for solution in solutions:
        path = _value(solution["path"])
        this = solution["this"]
        focus = lexical(str(this)) if this is not None else None
        value = _as_written(solution["value"], chunk.subjects.get(str(this), {}).get(f"<{path}>", ()))
        results.append(
            RawResult(
                focus=focus,
                path=path,
                # SHACL: without a ?value binding, a node shape's value node is the focus node
                value=focus if value is None else value,
                message=check.message,
                severity=check.severity,
                rule=rule_name("SPARQL", path),
            )
        )
    return results


def _term(node: str) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode:
    """A focus node, written in N-Triples, as a term of the store (whose blank nodes keep their labels)."""
    return pyoxigraph.BlankNode(node[2:]) if node.startswith("_:") else pyoxigraph.NamedNode(node[1:-1])


# --- compiling the shapes --------------------------------------------------------------------


def compile_shapes(shapes: Graph) -> tuple[list[CoreCheck], list[SparqlCheck]]:
    prefixes = "\n".join(
        sorted(
            f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>"
            for d in shapes.objects(None, SH.declare)
        )
    )
    core: list[CoreCheck] = []
    sparql: list[SparqlCheck] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = frozenset(str(t) for t in shapes.objects(shape, SH.targetClass))
        if not targets:
            continue
        unknown = sorted(str(p) for p in shapes.predicates(shape) if p not in _SHAPE_KEYS)
        if unknown:
            raise IerkgError(
                f"the compiled engine does not support {unknown} on {shape}; use --engine pyshacl"
            )
        severity = _severity(shapes, shape, "Violation")
        for property_shape in shapes.objects(shape, SH.property):
            core += _core_checks(shapes, property_shape, targets)
        for constraint in shapes.objects(shape, SH.sparql):
            sparql.append(_sparql_check(shapes, constraint, targets, severity, prefixes))
    return core, sparql


def _severity(shapes: Graph, shape, default: str) -> str:
    value = shapes.value(shape, SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else default


def _core_checks(shapes: Graph, shape, targets: frozenset[str]) -> list[CoreCheck]:
    path = shapes.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise IerkgError(f"the compiled engine supports only simple property paths, not {path}")
    message = str(shapes.value(shape, SH.message))
    severity = _severity(shapes, shape, "Violation")  # SHACL: not inherited from the node shape
    checks = []
    for predicate, argument in shapes.predicate_objects(shape):
        if predicate in (SH.path, SH.message, SH.severity, SH.name, SH.description):
            continue
        if predicate not in _CORE:
            raise IerkgError(f"the compiled engine does not support {predicate}; use --engine pyshacl")
        component = "sh:" + str(predicate).rsplit("#", 1)[-1]
        checks.append(CoreCheck(targets, f"<{path}>", component, str(argument), message, severity))
    return checks


def _sparql_check(
    shapes: Graph, constraint, targets: frozenset[str], severity: str, prefixes: str
) -> SparqlCheck:
    select = str(shapes.value(constraint, SH.select))
    message = str(shapes.value(constraint, SH.message))
    match = re.match(r"\s*SELECT\s+(.*?)\s+WHERE", select, re.S | re.I)
    if match is None:
        raise IerkgError(f"cannot compile the SPARQL constraint '{message}'")
    # $this is pre-bound to each focus node: joining the query with the focus nodes is the same.
    projected = match.group(1)
    variables = (
        "?this" + (" ?path" if "?path" in projected else "") + (" ?value" if "?value" in projected else "")
    )
    focus = " UNION ".join(f"{{ ?this <{FOCUS}> <{t}> }}" for t in sorted(targets))
    inner = select.replace("$this", "?this")
    query = f"{prefixes}\nSELECT DISTINCT {variables} WHERE {{ {focus} {{ {inner} }} }}"
    try:
        planned: Plan | None = plan(f"{prefixes}\n{select}")
    except Unsupported:
        planned = None
    return SparqlCheck(query, targets, message, severity, planned, f"{prefixes}\n{select}")


_VARIABLE_PREDICATE = re.compile(
    r"(?:[.{}]\s*(?:[?$]\w+|<[^>\s]*>|[\w-]*:[\w-]*)|;)\s*[?$]\w+\s+(?:[?$<\"_\w])"
)


def _has_variable_predicate(query: str) -> bool:
    """Whether a triple pattern has a variable predicate (then no predicate can be left out)."""
    return _VARIABLE_PREDICATE.search(query.split("WHERE", 1)[-1]) is not None


def _reads_types(query: str) -> bool:
    """Whether a query reads rdf:type (written as `a` or in full) or rdfs:subClassOf."""
    body = query.split("SELECT", 1)[-1]
    uses_a = re.search(r"[\s;{]a[\s<?$]", body) is not None
    return uses_a or any(name in body for name in ("rdf:type", str(RDF.type), "subClassOf"))


def _predicates_in(query: str) -> set[str]:
    prefixes = dict(re.findall(r"PREFIX\s+(\w*):\s*<([^>]+)>", query))
    iris = {f"<{iri}>" for iri in re.findall(r"<([^>\s]+)>", query)}
    iris |= {f"<{prefixes[p]}{local}>" for p, local in re.findall(r"\b(\w+):(\w+)", query) if p in prefixes}
    return iris


# --- the data, by property ---------------------------------------------------------------------


class _Subjects:
    """The chunk's data by subject: subject -> predicate -> values."""

    def __init__(self, chunk: Chunk):
        self.props = chunk.subjects

    def types(self) -> Iterator[tuple[str, list[str]]]:
        for subject, by_predicate in self.props.items():
            classes = by_predicate.get(RDF_TYPE)
            if classes:
                yield subject, classes


@dataclass
class _Ontology:
    ntriples: bytes
    types: dict[str, set[str]]  # individual -> its classes
    superclasses: dict[str, set[str]]  # class -> itself and all its superclasses
    subjects: dict[str, dict[str, list[str]]]  # every triple by subject, for the planned checks


@cache
def _ontology(release: str) -> _Ontology:
    text = (Path(release) / "ierkg.nt").read_bytes()
    types: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)
    subjects: dict[str, dict[str, list[str]]] = {}
    for triple in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_TRIPLES):
        objects = subjects.setdefault(str(triple.subject), {}).setdefault(str(triple.predicate), [])
        if str(triple.object) not in objects:
            objects.append(str(triple.object))
        if isinstance(triple.object, pyoxigraph.NamedNode):
            if triple.predicate.value == str(RDF.type):
                types[f"<{triple.subject.value}>"].add(triple.object.value)
            elif triple.predicate.value == str(RDFS.subClassOf) and isinstance(
                triple.subject, pyoxigraph.NamedNode
            ):
                parents[triple.subject.value].add(triple.object.value)
    return _Ontology(text, dict(types), _closure(parents), subjects)


def _closure(parents: dict[str, set[str]]) -> dict[str, set[str]]:
    closed: dict[str, set[str]] = {}

    def up(cls: str, seen: frozenset[str]) -> set[str]:
        if cls in closed:
            return closed[cls]
        result = {cls}
        for parent in parents.get(cls, ()):
            if parent not in seen:
                result |= up(parent, seen | {parent})
        closed[cls] = result
        return result

    for cls in list(parents):
        up(cls, frozenset([cls]))
    return closed


class _Types:
    """rdf:type over the ontology and the data, with rdfs:subClassOf closure."""

    def __init__(self, ontology: _Ontology, data: _Subjects):
        self.ontology = ontology
        self.data_types: dict[str, set[str]] = {s: {c[1:-1] for c in classes} for s, classes in data.types()}
        extra_parents: dict[str, set[str]] = defaultdict(set)
        for subject, by_predicate in data.props.items():
            for parent in by_predicate.get(SUBCLASS, ()):
                extra_parents[subject[1:-1]].add(parent[1:-1])
        self.superclasses = ontology.superclasses
        if extra_parents:  # the data declares classes of its own
            merged = defaultdict(set)
            for cls, supers in ontology.superclasses.items():
                merged[cls] |= supers - {cls}
            for cls, supers in extra_parents.items():
                merged[cls] |= supers
            self.superclasses = _closure(merged)
        self._classes: dict[str, set[str]] = {}
        self._focus: dict[frozenset[str], list[str]] = {}

    def classes_of(self, node: str) -> set[str]:
        classes = self._classes.get(node)
        if classes is None:
            direct = self.ontology.types.get(node, set()) | self.data_types.get(node, set())
            classes = {sup for cls in direct for sup in self.superclasses.get(cls, {cls})}
            self._classes[node] = classes
        return classes

    def is_instance(self, node: str, cls: str) -> bool:
        if node.startswith('"'):
            return False  # a literal is never an instance of a class (an IRI or blank node may be)
        return cls in self.classes_of(node)

    def focus(self, targets: frozenset[str]) -> list[str]:
        nodes = self._focus.get(targets)
        if nodes is None:
            nodes = self._focus[targets] = [
                node for node in self.data_types if self.classes_of(node) & targets
            ]
        return nodes


# --- running core checks ------------------------------------------------------------------------


class _Columns:
    """Each focus node's values for one property, built once per target and path and shared
    by every check on them (a path carries up to four checks)."""

    def __init__(self, data: _Subjects, types: _Types):
        self._data = data
        self._types = types
        self._described: dict[frozenset[str], list[tuple[str, dict[str, list[str]]]]] = {}
        self._columns: dict[tuple[frozenset[str], str], list[tuple[str, list[str]]]] = {}

    def nodes(self, target: frozenset[str]) -> list[str]:
        return self._types.focus(target)  # cached by _Types

    def column(self, target: frozenset[str], key: str) -> list[tuple[str, list[str]]]:
        """(node, values) for the focus nodes with at least one value, in focus order."""
        column = self._columns.get((target, key))
        if column is None:
            column = self._columns[(target, key)] = [
                (node, values) for node, props in self._descriptions(target) if (values := props.get(key))
            ]
        return column

    def _descriptions(self, target: frozenset[str]) -> list[tuple[str, dict[str, list[str]]]]:
        described = self._described.get(target)
        if described is None:  # each focus node's description, looked up once for all its paths
            props = self._data.props
            described = self._described[target] = [
                (node, props.get(node, _EMPTY)) for node in self.nodes(target)
            ]
        return described


_EMPTY: dict[str, list[str]] = {}


def _run_core(check: CoreCheck, columns: _Columns, types: _Types) -> list[RawResult]:
    key = check.path
    path = key[1:-1]
    rule = rule_name(check.component, path)
    column = columns.column(check.target, key)

    def result(node: str, value: str | None) -> RawResult:
        return RawResult(
            lexical(node), path, lexical(value) if value else None, check.message, check.severity, rule
        )

    component = check.component
    if component == "sh:minCount":
        bound = int(check.argument)
        if bound <= 0:
            return []
        enough = {node for node, values in column if len(values) >= bound}
        return [result(node, None) for node in columns.nodes(check.target) if node not in enough]
    if component == "sh:maxCount":
        bound = int(check.argument)
        return [result(node, None) for node, values in column if len(values) > bound]
    if component == "sh:lessThanOrEquals":
        other_key = f"<{check.argument}>"
        others = dict(columns.column(check.target, other_key))
        return [
            result(node, value)
            for node, values in column
            for value in values
            for other in others.get(node, ())
            if less_or_equal(value, other) is not True
        ]
    # sh:class and sh:datatype judge each value on its own, and coded datasets repeat a few
    # values (codes, ratings) many times: each distinct value is judged once, and only a chunk
    # holding a bad one is walked node by node.
    if component == "sh:class":
        cls = check.argument

        def bad(value: str) -> bool:
            return not types.is_instance(value, cls)
    else:
        valid = VALIDATORS.get(check.argument, lambda _text: True)
        datatype = check.argument

        def bad(value: str) -> bool:
            parsed = literal(value)
            return parsed is None or parsed[1] != datatype or not valid(parsed[0])

    distinct = set().union(*(values for _node, values in column))
    wrong = {value for value in distinct if bad(value)}
    if not wrong:
        return []
    return [result(node, value) for node, values in column for value in values if value in wrong]


def _as_written(term, written: list[str] | tuple) -> str | None:
    """A result's value in the data's own lexical form: the store keeps numbers canonically."""
    if not isinstance(term, pyoxigraph.Literal):
        return _value(term)
    for candidate in written:
        parsed = literal(candidate)
        if parsed is not None and parsed[1] == term.datatype.value and same_value(parsed[0], term.value):
            return parsed[0]
    return term.value


def _value(term) -> str | None:
    return None if term is None else term.value
