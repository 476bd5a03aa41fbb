"""HermiT over the core TBox: consistency, fixture episodes, and every combination of codes."""

from __future__ import annotations

import pytest

from ierkg.namespaces import IERKG, curie, is_ierkg_entity
from ierkg.reasoning import classify

from .combinations import COMBINATIONS, EX, combination_iri


def framework_types(inferences, individual: str) -> set[str]:
    """ierkg classes HermiT places the individual in, as local names."""
    return {iri[len(str(IERKG)) :] for iri in inferences.types.get(individual, set()) if is_ierkg_entity(iri)}


def test_core_ontology_is_consistent_with_no_unsatisfiable_classes(sources):
    inferences = classify(sources.graph)
    assert inferences.unsatisfiable == set()
    # The classification is not trivial: HermiT derives the framework's negative answers.
    assert str(IERKG.NotInterpersonalRegulation) in inferences.superclasses[str(IERKG.Modulation)]
    assert str(IERKG.IntrapersonalRegulation) in inferences.superclasses[str(IERKG.EgoisticAlternative)]


@pytest.mark.parametrize(
    "episode, expected, excluded",
    [
        (
            "alanSeeksSupport",
            {
                "IntrinsicResponseDependentRegulation",
                "IntrinsicInterpersonalRegulation",
                "ResponseDependentRegulation",
                "InterpersonalRegulation",
                "EmotionRegulation",
            },
            {"ExtrinsicInterpersonalRegulation", "NotInterpersonalRegulation", "Modulation"},
        ),
        (
            "betsyComforts",
            {
                "ExtrinsicResponseIndependentRegulation",
                "ExtrinsicInterpersonalRegulation",
                "ResponseIndependentRegulation",
                "InterpersonalRegulation",
            },
            {"IntrinsicInterpersonalRegulation", "ResponseDependentRegulation", "NotInterpersonalRegulation"},
        ),
        (
            "waitingRoomCompany",
            {"Modulation", "InterpersonalModulation", "NotInterpersonalRegulation"},
            {"EmotionRegulation", "InterpersonalRegulation"},
        ),
        (
            "alanImaginesBetsy",
            {"NonInterpersonalEpisode", "NotInterpersonalRegulation", "IntrapersonalRegulation"},
            {"InterpersonalRegulation", "IntrinsicInterpersonalRegulation", "LiveInteractionEpisode"},
        ),
        (
            "egoisticHelper",
            {"EgoisticAlternative", "IntrapersonalRegulation", "NotInterpersonalRegulation"},
            {
                "InterpersonalRegulation",
                "IntrinsicInterpersonalRegulation",
                "ExtrinsicInterpersonalRegulation",
            },
        ),
        (
            "warmGlowOnly",
            {"ExtrinsicResponseIndependentRegulation", "ExtrinsicInterpersonalRegulation"},
            {"NotInterpersonalRegulation"},
        ),
    ],
)
def test_fixture_episode_classification(fixture_inferences, episode, expected, excluded):
    types = framework_types(fixture_inferences, EX + episode)
    assert expected <= types, f"{episode}: missing {sorted(expected - types)}"
    assert not (excluded & types), f"{episode}: wrongly in {sorted(excluded & types)}"


def test_person_a_and_person_b_are_inferred_from_roles(fixture_inferences):
    assert "PersonA" in framework_types(fixture_inferences, EX + "alan")
    assert "PersonB" in framework_types(fixture_inferences, EX + "betsy")


# ---------------------------------------------------------------------------------------
# Every combination of dimension values, with the classes HermiT must place it in, exactly.
# Codes are the skos:notation of each value (as in a coded spreadsheet); "*" is any value and
# "-" means the dimension is not coded. Goal status and goal direction vary independently, so
# incoherent codings (no goal but a direction) are classified too.
# ---------------------------------------------------------------------------------------
NO_GOAL_LIVE = {
    "Episode",
    "Modulation",
    "InterpersonalModulation",
    "LiveInteractionEpisode",
    "NotInterpersonalRegulation",
}
NO_GOAL_NOT_LIVE = {"Episode", "Modulation", "NonInterpersonalEpisode", "NotInterpersonalRegulation"}

