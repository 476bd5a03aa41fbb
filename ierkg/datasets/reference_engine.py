"""The reference engine: pySHACL, with the ontology as its ont_graph (so sh:class sees classes)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import RDF

from ..namespaces import SH
from ..resources import release_dir, shapes_dir
from .episodes import Chunk, to_ntriples
from .findings import rule_name
from .validation import Engine, RawResult

COMPONENTS = {
    "ClassConstraintComponent": "sh:class",
    "MinCountConstraintComponent": "sh:minCount",
    "MaxCountConstraintComponent": "sh:maxCount",
    "DatatypeConstraintComponent": "sh:datatype",
    "LessThanOrEqualsConstraintComponent": "sh:lessThanOrEquals",
    "SPARQLConstraintComponent": "SPARQL",
}


class PyShaclEngine(Engine):
    name = "pyshacl"

    def __init__(self, shapes: Path | None = None, release: Path | None = None):
        self.shapes = Graph().parse(shapes or shapes_dir() / "episodes.ttl", format="turtle")
        self.ontology = _ontology(str(release or release_dir()))

    def check(self, chunk: Chunk) -> list[RawResult]:
        with _quiet_literal_conversion():
            return self._check(chunk)

    def _check(self, chunk: Chunk) -> list[RawResult]:
        data = Graph().parse(data=to_ntriples(chunk.triples()), format="nt")
        _conforms, results, text = validate(
            data,
            shacl_graph=self.shapes,
            ont_graph=self.ontology,
            inference="none",
            advanced=True,
            allow_warnings=True,
        )
        if not isinstance(results, Graph):
            raise RuntimeError(f"pySHACL could not evaluate the shapes: {text}")
        return [_raw(results, node) for node in results.subjects(RDF.type, SH.ValidationResult)]


@contextmanager
def _quiet_literal_conversion() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal it meets; the shapes report them."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@cache
def _ontology(release: str) -> Graph:
    return Graph().parse(Path(release) / "ierkg.nt", format="nt")


def _raw(results: Graph, node) -> RawResult:
    path = results.value(node, SH.resultPath)
    value = results.value(node, SH.value)
    component = str(results.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
    return RawResult(
        focus=str(results.value(node, SH.focusNode)),
        path=str(path) if path is not None else None,
        value=str(value) if value is not None else None,
        message=str(results.value(node, SH.resultMessage)),
        severity=str(results.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
        rule=rule_name(COMPONENTS.get(component, component), str(path) if path is not None else None),
    )
