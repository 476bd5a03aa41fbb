"""The release as an in-memory index, by subject and by object, read through a store.

The release is small (thousands of triples) and never changes while the service runs, so it is
read once, with one CONSTRUCT through the store interface, and every page is drawn from this
index: a page costs no query, and the same code serves an embedded or a remote store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph

from ..namespaces import IERKG, ONTOLOGY_IRI, REF

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
BIBO = "http://purl.org/ontology/bibo/"
TYPE = f"{RDF}type"
LABEL = f"{RDFS}label"
SUBCLASS = f"{RDFS}subClassOf"

Node = pyoxigraph.NamedNode | pyoxigraph.BlankNode
Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


@dataclass(frozen=True)
class Statement:
    subject: Node
    predicate: str
    object: Term


class ReleaseGraph:
    """Triples by subject and by object, with labels and the class hierarchy at hand."""

    def __init__(self, triples: Iterable[pyoxigraph.Triple]):
        self.out: dict[Node, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[Term, list[Statement]] = defaultdict(list)
        self.size = 0
        for triple in triples:
            predicate = triple.predicate.value
            self.out[triple.subject][predicate].append(triple.object)
            self.into[triple.object].append(Statement(triple.subject, predicate, triple.object))
            self.size += 1
        self._ancestors: dict[str, set[str]] = {}

    # --- reading -------------------------------------------------------------------------------

    def values(self, node: Node, predicate: str) -> list[Term]:
        props = self.out.get(node)
        return props.get(predicate, []) if props else []

    def value(self, node: Node, predicate: str) -> Term | None:
        found = self.values(node, predicate)
        return found[0] if found else None

    def text(self, node: Node, predicate: str, language: str = "en") -> str | None:
        """A literal value, preferring ``language``, then no language, then any."""
        literals = [v for v in self.values(node, predicate) if isinstance(v, pyoxigraph.Literal)]
        for wanted in (language, None):
            for literal in literals:
                if (literal.language or None) == wanted:
                    return literal.value
        return literals[0].value if literals else None

    def texts(self, node: Node, predicate: str) -> list[str]:
        return sorted({v.value for v in self.values(node, predicate) if isinstance(v, pyoxigraph.Literal)})

    def label(self, node: Term) -> str:
        if isinstance(node, pyoxigraph.Literal):
            return node.value
        found = self.text(node, LABEL) if node in self.out else None
        if found:
            return found
        return local_name(node.value) if isinstance(node, pyoxigraph.NamedNode) else "(anonymous)"

    def types(self, node: Node) -> list[str]:
        return [t.value for t in self.values(node, TYPE) if isinstance(t, pyoxigraph.NamedNode)]

    def named_subjects(self) -> list[pyoxigraph.NamedNode]:
        return [s for s in self.out if isinstance(s, pyoxigraph.NamedNode)]

    # --- the class hierarchy -------------------------------------------------------------------

    def parents(self, cls: str) -> list[str]:
        return [
            p.value
            for p in self.values(pyoxigraph.NamedNode(cls), SUBCLASS)
            if isinstance(p, pyoxigraph.NamedNode)
        ]

    def children(self, cls: str) -> list[str]:
        return [
            s.subject.value
            for s in self.into.get(pyoxigraph.NamedNode(cls), [])
            if s.predicate == SUBCLASS and isinstance(s.subject, pyoxigraph.NamedNode)
        ]

    def ancestors(self, cls: str) -> set[str]:
        """The class and every named superclass (the release holds the inferred hierarchy)."""
        found = self._ancestors.get(cls)
        if found is None:
            found, stack = {cls}, [cls]
            while stack:
                for parent in self.parents(stack.pop()):
                    if parent not in found:
                        found.add(parent)
                        stack.append(parent)
            self._ancestors[cls] = found
        return found

    def is_a(self, node: Node, cls: str) -> bool:
        return any(cls in self.ancestors(t) for t in self.types(node))


def local_name(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri:
            tail = iri.rsplit(separator, 1)[1]
            if tail:
                return tail
    return iri


def is_entity(iri: str) -> bool:
    """An IRI with a page here: ierkg's terms and bibliographic records, not the ontology itself."""
    return iri.startswith(str(IERKG)) and iri != str(ONTOLOGY_IRI) and not iri.startswith(f"{ONTOLOGY_IRI}/")


def is_reference(iri: str) -> bool:
    return iri.startswith(str(REF))


def is_deprecated(graph: ReleaseGraph, node: pyoxigraph.NamedNode) -> bool:
    """Whether the release retires the term (owl:deprecated true, in any xsd:boolean spelling)."""
    return any(
        isinstance(flag, pyoxigraph.Literal) and flag.value.strip() in ("true", "1")
        for flag in graph.values(node, f"{OWL}deprecated")
    )
