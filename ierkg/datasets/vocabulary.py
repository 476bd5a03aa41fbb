"""The codes a coded dataset may use, read from the ontology itself.

A code names an ontology value: its skos:notation, its local name or its label (or a
synonym), compared case-insensitively. The value sets come from the release, so the dataset
format cannot drift from the ontology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..namespaces import IERKG
from ..resources import release_dir
from ..stores.embedded import EmbeddedStore


@dataclass(frozen=True)
class Value:
    iri: str
    label: str
    notation: str | None
    definition: str


@dataclass
class ValueSet:
    """The allowed values of one coded column, and how codes resolve to them."""

    name: str
    cls: str  # the ontology class whose members are the values
    values: list[Value] = field(default_factory=list)
    _lookup: dict[str, Value] = field(default_factory=dict, repr=False)

    def add(self, value: Value, synonyms: list[str]) -> None:
        self.values.append(value)
        for key in [value.notation, value.iri.rsplit("/", 1)[-1], value.label, *synonyms]:
            if key:
                self._lookup.setdefault(_normal(key), value)

    def resolve(self, code: str) -> Value | None:
        return self._lookup.get(_normal(code))

    def codes(self) -> list[str]:
        return [v.notation or v.iri.rsplit("/", 1)[-1] for v in self.values]


def _normal(code: str) -> str:
    return " ".join(code.strip().lower().replace("-", "_").replace(" ", "_").split("_"))


# Column value sets: the class whose named individuals (directly or through a subclass) are the
# allowed values.
VALUE_SET_CLASSES: dict[str, str] = {
    "interaction_mode": "InteractionMode",
    "means": "RegulatoryMeans",
    "process": "ProcessType",
    "mechanism": "RegulatoryMechanism",
    "strategy": "RegulationStrategy",
    "partner_response": "PartnerResponse",
    "setting": "Setting",
    "relationship": "RelationshipType",
    "target_role": "TargetRole",
    "social_scale": "SocialScale",
    "goal_direction": "GoalDirection",
    "goal_status": "GoalStatus",
}

_VALUES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?value ?label ?notation ?definition (GROUP_CONCAT(?synonym; separator="\\u001f") AS ?synonyms) WHERE {
    ?value a/rdfs:subClassOf* <%s> ;
           a owl:NamedIndividual ;
           rdfs:label ?label ;
           skos:definition ?definition .
    FILTER NOT EXISTS { ?value owl:deprecated true }
    OPTIONAL { ?value skos:notation ?notation }
    OPTIONAL { ?value skos:altLabel ?synonym }
} GROUP BY ?value ?label ?notation ?definition ORDER BY ?label
"""


@dataclass
class Vocabulary:
    value_sets: dict[str, ValueSet]

    def __getitem__(self, column: str) -> ValueSet:
        return self.value_sets[column]


def load_vocabulary(release: Path | None = None) -> Vocabulary:
    """Read every coded column's value set from a release (default: the packaged one)."""
    return _load(str(release or release_dir()))


@cache
def _load(release: str) -> Vocabulary:
    store = EmbeddedStore()
    store.load_file(Path(release) / "ierkg.nt")
    sets = {}
    for column, local in VALUE_SET_CLASSES.items():
        value_set = ValueSet(column, str(IERKG[local]))
        for row in store.select(_VALUES_QUERY % IERKG[local]):
            value = Value(row["value"], row["label"], row.get("notation"), row["definition"])
            value_set.add(value, [s for s in row.get("synonyms", "").split("\u001f") if s])
        sets[column] = value_set
    return Vocabulary(sets)
