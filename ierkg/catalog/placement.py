"""Where an entity sits in the 2x2 of Zaki and Williams (2013), why, and on whose authority.

A cell, and a subclass of one, sits in that cell; a mechanism sits in the cell its type is
restricted to (``isMechanismOf only <cell>``). A strategy is placed one axis at a time, each
from a statement the sources make: its row from ``regulatesFeelingsOf`` (the target role that
a row's definition requires), its column from ``requiresResponse`` (response-dependent).
Under OWL's open world an axis no statement settles is unknown, so a strategy with a row and
no column is placed on that row only, never in the other column. Intrapersonal strategies lie
outside the map, which is a map of interpersonal regulation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph

from ..namespaces import IERKG
from .framework import IS_MECHANISM_OF, Cell, FrameworkMap
from .graph import DCTERMS, SUBCLASS, TYPE, ReleaseGraph

CELL = "cell"  # row and column both known
ROW = "row"  # the row is known, the column is not stated
COLUMN = "column"  # the column is known, the row is not stated
UNPLACED = "unplaced"  # the sources settle neither, or not even whether it is interpersonal
OUTSIDE = "outside"  # intrapersonal: not on the map at all

STRATEGY = str(IERKG.RegulationStrategy)
INTERPERSONAL = str(IERKG.InterpersonalStrategy)
INTRAPERSONAL = str(IERKG.IntrapersonalStrategy)
REGULATES_FEELINGS_OF = str(IERKG.regulatesFeelingsOf)
REQUIRES_RESPONSE = str(IERKG.requiresResponse)
# Needing a particular reply is what the response-dependent column's definition asks for.
RESPONSE_DEPENDENT = str(IERKG.ResponseDependentRegulation)

# (subject, predicate IRI, object) -> the references its owl:Axiom annotations cite.
EvidenceIndex = Mapping[tuple, list[str]]

_WORDS = {TYPE: "is an instance of", SUBCLASS: "is a subclass of"}


@dataclass(frozen=True)
class PlacingStatement:
    """One statement that places an entity, and the references behind it."""

    subject: str
    predicate: str
    wording: str  # the predicate in words, as the page reads it
    value: str
    sources: tuple[str, ...] = ()
    # "statement": an owl:Axiom on this very statement cites the sources; "definition": the
    # statement is part of the subject's definition, and they are that definition's sources.
    cited_for: str = "statement"


@dataclass(frozen=True)
class Placement:
    kind: str  # CELL, ROW, COLUMN, UNPLACED or OUTSIDE
    summary: str  # where it sits, in one sentence
    reason: str  # why, in words
    row: str | None = None
    column: str | None = None
    cell: str | None = None
    statements: tuple[PlacingStatement, ...] = ()

    @property
    def sources(self) -> list[str]:
        """Every reference behind the placement, in order, once."""
        return list(dict.fromkeys(ref for s in self.statements for ref in s.sources))


class MapPlacer:
    """Places cells, their subclasses, mechanisms and strategies on the framework's map."""

    def __init__(self, graph: ReleaseGraph, framework: FrameworkMap, evidence: EvidenceIndex):
        self.graph = graph
        self.framework = framework
        self.evidence = evidence

    def place(self, iri: str) -> Placement | None:
        """Where the entity sits, or None for an entity the map is not about (a disorder, say)."""
        node = pyoxigraph.NamedNode(iri)
        return (
            self._as_cell(iri)
            or self._as_subclass_of_cell(iri)
            or self._as_mechanism_type(iri)
            or self._as_mechanism(node)
            or self._as_strategy(node)
        )

    # --- cells and mechanisms --------------------------------------------------------------------

    def _as_cell(self, iri: str) -> Placement | None:
        cell = self.framework.cell_by_iri(iri)
        if cell is None:
            return None
        statements = [
            self._defining(iri, SUBCLASS, axis)
            for axis in (cell.row, cell.column)
            if axis in self.graph.parents(iri)
        ]
        reason = (
            f"{self._sentence(iri)} is one of the four cells: by its definition it is both "
            f"{self._label(cell.row)} and {self._label(cell.column)}."
        )
        return _in_cell(cell, "This is a cell of the map.", reason, statements)

    def _as_subclass_of_cell(self, iri: str) -> Placement | None:
        cells = [c for a in sorted(self.graph.ancestors(iri) - {iri}) if (c := self.framework.cell_by_iri(a))]
        if not cells:
            return None
        cell = cells[0]
        reason = f"{self._sentence(iri)} is a subclass of {cell.label}."
        return _in_cell(
            cell, f"It belongs to {cell.label}.", reason, [self._defining(iri, SUBCLASS, cell.iri)]
        )

    def _as_mechanism_type(self, iri: str) -> Placement | None:
        found = self._mechanism_type_of(iri)
        if found is None:
            return None
        cell, statements = found
        reason = (
            f"By its definition, every {self._label(iri)} is a mechanism of {cell.label} only, "
            "so its mechanisms belong to that cell."
        )
        return _in_cell(cell, f"Its mechanisms belong to {cell.label}.", reason, statements)

    def _as_mechanism(self, node: pyoxigraph.NamedNode) -> Placement | None:
        for cls in sorted(self.graph.types(node)):
            found = self._mechanism_type_of(cls)
            if found is not None:
                cell, statements = found
                reason = (
                    f"{self._sentence(node.value)} is {_a(self._label(cls))}, and every mechanism of "
                    f"that type is a mechanism of {cell.label} only."
                )
                typed = self._stated(node, TYPE, cls)
                return _in_cell(cell, f"It belongs to {cell.label}.", reason, [typed, *statements])
        return None

    def _mechanism_type_of(self, cls: str) -> tuple[Cell, list[PlacingStatement]] | None:
        """The cell a class of mechanisms is restricted to, and the definitions that say so."""
        for ancestor in sorted(self.graph.ancestors(cls)):
            cell = self.framework.cell_of_mechanism_type(ancestor)
            if cell is not None:
                only = self._defining(
                    ancestor, IS_MECHANISM_OF, cell.iri, f"{self._label(IS_MECHANISM_OF)} only"
                )
                chain = [self._defining(cls, SUBCLASS, ancestor)] if ancestor != cls else []
                return cell, [*chain, only]
        return None

    # --- strategies ------------------------------------------------------------------------------

    def _as_strategy(self, node: pyoxigraph.NamedNode) -> Placement | None:
        if not self.graph.is_a(node, STRATEGY):
            return None
        if self.graph.is_a(node, INTERPERSONAL):
            return self._interpersonal(node)
        if self.graph.is_a(node, INTRAPERSONAL):
            return self._intrapersonal(node)
        return self._kind_not_stated(node)

    def _interpersonal(self, node: pyoxigraph.NamedNode) -> Placement:
        row_statements = self._statements(node, REGULATES_FEELINGS_OF, self.framework.row_of_role)
        column_statements = self._statements(node, REQUIRES_RESPONSE)
        rows = sorted({self.framework.row_of_role[s.value] for s in row_statements})
        row = rows[0] if len(rows) == 1 else None
        column = RESPONSE_DEPENDENT if column_statements else None
        cell = self.framework.cell(row, column) if row and column else None
        membership = (
            f"{self._sentence(node.value)} is {_a(self._label(INTERPERSONAL))}, so it belongs on the map."
        )
        reason = " ".join(
            (membership, self._row_reason(rows, row_statements), self._column_reason(column_statements))
        )
        return Placement(
            kind=CELL if cell else ROW if row else COLUMN if column else UNPLACED,
            summary=self._interpersonal_summary(row, column, cell),
            reason=reason,
            row=row,
            column=column,
            cell=cell.iri if cell else None,
            statements=(self._typed(node, INTERPERSONAL), *row_statements, *column_statements),
        )

    def _intrapersonal(self, node: pyoxigraph.NamedNode) -> Placement:
        reason = (
            f"{self._sentence(node.value)} is {_a(self._label(INTRAPERSONAL))}, and the 2×2 maps "
            "interpersonal regulation only, so it has no cell there."
        )
        return Placement(
            OUTSIDE, "It lies outside the 2×2.", reason, statements=(self._typed(node, INTRAPERSONAL),)
        )

    def _kind_not_stated(self, node: pyoxigraph.NamedNode) -> Placement:
        reason = (
            f"{self._sentence(node.value)} is {_a(self._label(STRATEGY))}, but the sources do not say "
            f"whether it is {_a(self._label(INTERPERSONAL))} or {_a(self._label(INTRAPERSONAL))}, "
            "so whether it belongs on the map is not stated."
        )
        summary = "The sources do not place it in the 2×2."
        return Placement(UNPLACED, summary, reason, statements=(self._typed(node, STRATEGY),))

    def _interpersonal_summary(self, row: str | None, column: str | None, cell: Cell | None) -> str:
        if cell is not None:
            return f"It belongs to {cell.label}."
        if row is not None:
            return f"It belongs to the row {self._label(row)}; the sources do not place it in a column."
        if column is not None:
            return f"It belongs to the column {self._label(column)}; the sources do not place it in a row."
        return "It belongs on the map, but the sources place it in neither a row nor a column."

    def _row_reason(self, rows: list[str], statements: list[PlacingStatement]) -> str:
        if len(rows) == 1:
            return f"Its row is {self._label(rows[0])}, from {self._quoted(statements)}."
        if rows:
            return f"Its row is not settled: {self._quoted(statements)} name more than one row."
        unstated = self._label(REGULATES_FEELINGS_OF)
        return f"Its row is not stated: the sources make no statement “{unstated}” about it."

    def _column_reason(self, statements: list[PlacingStatement]) -> str:
        if statements:
            return f"Its column is {self._label(RESPONSE_DEPENDENT)}, from {self._quoted(statements)}."
        others = " or ".join(label for iri, label in self.framework.columns if iri != RESPONSE_DEPENDENT)
        return (
            f"Its column is not stated: the sources make no statement “{self._label(REQUIRES_RESPONSE)}” "
            f"about it, and that silence does not make it {others}."
        )

    # --- statements and words --------------------------------------------------------------------

    def _statements(
        self, node: pyoxigraph.NamedNode, predicate: str, allowed: Iterable[str] | None = None
    ) -> list[PlacingStatement]:
        """The entity's named values of ``predicate`` (only ``allowed`` ones), each with its evidence."""
        values = sorted(
            v.value for v in self.graph.values(node, predicate) if isinstance(v, pyoxigraph.NamedNode)
        )
        return [self._stated(node, predicate, v) for v in values if allowed is None or v in allowed]

    def _typed(self, node: pyoxigraph.NamedNode, cls: str) -> PlacingStatement:
        """The type statement that makes the entity a member of ``cls``: ``cls`` itself if asserted."""
        types = sorted(t for t in self.graph.types(node) if cls in self.graph.ancestors(t))
        return self._stated(node, TYPE, cls if cls in types else types[0])

    def _stated(self, node: pyoxigraph.NamedNode, predicate: str, value: str) -> PlacingStatement:
        sources = tuple(sorted(self.evidence.get((node, predicate, pyoxigraph.NamedNode(value)), ())))
        return PlacingStatement(node.value, predicate, self._wording(predicate), value, sources)

    def _defining(self, iri: str, predicate: str, value: str, wording: str | None = None) -> PlacingStatement:
        sources = tuple(
            ref.value
            for ref in self.graph.values(pyoxigraph.NamedNode(iri), f"{DCTERMS}source")
            if isinstance(ref, pyoxigraph.NamedNode)
        )
        return PlacingStatement(
            iri, predicate, wording or self._wording(predicate), value, sources, "definition"
        )

    def _wording(self, predicate: str) -> str:
        return _WORDS.get(predicate) or self._label(predicate)

    def _quoted(self, statements: list[PlacingStatement]) -> str:
        quoted = [f"the statement “{s.wording}: {self._label(s.value)}”" for s in statements]
        return " and ".join(quoted)

    def _label(self, iri: str) -> str:
        return self.graph.label(pyoxigraph.NamedNode(iri))

    def _sentence(self, iri: str) -> str:
        """The label, capitalised to open a sentence."""
        label = self._label(iri)
        return label[:1].upper() + label[1:]


def _in_cell(cell: Cell, summary: str, reason: str, statements: list[PlacingStatement]) -> Placement:
    return Placement(CELL, summary, reason, cell.row, cell.column, cell.iri, tuple(statements))


def _a(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"
