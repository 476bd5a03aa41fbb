"""OWL class expressions written in words (Manchester syntax), for pages people read."""

from __future__ import annotations

import pyoxigraph

from .graph import OWL, RDF, ReleaseGraph

_RESTRICTIONS = (
    ("someValuesFrom", "some"),
    ("allValuesFrom", "only"),
    ("hasValue", "value"),
    ("minQualifiedCardinality", "min"),
    ("maxQualifiedCardinality", "max"),
    ("qualifiedCardinality", "exactly"),
    ("minCardinality", "min"),
    ("maxCardinality", "max"),
    ("cardinality", "exactly"),
)


def render(graph: ReleaseGraph, node, depth: int = 0) -> list:
    """An expression as a list of parts: plain strings and IRIs (``("iri", value)``) to link."""
    if isinstance(node, pyoxigraph.NamedNode):
        return [("iri", node.value)]
    if isinstance(node, pyoxigraph.Literal):
        return [f'"{node.value}"']
    if depth > 12:  # the release's expressions are shallow; this guards against a cycle
        return ["…"]
    for key, word in (("intersectionOf", "and"), ("unionOf", "or")):
        members = graph.value(node, f"{OWL}{key}")
        if members is not None:
            return _joined([render(graph, m, depth + 1) for m in rdf_list(graph, members)], word)
    members = graph.value(node, f"{OWL}oneOf")
    if members is not None:
        return ["{", *_joined([render(graph, m, depth + 1) for m in rdf_list(graph, members)], ","), "}"]
    complement = graph.value(node, f"{OWL}complementOf")
    if complement is not None:
        return ["not (", *render(graph, complement, depth + 1), ")"]
    prop = graph.value(node, f"{OWL}onProperty")
    if prop is not None:
        for key, word in _RESTRICTIONS:
            filler = graph.value(node, f"{OWL}{key}")
            if filler is None:
                continue
            if "ardinality" in key:
                qualifier = graph.value(node, f"{OWL}onClass")
                tail = render(graph, qualifier, depth + 1) if qualifier is not None else []
                return [*render(graph, prop, depth + 1), f" {word} {filler.value} ", *tail]
            return [*render(graph, prop, depth + 1), f" {word} ", *_grouped(render(graph, filler, depth + 1))]
    return ["(an expression this page cannot show; see the Turtle)"]


def rdf_list(graph: ReleaseGraph, node) -> list:
    items, seen = [], set()
    while node is not None and node not in seen and node != pyoxigraph.NamedNode(f"{RDF}nil"):
        seen.add(node)
        first = graph.value(node, f"{RDF}first")
        if first is not None:
            items.append(first)
        node = graph.value(node, f"{RDF}rest")
    return items


def _joined(parts: list[list], word: str) -> list:
    out: list = []
    for index, part in enumerate(parts):
        if index:
            out.append(f" {word} " if word != "," else ", ")
        out += _grouped(part) if word != "," else part
    return out


def _grouped(part: list) -> list:
    """Brackets around a compound part, so 'a and (b or c)' reads right."""
    compound = any(
        isinstance(p, str) and (" and " in p or " or " in p or " some " in p or " only " in p) for p in part
    )
    return ["(", *part, ")"] if compound and len(part) > 1 else part
