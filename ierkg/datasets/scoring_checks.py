"""Run shapes/instruments.ttl over questionnaire responses, with pySHACL or compiled to Oxigraph.

pySHACL is the reference engine, but it evaluates a SPARQL constraint once per respondent and
needs about a tenth of a second for each. The compiled engine runs each constraint once over all
respondents on Oxigraph (milliseconds); tests/test_scoring.py demands identical results from
both. A construct the compiler does not know stops it with an error rather than being skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..errors import IerkgError
from ..namespaces import IERKG, SH
from ..resources import shapes_dir

IQ = Namespace("https://w3id.org/ierkg/shapes/instruments#")
ENGINES = ("compiled", "pyshacl")


@dataclass(frozen=True)
class Iri:
    value: str


Term = Iri | int | str  # an IRI, an xsd:integer, or a plain string literal
Triple = tuple[str, str, Term]


@dataclass(frozen=True, order=True)
class CheckResult:
    focus: str
    path: str | None
    rule: str  # the named shape, e.g. RatingWithinScale
    severity: str  # Violation | Warning | Info
    message: str


def instrument_shapes() -> Path:
    return shapes_dir() / "instruments.ttl"


def check(triples: list[Triple], engine: str = "compiled", shapes: Path | None = None) -> list[CheckResult]:
    """Validate response triples against the instrument shapes with the named engine."""
    shapes_path = str(shapes or instrument_shapes())
    if engine == "pyshacl":
        return sorted(_pyshacl(triples, shapes_path))
    if engine == "compiled":
        return sorted(_compiled(triples, shapes_path))
    raise IerkgError(f"unknown engine '{engine}'; use {' or '.join(ENGINES)}")


# --- pySHACL, the reference --------------------------------------------------------------------


def _pyshacl(triples: list[Triple], shapes: str) -> list[CheckResult]:
    data = Graph()
    for subject, predicate, obj in triples:
        data.add((URIRef(subject), URIRef(predicate), _rdflib_term(obj)))
    _conforms, results, text = validate(data, shacl_graph=_shapes_graph(shapes), allow_warnings=True)
    if not isinstance(results, Graph):
        raise IerkgError(f"pySHACL could not evaluate the instrument shapes: {text}")
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        path = results.value(result, SH.resultPath)
        found.append(
            CheckResult(
                focus=str(results.value(result, SH.focusNode)),
                path=str(path) if path is not None else None,
                rule=_local(results.value(result, SH.sourceShape)),
                severity=_local(results.value(result, SH.resultSeverity)),
                message=str(results.value(result, SH.resultMessage)),
            )
        )
    return found


def _rdflib_term(term: Term):
    if isinstance(term, Iri):
        return URIRef(term.value)
    return Literal(term)  # an int becomes xsd:integer, a str a plain literal


@cache
def _shapes_graph(path: str) -> Graph:
    return Graph().parse(path, format="turtle")


def _local(node) -> str:
    return re.split(r"[#/]", str(node))[-1]


# --- compiled to SPARQL on Oxigraph ------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    rule: str
    severity: str
    message: str
    sparql: str  # selects ?this and, where the constraint gives them, ?path


_SHAPE_KEYS = {
    RDF.type,
    RDFS.comment,
    SH.targetClass,
    SH.severity,
    SH.message,
    SH.sparql,
    SH.path,
    SH.minCount,
}


@cache
def compile_shapes(path: str) -> tuple[_Query, ...]:
    """One SPARQL query per constraint, each over every focus node at once."""
    shapes = _shapes_graph(path)
    prefixes = "\n".join(
        sorted(
            f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>"
            for d in shapes.objects(None, SH.declare)
        )
    )
    queries = []
    for shape in sorted(set(shapes.subjects(SH.targetClass, None)), key=str):
        unknown = sorted(str(p) for p in shapes.predicates(shape) if p not in _SHAPE_KEYS)
        if unknown:
            raise IerkgError(
                f"the compiled engine does not support {unknown} on {shape}; use --engine pyshacl"
            )
        targets = " UNION ".join(
            f"{{ ?this a <{t}> }}" for t in sorted(map(str, shapes.objects(shape, SH.targetClass)))
        )
        severity = _local(shapes.value(shape, SH.severity) or SH.Violation)
        rule = _local(shape)
        count = shapes.value(shape, SH.minCount)
        if count is not None:
            prop = shapes.value(shape, SH.path)
            if not isinstance(prop, URIRef):
                raise IerkgError(
                    f"the compiled engine supports only simple paths, not {prop}; use --engine pyshacl"
                )
            sparql = (
                f"SELECT ?this (<{prop}> AS ?path) WHERE {{ {{ {targets} }} "
                f"OPTIONAL {{ ?this <{prop}> ?v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(count)})"
            )
            queries.append(_Query(rule, severity, str(shapes.value(shape, SH.message)), sparql))
        for constraint in shapes.objects(shape, SH.sparql):
            inner = str(shapes.value(constraint, SH.select)).replace("$this", "?this")
            # $this is pre-bound to each focus node: joining with all focus nodes is the same.
            sparql = f"{prefixes}\nSELECT DISTINCT * WHERE {{ {{ {targets} }} {{ {inner} }} }}"
            queries.append(_Query(rule, severity, str(shapes.value(constraint, SH.message)), sparql))
    return tuple(queries)


def _compiled(triples: list[Triple], shapes: str) -> list[CheckResult]:
    store = pyoxigraph.Store()
    store.extend(
        pyoxigraph.Quad(pyoxigraph.NamedNode(s), pyoxigraph.NamedNode(p), _oxigraph_term(o))
        for s, p, o in triples
    )
    found = []
    for query in compile_shapes(shapes):
        solutions = store.query(query.sparql)
        has_path = "path" in {v.value for v in solutions.variables}
        for solution in solutions:
            path = solution["path"] if has_path else None
            found.append(
                CheckResult(
                    focus=solution["this"].value,
                    path=path.value if path is not None else None,
                    rule=query.rule,
                    severity=query.severity,
                    message=query.message,
                )
            )
    return found


_INTEGER = pyoxigraph.NamedNode(str(XSD.integer))


def _oxigraph_term(term: Term):
    if isinstance(term, Iri):
        return pyoxigraph.NamedNode(term.value)
    if isinstance(term, int):
        return pyoxigraph.Literal(str(term), datatype=_INTEGER)
    return pyoxigraph.Literal(term)


# --- the data ----------------------------------------------------------------------------------


def response_set_triples(
    base: str, instrument: str, items: Iterable[int], low: int, high: int
) -> list[Triple]:
    """What the whole data set shares: the questionnaire, its items and its response scale."""
    triples: list[Triple] = [
        (base, str(RDF.type), Iri(str(IQ.ResponseSet))),
        (base, str(IQ.instrument), Iri(instrument)),
        (base, str(IERKG.responseScaleMinimum), low),
        (base, str(IERKG.responseScaleMaximum), high),
    ]
    triples += [(base, str(IQ.expectsItem), Iri(item_property(base, n))) for n in items]
    return triples


def response_triples(base: str, row: int, identifier: str, ratings: dict[int, int | str]) -> list[Triple]:
    """One respondent's row; an empty id or an unanswered item gives no triple."""
    node = response_node(base, row)
    triples: list[Triple] = [
        (node, str(RDF.type), Iri(str(IQ.Response))),
        (node, str(IQ.inResponseSet), Iri(base)),
    ]
    if identifier:
        triples.append((node, str(DCTERMS.identifier), identifier))
    triples += [(node, item_property(base, n), value) for n, value in ratings.items()]
    return triples


def response_node(base: str, row: int) -> str:
    return f"{base}row/{row}"


def item_property(base: str, number: int) -> str:
    return f"{base}item/{number}"
