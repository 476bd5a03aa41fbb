"""The shapes' SPARQL constraints, planned once and run in Python over a chunk's triples.

Most SPARQL constraints look at one episode and a little of the ontology. Loading each chunk
into an Oxigraph store costs more than answering them, so the compiled engine turns each query
into a plan over the chunk's subject index and the ontology's. Only a subset of SPARQL is
planned: basic graph patterns (with sequence, alternative, inverse and ``*``/``+``/``?`` paths),
joins, UNION, OPTIONAL, FILTER, BIND, sub-selects and DISTINCT, with the filter functions the
shapes use. Anything else raises Unsupported, and the engine sends that query to Oxigraph.
Unsupported can also come while a plan runs (a path whose ends an OPTIONAL left unbound); the
engine then answers that constraint on Oxigraph too.

Solutions flow into each pattern already holding the bindings found so far (a bind join). That
equals SPARQL's bottom-up answer only where no FILTER, BIND or OPTIONAL sees a variable bound
outside its own group, so the planner checks exactly that and refuses the rest. ``$this`` is
pre-bound by substitution, as SHACL defines it, so it may appear anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from .terms import (
    LANG_STRING,
    NUMERIC,
    XSD,
    XSD_STRING,
    TermError,
    compare,
    datetime_or_none,
    equal,
    literal,
    string_term,
)

Subjects = dict[str, dict[str, list[str]]]  # subject -> predicate -> objects (N-Triples terms)
Solution = dict[str, str]  # variable name -> term
Step = Callable[[list[Solution], "TripleIndex"], list[Solution]]
Expression = Callable[[Solution, "TripleIndex"], "bool | str"]

THIS = "this"
_TRUE, _FALSE = f'"true"^^<{XSD}boolean>', f'"false"^^<{XSD}boolean>'


class Unsupported(Exception):
    """The query uses SPARQL this planner does not run; run it on a SPARQL store instead."""


# --- the triples --------------------------------------------------------------------------------


class TripleIndex:
    """The union of a chunk's triples and the ontology's, read by subject or by object."""

    def __init__(self, data: Subjects, ontology: Subjects):
        self.by_subject: Subjects = dict(data)
        for subject, props in ontology.items():
            mine = self.by_subject.get(subject)
            if mine is None:
                self.by_subject[subject] = props
            else:  # a node both describe: merge, never mutating either side
                merged = {p: list(objects) for p, objects in mine.items()}
                for predicate, objects in props.items():
                    merged[predicate] = list(dict.fromkeys([*merged.get(predicate, ()), *objects]))
                self.by_subject[subject] = merged
        self._by_object: dict[str, dict[str, list[str]]] = {}

    def objects(self, subject: str, predicate: str) -> Sequence[str]:
        return self.by_subject.get(subject, _NOTHING).get(predicate, ())

    def subjects(self, predicate: str, obj: str) -> Sequence[str]:
        return self._index(predicate).get(obj, ())

    def pairs(self, predicate: str) -> Iterable[tuple[str, str]]:
        for obj, subjects in self._index(predicate).items():
            for subject in subjects:
                yield subject, obj

    def _index(self, predicate: str) -> dict[str, list[str]]:
        """object -> subjects for one predicate, built the first time a query needs it."""
        index = self._by_object.get(predicate)
        if index is None:
            index = self._by_object[predicate] = {}
            for subject, props in self.by_subject.items():
                for obj in props.get(predicate, ()):
                    index.setdefault(obj, []).append(subject)
        return index


_NOTHING: dict[str, list[str]] = {}


# --- plans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A SELECT query ready to run for many pre-bound ``$this`` at once.

    ``reads`` lists the predicates the query follows out of ``$this`` when that is the only
    way it looks at ``$this`` (no FILTER, BIND or object position names it). Then the answers
    for a focus node depend only on its values for those predicates, and the rest of the graph
    is the same for every node: focus nodes with equal values share one evaluation. Coded
    datasets repeat a few codes on thousands of rows, so most checks run a few dozen times.
    """

    variables: tuple[str, ...]
    step: Step
    reads: tuple[str, ...] | None = None

    def run(self, focus: Iterable[str], graph: TripleIndex) -> list[tuple[str | None, ...]]:
        """The distinct projected solutions, one tuple per solution in ``variables`` order."""
        focus = list(focus)
        alike = self._alike(focus, graph) if self.reads is not None else None
        if alike is None:
            solutions = self.step([{THIS: node} for node in focus], graph)
            return list(dict.fromkeys(tuple(s.get(v) for v in self.variables) for s in solutions))
        members = {nodes[0]: nodes for nodes in alike.values()}
        solutions = self.step([{THIS: node} for node in members], graph)
        answers = dict.fromkeys(tuple(s.get(v) for v in self.variables) for s in solutions)
        if THIS not in self.variables:
            return list(answers)
        position = self.variables.index(THIS)
        return list(
            dict.fromkeys(
                answer[:position] + (node,) + answer[position + 1 :]
                for answer in answers
                for node in members[answer[position]]
            )
        )

    def _alike(self, focus: list[str], graph: TripleIndex) -> dict[tuple, list[str]] | None:
        """The focus nodes grouped by their values for ``reads``; None where they hardly repeat
        (ids, times), since grouping would then only cost."""
        assert self.reads is not None
        alike: dict[tuple, list[str]] = {}
        for count, node in enumerate(focus, 1):
            props = graph.by_subject.get(node, _NOTHING)
            alike.setdefault(tuple(tuple(props.get(p, ())) for p in self.reads), []).append(node)
            if count == _SAMPLE and len(alike) * 2 > count:
                return None
        return alike


