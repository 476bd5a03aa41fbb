"""Every combination of the episode dimensions' values, as coded rows and as OWL individuals.

Shared by the HermiT tests (tests/test_reasoner.py) and the rule tests (tests/test_classify.py),
which compare the compiled rules with HermiT's answers on exactly these individuals.
"""

from __future__ import annotations

import itertools

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from ierkg.namespaces import IERKG

EX = "https://example.org/fixture/"

# Codes are the skos:notation of each value (as in a coded spreadsheet); "-" is not coded.
MODES = {"live": "LiveInteraction", "imagined": "ImaginedOthers", "alone": "NoOthers"}
GOAL_STATUSES = {"present": "GoalPresent", "none": "NoGoal"}
DIRECTIONS = {"improve": "ImproveAffect", "worsen": "WorsenAffect", "-": None}
TARGETS = {"self": "TargetSelf", "other": "TargetOther"}
MEANS = {"recruit_partner": "RecruitsPartner", "act_on_partner": "ActsOnPartner", "alone": "ByOneself"}
PROCESSES = {
    "response_dependent": "ResponseDependent",
    "response_independent": "ResponseIndependent",
    "unknown": "ProcessTypeUnknown",
}

DIMENSIONS = (MODES, GOAL_STATUSES, DIRECTIONS, TARGETS, MEANS, PROCESSES)
COMBINATIONS = list(itertools.product(*DIMENSIONS))
PROPERTIES = (
    IERKG.interactionMode,
    IERKG.goalStatus,
    IERKG.goalDirection,
    IERKG.targetRole,
    IERKG.means,
    IERKG.processType,
)


def combination_iri(number: int) -> str:
    return f"{EX}combination{number}"


def combination_values(combination: tuple[str, ...]) -> dict[str, str]:
    """property IRI -> value IRI for the coded dimensions of one combination."""
    return {
        str(prop): str(IERKG[values[code]])
        for prop, values, code in zip(PROPERTIES, DIMENSIONS, combination, strict=True)
        if values[code] is not None
    }


def combinations_graph(ontology: Graph) -> Graph:
    """The ontology plus one episode individual per combination."""
    graph = Graph()
    graph += ontology
    for number, combination in enumerate(COMBINATIONS):
        episode = URIRef(combination_iri(number))
        graph.add((episode, RDF.type, OWL.NamedIndividual))
        graph.add((episode, RDF.type, IERKG.Episode))
        for prop, value in combination_values(combination).items():
            graph.add((episode, URIRef(prop), URIRef(value)))
    return graph
