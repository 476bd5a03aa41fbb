"""A validation finding, in the terms of the spreadsheet the user coded."""

from __future__ import annotations

from dataclasses import dataclass

from ..namespaces import curie

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem (or note) about one cell: file, row, column, value, rule and severity."""

    file: str
    row: int | None  # None for RDF input, where `node` locates it instead
    column: str
    value: str
    message: str
    severity: str
    rule: str  # the shape or constraint that produced it
    node: str = ""  # the focus node's IRI

    @property
    def is_problem(self) -> bool:
        return self.severity in ("Violation", "Warning")

    def location(self) -> str:
        where = self.file + (f":{self.row}" if self.row is not None else f" <{self.node}>")
        return f"{where}:{self.column}" if self.column else where


def rule_name(component: str, path: str | None) -> str:
    """How every engine names a rule: its constraint component and the property it concerns."""
    return f"{component} on {curie(path)}" if path else component
