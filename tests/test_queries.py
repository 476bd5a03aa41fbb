"""The named queries: documented, valid SPARQL, and giving DOMAIN.md's gold answers."""

from __future__ import annotations

import pyoxigraph
import pytest

from ierkg.errors import IerkgError
from ierkg.queries import named_queries, read_named_query
from ierkg.stores.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def store(release) -> EmbeddedStore:
    out, _ = release
    loaded = EmbeddedStore()
    loaded.load_file(out / "ierkg.nt")
    return loaded


def test_every_query_has_a_title_and_description_and_parses():
    queries = named_queries()
    assert queries, "queries/ holds no .rq files"
    for query in queries:
        assert len(query.title) > 5 and len(query.description) > 20, query.name
        pyoxigraph.Store().query(query.sparql)  # raises SyntaxError if the SPARQL is invalid


def test_a_query_without_a_header_is_rejected_with_its_file(tmp_path):
    path = tmp_path / "bare.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(IerkgError, match=r"bare\.rq:1: .*title"):
        read_named_query(path)


def answer(store: EmbeddedStore, name: str) -> list[dict[str, str]]:
    query = next(q for q in named_queries() if q.name == name)
    return list(store.select(query.sparql))


def labels(rows, key):
    return sorted(row[key] for row in rows if key in row)


def test_there_is_a_named_query_for_every_competency_question():
    names = {q.name for q in named_queries()}
    required = {
        "mechanisms-by-cell",
        "extrinsic-ier-instruments",
        "intrinsic-ier-instruments",
        "ierq-structure",
        "dire-interpersonal-factors",
        "disorders-linked-to-reassurance-seeking",
        "theory-of-risk-load-capitalization",
        "related-processes-without-intent",
        "goalless-episode",
        "interpersonal-effectiveness-therapy",
        "warm-glow-references",
        "affect-worsening-strategies",
        "evidence-for",
        "reference-supports",
    }
    assert required <= names and len(names) >= 12


def test_mechanisms_by_cell_gives_the_gold_answer(store):
    rows = answer(store, "mechanisms-by-cell")
    by_cell: dict[str, set[str]] = {}
    for row in rows:
        by_cell.setdefault(row["cellLabel"], set()).add(row["mechanismLabel"])
    assert by_cell == {
        "intrinsic response-independent regulation": {"affect labeling"},
        "intrinsic response-dependent regulation": {"safety signals", "affiliation"},
        "extrinsic response-independent regulation": {"warm glow"},
        "extrinsic response-dependent regulation": {"vicarious affect"},
    }


# DOMAIN.md section 7: each competency question's gold answer, by label.


def test_extrinsic_ier_is_measured_by_the_eros_extrinsic_subscale_and_its_two_factors_only(store):
    rows = answer(store, "extrinsic-ier-instruments")
    assert labels(rows, "unitLabel") == ["EROS extrinsic subscale"]
    assert sorted(rows[0]["parts"].split("; ")) == [
        "EROS extrinsic affect-improving factor",
        "EROS extrinsic affect-worsening factor",
    ]
    assert all("IERQ" not in r["instrumentLabel"] and "IRQ" not in r["instrumentLabel"] for r in rows)


def test_intrinsic_ier_is_measured_by_ierq_irq_and_the_dire_interpersonal_factors(store):
    rows = answer(store, "intrinsic-ier-instruments")
    assert labels(rows, "unitLabel") == [
        "DIRE reassurance-seek factor",
        "DIRE vent factor",
        "Interpersonal Emotion Regulation Questionnaire (IERQ)",
        "Interpersonal Regulation Questionnaire (IRQ)",
    ]


def test_ierq_has_20_items_in_four_factors_of_five(store):
    rows = answer(store, "ierq-structure")
    assert {row["instrumentItems"] for row in rows} == {"20"}
    assert labels(rows, "factorLabel") == [
        "IERQ Enhancing Positive Affect factor",
        "IERQ Perspective Taking factor",
        "IERQ Social Modeling factor",
        "IERQ Soothing factor",
    ]
    assert {row["factorItems"] for row in rows} == {"5"}