EXPECTED_TABLE: list[tuple[str, str, str, str, str, str, set[str]]] = [
    # mode, goal status, direction, target, means, process -> classes
    # No goal: modulation whatever else is coded; a direction without a goal means nothing.
    ("live", "none", "*", "*", "*", "*", NO_GOAL_LIVE),
    ("imagined", "none", "*", "*", "*", "*", NO_GOAL_NOT_LIVE),
    ("alone", "none", "*", "*", "*", "*", NO_GOAL_NOT_LIVE),
]
for direction, direction_class in (
    ("improve", {"AffectImprovingRegulation"}),
    ("worsen", {"AffectWorseningRegulation"}),
    ("-", set()),
):
    regulation = {"Episode", "EmotionRegulation"} | direction_class
    live = regulation | {"LiveInteractionEpisode"}
    intrinsic = live | {"InterpersonalRegulation", "IntrinsicInterpersonalRegulation"}
    extrinsic = live | {"InterpersonalRegulation", "ExtrinsicInterpersonalRegulation"}
    EXPECTED_TABLE += [
        # Not live: never interpersonal; self-targeted regulation is intrapersonal.
        (
            "imagined",
            "present",
            direction,
            "self",
            "*",
            "*",
            regulation | {"NonInterpersonalEpisode", "NotInterpersonalRegulation", "IntrapersonalRegulation"},
        ),
        (
            "alone",
            "present",
            direction,
            "self",
            "*",
            "*",
            regulation | {"NonInterpersonalEpisode", "NotInterpersonalRegulation", "IntrapersonalRegulation"},
        ),
        (
            "imagined",
            "present",
            direction,
            "other",
            "*",
            "*",
            regulation | {"NonInterpersonalEpisode", "NotInterpersonalRegulation"},
        ),
        (
            "alone",
            "present",
            direction,
            "other",
            "*",
            "*",
            regulation | {"NonInterpersonalEpisode", "NotInterpersonalRegulation"},
        ),
        # Live, own feelings, partner recruited: intrinsic IER, one cell per process type.
        (
            "live",
            "present",
            direction,
            "self",
            "recruit_partner",
            "response_dependent",
            intrinsic | {"ResponseDependentRegulation", "IntrinsicResponseDependentRegulation"},
        ),
        (
            "live",
            "present",
            direction,
            "self",
            "recruit_partner",
            "response_independent",
            intrinsic | {"ResponseIndependentRegulation", "IntrinsicResponseIndependentRegulation"},
        ),
        (
            "live",
            "present",
            direction,
            "self",
            "recruit_partner",
            "unknown",
            intrinsic | {"UnplacedInterpersonalRegulation"},
        ),
        # Live, own feelings, acting on the partner: the egoistic alternative, not IER.
        (
            "live",
            "present",
            direction,
            "self",
            "act_on_partner",
            "*",
            live | {"IntrapersonalRegulation", "EgoisticAlternative", "NotInterpersonalRegulation"},
        ),
        # Live, own feelings, by oneself: an intrapersonal strategy used in company.
        (
            "live",
            "present",
            direction,
            "self",
            "alone",
            "*",
            live | {"IntrapersonalRegulation", "NotInterpersonalRegulation"},
        ),
        # Live, the partner's feelings, acting on the partner: extrinsic IER.
        (
            "live",
            "present",
            direction,
            "other",
            "act_on_partner",
            "response_dependent",
            extrinsic | {"ResponseDependentRegulation", "ExtrinsicResponseDependentRegulation"},
        ),
        (
            "live",
            "present",
            direction,
            "other",
            "act_on_partner",
            "response_independent",
            extrinsic | {"ResponseIndependentRegulation", "ExtrinsicResponseIndependentRegulation"},
        ),
        (
            "live",
            "present",
            direction,
            "other",
            "act_on_partner",
            "unknown",
            extrinsic | {"UnplacedInterpersonalRegulation"},
        ),
        # Live, the partner's feelings, but not acting on the partner: no framework cell.
        (
            "live",
            "present",
            direction,
            "other",
            "recruit_partner",
            "*",
            live | {"NotInterpersonalRegulation"},
        ),
        ("live", "present", direction, "other", "alone", "*", live | {"NotInterpersonalRegulation"}),
    ]


def expected_classes(combination: tuple[str, ...]) -> set[str]:
    matches = [
        row[-1]
        for row in EXPECTED_TABLE
        if all(pattern in ("*", value) for pattern, value in zip(row[:-1], combination, strict=True))
    ]
    assert len(matches) == 1, f"{combination} matches {len(matches)} rows of the table"
    return matches[0]


def test_expected_table_covers_every_combination_exactly_once():
    assert len(COMBINATIONS) == 3 * 2 * 3 * 2 * 3 * 3 == 324
    for combination in COMBINATIONS:
        expected_classes(combination)


def test_every_combination_is_classified_into_exactly_the_expected_classes(combination_inferences):
    mismatches = []
    for number, combination in enumerate(COMBINATIONS):
        actual = framework_types(combination_inferences, combination_iri(number))
        expected = expected_classes(combination)
        if actual != expected:
            mismatches.append(
                f"{combination}: missing {sorted(expected - actual)}, unexpected {sorted(actual - expected)}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_negative_classes_have_members_in_the_table():
    """Each named negative answer is reached by some combination, so its test can fail."""
    reached = set().union(*(expected_classes(c) for c in COMBINATIONS))
    for negative in (
        "Modulation",
        "NonInterpersonalEpisode",
        "NotInterpersonalRegulation",
        "IntrapersonalRegulation",
        "EgoisticAlternative",
        "UnplacedInterpersonalRegulation",
    ):
        assert negative in reached, curie(str(IERKG[negative]))
