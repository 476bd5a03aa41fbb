"""Exceptions whose messages a user can act on.

The CLI turns every :class:`IerkgError` into exit status 2 and prints its message;
the web layer turns them into HTTP 4xx. Nothing below the edge prints tracebacks.
"""

from __future__ import annotations


class IerkgError(Exception):
    """Base class for errors caused by input or environment, not by a bug."""


class SourceSyntaxError(IerkgError):
    """An RDF source file cannot be parsed."""

    def __init__(self, path: str, line: int | None, column: int | None, message: str):
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        where = path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: syntax error: {message}")


class QualityCheckError(IerkgError):
    """The ontology sources break one or more rules of ``shapes/ontology-qc.ttl``."""

    def __init__(self, problems: list):
        self.problems = problems
        lines = [f"{len(problems)} quality-check problem(s) in the ontology sources:"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class ReasonerError(IerkgError):
    """HermiT finds the ontology inconsistent, or some classes unsatisfiable, or cannot run."""
