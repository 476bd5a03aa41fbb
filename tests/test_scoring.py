"""Questionnaire scoring: the IRQ key from the ontology, user key files, and shapes/instruments.ttl.

Every data and key file here is written by the test itself. The IERQ and EROS keys below are
MADE UP for testing: they are not the questionnaires' published keys, which ierkg does not have.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import Workbook
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ierkg.datasets.scoring import (
    render_findings_csv,
    render_scores_csv,
    score_table,
    score_text,
)
from ierkg.datasets.scoring_checks import IQ, compile_shapes, instrument_shapes
from ierkg.datasets.scoring_keys import (
    ScoringError,
    key_problems,
    load_instrument,
    ontology_key,
    read_key_file,
    scoring_key,
)
from ierkg.datasets.spreadsheet import neutralised
from ierkg.datasets.tables import DatasetError
from ierkg.errors import IerkgError

IRQ_HEADER = ["respondent_id", "age", *[f"irq_{n}" for n in range(1, 17)]]


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    path.write_text("".join(",".join(str(cell) for cell in row) + "\n" for row in rows), encoding="utf-8")
    return path


def irq_file(tmp_path: Path, *respondents: list[object], name: str = "irq.csv") -> Path:
    return write_csv(tmp_path / name, [IRQ_HEADER, *respondents])


def scores_of(result) -> dict[str, dict[str, object]]:
    return {f"{row.row}:{row.respondent_id}": row.scores for row in result.rows}


def rules_at(result, row: int, column: str) -> list[tuple[str, str, str]]:
    return [
        (f.rule, f.severity, f.value) for f in result.report.findings if f.row == row and f.column == column
    ]


# --- the IRQ, scored with the key the ontology gives --------------------------------------------


def test_irq_key_is_read_from_the_ontology():
    key = ontology_key(load_instrument("irq"))
    assert (key.minimum, key.maximum) == (1, 7)
    assert [(k.column, k.items, k.rule) for k in key.scales] == [
        ("irq_negative_tendency", (1, 2, 3, 4), "sum"),
        ("irq_negative_efficacy", (5, 6, 7, 8), "sum"),
        ("irq_positive_tendency", (9, 10, 11, 12), "sum"),
        ("irq_positive_efficacy", (13, 14, 15, 16), "sum"),
    ]
    assert key.items() == list(range(1, 17))
    assert key.source == "ontology"


def test_irq_sums_of_hand_made_respondents(tmp_path):
    data = irq_file(
        tmp_path,
        ["p01", 30, *[1] * 16],
        ["p02", 41, *[7] * 16],
        ["p03", 25, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1, 2],
    )
    result = score_table(data, "irq")
    assert result.report.findings == []
    assert scores_of(result) == {
        "2:p01": {
            "irq_negative_tendency": 4,
            "irq_negative_efficacy": 4,
            "irq_positive_tendency": 4,
            "irq_positive_efficacy": 4,
        },
        "3:p02": {
            "irq_negative_tendency": 28,
            "irq_negative_efficacy": 28,
            "irq_positive_tendency": 28,
            "irq_positive_efficacy": 28,
        },
        "4:p03": {
            "irq_negative_tendency": 10,
            "irq_negative_efficacy": 19,
            "irq_positive_tendency": 14,
            "irq_positive_efficacy": 16,
        },
    }
    assert render_scores_csv(result) == (
        "respondent_id,row,irq_negative_tendency,irq_negative_efficacy,irq_positive_tendency,irq_positive_efficacy\n"
        "p01,2,4,4,4,4\n"
        "p02,3,28,28,28,28\n"
        "p03,4,10,19,14,16\n"
    )


def test_irq_from_xlsx_and_tsv_gives_the_same_scores(tmp_path):
    rows = [IRQ_HEADER, ["p01", 30, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3]]
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(tmp_path / "irq.xlsx")
    (tmp_path / "irq.tsv").write_text("".join("\t".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    expected = {
        "irq_negative_tendency": 14,
        "irq_negative_efficacy": 16,
        "irq_positive_tendency": 18,
        "irq_positive_efficacy": 13,
    }
    for name in ("irq.xlsx", "irq.tsv"):
        result = score_table(tmp_path / name, "irq")
        assert result.report.findings == []
        assert result.rows[0].scores == expected


def test_out_of_range_and_non_integer_ratings_are_violations_and_block_their_scale(tmp_path):
    data = irq_file(
        tmp_path,
        ["p01", 30, 8, 1, 1, 1, 0, 1, 1, 1, "x", 1, 1, 1, 3.5, 1, 1, 1],
        ["p02", 30, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 7],
    )
    result = score_table(data, "irq")
    assert rules_at(result, 2, "irq_1") == [("RatingWithinScale", "Violation", "8")]
    assert rules_at(result, 2, "irq_5") == [("RatingWithinScale", "Violation", "0")]
    assert rules_at(result, 2, "irq_9") == [("RatingIsWholeNumber", "Violation", "x")]
    assert rules_at(result, 2, "irq_13") == [("RatingIsWholeNumber", "Violation", "3.5")]
    assert rules_at(result, 3, "irq_1") == [("RatingWithinScale", "Violation", "-1")]
    assert len(result.report.findings) == 5
    assert not result.report.conforms
    assert scores_of(result) == {
        "2:p01": {
            "irq_negative_tendency": None,
            "irq_negative_efficacy": None,
            "irq_positive_tendency": None,
            "irq_positive_efficacy": None,
        },
        "3:p02": {
            "irq_negative_tendency": None,
            "irq_negative_efficacy": 4,
            "irq_positive_tendency": 4,
            "irq_positive_efficacy": 10,
        },
    }
    finding = result.report.findings[0]
    assert finding.location() == f"{data}:2:irq_1"
    assert "outside the questionnaire's response scale" in finding.message


def test_a_whole_number_written_with_zero_decimals_counts(tmp_path):
    data = irq_file(tmp_path, ["p01", 30, "3.0", "+2", "04", 1, *[1] * 12])
    result = score_table(data, "irq")
    assert result.report.findings == []
    assert result.rows[0].scores["irq_negative_tendency"] == 10


def test_missing_item_is_a_warning_and_its_scale_is_not_prorated(tmp_path):
    data = irq_file(tmp_path, ["p01", 30, 5, "", 5, 5, *[2] * 12])
    result = score_table(data, "irq")
    assert [(f.row, f.column, f.rule, f.severity) for f in result.report.findings] == [
        (2, "irq_2", "EveryItemAnswered", "Warning")
    ]
    assert result.report.conforms  # missing answers are incomplete data, not wrong data
    assert result.rows[0].scores == {
        "irq_negative_tendency": None,
        "irq_negative_efficacy": 8,
        "irq_positive_tendency": 8,
        "irq_positive_efficacy": 8,
    }
    assert render_scores_csv(result).splitlines()[1] == "p01,2,,8,8,8"


def test_duplicate_and_missing_respondent_ids(tmp_path):
    data = irq_file(tmp_path, ["p01", 30, *[1] * 16], ["p01", 31, *[2] * 16], ["", 32, *[3] * 16])
    result = score_table(data, "irq")
    assert [(f.row, f.column, f.rule, f.value) for f in result.report.findings] == [
        (2, "respondent_id", "RespondentIdUnique", "p01"),
        (3, "respondent_id", "RespondentIdUnique", "p01"),
        (4, "respondent_id", "RespondentIdPresent", ""),
    ]
    # The rows are still scored (the scores do not depend on the id) and kept apart by row number.
    assert render_scores_csv(result).splitlines()[1:] == ["p01,2,4,4,4,4", "p01,3,8,8,8,8", ",4,12,12,12,12"]


def test_scores_csv_neutralises_formulas_in_ids(tmp_path):
    data = irq_file(tmp_path, ["=HYPERLINK(1)", 30, *[1] * 16], ["-5", 30, *[1] * 16], ["@x", 30, *[1] * 16])
    lines = render_scores_csv(score_table(data, "irq")).splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["'=HYPERLINK(1)", "'-5", "'@x"]
    assert [neutralised(t) for t in ("+1", "\tx", "\rx", "ok", "")] == ["'+1", "'\tx", "'\rx", "ok", ""]


def test_findings_csv_names_file_row_column_and_value(tmp_path):
    data = irq_file(tmp_path, ["p01", 30, "=1+1", *[1] * 15])
    text = render_findings_csv(score_table(data, "irq").report.findings)
    assert text.splitlines() == [
        "file,row,column,value,severity,rule,message",
        (
            f"{data},2,irq_1,'=1+1,Violation,RatingIsWholeNumber,An item rating must be a whole number on the "
            "response scale; the scales that include this item get no score."
        ),
    ]


def test_custom_prefix_and_id_column(tmp_path):
    data = write_csv(
        tmp_path / "q.csv",
        [["Person", *[f"Q{n:02d}" for n in range(1, 17)]], ["a", *range(1, 8), *range(1, 8), 1, 1]],
    )
    result = score_table(data, "irq", prefix="q", id_column="person")
    assert result.columns.id_header == "Person"
    assert result.columns.items[1] == "Q01"
    assert result.rows[0].scores["irq_negative_tendency"] == 10
    assert render_scores_csv(result).splitlines()[0].startswith("Person,row,")


@pytest.mark.parametrize(
    "header, message",
    [
        (["respondent_id", *[f"irq_{n}" for n in range(1, 16)]], "no column for item(s) 16 of the IRQ"),
        (["respondent_id", *[f"irq_{n}" for n in range(1, 18)]], "names item 17, but the IRQ"),
        (["id", *[f"irq_{n}" for n in range(1, 17)]], "there is no 'respondent_id' column"),
        (
            ["respondent_id", "irq_01", *[f"irq_{n}" for n in range(1, 17)]],
            "'irq_01' and 'irq_1' both hold item 1",
        ),
    ],
)
def test_unusable_item_columns_are_errors_that_say_what_to_fix(tmp_path, header, message):
    data = write_csv(tmp_path / "bad.csv", [header, ["p01", *[1] * (len(header) - 1)]])
    with pytest.raises(DatasetError) as caught:
        score_table(data, "irq")
    assert message in str(caught.value)
    assert caught.value.row == 1


def test_header_without_respondents_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="no respondents"):
        score_table(irq_file(tmp_path), "irq")


def test_irq_refuses_a_user_key(tmp_path):
    key = write_csv(tmp_path / "key.csv", [["scale", "item", "minimum", "maximum", "rule"]])
    with pytest.raises(ScoringError, match="ships with ierkg"):
        score_table(irq_file(tmp_path, ["p01", 30, *[1] * 16]), "irq", key_file=key)


def test_unknown_instrument_lists_the_known_ones(tmp_path):
    with pytest.raises(ScoringError, match="no questionnaire called 'xyz'.*IRQ"):
        load_instrument("xyz")


# --- IERQ and EROS: no key ships, a key file is required ----------------------------------------

# A MADE-UP TEST KEY: not the IERQ's published key (ierkg has no source for that). It only has
# the structure the ontology gives: four factors of five items, twenty items in all.
MADE_UP_IERQ_TEST_KEY = [
    ["scale", "item", "reverse", "minimum", "maximum", "rule"],
    *[["Enhancing Positive Affect", n, "", 1, 5, "mean"] for n in (2, 7, 11, 16, 20)],
    *[["perspective-taking", n, "", 1, 5, "mean"] for n in (1, 5, 10, 13, 18)],
    *[["IERQ Soothing factor", n, "yes" if n == 3 else "no", 1, 5, "mean"] for n in (3, 8, 12, 15, 19)],
    *[["IERQSocialModelingFactor", n, "", 1, 5, "sum"] for n in (4, 6, 9, 14, 17)],
]


def ierq_data(tmp_path: Path, *respondents: list[object]) -> Path:
    return write_csv(
        tmp_path / "ierq.csv", [["respondent_id", *[f"ierq_{n}" for n in range(1, 21)]], *respondents]
    )


def test_ierq_without_a_key_explains_the_key_file(tmp_path):
    with pytest.raises(ScoringError) as caught:
        score_table(ierq_data(tmp_path, ["p01", *[1] * 20]), "ierq")
    message = str(caught.value)
    assert "no scoring key for the IERQ ships with ierkg" in message
    assert "--key FILE" in message and "scale, item, reverse, minimum, maximum and rule" in message
    assert "docs/scoring.md" in message
    for factor in ("Enhancing Positive Affect", "Perspective Taking", "Soothing", "Social Modeling"):
        assert factor in message


def test_eros_without_a_key_is_refused_too():
    with pytest.raises(ScoringError, match="no scoring key for the EROS"):
        scoring_key(load_instrument("eros"))


def test_ierq_with_the_made_up_test_key(tmp_path):
    key = write_csv(tmp_path / "TEST-ONLY-ierq-key.csv", MADE_UP_IERQ_TEST_KEY)
    ratings = {n: (n % 5) + 1 for n in range(1, 21)}  # item n is rated (n mod 5) + 1
    data = ierq_data(tmp_path, ["p01", *[ratings[n] for n in range(1, 21)]])
    result = score_table(data, "ierq", key_file=key)
    assert result.report.findings == []
    assert result.key.source == str(key)
    assert result.score_columns == [
        "ierq_enhancing_positive_affect",
        "ierq_perspective_taking",
        "ierq_soothing",
        "ierq_social_modeling",
    ]
    scores = result.rows[0].scores
    # items 2, 7, 11, 16, 20 are rated 3, 3, 2, 2, 1: mean 11/5
    assert scores["ierq_enhancing_positive_affect"] == Fraction(11, 5)
    # items 1, 5, 10, 13, 18 are rated 2, 1, 1, 4, 4: mean 12/5
    assert scores["ierq_perspective_taking"] == Fraction(12, 5)
    # items 3 (reversed: 1 + 5 - 4 = 2), 8, 12, 15, 19 are rated 2, 4, 3, 1, 5: mean 3
    assert scores["ierq_soothing"] == 3
    # items 4, 6, 9, 14, 17 are rated 5, 2, 5, 5, 3: sum 20
    assert scores["ierq_social_modeling"] == 20
    assert render_scores_csv(result).splitlines()[1] == "p01,2,2.2,2.4,3,20"


def test_ierq_key_ratings_are_checked_against_the_key_scale(tmp_path):
    key = write_csv(tmp_path / "TEST-ONLY-ierq-key.csv", MADE_UP_IERQ_TEST_KEY)
    data = ierq_data(tmp_path, ["p01", 6, *[1] * 19])
    result = score_table(data, "ierq", key_file=key)
    assert rules_at(result, 2, "ierq_1") == [("RatingWithinScale", "Violation", "6")]
    assert result.rows[0].scores["ierq_perspective_taking"] is None
    assert result.rows[0].scores["ierq_soothing"] == Fraction(9, 5)  # item 3 reversed: 5, then 1, 1, 1, 1


def replaced(rows: list[list[object]], row: int, column: int, value: object) -> list[list[object]]:
    copy = [list(r) for r in rows]
    copy[row][column] = value
    return copy


@pytest.mark.parametrize(
    "rows, row, column, message",
    [
        (
            replaced(MADE_UP_IERQ_TEST_KEY, 1, 0, "Happiness"),
            2,
            "scale",
            "'Happiness' is not a scale of this questionnaire; the IERQ's scales in the ontology are",
        ),
        (replaced(MADE_UP_IERQ_TEST_KEY, 3, 1, "two"), 4, "item", "'two' is not an item number"),
        (replaced(MADE_UP_IERQ_TEST_KEY, 3, 1, 0), 4, "item", "'0' is not an item number"),
        (
            replaced(MADE_UP_IERQ_TEST_KEY, 3, 1, 7),
            4,
            "item",
            "item 7 is already in Enhancing Positive Affect",
        ),
        (
            replaced(MADE_UP_IERQ_TEST_KEY, 5, 4, 7),
            6,
            "minimum",
            "this row gives the response scale 1-7, but earlier rows give 1-5",
        ),
        (replaced(MADE_UP_IERQ_TEST_KEY, 1, 4, 1), 2, "maximum", "the maximum must exceed the minimum"),
        (
            replaced(MADE_UP_IERQ_TEST_KEY, 1, 5, "median"),
            2,
            "rule",
            "unknown rule 'median'; use sum or mean",
        ),
        (
            replaced(MADE_UP_IERQ_TEST_KEY, 2, 5, "sum"),
            3,
            "rule",
            "row 2 scores Enhancing Positive Affect by mean",
        ),
        (replaced(MADE_UP_IERQ_TEST_KEY, 1, 2, "maybe"), 2, "reverse", "'maybe' is not yes or no"),
        (replaced(MADE_UP_IERQ_TEST_KEY, 1, 3, ""), 2, "minimum", "the minimum is empty"),
    ],
)
def test_key_file_rows_that_do_not_fit_name_their_cell(tmp_path, rows, row, column, message):
    key = write_csv(tmp_path / "key.csv", rows)
    with pytest.raises(DatasetError) as caught:
        read_key_file(key, load_instrument("ierq"))
    assert message in str(caught.value)
    assert (caught.value.row, caught.value.column) == (row, column)


@pytest.mark.parametrize(
    "rows, message",
    [
        # a sixth item for one factor, four for another: the total is still twenty
        (
            replaced(MADE_UP_IERQ_TEST_KEY, 5, 0, "Perspective Taking"),
            (
                "IERQ Enhancing Positive Affect factor has 5 items, but the key gives it 4; "
                "IERQ Perspective Taking factor has 5 items, but the key gives it 6"
            ),
        ),
        (
            MADE_UP_IERQ_TEST_KEY[:-1],
            (
                "IERQ Social Modeling factor has 5 items, but the key gives it 4; the IERQ has 20 items, but the key "
                "places only 19 of them in a scale (missing: 17)"
            ),
        ),
        (replaced(MADE_UP_IERQ_TEST_KEY, 20, 1, 21), "the IERQ has 20 items, so there is no item 21"),
    ],
)
def test_keys_that_disagree_with_the_ontology_item_counts(tmp_path, rows, message):
    key = write_csv(tmp_path / "key.csv", rows)
    with pytest.raises(DatasetError) as caught:
        read_key_file(key, load_instrument("ierq"))
    assert "this key does not fit the IERQ as the ontology describes it" in str(caught.value)
    assert message in str(caught.value)


def test_key_file_structure_errors(tmp_path):
    ierq = load_instrument("ierq")
    with pytest.raises(DatasetError, match="lacks the column\\(s\\) rule"):
        read_key_file(write_csv(tmp_path / "a.csv", [["scale", "item", "minimum", "maximum"]]), ierq)
    with pytest.raises(DatasetError, match="no rows below its header"):
        read_key_file(write_csv(tmp_path / "b.csv", [MADE_UP_IERQ_TEST_KEY[0]]), ierq)


def test_response_scale_must_match_the_ontology_where_it_gives_one():
    key = ontology_key(load_instrument("irq"))
    assert key_problems(key) == []
    assert key_problems(dataclasses.replace(key, maximum=5)) == [
        "the key's response scale is 1-5, but the IRQ is rated 1-7"
    ]


# A MADE-UP EROS TEST KEY: not the published one. It keys the two subscales (10 and 9 items, as
# the ontology says) and one factor inside the intrinsic subscale.
MADE_UP_EROS_TEST_KEY = [
    ["Scale", "Item", "Minimum", "Maximum", "Rule"],
    *[["intrinsic", n, 1, 5, "mean"] for n in range(1, 11)],
    *[["EROS extrinsic subscale", n, 1, 5, "mean"] for n in range(11, 20)],
    *[["intrinsic affect-improving", n, 1, 5, "mean"] for n in (1, 2)],
]


def test_eros_subscales_and_a_factor_with_a_made_up_test_key(tmp_path):
    key = write_csv(tmp_path / "TEST-ONLY-eros-key.csv", MADE_UP_EROS_TEST_KEY)
    data = write_csv(
        tmp_path / "eros.csv",
        [["respondent_id", *[f"eros_{n}" for n in range(1, 20)]], ["p01", *[2] * 10, *[4] * 9]],
    )
    result = score_table(data, "eros", key_file=key)
    assert result.report.findings == []
    assert result.rows[0].scores == {
        "eros_intrinsic": 2,
        "eros_extrinsic": 4,
        "eros_intrinsic_affect_improving": 2,
    }


def test_eros_factor_items_must_belong_to_its_subscale(tmp_path):
    rows = replaced(MADE_UP_EROS_TEST_KEY, 20, 1, 12)  # a factor of the intrinsic subscale takes item 12
    with pytest.raises(
        DatasetError, match="is part of EROS intrinsic subscale, but the key puts item\\(s\\) 12"
    ):
        read_key_file(write_csv(tmp_path / "key.csv", rows), load_instrument("eros"))


def test_eros_subscale_count_is_checked(tmp_path):
    rows = [row for row in MADE_UP_EROS_TEST_KEY if row[1] != 10]  # intrinsic keeps 9 items
    with pytest.raises(DatasetError, match="EROS intrinsic subscale has 10 items, but the key gives it 9"):
        read_key_file(write_csv(tmp_path / "key.csv", rows), load_instrument("eros"))


# --- every shape in shapes/instruments.ttl: a failing and a passing example ---------------------

# shape -> (a respondent row that breaks it, the column it points at, a row that passes it)
SHAPE_EXAMPLES = {
    "RespondentIdPresent": (["", 30, *[1] * 16], "respondent_id", ["p01", 30, *[1] * 16]),
    "RespondentIdUnique": (["dup", 30, *[1] * 16], "respondent_id", ["p02", 30, *[1] * 16]),
    "RatingIsWholeNumber": (["p03", 30, "2.5", *[1] * 15], "irq_1", ["p03", 30, "2.0", *[1] * 15]),
    "RatingWithinScale": (["p04", 30, 1, 9, *[1] * 14], "irq_2", ["p04", 30, 1, 7, *[1] * 14]),
    "EveryItemAnswered": (["p05", 30, 1, 1, "", *[1] * 13], "irq_3", ["p05", 30, 1, 1, 1, *[1] * 13]),
}


def test_every_shape_has_an_example():
    shapes = Graph().parse(instrument_shapes(), format="turtle")
    named = {str(s)[len(str(IQ)) :] for s in shapes.subjects(RDF.type, None) if str(s).startswith(str(IQ))}
    assert named == set(SHAPE_EXAMPLES)
    for shape in named:
        assert shapes.value(URIRef(IQ[shape]), URIRef("http://www.w3.org/ns/shacl#severity")) is not None


@pytest.mark.parametrize("engine", ["pyshacl", "compiled"])
@pytest.mark.parametrize("shape", sorted(SHAPE_EXAMPLES))
def test_shape_fails_on_its_bad_example_and_passes_its_good_one(tmp_path, engine, shape):
    bad, column, good = SHAPE_EXAMPLES[shape]
    partner = ["dup", 31, *[1] * 16] if shape == "RespondentIdUnique" else ["other", 31, *[1] * 16]
    failing = score_table(irq_file(tmp_path, bad, partner, name="bad.csv"), "irq", engine=engine)
    assert [(f.row, f.column, f.rule) for f in failing.report.findings if f.row == 2] == [(2, column, shape)]
    assert failing.report.findings[0].message.strip()
    passing = score_table(irq_file(tmp_path, good, partner, name="good.csv"), "irq", engine=engine)
    assert passing.report.findings == []


def test_compiled_engine_matches_pyshacl_on_a_messy_file(tmp_path):
    data = irq_file(
        tmp_path,
        ["a", 1, 8, 0, "x", 3.5, "", "-2", "=1", *[1] * 9],
        ["a", 1, *[1] * 16],
        ["", 1, "", "", *[7] * 14],
        ["b", 1, "1.0", "1.5", "07", "7.00", *[" "] * 12],
    )
    compiled = score_table(data, "irq", engine="compiled")
    reference = score_table(data, "irq", engine="pyshacl")
    assert len(compiled.report.findings) == 25  # 8 + 1 + 3 + 13, row by row
    assert compiled.report.findings == reference.report.findings
    assert compiled.rows == reference.rows


def test_compiled_engine_refuses_what_it_cannot_compile(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:PropertyShape ; sh:targetClass <urn:C> ; sh:path <urn:p> ; sh:maxCount 1 .\n",
        encoding="utf-8",
    )
    with pytest.raises(IerkgError, match="does not support"):
        compile_shapes(str(shapes))


def test_score_text():
    assert [
        score_text(v) for v in (None, 12, Fraction(10, 3), Fraction(7, 2), Fraction(8, 2), Fraction(1, 8))
    ] == ["", "12", "3.3333", "3.5", "4", "0.125"]


def test_eros_factors_cannot_hold_more_items_than_their_subscale(tmp_path):
    rows = [
        ["scale", "item", "minimum", "maximum", "rule"],
        *[["intrinsic affect-improving", n, 1, 5, "mean"] for n in range(1, 7)],
        *[["intrinsic affect-worsening", n, 1, 5, "mean"] for n in range(7, 12)],
    ]
    with pytest.raises(
        DatasetError, match="EROS intrinsic subscale has 10 items, but the key gives its parts 11"
    ):
        read_key_file(write_csv(tmp_path / "key.csv", rows), load_instrument("eros"))


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(IerkgError, match="unknown engine 'fast'"):
        score_table(irq_file(tmp_path, ["p01", 30, *[1] * 16]), "irq", engine="fast")
