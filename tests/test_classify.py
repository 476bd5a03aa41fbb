"""`ierkg classify`: rules compiled from the ontology's definitions, checked against HermiT."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph

from ierkg.datasets.classify import DERIVED_COLUMNS, Placer, classify_table
from ierkg.framework_rules import UnsupportedDefinition, compile_rules, load_rules
from ierkg.namespaces import IERKG, is_ierkg_entity

from .combinations import (
    BLANK_COMBINATIONS,
    COMBINATIONS,
    MECHANISM_CASES,
    blank_iri,
    combination_iri,
    combination_values,
    mechanism_iri,
)

HEADER = "episode_id,regulator_id,target_ids,interaction_mode,goal,means,process\n"


def _disagreements(inferences, cases) -> list[str]:
    rules = load_rules()
    found = []
    for iri, values, label in cases:
        hermit = {c for c in inferences.types[iri] if is_ierkg_entity(c)}
        ruled = set(rules.classify(values))
        # Every class HermiT can place an episode in is a rule, and the rules say the same.
        if hermit & rules.classes != ruled or not hermit <= rules.classes:
            found.append(f"{label}: HermiT {sorted(hermit)} rules {sorted(ruled)}")
    return found


def test_rules_agree_with_hermit_on_every_combination(combination_inferences):
    cases = [(combination_iri(n), combination_values(c), c) for n, c in enumerate(COMBINATIONS)]
    disagreements = _disagreements(combination_inferences, cases)
    assert not disagreements, "\n".join(disagreements[:10])


def test_rules_agree_with_hermit_when_a_dimension_is_blank(combination_inferences):
    assert len(BLANK_COMBINATIONS) > 600
    cases = [(blank_iri(n), combination_values(c), c) for n, c in enumerate(BLANK_COMBINATIONS)]
    disagreements = _disagreements(combination_inferences, cases)
    assert not disagreements, "\n".join(disagreements[:10])


def test_a_coded_mechanism_places_the_episode_in_its_cell_as_hermit_does(combination_inferences):
    cases = [
        (mechanism_iri(n), combination_values(c, m), (m, *c)) for n, (m, c) in enumerate(MECHANISM_CASES)
    ]
    disagreements = _disagreements(combination_inferences, cases)
    assert not disagreements, "\n".join(disagreements)
    # A mechanism alone is enough to place the episode in its cell.
    alone = load_rules().classify(combination_values(("-",) * 6, "warm_glow"))
    assert str(IERKG.ExtrinsicResponseIndependentRegulation) in alone


def test_codes_that_contradict_the_mechanism_place_the_episode_nowhere():
    rules = load_rules()
    values = combination_values(
        ("live", "present", "improve", "self", "recruit_partner", "response_dependent")
    )
    values[str(IERKG.mechanism)] = str(IERKG.WarmGlow)  # an extrinsic mechanism on intrinsic codes
    assert rules.classify(values) == frozenset([rules.root])
    assert set(rules.conflicts(values)) == {str(IERKG.targetRole), str(IERKG.means), str(IERKG.processType)}


def test_rules_cover_the_framework_classes():
    rules = load_rules()
    for local in (
        "EmotionRegulation", "Modulation", "InterpersonalRegulation", "NotInterpersonalRegulation",
        "IntrapersonalRegulation", "EgoisticAlternative", "IntrinsicResponseDependentRegulation",
        "IntrinsicResponseIndependentRegulation", "ExtrinsicResponseDependentRegulation",
        "ExtrinsicResponseIndependentRegulation", "UnplacedInterpersonalRegulation",
        "AffectImprovingRegulation", "AffectWorseningRegulation",
    ):  # fmt: skip
        assert str(IERKG[local]) in rules.definitions, local


def test_a_definition_the_compiler_cannot_read_is_an_error_not_a_silent_skip():
    graph = Graph().parse(
        data="""
        @prefix ierkg: <https://w3id.org/ierkg/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ierkg:Odd owl:equivalentClass [ owl:intersectionOf ( ierkg:Episode
            [ owl:onProperty ierkg:regulator ; owl:minCardinality 2 ] ) ] .
        """,
        format="turtle",
    )
    with pytest.raises(UnsupportedDefinition, match="Odd"):
        compile_rules(graph)


def _classified(tmp_path, text: str) -> list[dict[str, str]]:
    path = tmp_path / "coded.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    summary = classify_table(path, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert summary.rows == len(rows)
    return rows


def test_classify_adds_the_derived_columns_row_by_row(tmp_path):
    rows = _classified(
        tmp_path,
        HEADER
        + "e1,ann,ann,live,improve,recruit_partner,response_dependent\n"
        + "e2,ann,bob,live,worsen,act_on_partner,response_independent\n"
        + "e3,ann,ann,alone,improve,alone,unknown\n"
        + "e4,ann,bob,live,none,act_on_partner,response_dependent\n"
        + "e5,ann,ann,live,improve,act_on_partner,response_dependent\n"
        + "e6,ann,ann,live,improve,recruit_partner,unknown\n"
        + "e7,ann,bob,live,improve,recruit_partner,response_dependent\n",
    )
    got = [tuple(row[c] for c in DERIVED_COLUMNS) for row in rows]
    assert got == [
        ("interpersonal", "regulation", "intrinsic_response_dependent", "improving",
         "affect-improving regulation; intrinsic response-dependent regulation"),
        ("interpersonal", "regulation", "extrinsic_response_independent", "worsening",
         "affect-worsening regulation; extrinsic response-independent regulation"),
        ("intrapersonal", "regulation", "", "improving",
         "affect-improving regulation; intrapersonal emotion regulation; non-interpersonal episode"),
        ("not_interpersonal", "modulation", "", "", "interpersonal modulation"),
        ("intrapersonal", "regulation", "", "improving",
         "affect-improving regulation; egoistic alternative"),
        ("interpersonal", "regulation", "process_unknown", "improving",
         ("affect-improving regulation; intrinsic interpersonal regulation; "
         "interpersonal regulation of unknown process type")),
        ("not_interpersonal", "regulation", "", "improving",
         ("affect-improving regulation; episode in live interaction; "
         "episode that is not interpersonal regulation")),
    ]  # fmt: skip
    assert [row["episode_id"] for row in rows] == [f"e{n}" for n in range(1, 8)]


def test_codes_match_on_labels_and_case_and_undecided_rows_stay_blank(tmp_path):
    rows = _classified(
        tmp_path,
        HEADER
        + "e1,ann,ann,Live,Improve,Recruit Partner,Response-Dependent\n"
        + "e2,ann,ann,livve,improve,recruit_partner,response_dependent\n"  # unknown mode
        + "e3,ann,ann,live,,recruit_partner,response_dependent\n",  # goal left blank
    )
    assert rows[0]["ierkg_cell"] == "intrinsic_response_dependent"
    # Without the interaction mode nothing about interpersonality is decided, only the goal.
    assert (rows[1]["ierkg_scope"], rows[1]["ierkg_regulation"], rows[1]["ierkg_cell"]) == (
        "",
        "regulation",
        "",
    )
    assert (rows[2]["ierkg_scope"], rows[2]["ierkg_regulation"], rows[2]["ierkg_direction"]) == ("", "", "")


def test_running_classify_on_its_own_output_replaces_the_derived_columns(tmp_path):
    first = tmp_path / "first.csv"
    (tmp_path / "coded.csv").write_text(
        HEADER + "e1,ann,bob,live,improve,act_on_partner,response_dependent\n"
    )
    with first.open("w", encoding="utf-8", newline="") as out:
        classify_table(tmp_path / "coded.csv", out)
    again = io.StringIO()
    classify_table(first, again)
    header = again.getvalue().splitlines()[0].split(",")
    assert header.count("ierkg_cell") == 1 and header[-len(DERIVED_COLUMNS) :] == DERIVED_COLUMNS


def test_placements_are_worked_out_once_per_combination():
    placer = Placer()
    values = {str(IERKG.interactionMode): str(IERKG.LiveInteraction)}
    assert placer.place(values) is placer.place(dict(values))
