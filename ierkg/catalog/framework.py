"""The 2x2 map of Zaki and Williams (2013), drawn from the ontology's own definitions.

The two cuts are named classes (intrinsic / extrinsic interpersonal regulation, response-
dependent / independent regulation); a cell is a class defined as the intersection of one of
each; a mechanism belongs to a cell when its type says ``isMechanismOf only <cell>``; a row's
target role is the ``targetRole value <role>`` in its definition. Nothing about the map is
written here except which classes are the two cuts. ``placement`` puts entities on the map.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph

from ..namespaces import IERKG
from .expressions import rdf_list
from .graph import OWL, SKOS, SUBCLASS, TYPE, ReleaseGraph

ROWS = (str(IERKG.IntrinsicInterpersonalRegulation), str(IERKG.ExtrinsicInterpersonalRegulation))
COLUMNS = (str(IERKG.ResponseDependentRegulation), str(IERKG.ResponseIndependentRegulation))
IS_MECHANISM_OF = str(IERKG.isMechanismOf)
TARGET_ROLE = str(IERKG.targetRole)


@dataclass
class Cell:
    iri: str
    label: str
    definition: str | None
    row: str
    column: str
    mechanism_types: list[str] = field(default_factory=list)
    mechanisms: list[tuple[str, str]] = field(default_factory=list)  # (iri, label) of individuals


@dataclass
class FrameworkMap:
    rows: list[tuple[str, str]]  # (class IRI, label)
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    row_of_role: dict[str, str] = field(default_factory=dict)  # target role value -> row class

    def cell(self, row: str, column: str) -> Cell | None:
        return self.cells.get((row, column))

    def cell_by_iri(self, iri: str) -> Cell | None:
        return next((cell for cell in self.cells.values() if cell.iri == iri), None)

    def cell_of_mechanism_type(self, cls: str) -> Cell | None:
        return next((cell for cell in self.cells.values() if cls in cell.mechanism_types), None)


def build_map(graph: ReleaseGraph) -> FrameworkMap:
    cells: dict[tuple[str, str], Cell] = {}
    for statement in [
        s for s in graph.into.get(pyoxigraph.NamedNode(f"{OWL}Class"), []) if s.predicate == TYPE
    ]:
        cls = statement.subject
        if not isinstance(cls, pyoxigraph.NamedNode):
            continue
        for expression in graph.values(cls, f"{OWL}equivalentClass"):
            members = graph.value(expression, f"{OWL}intersectionOf")
            if members is None:
                continue
            named = {m.value for m in rdf_list(graph, members) if isinstance(m, pyoxigraph.NamedNode)}
            row, column = named & set(ROWS), named & set(COLUMNS)
            if len(named) == 2 and len(row) == 1 and len(column) == 1:
                key = (row.pop(), column.pop())
                cells[key] = Cell(cls.value, graph.label(cls), graph.text(cls, f"{SKOS}definition"), *key)
    by_iri = {cell.iri: cell for cell in cells.values()}
    for restriction_use in graph.into.get(pyoxigraph.NamedNode(IS_MECHANISM_OF), []):
        restriction = restriction_use.subject
        if restriction_use.predicate != f"{OWL}onProperty":
            continue
        target = graph.value(restriction, f"{OWL}allValuesFrom")
        if not isinstance(target, pyoxigraph.NamedNode) or target.value not in by_iri:
            continue
        for use in graph.into.get(restriction, []):
            if use.predicate == SUBCLASS and isinstance(use.subject, pyoxigraph.NamedNode):
                by_iri[target.value].mechanism_types.append(use.subject.value)
    for cell in cells.values():
        found = set()
        for mechanism_type in cell.mechanism_types:
            for use in graph.into.get(pyoxigraph.NamedNode(mechanism_type), []):
                if use.predicate == TYPE and isinstance(use.subject, pyoxigraph.NamedNode):
                    found.add((use.subject.value, graph.label(use.subject)))
        cell.mechanisms = sorted(found, key=lambda item: item[1].lower())
        cell.mechanism_types.sort()
    return FrameworkMap(
        [(iri, graph.label(pyoxigraph.NamedNode(iri))) for iri in ROWS],
        [(iri, graph.label(pyoxigraph.NamedNode(iri))) for iri in COLUMNS],
        cells,
        {role: row for row in ROWS for role in _values_required(graph, row, TARGET_ROLE)},
    )


def _values_required(graph: ReleaseGraph, cls: str, prop: str) -> list[str]:
    """The values ``prop value <v>`` inside the class's definition as an intersection."""
    found = []
    for expression in graph.values(pyoxigraph.NamedNode(cls), f"{OWL}equivalentClass"):
        members = graph.value(expression, f"{OWL}intersectionOf")
        for member in rdf_list(graph, members) if members is not None else []:
            on = graph.value(member, f"{OWL}onProperty")
            value = graph.value(member, f"{OWL}hasValue")
            if on == pyoxigraph.NamedNode(prop) and isinstance(value, pyoxigraph.NamedNode):
                found.append(value.value)
    return found
