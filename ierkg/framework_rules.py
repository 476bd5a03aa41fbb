"""The framework's defined classes, compiled into rules a row of codes can be run through.

Every ``owl:equivalentClass`` definition in the release becomes an expression tree
(intersection, union, complement, named class, ``hasValue``, ``someValuesFrom`` a ``oneOf``).
A coded mechanism places the episode in its type's cell (the ``owl:allValuesFrom``
restriction on ``ierkg:isMechanismOf``) and so supplies the values that cell's definition
requires; codes that contradict them leave the episode unplaced. An episode is evaluated in
three-valued (Kleene) logic: a restriction on a dimension the row
leaves blank is *unknown*, as it is for HermiT in the open world, and a class is assigned only
when its definition is proven *true*. Each dimension property is functional with pairwise
different values (DESIGN.md "Modelling"), so a coded value other than the required one makes a
restriction *false*. tests/test_classify.py checks these rules against HermiT on every
combination of dimension values; HermiT itself never sees a user's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from .errors import IerkgError
from .namespaces import IERKG
from .resources import release_dir

# An expression: ("and", (e, ...)) | ("or", (e, ...)) | ("not", e) | ("class", iri)
#                | ("value", property, frozenset of allowed value IRIs) | ("opaque", predicates)
Expression = tuple

# The episode dimensions the definitions may read, as properties of an episode.
DIMENSIONS = (
    str(IERKG.interactionMode),
    str(IERKG.goalStatus),
    str(IERKG.goalDirection),
    str(IERKG.targetRole),
    str(IERKG.means),
    str(IERKG.processType),
)
MECHANISM = str(IERKG.mechanism)  # names a mechanism, whose type places the episode in one cell


class UnsupportedDefinition(IerkgError):
    """A class definition uses OWL the rule compiler does not evaluate."""


@dataclass
class FrameworkRules:
    """The compiled definitions of the framework's classes, and the named hierarchy."""

    root: str  # every coded row is a member of this class (ierkg:Episode)
    definitions: dict[str, Expression]
    superclasses: dict[str, set[str]]  # class -> every named superclass, from the release
    labels: dict[str, str] = field(default_factory=dict)
    # mechanism individual -> the cell its type restricts the episodes it is the mechanism of to
    mechanism_cells: dict[str, str] = field(default_factory=dict)
    # Coded datasets repeat a few dozen combinations; each is worked out once.
    _memo: dict[tuple, frozenset[str]] = field(default_factory=dict, repr=False)

    @property
    def classes(self) -> set[str]:
        """The classes an episode can be placed in: the root and every defined class."""
        return {self.root, *self.definitions}

    def classify(self, values: Mapping[str, str]) -> frozenset[str]:
        """The classes an episode with these dimension values (property -> value IRI) belongs to."""
        key = tuple(sorted(values.items()))
        members = self._memo.get(key)
        if members is None:
            values = dict(key)
            asserted = self.mechanism_cells.get(values.pop(MECHANISM, ""))
            if asserted is not None:
                # The mechanism's cell holds, and with it every value its definition requires.
                implied = self.required_values(asserted)
                if any(values.get(p, v) != v for p, v in implied.items()):
                    members = self._memo[key] = frozenset([self.root])  # contradictory codes
                    return members
                values.update(implied)
            members = self._memo[key] = _Evaluation(self, values).members()
        return members

    def required_values(self, cls: str) -> dict[str, str]:
        """The dimension values a class's definition requires outright (through intersections)."""
        required: dict[str, str] = {}
        todo = [self.definitions.get(cls)]
        while todo:
            expression = todo.pop()
            if expression is None:
                continue
            if expression[0] == "and":
                todo += list(expression[1])
            elif expression[0] == "class":
                todo.append(self.definitions.get(expression[1]))
            elif expression[0] == "value" and len(expression[2]) == 1:
                required[expression[1]] = next(iter(expression[2]))
        return required

    def conflicts(self, values: Mapping[str, str]) -> dict[str, tuple[str, str]]:
        """Dimensions whose coded value the coded mechanism's cell rules out: (coded, required)."""
        cell = self.mechanism_cells.get(values.get(MECHANISM, ""))
        if cell is None:
            return {}
        return {
            p: (values[p], v) for p, v in self.required_values(cell).items() if p in values and values[p] != v
        }

    def most_specific(self, classes: frozenset[str]) -> list[str]:
        """The classes in ``classes`` that no other member of ``classes`` is a subclass of."""
        return sorted(
            c
            for c in classes
            if not any(c in self.superclasses.get(other, set()) for other in classes if other != c)
        )


def load_rules(release: Path | None = None) -> FrameworkRules:
    """The rules of a release (default: the packaged one)."""
    return _load(str(release or release_dir()))


@cache
def _load(release: str) -> FrameworkRules:
    graph = Graph().parse(Path(release) / "ierkg.ttl", format="turtle")
    return compile_rules(graph)


