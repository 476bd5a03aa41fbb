"""Everything a concept page shows about one entity, and the catalogue of all of them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph

from ..namespaces import IERKG, curie
from .expressions import render
from .framework import FrameworkMap, build_map
from .graph import (
    BIBO,
    DCTERMS,
    LABEL,
    OWL,
    RDFS,
    SKOS,
    SUBCLASS,
    TYPE,
    ReleaseGraph,
    is_deprecated,
    is_entity,
    is_reference,
)
from .placement import MapPlacer, Placement

# Predicates a page shows in their own places, not in the list of relations.
_SHOWN_APART = {
    TYPE,
    LABEL,
    SUBCLASS,
    f"{SKOS}definition",
    f"{SKOS}altLabel",
    f"{SKOS}example",
    f"{SKOS}scopeNote",
    f"{SKOS}editorialNote",
    f"{SKOS}notation",
    f"{SKOS}broader",
    f"{DCTERMS}source",
    f"{OWL}equivalentClass",
    f"{RDFS}comment",
    f"{RDFS}subPropertyOf",
    f"{OWL}deprecated",
    f"{DCTERMS}isReplacedBy",
}
# OWL's property characteristics, as a property page names them.
_CHARACTERISTICS = {
    f"{OWL}FunctionalProperty": "functional",
    f"{OWL}InverseFunctionalProperty": "inverse functional",
    f"{OWL}TransitiveProperty": "transitive",
    f"{OWL}SymmetricProperty": "symmetric",
    f"{OWL}AsymmetricProperty": "asymmetric",
    f"{OWL}ReflexiveProperty": "reflexive",
    f"{OWL}IrreflexiveProperty": "irreflexive",
}
_AXIOM_RELATIONS = {SUBCLASS: "subclass of", f"{OWL}equivalentClass": "equivalent to"}
_NOTES = (
    (f"{SKOS}scopeNote", "Scope"),
    (f"{SKOS}editorialNote", "Editorial note"),
    (f"{RDFS}comment", "Comment"),
)
# The sections of the site: (slug, title, the class whose members are listed).
SECTIONS = (
    ("strategies", "Strategies", str(IERKG.RegulationStrategy)),
    ("mechanisms", "Mechanisms", str(IERKG.RegulatoryMechanism)),
    ("instruments", "Instruments", str(IERKG.Instrument)),
    ("disorders", "Disorders", str(IERKG.MentalDisorder)),
    ("therapies", "Therapies", str(IERKG.Therapy)),
    ("theories", "Theories", str(IERKG.Theory)),
)


@dataclass(frozen=True, order=True)
class Link:
    label: str
    iri: str

    @property
    def curie(self) -> str:
        return curie(self.iri)


@dataclass(frozen=True)
class Citation:
    iri: str
    label: str
    text: str  # the full reference as the source gives it
    doi: str | None

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


@dataclass(frozen=True)
class Relation:
    property: Link
    value: Link | str  # an entity, or a literal's text
    evidence: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class AxiomUse:
    """Another entity's class expression that mentions this one (OLS: "used in axioms")."""

    owner: Link
    relation: str  # how the expression belongs to its owner: "subclass of", "equivalent to"
    expression: list  # parts, see expressions.render