def test_dire_interpersonal_factors_are_vent_and_reassurance_seek(store):
    rows = answer(store, "dire-interpersonal-factors")
    assert labels(rows, "factorLabel") == ["DIRE reassurance-seek factor", "DIRE vent factor"]
    intrapersonal = store.select("""
        PREFIX ierkg: <https://w3id.org/ierkg/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label WHERE { ?f ierkg:isPartOf ierkg:DIRE ; ierkg:measures ierkg:IntrapersonalRegulation ; rdfs:label ?label }
    """)
    assert sorted(row["label"] for row in intrapersonal) == ["DIRE accept factor", "DIRE avoid factor"]


def test_disorders_linked_to_reassurance_seeking(store):
    rows = answer(store, "disorders-linked-to-reassurance-seeking")
    found = sorted((r["disorderLabel"], r["linkLabel"], r["patternLabel"]) for r in rows)
    assert found == [
        ("depression", "has vulnerability factor", "excessive reassurance seeking"),
        ("generalized anxiety disorder", "shows pattern", "reassurance seeking"),
        ("obsessive-compulsive disorder", "shows pattern", "reassurance seeking"),
    ]
    assert all(r.get("sourceLabel") for r in rows), "every link cites its evidence"


def test_social_baseline_theory_names_risk_distribution_load_sharing_and_capitalization(store):
    assert labels(answer(store, "theory-of-risk-load-capitalization"), "theoryLabel") == [
        "social baseline theory"
    ]


def test_related_processes_without_intent_are_contagion_and_sharing(store):
    assert labels(answer(store, "related-processes-without-intent"), "processLabel") == [
        "emotional contagion",
        "social sharing",
    ]


def test_an_episode_without_a_goal_is_modulation_not_regulation(store):
    rows = answer(store, "goalless-episode")
    assert [(r["classLabel"], r["isRegulation"]) for r in rows] == [("modulation", "false")]


def test_dbt_teaches_interpersonal_effectiveness_and_was_developed_for_bpd(store):
    rows = answer(store, "interpersonal-effectiveness-therapy")
    assert [(r["therapyLabel"], r["disorderLabel"]) for r in rows] == [
        ("dialectical behaviour therapy", "borderline personality disorder")
    ]


def test_references_supporting_the_warm_glow(store):
    assert labels(answer(store, "warm-glow-references"), "referenceLabel") == [
        "Andreoni 1990",
        "Harbaugh 1998",
        "Zaki & Mitchell 2011",
        "Zaki & Williams 2013",
    ]


def test_affect_worsening_strategies_are_the_niven_category_and_guilt_induction(store):
    rows = answer(store, "affect-worsening-strategies")
    assert sorted((r["kind"], r["label"]) for r in rows) == [
        ("category", "affect-worsening strategy"),
        ("strategy", "guilt induction"),
    ]


# The evidence questions are one query each.


def test_evidence_for_guilt_induction_lists_each_statement_with_its_reference(store):
    rows = answer(store, "evidence-for")
    wikipedia = "Wikipedia: Interpersonal emotion regulation"
    assert sorted((r["statement"], r["value"], r["referenceLabel"]) for r in rows) == [
        ("changes affect in direction", "worsen affect", wikipedia),
        ("definition", "", wikipedia),
        ("regulates the feelings of", "other-targeted", wikipedia),
    ]


def test_what_marroquin_2011_supports(store):
    rows = answer(store, "reference-supports")
    assert sorted((r["subjectLabel"], r["statement"], r["value"]) for r in rows) == [
        ("Marroquin's account of social support in depression", "concerns disorder", "depression"),
        ("Marroquin's account of social support in depression", "definition", ""),
        ("adaptive", "definition", ""),
        ("depression", "definition", ""),
        ("distraction through conversation", "definition", ""),
        ("distraction through conversation", "has adaptiveness", "adaptive"),
        ("encouraging reappraisal", "definition", ""),
        ("encouraging reappraisal", "has adaptiveness", "adaptive"),
    ]


def test_irq_key_assigns_items_1_to_16_in_fours(store):
    rows = answer(store, "irq-scoring-key")
    key = {r["subscaleLabel"]: sorted(int(i) for i in r["items"].split(",")) for r in rows}
    assert key == {
        "IRQ negative-tendency subscale": [1, 2, 3, 4],
        "IRQ negative-efficacy subscale": [5, 6, 7, 8],
        "IRQ positive-tendency subscale": [9, 10, 11, 12],
        "IRQ positive-efficacy subscale": [13, 14, 15, 16],
    }
    assert {(r["minimum"], r["maximum"], r["ruleLabel"]) for r in rows} == {("1", "7", "sum of item ratings")}
