"""The fast engine: the shapes compiled to SPARQL queries and run on Oxigraph.

Every constraint the project's shapes use becomes one query that finds exactly the focus
nodes (and values) the SHACL specification says violate it. A construct the compiler does
not know stops it with an error rather than being skipped, and the differential tests
(tests/test_engines.py) demand the same results as pySHACL on the sample, gold and generated
datasets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..errors import IerkgError
from ..namespaces import SH
from ..resources import release_dir, shapes_dir
from .reference_engine import rule_name
from .validation import Engine, RawResult

XSD = "http://www.w3.org/2001/XMLSchema#"
_IGNORED = {
    RDF.type,
    SH.path,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.targetClass,
    SH.property,
    SH.sparql,
    SH.declare,
    URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
}
_CASTS = {f"{XSD}decimal", f"{XSD}dateTime", f"{XSD}integer", f"{XSD}boolean", f"{XSD}date"}


# Marker predicates the engine adds to its own private store before running the checks:
# the focus nodes of each target class, and the instances of each class sh:class names.
# Computing them once per chunk spares every query a walk up rdfs:subClassOf.
FOCUS = "urn:ierkg:engine:focus"
INSTANCE = "urn:ierkg:engine:instanceOf"
SUBCLASS_OF = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


@dataclass(frozen=True)
class CompiledConstraint:
    query: str
    message: str
    severity: str
    path: str | None  # fixed path of a property shape; SPARQL constraints may bind ?path
    component: str


def _target(classes) -> str:
    return " UNION ".join(f"{{ ?this <{FOCUS}> <{c}> }}" for c in classes)


def _markers(targets: set[str], classes: set[str]) -> list[str]:
    """SPARQL updates that add the focus and instance markers (run once per chunk)."""
    updates = [
        f"INSERT {{ ?this <{FOCUS}> <{c}> }} WHERE {{ ?this a/{SUBCLASS_OF}* <{c}> }}"
        for c in sorted(targets)
    ]
    updates += [
        f"INSERT {{ ?i <{INSTANCE}> <{c}> }} WHERE {{ ?i a/{SUBCLASS_OF}* <{c}> }}" for c in sorted(classes)
    ]
    return updates


class CompiledEngine(Engine):
    name = "oxigraph"

    def __init__(self, shapes: Path | None = None, release: Path | None = None):
        self.constraints, self.markers = compile_shapes(
            Graph().parse(shapes or shapes_dir() / "episodes.ttl", format="turtle")
        )
        self.ontology = _ontology_bytes(str(release or release_dir()))

    def check(self, ntriples_text: str) -> list[RawResult]:
        store = pyoxigraph.Store()
        store.bulk_load(input=self.ontology, format=pyoxigraph.RdfFormat.N_TRIPLES)
        store.bulk_load(input=ntriples_text.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
        for update in self.markers:
            store.update(update)
        results = []
        for constraint in self.constraints:
            for solution in store.query(constraint.query):
                path = constraint.path or _term(solution["path"])
                results.append(
                    RawResult(
                        focus=_term(solution["this"]),
                        path=path,
                        value=_term(solution["value"]),
                        message=constraint.message,
                        severity=constraint.severity,
                        rule=rule_name(constraint.component, path),
                    )
                )
        return results


@cache
def _ontology_bytes(release: str) -> bytes:
    return (Path(release) / "ierkg.nt").read_bytes()


def _term(term) -> str | None:
    return None if term is None else term.value


def compile_shapes(shapes: Graph) -> tuple[list[CompiledConstraint], list[str]]:
    """The constraints as queries, and the marker updates they rely on."""
    prefixes = _prefixes(shapes)
    compiled: list[CompiledConstraint] = []
    all_targets: set[str] = set()
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = list(shapes.objects(shape, SH.targetClass))
        if not targets:
            continue
        if any(p not in _IGNORED and p != SH.targetClass for p in shapes.predicates(shape)):
            unknown = sorted(str(p) for p in shapes.predicates(shape) if p not in _IGNORED)
            raise IerkgError(
                f"the compiled engine does not support {unknown} on {shape}; use --engine pyshacl"
            )
        all_targets |= {str(t) for t in targets}
        target = _target(targets)
        severity = _severity(shapes, shape)
        for prop_shape in shapes.objects(shape, SH.property):
            compiled += _property_constraints(shapes, prop_shape, target, severity)
        for constraint in shapes.objects(shape, SH.sparql):
            compiled.append(_sparql_constraint(shapes, constraint, target, severity, prefixes))
    classes = {str(value) for value in shapes.objects(None, SH["class"])}
    return compiled, _markers(all_targets, classes)


def _severity(shapes: Graph, shape) -> str:
    value = shapes.value(shape, SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"


def _property_constraints(shapes: Graph, shape, target: str, inherited: str) -> list[CompiledConstraint]:
    path = shapes.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise IerkgError(f"the compiled engine supports only simple property paths, not {path}")
    message = str(shapes.value(shape, SH.message))
    severity = _severity(shapes, shape) if shapes.value(shape, SH.severity) is not None else inherited
    p = f"<{path}>"
    out = []
    for predicate, value in shapes.predicate_objects(shape):
        if predicate in _IGNORED:
            continue
        if predicate == SH.minCount:
            if int(value) == 1:  # the common case, without grouping
                query = f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {p} ?v }} }}"
            else:
                query = (
                    f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?v }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(value)})"
                )
            component = "sh:minCount"
        elif predicate == SH.maxCount:
            query = (
                f"SELECT ?this WHERE {{ {target} ?this {p} ?v }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(value)})"
            )
            component = "sh:maxCount"
        elif predicate == SH["class"]:
            query = (
                f"SELECT ?this ?value WHERE {{ {target} ?this {p} ?value . FILTER NOT EXISTS "
                f"{{ ?value <{INSTANCE}> <{value}> }} }}"
            )
            component = "sh:class"
        elif predicate == SH.datatype:
            # The literal must have the datatype and a lexical form valid for it.
            well_formed = "BOUND(?cast)" if str(value) in _CASTS else "true"
            cast = f"BIND (<{value}>(?value) AS ?cast)" if str(value) in _CASTS else ""
            query = (
                f"SELECT ?this ?value WHERE {{ {target} ?this {p} ?value . {cast} "
                f"FILTER (!(isLiteral(?value) && datatype(?value) = <{value}> && {well_formed})) }}"
            )
            component = "sh:datatype"
        elif predicate == SH.lessThanOrEquals:
            query = (
                f"SELECT ?this ?value WHERE {{ {target} ?this {p} ?value . ?this <{value}> ?other . "
                f"FILTER (!COALESCE(?value <= ?other, false)) }}"
            )
            component = "sh:lessThanOrEquals"
        else:
            raise IerkgError(f"the compiled engine does not support {predicate}; use --engine pyshacl")
        out.append(CompiledConstraint(query, message, severity, str(path), component))
    return out


def _sparql_constraint(
    shapes: Graph, constraint, target: str, severity: str, prefixes: str
) -> CompiledConstraint:
    select = str(shapes.value(constraint, SH.select))
    message = str(shapes.value(constraint, SH.message))
    # $this is pre-bound to each focus node: joining the query with the target is the same.
    inner = select.replace("$this", "?this")
    projection = re.match(r"\s*SELECT\s+(.*?)\s+WHERE", inner, re.S | re.I)
    if projection is None:
        raise IerkgError(f"cannot compile the SPARQL constraint '{message}'")
    wants_path = "?path" in projection.group(1)
    wants_value = "?value" in projection.group(1)
    outer_vars = "?this" + (" ?path" if wants_path else "") + (" ?value" if wants_value else "")
    query = f"{prefixes}\nSELECT DISTINCT {outer_vars} WHERE {{ {target} {{ {inner} }} }}"
    return CompiledConstraint(query, message, severity, None, "SPARQL")


def _prefixes(shapes: Graph) -> str:
    lines = []
    for declaration in shapes.objects(None, SH.declare):
        prefix = shapes.value(declaration, SH.prefix)
        namespace = shapes.value(declaration, SH.namespace)
        lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines)))