@dataclass
class Entity:
    iri: str
    label: str
    kind: str  # class, property, individual or reference
    types: list[Link]
    definition: str | None
    synonyms: list[str]
    examples: list[str]
    notes: list[tuple[str, str]]
    notation: str | None
    parents: list[Link]
    children: list[Link]
    members: list[Link]  # a class's named instances
    equivalents: list[list]  # class expressions (parts, see expressions.render)
    restrictions: list[list]  # anonymous superclasses
    relations: list[Relation]
    usages: list[Relation]  # statements whose object is this entity; value = the subject
    sources: list[Citation]  # what the entity's own definition cites
    citations: list[Citation]  # every reference on the page
    supports: list[tuple[Link, Link, Link | str]] = field(default_factory=list)  # for a reference
    placement: Placement | None = None  # where it sits in the 2x2, why, and on whose authority
    citation: Citation | None = None  # for a reference: itself
    axiom_usages: list[AxiomUse] = field(default_factory=list)  # expressions of others naming it
    deprecated: bool = False  # retired (owl:deprecated): kept so that its IRI still resolves
    replaced_by: list[Link] = field(default_factory=list)  # what to use instead (dcterms:isReplacedBy)
    characteristics: list[str] = field(default_factory=list)  # a property's: functional, ...

    @property
    def cell(self) -> str | None:
        """The 2x2 cell (class IRI) it belongs to, when both its row and column are known."""
        return self.placement.cell if self.placement else None

    @property
    def curie(self) -> str:
        return curie(self.iri)


