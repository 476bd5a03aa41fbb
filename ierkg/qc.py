"""Check the ontology sources against ``shapes/ontology-qc.ttl`` and list every problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from .errors import IerkgError
from .namespaces import SH, curie

Locator = Callable[[str], "str | None"]


@dataclass(frozen=True, order=True)
class QCProblem:
    """One broken rule for one resource, phrased for the person editing the Turtle."""

    location: str
    focus: str
    message: str
    severity: str = "Violation"
    path: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        on = f" [{self.path}]" if self.path else ""
        return f"{where}{self.focus}{on}: {self.message}"


def check_ontology(graph: Graph, shapes_file: Path, locate: Locator | None = None) -> list[QCProblem]:
    """Validate ``graph`` with the QC shapes; return every result, violations and warnings."""
    shapes = Graph().parse(shapes_file, format="turtle")
    _conforms, results, text = validate(
        data_graph=graph,
        shacl_graph=shapes,
        advanced=True,  # SPARQL-based targets select the entities ierkg mints
        inference="none",
        allow_warnings=True,
    )
    if not isinstance(results, Graph):  # pySHACL reports a broken shape this way, not by raising
        raise IerkgError(f"{shapes_file}: the QC shapes could not be evaluated: {text.strip()}")
    return sorted(_problems_from(results, locate or (lambda _iri: None)))


def violations(problems: list[QCProblem]) -> list[QCProblem]:
    return [p for p in problems if p.severity == "Violation"]


def _problems_from(results: Graph, locate: Locator) -> list[QCProblem]:
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        problems.append(
            QCProblem(
                location=locate(str(focus)) or "",
                focus=_short(focus),
                message=_shorten_iris(str(message)) if message is not None else "breaks a QC rule",
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                path=_short(path) if isinstance(path, URIRef) else None,
                value=_short(value) if value is not None else None,
            )
        )
    return problems


def _shorten_iris(message: str) -> str:
    """SHACL substitutes full IRIs into messages; show them as CURIEs like the focus node."""

    def shorten(match: re.Match) -> str:
        short = curie(match.group(0))
        return match.group(0) if short.startswith("<") else short

    return _IRI_IN_TEXT.sub(shorten, message)


_IRI_IN_TEXT = re.compile(r"https?://[^\s\"'<>{}]+")


def _short(term) -> str:
    if isinstance(term, URIRef):
        return curie(str(term))
    if isinstance(term, Literal):
        return repr(str(term))
    return str(term)