_SAMPLE = 500  # focus nodes looked at before deciding whether their values repeat enough


def plan(query: str) -> Plan:
    """Plan a SELECT query whose ``$this`` is pre-bound; Unsupported if it is beyond this planner."""
    algebra = prepareQuery(query).algebra
    if algebra.name != "SelectQuery" or _field(algebra, "datasetClause"):
        raise Unsupported("only SELECT queries over the default graph are planned")
    planner = _Planner()
    step = planner.pattern(algebra["p"], frozenset([THIS]))
    reads = None if planner.this_elsewhere else tuple(sorted(planner.this_reads))
    return Plan(tuple(str(v) for v in algebra["PV"]), step, reads)


def _field(node: CompValue, key: str):
    """A CompValue's field, None if absent (its own .get() answers with the key's name)."""
    return node[key] if key in node else None  # noqa: SIM401


class _Planner:
    """Turns algebra nodes into steps; ``given`` holds the variables that may arrive bound."""

    def __init__(self) -> None:
        self.fresh = 0  # variables made up for the inner nodes of sequence paths
        self.this_reads: set[str] = set()  # predicates of patterns ``$this <p> ?o``
        self.this_elsewhere = False  # $this also named elsewhere: answers are not shared (Plan)

    def note_this(self, triple: tuple) -> None:
        """Record how a triple pattern, its sequence paths taken apart, reads ``$this``."""
        subject, predicate, obj = triple
        if subject == _Var(THIS) and isinstance(predicate, str) and obj != _Var(THIS):
            self.this_reads.add(predicate)
        elif _Var(THIS) in (predicate, obj) or subject == _Var(THIS):
            self.this_elsewhere = True

    def pattern(self, node: CompValue, given: frozenset[str]) -> Step:
        method = getattr(self, f"_{node.name}", None)
        if method is None:
            raise Unsupported(f"SPARQL {node.name} is not planned")
        return method(node, given)

    def _BGP(self, node: CompValue, given: frozenset[str]) -> Step:
        remaining = [
            tuple(_operand(t) for t in part)
            for triple in node["triples"]
            for part in self._without_sequences(*triple)
        ]
        for triple in remaining:
            self.note_this(triple)
        bound = set(given)
        steps = []
        while remaining:
            triple = min(remaining, key=lambda t: _cost(t, bound))
            if _cost(triple, bound) > 2:
                raise Unsupported("a pattern with neither end bound and a path or variable predicate")
            remaining.remove(triple)
            steps.append(_triple_step(*triple, set(bound)))
            bound |= {term.name for term in triple if isinstance(term, _Var)}

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            for step in steps:
                if not solutions:
                    break
                solutions = step(solutions, graph)
            return solutions

        return run

    def _without_sequences(self, subject, predicate, obj) -> list[tuple]:
        """``?s p1/p2 ?o`` as ``?s p1 ?v . ?v p2 ?o`` and ``?s ^p ?o`` as ``?o p ?s``, as SPARQL
        defines them, so that the fast single-predicate steps run them."""
        if isinstance(predicate, InvPath) and isinstance(predicate.arg, URIRef):
            return [(obj, predicate.arg, subject)]
        if not isinstance(predicate, SequencePath):
            return [(subject, predicate, obj)]
        parts, start = [], subject
        for index, step in enumerate(predicate.args):
            if index == len(predicate.args) - 1:
                end = obj
            else:
                self.fresh += 1
                end = BNode(f"sequence{self.fresh}")
            parts += self._without_sequences(start, step, end)
            start = end
        return parts

    def _Join(self, node: CompValue, given: frozenset[str]) -> Step:
        """Joins are commutative: patterns go first, then each sub-select once its keys are bound."""
        operands = _join_operands(node)
        bound = set(given)
        steps = []
        while operands:
            operand = min(operands, key=lambda o: _join_rank(o, bound))
            operands.remove(operand)
            steps.append(self.pattern(operand, frozenset(bound)))
            bound |= _possible(operand)

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            for step in steps:
                solutions = step(solutions, graph)
            return solutions

        return run

    def _Union(self, node: CompValue, given: frozenset[str]) -> Step:
        left, right = self.pattern(node["p1"], given), self.pattern(node["p2"], given)
        return lambda solutions, graph: left(solutions, graph) + right(solutions, graph)

    def _LeftJoin(self, node: CompValue, given: frozenset[str]) -> Step:
        left = self.pattern(node["p1"], given)
        outer = given | _possible(node["p1"])
        # Bindings pushed into OPTIONAL must be ones its own left side certainly made.
        if (_possible(node["p2"]) & given) - _certain(node["p1"]) - {THIS}:
            raise Unsupported("OPTIONAL shares a variable with the enclosing pattern")
        right = self.pattern(node["p2"], outer)
        expr = _field(node, "expr")
        has_condition = expr is not None and getattr(expr, "name", None) != "TrueFilter"
        if has_condition:  # OPTIONAL's own FILTER sees both sides, but nothing from further out
            self._check_scope(expr, node["p1"], given, "a FILTER inside OPTIONAL")
        condition = _expression(expr, self, outer | _possible(node["p2"])) if has_condition else None

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            out = []
            for solution in left(solutions, graph):
                matches = right([solution], graph)
                if condition is not None:
                    matches = [m for m in matches if _holds(condition, m, graph)]
                out += matches or [solution]
            return out

        return run

    def _Filter(self, node: CompValue, given: frozenset[str]) -> Step:
        inner = self.pattern(node["p"], given)
        self._check_scope(node["expr"], node["p"], given, "FILTER")
        condition = _expression(node["expr"], self, given | _possible(node["p"]))
        if _reads_graph(node["expr"]):
            return lambda solutions, graph: [
                s for s in inner(solutions, graph) if _holds(condition, s, graph)
            ]
        # Otherwise the verdict depends only on the variables' values, and coded data repeats
        # few; where they do not repeat (times, ids) remembering them would only cost.
        names = tuple(sorted(_expression_variables(node["expr"])))

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            verdicts: dict[tuple, bool] | None = {}
            out = []
            for count, solution in enumerate(inner(solutions, graph)):
                if verdicts is not None:
                    key = tuple(solution.get(name) for name in names)
                    verdict = verdicts.get(key)
                    if verdict is None:
                        verdict = verdicts[key] = _holds(condition, solution, graph)
                        if count > 1000 and len(verdicts) * 2 > count:
                            verdicts = None  # mostly distinct: stop remembering
                else:
                    verdict = _holds(condition, solution, graph)
                if verdict:
                    out.append(solution)
            return out

        return run

    def _Extend(self, node: CompValue, given: frozenset[str]) -> Step:
        inner = self.pattern(node["p"], given)
        name = str(node["var"])
        if name in given or name in _possible(node["p"]):
            raise Unsupported("BIND to a variable already in scope")
        self._check_scope(node["expr"], node["p"], given, "BIND")
        value = _expression(node["expr"], self, given | _possible(node["p"]))

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            out = []
            for solution in inner(solutions, graph):
                try:
                    result = value(solution, graph)
                except TermError:
                    out.append(solution)  # an error leaves the variable unbound
                    continue
                out.append({**solution, name: _as_term(result)})
            return out

        return run

    def _Project(self, node: CompValue, given: frozenset[str]) -> Step:
        inner = self.pattern(node["p"], given)
        keep = [str(v) for v in node["PV"]] + [v for v in given if v not in {str(p) for p in node["PV"]}]
        return lambda solutions, graph: [{k: s[k] for k in keep if k in s} for s in inner(solutions, graph)]

    def _Distinct(self, node: CompValue, given: frozenset[str]) -> Step:
        inner = self.pattern(node["p"], given)

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            unique = {tuple(sorted(s.items())): s for s in inner(solutions, graph)}
            return list(unique.values())

        return run

    def _ToMultiSet(self, node: CompValue, given: frozenset[str]) -> Step:
        """A sub-select: answered on its own, once per run, then hash-joined on shared variables."""
        if THIS in _mentioned(node["p"]):
            raise Unsupported("a sub-select that mentions $this")
        inner = self.pattern(node["p"], frozenset())
        keys = tuple(sorted(given & _certain(node["p"])))
        others = tuple(sorted((given & _possible(node["p"])) - set(keys)))

        def run(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            answers = inner([{}], graph)
            by_key: dict[tuple, list[Solution]] = {}
            for answer in answers:
                by_key.setdefault(tuple(answer[k] for k in keys), []).append(answer)
            out = []
            for solution in solutions:
                key = tuple(solution.get(k) for k in keys)
                candidates = answers if None in key else by_key.get(key, ())
                for answer in candidates:
                    if all(_compatible(solution, answer, k) for k in others + keys):
                        out.append({**solution, **answer})
            return out

        return run

    def _check_scope(self, expr, pattern: CompValue, given: frozenset[str], what: str) -> None:
        # Bindings from outside the group must be ones the group certainly binds itself.
        outside = (_expression_variables(expr) & given) - _certain(pattern) - {THIS}
        if outside:
            raise Unsupported(f"{what} reads {sorted(outside)} from outside its group")


def _compatible(solution: Solution, answer: Solution, name: str) -> bool:
    mine, theirs = solution.get(name), answer.get(name)
    return mine is None or theirs is None or mine == theirs


def _join_operands(node: CompValue) -> list[CompValue]:
    if node.name != "Join":
        return [node]
    return _join_operands(node["p1"]) + _join_operands(node["p2"])


def _join_rank(operand: CompValue, bound: set[str]) -> tuple[int, int]:
    """Connected operands before a cross product; among them triple patterns, then sub-selects."""
    connected = bool(_possible(operand) & bound)
    kind = {"BGP": 0, "ToMultiSet": 1}.get(operand.name, 2)
    return (0 if connected else 1, kind)


# --- triple patterns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Var:
    name: str


def _operand(term) -> _Var | str | Path:
    if isinstance(term, Variable):
        return _Var(str(term))
    if isinstance(term, BNode):
        return _Var(f"_:{term}")  # a blank node in a pattern matches like a variable
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    if isinstance(term, Path):
        return term
    raise Unsupported(f"pattern term {term!r}")


def _cost(triple: tuple, bound: set[str]) -> int:
    """0: subject known; 1: object known; 2: a predicate scanned; 3: cannot be run."""
    subject, predicate, obj = triple

    def known(term) -> bool:
        return not isinstance(term, _Var) or term.name in bound

    if isinstance(predicate, _Var):
        return 3
    if known(subject):
        return 0
    if known(obj):
        return 1
    return 2 if isinstance(predicate, str) else 3


def _triple_step(subject, predicate, obj, bound: set[str]) -> Step:
    """One triple pattern; ``bound`` names the variables that may already be bound."""
    path = _compiled_path(predicate) if isinstance(predicate, Path) else None

    def forward(graph: TripleIndex, node: str) -> Sequence[str] | set[str]:
        return _follow(graph, node, path) if path is not None else graph.objects(node, predicate)

    def backward(graph: TripleIndex, node: str) -> Sequence[str] | set[str]:
        return _follow(graph, node, path, False) if path is not None else graph.subjects(predicate, node)

    s_var = subject.name if isinstance(subject, _Var) else None
    o_var = obj.name if isinstance(obj, _Var) else None

    def step(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
        out = []
        for solution in solutions:
            s = solution.get(s_var) if s_var else subject
            o = solution.get(o_var) if o_var else obj
            if s is not None:
                found = forward(graph, s)
                if o is not None:
                    if o in found:
                        out.append(solution)
                elif s_var == o_var:  # ?x p ?x
                    if s in found:
                        out.append(solution)
                else:
                    out += [{**solution, o_var: value} for value in found]
            elif o is not None:
                out += [{**solution, s_var: value} for value in backward(graph, o)]
            elif path is None:
                out += [
                    {**solution, s_var: x, o_var: y}
                    for x, y in graph.pairs(predicate)
                    if s_var != o_var or x == y
                ]
            else:
                raise Unsupported("a property path with neither end bound")
        return out

    if path is not None or s_var is None or s_var == o_var or (o_var is not None and o_var in bound):
        return step
    # The usual case, a known subject with a plain predicate and a new or constant object, is
    # the inner loop of every query, so it gets a loop of its own.
    if o_var is None:

        def check(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
            by_subject, out = graph.by_subject, []
            for solution in solutions:
                s = solution.get(s_var)
                if s is None:
                    out += step([solution], graph)
                elif obj in by_subject.get(s, _NOTHING).get(predicate, ()):
                    out.append(solution)
            return out

        return check

    def extend(solutions: list[Solution], graph: TripleIndex) -> list[Solution]:
        by_subject, out = graph.by_subject, []
        for solution in solutions:
            s = solution.get(s_var)
            if s is None:
                out += step([solution], graph)
                continue
            for value in by_subject.get(s, _NOTHING).get(predicate, ()):
                extended = solution.copy()
                extended[o_var] = value
                out.append(extended)
        return out

    return extend


def _compiled_path(path) -> tuple:
    """A property path as nested tuples of N-Triples IRIs, so following it converts nothing."""
    if isinstance(path, URIRef):
        return ("iri", path.n3())
    if isinstance(path, SequencePath):
        return ("seq", tuple(_compiled_path(part) for part in path.args))
    if isinstance(path, AlternativePath):
        return ("alt", tuple(_compiled_path(part) for part in path.args))
    if isinstance(path, InvPath):
        return ("inv", _compiled_path(path.arg))
    if isinstance(path, MulPath):
        return ("mul", _compiled_path(path.path), path.zero, path.more)
    raise Unsupported(f"property path {path!r}")


def _follow(graph: TripleIndex, start: str, path: tuple, forward: bool = True) -> set[str]:
    """The nodes a compiled property path reaches from ``start`` (or reaches it, backward)."""
    kind = path[0]
    if kind == "iri":
        return set(graph.objects(start, path[1]) if forward else graph.subjects(path[1], start))
    if kind == "seq":
        nodes = {start}
        for part in path[1] if forward else reversed(path[1]):
            nodes = {end for node in nodes for end in _follow(graph, node, part, forward)}
        return nodes
    if kind == "alt":
        return {end for part in path[1] for end in _follow(graph, start, part, forward)}
    if kind == "inv":
        return _follow(graph, start, path[1], not forward)
    _, inner, zero, more = path
    reached = {start} if zero else set()
    frontier = {start}
    while frontier:
        frontier = {end for node in frontier for end in _follow(graph, node, inner, forward)} - reached
        reached |= frontier
        if not more:
            break
    return reached


# --- variables in scope -------------------------------------------------------------------------


def _pattern_variables(triples) -> set[str]:
    return {str(t) for triple in triples for t in triple if isinstance(t, Variable)}


def _possible(node: CompValue) -> frozenset[str]:
    """Variables a pattern may bind."""
    name = node.name
    if name == "BGP":
        return frozenset(_pattern_variables(node["triples"]))
    if name in ("Join", "Union", "LeftJoin"):
        return _possible(node["p1"]) | _possible(node["p2"])
    if name == "Extend":
        return _possible(node["p"]) | {str(node["var"])}
    if name == "Project":
        return frozenset(str(v) for v in node["PV"]) & _possible(node["p"])
    if name in ("Filter", "Distinct", "ToMultiSet"):
        return _possible(node["p"])
    raise Unsupported(f"SPARQL {name} is not planned")


def _certain(node: CompValue) -> frozenset[str]:
    """Variables every solution of a pattern binds."""
    name = node.name
    if name == "BGP":
        return frozenset(_pattern_variables(node["triples"]))
    if name == "Join":
        return _certain(node["p1"]) | _certain(node["p2"])
    if name == "Union":
        return _certain(node["p1"]) & _certain(node["p2"])
    if name == "LeftJoin":
        return _certain(node["p1"])
    if name == "Project":
        return frozenset(str(v) for v in node["PV"]) & _certain(node["p"])
    if name in ("Filter", "Distinct", "ToMultiSet", "Extend"):
        return _certain(node["p"])  # a BIND that fails leaves its variable unbound
    raise Unsupported(f"SPARQL {name} is not planned")


def _mentioned(node) -> set[str]:
    """Every variable named anywhere in an algebra node or expression."""
    if isinstance(node, Variable):
        return {str(node)}
    if isinstance(node, CompValue):
        return {v for value in node.values() for v in _mentioned(value)}
    if isinstance(node, (list, tuple, set, frozenset)):
        return {v for value in node for v in _mentioned(value)}
    return set()


def _expression_variables(expr) -> set[str]:
    return _mentioned(expr)


def _reads_graph(expr) -> bool:
    """Whether an expression looks at the graph (EXISTS) or at unbound variables (BOUND)."""
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS", "Builtin_BOUND"):
            return True
        return any(_reads_graph(value) for key, value in expr.items() if key != "_vars")
    if isinstance(expr, (list, tuple)):
        return any(_reads_graph(value) for value in expr)
    return False


# --- expressions ---------------------------------------------------------------------------------


def _holds(condition: Expression, solution: Solution, graph: TripleIndex) -> bool:
    try:
        return _truth(condition(solution, graph))
    except TermError:
        return False


def _truth(value: bool | str) -> bool:
    """SPARQL's effective boolean value."""
    if isinstance(value, bool):
        return value
    parsed = literal(value)
    if parsed is None:
        raise TermError
    text, datatype, _ = parsed
    if datatype == f"{XSD}boolean":
        return text in ("true", "1")
    if datatype in (XSD_STRING, LANG_STRING):
        return text != ""
    if datatype in NUMERIC:
        try:
            return compare(value, f'"0"^^<{XSD}integer>') != 0
        except TermError:
            return False
    raise TermError


class Text(str):
    """A simple literal as its lexical form, so that string functions need not parse it again."""


def _as_term(value: bool | str) -> str:
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, Text):
        return string_term(value)
    return value


def _expression(expr, planner: _Planner, given: frozenset[str]) -> Expression:
    if isinstance(expr, Variable):
        name = str(expr)
        if name == THIS:
            planner.this_elsewhere = True

        def variable(solution: Solution, _graph: TripleIndex) -> str:
            value = solution.get(name)
            if value is None:
                raise TermError
            return value

        return variable
    if isinstance(expr, (URIRef, Literal)):
        constant = expr.n3()
        return lambda _solution, _graph: constant
    if not isinstance(expr, CompValue):
        raise Unsupported(f"expression {expr!r}")
    builder = _BUILDERS.get(expr.name)
    if builder is None:
        raise Unsupported(f"SPARQL {expr.name} is not planned")
    return builder(expr, planner, given)


def _relational(expr, planner, given) -> Expression:
    left = _expression(expr["expr"], planner, given)
    op = expr["op"]
    if op in ("IN", "NOT IN"):
        options = [_expression(o, planner, given) for o in expr["other"]]

        def member(solution, graph) -> bool:
            value = _as_term(left(solution, graph))
            failed = False
            for option in options:
                try:
                    if equal(value, _as_term(option(solution, graph))):
                        return op == "IN"
                except TermError:
                    failed = True
            if failed:
                raise TermError
            return op == "NOT IN"

        return member
    right = _expression(expr["other"], planner, given)
    test = _COMPARISONS.get(op)
    if test is None:
        raise Unsupported(f"operator {op}")
    return lambda solution, graph: test(_as_term(left(solution, graph)), _as_term(right(solution, graph)))


_COMPARISONS: dict[str, Callable[[str, str], bool]] = {
    "=": equal,
    "!=": lambda a, b: not equal(a, b),
    "<": lambda a, b: compare(a, b) < 0,
    ">": lambda a, b: compare(a, b) > 0,
    "<=": lambda a, b: compare(a, b) <= 0,
    ">=": lambda a, b: compare(a, b) >= 0,
}


def _logical(expr, planner, given) -> Expression:
    parts = [_expression(e, planner, given) for e in [expr["expr"], *expr["other"]]]
    conjunction = expr.name == "ConditionalAndExpression"
    # && and || give the same answer in any order (a false, or a true, outweighs an error), so
    # the operand that settles the answer most often is moved to the front as the data shows it.
    settled = [0] * len(parts)
    order = list(range(len(parts)))
    calls = 0

    def combine(solution, graph) -> bool:
        nonlocal calls, order
        calls += 1
        if calls % 512 == 0:
            order = sorted(order, key=lambda i: -settled[i])
        failed = False
        for index in order:
            try:
                if _truth(parts[index](solution, graph)) != conjunction:
                    settled[index] += 1
                    return not conjunction
            except TermError:
                failed = True
        if failed:
            raise TermError
        return conjunction

    return combine


def _not(expr, planner, given) -> Expression:
    inner = _expression(expr["expr"], planner, given)
    return lambda solution, graph: not _truth(inner(solution, graph))


def _exists(expr, planner, given) -> Expression:
    # rdflib keeps the translated pattern as an attribute, the parsed one under the key.
    pattern = planner.pattern(expr.graph, given)
    negated = expr.name == "Builtin_NOTEXISTS"
    return lambda solution, graph: bool(pattern([solution], graph)) != negated


def _str(expr, planner, given) -> Expression:
    inner = _expression(expr["arg"], planner, given)

    def text(solution, graph) -> Text:
        term = _as_term(inner(solution, graph))
        if term.startswith("<"):
            return Text(term[1:-1])
        parsed = literal(term)
        if parsed is None:
            raise TermError  # a blank node has no string form
        return Text(parsed[0])

    return text


def _literal_part(written: Callable[[tuple[str, str, str]], str]) -> Callable:
    """DATATYPE and LANG: a part of a literal, written as a term; an error for anything else."""

    def build(expr, planner, given) -> Expression:
        inner = _expression(expr["arg"], planner, given)

        def part(solution, graph) -> str:
            parsed = literal(_as_term(inner(solution, graph)))
            if parsed is None:
                raise TermError
            return written(parsed)

        return part

    return build


_datatype = _literal_part(lambda parsed: f"<{parsed[1]}>")
_lang = _literal_part(lambda parsed: string_term(parsed[2]))


def _kind_test(kind: str) -> Callable:
    def build(expr, planner, given) -> Expression:
        inner = _expression(expr["arg"], planner, given)

        def test(solution, graph) -> bool:
            term = _as_term(inner(solution, graph))
            if kind == "iri":
                return term.startswith("<")
            if kind == "blank":
                return term.startswith("_:")
            return term.startswith('"')

        return test

    return build


def _bound(expr, planner, _given) -> Expression:
    name = str(expr["arg"])
    if name == THIS:
        planner.this_elsewhere = True
    return lambda solution, _graph: name in solution


def _same_term(expr, planner, given) -> Expression:
    left, right = _expression(expr["arg1"], planner, given), _expression(expr["arg2"], planner, given)
    return lambda solution, graph: _as_term(left(solution, graph)) == _as_term(right(solution, graph))


_REGEX_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


def _regex(expr, planner, given) -> Expression:
    text = _expression(expr["text"], planner, given)
    pattern, flags = expr["pattern"], _field(expr, "flags")
    if not isinstance(pattern, Literal) or (flags is not None and not isinstance(flags, Literal)):
        raise Unsupported("REGEX with a pattern that is not a constant")
    bits = 0
    for flag in str(flags or ""):
        if flag not in _REGEX_FLAGS:
            raise Unsupported(f"REGEX flag {flag}")
        bits |= _REGEX_FLAGS[flag]
    try:
        compiled = re.compile(str(pattern), bits)
    except re.error as exc:
        raise Unsupported(f"REGEX pattern {pattern}: {exc}") from exc

    def matches(solution, graph) -> bool:
        value = text(solution, graph)
        if not isinstance(value, Text):
            parsed = literal(_as_term(value))
            if parsed is None or parsed[1] not in (XSD_STRING, LANG_STRING):
                raise TermError
            value = parsed[0]
        # Searched, not anchored, as SPARQL's REGEX and the reference engine (pySHACL) do.
        return compiled.search(value) is not None

    return matches


def _function(expr, planner, given) -> Expression:
    """A cast by datatype IRI; the shapes cast to xsd:dateTime only, so only that is planned.

    As in SPARQL 1.1 (17.5), a string or dateTime whose text is not a valid date and time is an
    error, so ``xsd:dateTime(STR(?t)) = ?t`` holds exactly for well-formed times.
    """
    if str(expr["iri"]) != f"{XSD}dateTime" or len(expr["expr"]) != 1:
        raise Unsupported(f"function <{expr['iri']}>")
    inner = _expression(expr["expr"][0], planner, given)

    def cast(solution, graph) -> str:
        parsed = literal(_as_term(inner(solution, graph)))
        if parsed is None or parsed[1] not in (XSD_STRING, f"{XSD}dateTime"):
            raise TermError
        if datetime_or_none(parsed[0]) is None:
            raise TermError
        return f'"{parsed[0]}"^^<{XSD}dateTime>'

    return cast


_BUILDERS: dict[str, Callable[..., Expression]] = {
    "Function": _function,
    "RelationalExpression": _relational,
    "ConditionalAndExpression": _logical,
    "ConditionalOrExpression": _logical,
    "UnaryNot": _not,
    "Builtin_EXISTS": _exists,
    "Builtin_NOTEXISTS": _exists,
    "Builtin_STR": _str,
    "Builtin_DATATYPE": _datatype,
    "Builtin_LANG": _lang,
    "Builtin_isIRI": _kind_test("iri"),
    "Builtin_isURI": _kind_test("iri"),
    "Builtin_isBLANK": _kind_test("blank"),
    "Builtin_isLITERAL": _kind_test("literal"),
    "Builtin_BOUND": _bound,
    "Builtin_sameTerm": _same_term,
    "Builtin_REGEX": _regex,
}