class Catalog:
    """The release's entities, built once from its triples."""

    def __init__(self, graph: ReleaseGraph):
        self.graph = graph
        self._evidence = _evidence_index(graph)
        self.framework: FrameworkMap = build_map(graph)
        self.placer = MapPlacer(graph, self.framework, self._evidence)
        self.iris = sorted(
            {s.value for s in graph.named_subjects() if is_entity(s.value) and graph.types(s)},
            key=lambda iri: graph.label(pyoxigraph.NamedNode(iri)).lower(),
        )
        self._known = set(self.iris)
        self._citations: dict[str, Citation] = {}

    def __contains__(self, iri: str) -> bool:
        return iri in self._known

    def link(self, iri: str) -> Link:
        return Link(self.graph.label(pyoxigraph.NamedNode(iri)), iri)

    def kind(self, iri: str) -> str:
        types = set(self.graph.types(pyoxigraph.NamedNode(iri)))
        if is_reference(iri):
            return "reference"
        if f"{OWL}Class" in types:
            return "class"
        if types & {f"{OWL}ObjectProperty", f"{OWL}DatatypeProperty", f"{OWL}AnnotationProperty"}:
            return "property"
        return "individual"

    def is_deprecated(self, iri: str) -> bool:
        return is_deprecated(self.graph, pyoxigraph.NamedNode(iri))

    def named(self, iri: str) -> Link:
        """A link to an entity, or to another vocabulary's term by its CURIE."""
        return self.link(iri) if iri in self else Link(_short(iri), iri)

    def citation(self, iri: str) -> Citation:
        found = self._citations.get(iri)
        if found is None:
            node = pyoxigraph.NamedNode(iri)
            found = self._citations[iri] = Citation(
                iri,
                self.graph.label(node),
                self.graph.text(node, f"{DCTERMS}bibliographicCitation") or self.graph.label(node),
                self.graph.text(node, f"{BIBO}doi"),
            )
        return found

    def _axioms_using(self, node: pyoxigraph.NamedNode) -> list[AxiomUse]:
        """Class expressions of other entities in which ``node`` appears, however deeply nested:
        each blank node that mentions it is followed up to the named entity that owns it."""
        found: dict[tuple[str, str, pyoxigraph.BlankNode], AxiomUse] = {}
        for statement in self.graph.into.get(node, []):
            if isinstance(statement.subject, pyoxigraph.BlankNode):
                for owner, predicate, top in self._owners(statement.subject, set()):
                    if owner != node.value:
                        relation = _AXIOM_RELATIONS.get(predicate) or self.link(predicate).label
                        found[(owner, predicate, top)] = AxiomUse(
                            self.link(owner), relation, render(self.graph, top)
                        )
        return sorted(found.values(), key=lambda use: (use.owner.label.lower(), use.relation))

    def _owners(self, blank: pyoxigraph.BlankNode, seen: set) -> list[tuple[str, str, pyoxigraph.BlankNode]]:
        """(owner IRI, predicate, top blank node) for each named entity above ``blank``."""
        if blank in seen or f"{OWL}Axiom" in self.graph.types(blank):
            return []  # a cycle, or an annotated axiom (evidence, shown with the relation)
        seen.add(blank)
        owners = []
        for statement in self.graph.into.get(blank, []):
            subject = statement.subject
            if isinstance(subject, pyoxigraph.NamedNode) and subject.value in self:
                owners.append((subject.value, statement.predicate, blank))
            elif isinstance(subject, pyoxigraph.BlankNode):
                owners += self._owners(subject, seen)
        return owners

    def members_of(self, cls: str) -> list[Link]:
        """Named individuals whose type is the class or one of its subclasses."""
        found = {
            s.subject.value
            for sub in self._descendants(cls)
            for s in self.graph.into.get(pyoxigraph.NamedNode(sub), [])
            if s.predicate == TYPE and isinstance(s.subject, pyoxigraph.NamedNode) and s.subject.value in self
        }
        return sorted(self.link(iri) for iri in found)

    def references(self) -> list[Citation]:
        return sorted(
            (self.citation(iri) for iri in self.iris if is_reference(iri)), key=lambda c: c.label.lower()
        )

    def entity(self, iri: str) -> Entity:
        if iri not in self:
            raise KeyError(iri)
        graph, node = self.graph, pyoxigraph.NamedNode(iri)
        kind = self.kind(iri)
        relations = [
            self._relation(node, p, o)
            for p, objects in graph.out[node].items()
            for o in objects
            if p not in _SHOWN_APART and not isinstance(o, pyoxigraph.BlankNode)
        ]
        usages = [
            Relation(
                self.link(s.predicate), self.link(s.subject.value), self._cited(s.subject, s.predicate, node)
            )
            for s in graph.into.get(node, [])
            if isinstance(s.subject, pyoxigraph.NamedNode)
            and s.subject.value in self
            and s.predicate not in _SHOWN_APART
        ]
        sources = [
            self.citation(r.value)
            for r in graph.values(node, f"{DCTERMS}source")
            if isinstance(r, pyoxigraph.NamedNode)
        ]
        parents = [self.link(p) for p in graph.parents(iri)] if kind == "class" else []
        parents += [
            self.named(p.value)
            for p in graph.values(node, f"{RDFS}subPropertyOf")
            if isinstance(p, pyoxigraph.NamedNode)
        ]
        parents += [
            self.link(b.value)
            for b in graph.values(node, f"{SKOS}broader")
            if isinstance(b, pyoxigraph.NamedNode)
        ]
        children = [self.link(c) for c in graph.children(iri)] if kind == "class" else []
        children += [
            self.link(s.subject.value)
            for s in graph.into.get(node, [])
            if s.predicate in (f"{SKOS}broader", f"{RDFS}subPropertyOf") and s.subject.value in self
        ]
        entity = Entity(
            iri=iri,
            label=graph.label(node),
            kind=kind,
            types=sorted(self.link(t) for t in graph.types(node) if t in self),
            definition=graph.text(node, f"{SKOS}definition"),
            synonyms=graph.texts(node, f"{SKOS}altLabel"),
            examples=graph.texts(node, f"{SKOS}example"),
            notes=[(title, text) for predicate, title in _NOTES for text in graph.texts(node, predicate)],
            notation=graph.text(node, f"{SKOS}notation"),
            parents=sorted(set(parents)),
            children=sorted(set(children)),
            members=self.members_of(iri) if kind == "class" else [],
            equivalents=[render(graph, e) for e in graph.values(node, f"{OWL}equivalentClass")],
            restrictions=[
                render(graph, r) for r in graph.values(node, SUBCLASS) if isinstance(r, pyoxigraph.BlankNode)
            ],
            relations=sorted(relations, key=_relation_order),
            usages=sorted(usages, key=_relation_order),
            sources=sources,
            citations=[],
            placement=self.placer.place(iri),
            axiom_usages=self._axioms_using(node),
            deprecated=self.is_deprecated(iri),
            replaced_by=sorted(
                self.named(r.value)
                for r in graph.values(node, f"{DCTERMS}isReplacedBy")
                if isinstance(r, pyoxigraph.NamedNode)
            ),
            characteristics=sorted(_CHARACTERISTICS[t] for t in graph.types(node) if t in _CHARACTERISTICS),
        )
        if kind == "reference":
            entity.citation = self.citation(iri)
            entity.supports = self._supported_by(node)
        cited = {c.iri: c for c in sources}
        for relation in (*entity.relations, *entity.usages):
            cited.update((c.iri, c) for c in relation.evidence)
        if entity.placement:
            cited.update((ref, self.citation(ref)) for ref in entity.placement.sources)
        entity.citations = sorted(cited.values(), key=lambda c: c.label.lower())
        return entity

    # --- helpers -------------------------------------------------------------------------------

    def _relation(self, node, predicate: str, obj) -> Relation:
        # Another vocabulary's term (a DOID or MONDO mapping, say) is shown by its CURIE.
        value: Link | str = self.named(obj.value) if isinstance(obj, pyoxigraph.NamedNode) else obj.value
        return Relation(self.link(predicate), value, self._cited(node, predicate, obj))

    def _cited(self, subject, predicate: str, obj) -> tuple[Citation, ...]:
        refs = self._evidence.get((subject, predicate, obj), ())
        return tuple(self.citation(r) for r in refs)

    def _supported_by(self, reference) -> list[tuple[Link, Link, Link | str]]:
        """What a reference is cited for: definitions and the statements it is evidence of."""
        found: list[tuple[Link, Link, Link | str]] = []
        for statement in self.graph.into.get(reference, []):
            if statement.predicate != f"{DCTERMS}source":
                continue
            subject = statement.subject
            if isinstance(subject, pyoxigraph.NamedNode) and subject.value in self:
                found.append(
                    (self.link(subject.value), Link("defined by", f"{SKOS}definition"), "definition")
                )
            elif isinstance(subject, pyoxigraph.BlankNode):
                source = self.graph.value(subject, f"{OWL}annotatedSource")
                prop = self.graph.value(subject, f"{OWL}annotatedProperty")
                target = self.graph.value(subject, f"{OWL}annotatedTarget")
                if (
                    isinstance(source, pyoxigraph.NamedNode)
                    and isinstance(prop, pyoxigraph.NamedNode)
                    and target is not None
                ):
                    value = (
                        self.link(target.value) if isinstance(target, pyoxigraph.NamedNode) else target.value
                    )
                    found.append((self.link(source.value), self.link(prop.value), value))
        return sorted(found, key=lambda item: (item[0].label.lower(), item[1].label, str(item[2])))

    def _descendants(self, cls: str) -> set[str]:
        found, stack = {cls}, [cls]
        while stack:
            for child in self.graph.children(stack.pop()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found


def _evidence_index(graph: ReleaseGraph) -> dict[tuple, list[str]]:
    """(subject, predicate, object) -> the references its owl:Axiom annotations cite."""
    index: dict[tuple, list[str]] = defaultdict(list)
    for statement in graph.into.get(pyoxigraph.NamedNode(f"{OWL}Axiom"), []):
        axiom = statement.subject
        source = graph.value(axiom, f"{OWL}annotatedSource")
        prop = graph.value(axiom, f"{OWL}annotatedProperty")
        target = graph.value(axiom, f"{OWL}annotatedTarget")
        if source is None or prop is None or target is None:
            continue
        for ref in graph.values(axiom, f"{DCTERMS}source"):
            if isinstance(ref, pyoxigraph.NamedNode):
                index[(source, prop.value, target)].append(ref.value)
    return index


def _short(iri: str) -> str:
    shortened = curie(iri)
    return iri if shortened.startswith("<") else shortened


def _relation_order(relation: Relation) -> tuple:
    value = relation.value.label if isinstance(relation.value, Link) else relation.value
    return (relation.property.label.lower(), value.lower())