def compile_rules(graph: Graph) -> FrameworkRules:
    """Compile every episode class with a definition that reads only the episode dimensions."""
    root = str(IERKG.Episode)
    superclasses: dict[str, set[str]] = {}
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            superclasses.setdefault(str(sub), set()).add(str(sup))
    superclasses = {c: _ancestors(c, superclasses) for c in superclasses}
    definitions: dict[str, Expression] = {}
    for cls, definition in graph.subject_objects(OWL.equivalentClass):
        if isinstance(cls, URIRef) and isinstance(definition, BNode):
            definitions[str(cls)] = _expression(graph, definition)
    # Only definitions about episodes are rules; a class of people, say, is not.
    definitions = {c: e for c, e in definitions.items() if _mentions_root(c, definitions, root, set())}
    for cls, expression in definitions.items():
        if not _reads_only_dimensions(expression):
            raise UnsupportedDefinition(
                f"the definition of {cls} reads more than the episode dimensions, so coded rows "
                "cannot be classified by rule; extend ierkg.framework_rules"
            )
    labels = {
        str(c): str(graph.value(c, RDFS.label))
        for c in map(URIRef, [root, *definitions])
        if graph.value(c, RDFS.label) is not None
    }
    return FrameworkRules(root, definitions, superclasses, labels, _mechanism_cells(graph))


def _mechanism_cells(graph: Graph) -> dict[str, str]:
    """Each mechanism's cell: its type's owl:allValuesFrom restriction on ierkg:isMechanismOf."""
    cells: dict[str, str] = {}
    for restriction in graph.subjects(OWL.onProperty, IERKG.isMechanismOf):
        cell = graph.value(restriction, OWL.allValuesFrom)
        if not isinstance(cell, URIRef):
            continue
        for mechanism_type in graph.subjects(RDFS.subClassOf, restriction):
            for mechanism in graph.subjects(RDF.type, mechanism_type):
                if isinstance(mechanism, URIRef):
                    cells[str(mechanism)] = str(cell)
    return cells


def _ancestors(cls: str, parents: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(parents.get(cls, ()))
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo += parents.get(parent, ())
    seen.discard(cls)
    return seen


def _expression(graph: Graph, node) -> Expression:
    if isinstance(node, URIRef):
        return ("class", str(node))
    if (members := graph.value(node, OWL.intersectionOf)) is not None:
        return ("and", tuple(_expression(graph, m) for m in Collection(graph, members)))
    if (members := graph.value(node, OWL.unionOf)) is not None:
        return ("or", tuple(_expression(graph, m) for m in Collection(graph, members)))
    if (negated := graph.value(node, OWL.complementOf)) is not None:
        return ("not", _expression(graph, negated))
    prop = graph.value(node, OWL.onProperty)
    if prop is not None and (value := graph.value(node, OWL.hasValue)) is not None:
        return ("value", str(prop), frozenset([str(value)]))
    filler = graph.value(node, OWL.someValuesFrom)
    if prop is not None and filler is not None and (one_of := graph.value(filler, OWL.oneOf)) is not None:
        return ("value", str(prop), frozenset(str(v) for v in Collection(graph, one_of)))
    return ("opaque", tuple(sorted(str(p) for p in graph.predicates(node) if p != RDF.type)))


def _reads_only_dimensions(expression: Expression) -> bool:
    kind = expression[0]
    if kind == "value":
        return expression[1] in DIMENSIONS
    if kind == "opaque":
        return False
    if kind == "class":
        return True
    if kind == "not":
        return _reads_only_dimensions(expression[1])
    return all(_reads_only_dimensions(e) for e in expression[1])


def _mentions_root(cls: str, definitions: dict[str, Expression], root: str, visiting: set[str]) -> bool:
    """Whether a definition is, through its named parts, about episodes."""
    if cls == root:
        return True
    if cls in visiting or cls not in definitions:
        return False
    visiting.add(cls)
    return any(_mentions_root(c, definitions, root, visiting) for c in _named(definitions[cls]))


def _named(expression: Expression) -> list[str]:
    kind = expression[0]
    if kind == "class":
        return [expression[1]]
    if kind in ("value", "opaque"):
        return []
    if kind == "not":
        return _named(expression[1])
    return [c for e in expression[1] for c in _named(e)]


# --- evaluation ------------------------------------------------------------------------------


class _Evaluation:
    def __init__(self, rules: FrameworkRules, values: dict[str, str]):
        self.rules = rules
        self.values = values
        self.truth: dict[str, bool | None] = {}

    def members(self) -> frozenset[str]:
        return frozenset(c for c in self.rules.classes if self.of_class(c) is True)

    def of_class(self, cls: str) -> bool | None:
        if cls == self.rules.root:
            return True
        if cls in self.truth:
            return self.truth[cls]
        self.truth[cls] = None  # a definition that reaches itself again is undecided there
        definition = self.rules.definitions.get(cls)
        result = self.of(definition) if definition is not None else None
        self.truth[cls] = result
        return result

    def of(self, expression: Expression) -> bool | None:
        kind = expression[0]
        if kind == "class":
            return self.of_class(expression[1])
        if kind == "value":
            coded = self.values.get(expression[1])
            return None if coded is None else coded in expression[2]
        if kind == "not":
            inner = self.of(expression[1])
            return None if inner is None else not inner
        results = [self.of(e) for e in expression[1]]
        if kind == "and":
            return False if False in results else (None if None in results else True)
        return True if True in results else (None if None in results else False)
