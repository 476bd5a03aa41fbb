"""Run HermiT (through owlready2) over an RDF graph and report what it infers.

HermiT reasons over the ontology and over test fixtures only, never over a user's coded
data: one contradictory row would make the whole dataset inconsistent (docs/architecture.md).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from .errors import ReasonerError


@dataclass
class Inferences:
    """What HermiT concluded, over named classes and named individuals only."""

    unsatisfiable: set[str] = field(default_factory=set)
    # class IRI -> every named superclass (inferred, transitive), the class itself excluded
    superclasses: dict[str, set[str]] = field(default_factory=dict)
    # individual IRI -> every named class it belongs to (inferred, transitive)
    types: dict[str, set[str]] = field(default_factory=dict)

    def equivalents(self, cls: str) -> set[str]:
        """Named classes HermiT proved equivalent to ``cls``."""
        return {
            other for other in self.superclasses.get(cls, set()) if cls in self.superclasses.get(other, set())
        }

    def direct_superclasses(self, cls: str) -> set[str]:
        """The most specific named strict superclasses of ``cls`` (the inferred hierarchy)."""
        return _most_specific(self.superclasses.get(cls, set()) - self.equivalents(cls), self)

    def direct_types(self, individual: str) -> set[str]:
        return _most_specific(self.types.get(individual, set()), self)


def classify(graph: Graph) -> Inferences:
    """Check consistency and classify ``graph`` with HermiT.

    Raises :class:`ReasonerError` if Java is missing, HermiT fails, or the graph is
    inconsistent. Unsatisfiable classes are reported in the result, not raised, so that the
    caller can name all of them.
    """
    import owlready2  # imported here: it is slow to import and only `build` and tests need it

    java = shutil.which(owlready2.JAVA_EXE)
    if java is None:
        raise ReasonerError(
            "HermiT needs Java 11 or later and none was found on PATH "
            "(on Debian: apt-get install default-jre-headless)"
        )
    owlready2.JAVA_EXE = java
    with tempfile.TemporaryDirectory(prefix="ierkg-hermit-") as tmp:
        source = Path(tmp) / "ontology.nt"
        graph.serialize(source, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            ontology = world.get_ontology(source.as_uri()).load()
            with ontology:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            raise ReasonerError(
                "HermiT finds the ontology inconsistent: some individual is forced into "
                "classes or values that exclude each other"
            ) from None
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerError(f"HermiT could not run: {_first_line(str(exc))}") from None
        return _read_inferences(world, owlready2)


def _read_inferences(world, owlready2) -> Inferences:
    nothing = owlready2.Nothing
    inferences = Inferences()
    for cls in world.inconsistent_classes():
        if getattr(cls, "iri", None) and cls is not nothing:
            inferences.unsatisfiable.add(cls.iri)
    for cls in world.classes():
        named = {
            ancestor.iri
            for ancestor in cls.ancestors(include_self=False)
            if isinstance(ancestor, owlready2.ThingClass) and ancestor is not owlready2.Thing
        }
        inferences.superclasses[cls.iri] = named - {cls.iri}
    for individual in world.individuals():
        inferences.types[individual.iri] = {
            cls.iri
            for cls in individual.INDIRECT_is_a
            if isinstance(cls, owlready2.ThingClass) and cls is not owlready2.Thing
        }
    return inferences


def _most_specific(classes: set[str], inferences: Inferences) -> set[str]:
    return {
        candidate
        for candidate in classes
        if not any(
            candidate in inferences.superclasses.get(other, set())
            and other not in inferences.equivalents(candidate)
            for other in classes
            if other != candidate
        )
    }


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "unknown Java error"
