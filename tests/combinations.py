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

# The same with one more dimension left blank, as real coding often is: the open world must
# give the same answers in the rules as in HermiT.
_BLANK = {"-": None}
BLANK_COMBINATIONS = sorted(
    {
        combination
        for blank in (0, 1, 3, 4, 5)
        for combination in itertools.product(*(_BLANK if i == blank else d for i, d in enumerate(DIMENSIONS)))
    }
)

# A coded mechanism: alone, with its cell's full coding, and with that coding but no process.
MECHANISMS = {
    "affect_labeling": (
        "AffectLabeling",
        ("live", "present", "improve", "self", "recruit_partner", "response_independent"),
    ),
    "safety_signal": (
        "SafetySignal",
        ("live", "present", "improve", "self", "recruit_partner", "response_dependent"),
    ),
    "affiliation": (
        "Affiliation",
        ("live", "present", "improve", "self", "recruit_partner", "response_dependent"),
    ),
    "warm_glow": (
        "WarmGlow",
        ("live", "present", "improve", "other", "act_on_partner", "response_independent"),
    ),
    "vicarious_affect": (
        "VicariousAffect",
        ("live", "present", "improve", "other", "act_on_partner", "response_dependent"),
    ),
}
MECHANISM_CASES = [
    (mechanism, coding)
    for mechanism, (_, cell_coding) in MECHANISMS.items()
    for coding in (("-",) * 6, cell_coding, (*cell_coding[:5], "-"))
]
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


def combination_values(combination: tuple[str, ...], mechanism: str | None = None) -> dict[str, str]:
    """property IRI -> value IRI for the coded dimensions of one combination ("-": blank)."""
    values = {
        str(prop): str(IERKG[choices[code]])
        for prop, choices, code in zip(PROPERTIES, DIMENSIONS, combination, strict=True)
        if code != "-" and choices[code] is not None
    }
    if mechanism is not None:
        values[str(IERKG.mechanism)] = str(IERKG[MECHANISMS[mechanism][0]])
    return values


def blank_iri(number: int) -> str:
    return f"{EX}blank{number}"


def mechanism_iri(number: int) -> str:
    return f"{EX}mechanism{number}"


def combinations_graph(ontology: Graph) -> Graph:
    """The ontology plus one episode individual per combination."""
    graph = Graph()
    graph += ontology
    episodes = [(combination_iri(n), combination_values(c)) for n, c in enumerate(COMBINATIONS)]
    episodes += [(blank_iri(n), combination_values(c)) for n, c in enumerate(BLANK_COMBINATIONS)]
    episodes += [(mechanism_iri(n), combination_values(c, m)) for n, (m, c) in enumerate(MECHANISM_CASES)]
    for iri, values in episodes:
        episode = URIRef(iri)
        graph.add((episode, RDF.type, OWL.NamedIndividual))
        graph.add((episode, RDF.type, IERKG.Episode))
        for prop, value in values.items():
            graph.add((episode, URIRef(prop), URIRef(value)))
    return graph
