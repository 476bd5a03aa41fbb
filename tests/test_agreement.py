"""Coder agreement on real files, checked against figures worked out by hand in the comments.

Notation in the comments: p_o = observed agreement, p_e = agreement expected by chance,
kappa = (p_o - p_e) / (1 - p_e). For Krippendorff's alpha (nominal), o(c,k) are the
coincidences: each episode coded by m coders adds 1/(m-1) for every ordered pair of values
from two different coders; n = the sum of all coincidences, n_c = the row sums,
D_o = (sum of o(c,k) with c != k) / n, D_e = (n^2 - sum n_c^2) / (n (n - 1)), alpha = 1 - D_o/D_e.
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import Workbook

from ierkg.datasets.agreement import (
    AgreementError,
    _csv_cell,
    cohen_kappa,
    compare_coders,
    render_disagreements_csv,
    render_json,
    render_statistics_csv,
    render_text,
)
from ierkg.datasets.columns import load_column_map
from ierkg.datasets.tables import DatasetError


def write(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def coders(folder: Path, column: str, *codings: list[str], names: str = "abc") -> list[Path]:
    """One file per coder, episodes e1, e2, ... in order, one coded column."""
    return [
        write(
            folder,
            f"{names[k]}.csv",
            ["episode_id", column],
            [[f"e{i}", code] for i, code in enumerate(codes, 1)],
        )
        for k, codes in enumerate(codings)
    ]


def close(value: float | None, exact: Fraction) -> bool:
    return value is not None and abs(value - float(exact)) < 1e-9


# --- the statistics, by hand ---------------------------------------------------------------


def test_perfect_agreement(tmp_path):
    a = write(
        tmp_path,
        "a.csv",
        ["episode_id", "means", "process"],
        [
            ["e1", "recruit_partner", "response_dependent"],
            ["e2", "alone", "response_dependent"],
            ["e3", "act_on_partner", "response_dependent"],
            ["e4", "recruit_partner", "response_dependent"],
        ],
    )
    b = write(tmp_path, "b.csv", *_rows_of(a))
    result = compare_coders([a, b])
    means, process = result.columns
    # means: p_o = 4/4 = 1; marginals (2, 1, 1) for both: p_e = (2*2 + 1*1 + 1*1)/16 = 6/16 = 3/8;
    # kappa = (1 - 3/8) / (1 - 3/8) = 1. alpha: no off-diagonal coincidences, D_o = 0, alpha = 1.
    assert means.column == "means" and means.percent_agreement == 100.0
    assert means.kappa == 1.0 and means.alpha == 1.0
    assert (means.n_all, means.n_pairable, means.missing_total) == (4, 4, 0)
    # process: one category only, so p_e = 1 and kappa is 0/0; alpha's D_e is 0 too.
    assert process.percent_agreement == 100.0
    assert process.kappa is None and "only 'response_dependent'" in process.kappa_note
    assert process.alpha is None and "single category" in process.alpha_note
    assert result.disagreements == [] and result.unmatched == [] and result.episodes_compared == 4
    text = render_text(result)
    assert "n/a [1]" in text and "n/a [2]" in text and "kappa is undefined" in text and "nan" not in text


def _rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def test_systematic_disagreement(tmp_path):
    a, b = coders(
        tmp_path,
        "goal",
        ["improve", "worsen", "improve", "worsen"],
        ["worsen", "improve", "worsen", "improve"],
    )
    (goal,) = compare_coders([a, b]).columns
    # p_o = 0/4 = 0; marginals (2 improve, 2 worsen) for both: p_e = (2*2 + 2*2)/16 = 1/2;
    # kappa = (0 - 1/2) / (1 - 1/2) = -1.
    # alpha: o(improve,worsen) = o(worsen,improve) = 4, n = 8, n_improve = n_worsen = 4;
    # D_o = 8/8 = 1; D_e = (64 - 16 - 16) / (8*7) = 32/56 = 4/7; alpha = 1 - 7/4 = -3/4.
    assert goal.percent_agreement == 0.0
    assert close(goal.kappa, Fraction(-1))
    assert close(goal.alpha, Fraction(-3, 4))
    result = compare_coders([a, b])
    assert [(d.episode_id, d.column) for d in result.disagreements] == [
        (f"e{i}", "goal") for i in range(1, 5)
    ]
    first = result.disagreements[0]
    assert [(c.coder, c.row, c.value, c.code) for c in first.cells] == [
        ("a.csv", 2, "improve", "improve"),
        ("b.csv", 2, "worsen", "worsen"),
    ]


def test_unequal_marginals(tmp_path):
    # (a, b) pairs: (live, live) x5, (live, imagined) x1, (imagined, imagined) x2, (alone, live) x1,
    # (alone, alone) x1.
    pairs = [("live", "live")] * 5 + [
        ("live", "imagined"),
        ("imagined", "imagined"),
        ("imagined", "imagined"),
    ]
    pairs += [("alone", "live"), ("alone", "alone")]
    a, b = coders(tmp_path, "interaction_mode", [p[0] for p in pairs], [p[1] for p in pairs])
    (mode,) = compare_coders([a, b]).columns
    # p_o = 8/10. a: live 6, imagined 2, alone 2; b: live 6, imagined 3, alone 1.
    # p_e = (6*6 + 2*3 + 2*1) / 100 = 44/100; kappa = (80/100 - 44/100) / (56/100) = 36/56 = 9/14.
    # alpha: n = 20; n_live = 12, n_imagined = 5, n_alone = 3; off-diagonal coincidences:
    # o(live,imagined) = o(imagined,live) = o(alone,live) = o(live,alone) = 1, so D_o = 4/20 = 1/5;
    # D_e = (400 - 144 - 25 - 9) / (20*19) = 222/380 = 111/190; alpha = 1 - (1/5)(190/111) = 73/111.
    assert close(mode.percent_agreement, Fraction(80))
    assert close(mode.kappa, Fraction(9, 14))
    assert close(mode.alpha, Fraction(73, 111))
    assert cohen_kappa(pairs) == (Fraction(9, 14), "")


def test_missing_cells(tmp_path):
    a, b = coders(
        tmp_path,
        "relationship",
        ["friends", "romantic", "friends", "", "family"],
        ["friends", "romantic", "romantic", "family", ""],
    )
    result = compare_coders([a, b])
    (relationship,) = result.columns
    # Only e1..e3 have both codes: (friends, friends), (romantic, romantic), (friends, romantic).
    # p_o = 2/3; a: friends 2, romantic 1; b: friends 1, romantic 2; p_e = (2*1 + 1*2)/9 = 4/9;
    # kappa = (2/3 - 4/9) / (5/9) = 2/5.
    # alpha (e4, e5 have one value each, so they are not pairable): n = 6, n_friends = n_romantic = 3;
    # o(friends,romantic) = o(romantic,friends) = 1, D_o = 2/6 = 1/3; D_e = (36 - 9 - 9)/30 = 3/5;
    # alpha = 1 - (1/3)(5/3) = 4/9.
    assert close(relationship.percent_agreement, Fraction(200, 3))
    assert close(relationship.kappa, Fraction(2, 5))
    assert close(relationship.alpha, Fraction(4, 9))
    assert relationship.missing == {"a.csv": 1, "b.csv": 1}
    assert (relationship.n_all, relationship.n_pairable) == (3, 3)
    # A blank against a code is missing data to the statistics, but it is counted and listed
    # apart, so it never disappears: e4 (blank, family) and e5 (family, blank).
    assert [(d.episode_id, d.one_sided) for d in result.disagreements] == [
        ("e3", False),
        ("e4", True),
        ("e5", True),
    ]
    assert relationship.one_sided == 2
    assert "(blank)" in render_text(result)
    assert relationship.categories == ("family", "friends", "romantic")


def test_three_coders(tmp_path):
    paths = coders(
        tmp_path,
        "mechanism",
        ["warm_glow", "affiliation", "affect_labeling", "affiliation"],
        ["warm_glow", "affiliation", "affect_labeling", "warm_glow"],
        ["warm_glow", "safety_signal", "", "affiliation"],
    )
    result = compare_coders(paths)
    (mechanism,) = result.columns
    # Pairwise percent agreement: a-b 3/4 (e4 differs), a-c 2/3 (e3 blank in c; e2 differs),
    # b-c 1/3 (e2, e4 differ); mean = (3/4 + 2/3 + 1/3) / 3 = 7/12 = 58.33...%.
    assert [(p.coders, p.n, p.agreed) for p in mechanism.pairs] == [
        (("a.csv", "b.csv"), 4, 3),
        (("a.csv", "c.csv"), 3, 2),
        (("b.csv", "c.csv"), 3, 1),
    ]
    assert close(mechanism.percent_agreement, Fraction(700, 12))
    # alpha: e1 (wg, wg, wg), m = 3: o(wg,wg) += 6/2 = 3. e2 (af, af, ss), m = 3: o(af,af) += 2/2,
    # o(af,ss) += 2/2, o(ss,af) += 2/2. e3 (al, al), m = 2: o(al,al) += 2. e4 (af, wg, af), m = 3:
    # o(af,af) += 1, o(af,wg) += 1, o(wg,af) += 1. n = 11; n_wg = 4, n_af = 4, n_ss = 1, n_al = 2.
    # D_o = 4/11; D_e = (121 - 16 - 16 - 1 - 4) / 110 = 84/110 = 42/55; alpha = 1 - (4/11)(55/42) = 11/21.
    assert close(mechanism.alpha, Fraction(11, 21))
    assert mechanism.kappa is None and "exactly two coders" in mechanism.kappa_note
    assert (mechanism.n_all, mechanism.n_pairable) == (3, 4)
    assert mechanism.missing == {"a.csv": 0, "b.csv": 0, "c.csv": 1}
    # e3 is coded affect_labeling by a and b and left blank by c: listed as one-sided.
    assert [(d.episode_id, d.one_sided) for d in result.disagreements] == [
        ("e2", False),
        ("e3", True),
        ("e4", False),
    ]
    assert mechanism.one_sided == 1
    assert "mean pairwise" in render_text(result)


def test_strategy_is_compared_as_a_set(tmp_path):
    a, b = coders(
        tmp_path,
        "strategy",
        ["venting; seeking_advice", "joking", "soothing"],
        ["Seeking advice;Venting", "joking;soothing", "soothing"],
    )
    result = compare_coders([a, b])
    (strategy,) = result.columns
    # Sets: e1 {seeking_advice, venting} both (order and spelling differ); e2 {joking} vs
    # {joking, soothing}; e3 {soothing} both. p_o = 2/3. Each set is one category; a uses
    # {sa,v}, {j}, {s}; b uses {sa,v}, {j,s}, {s}: p_e = (1*1 + 0 + 1*1)/9 = 2/9;
    # kappa = (2/3 - 2/9) / (7/9) = 4/7.
    # alpha: n = 6; n_{sa,v} = 2, n_{s} = 2, n_{j} = 1, n_{j,s} = 1; D_o = 2/6 = 1/3;
    # D_e = (36 - 4 - 4 - 1 - 1) / 30 = 13/15; alpha = 1 - (1/3)(15/13) = 8/13.
    assert close(strategy.percent_agreement, Fraction(200, 3))
    assert close(strategy.kappa, Fraction(4, 7))
    assert close(strategy.alpha, Fraction(8, 13))
    assert strategy.categories == ("joking", "joking;soothing", "seeking_advice;venting", "soothing")
    (only,) = result.disagreements
    assert [c.code for c in only.cells] == ["joking", "joking;soothing"]


def test_labels_local_names_and_notations_agree(tmp_path):
    header = ["episode_id", "means", "goal"]
    a = write(
        tmp_path,
        "a.csv",
        header,
        [
            ["e1", "Recruit partner", "Improve affect"],
            ["e2", "ACT-ON-PARTNER", "none"],
            ["e3", "by oneself", "worsen"],
            ["e4", "Foo Bar", "improve"],
        ],
    )
    b = write(
        tmp_path,
        "b.csv",
        header,
        [
            ["e1", "recruits the partner", "improve"],
            ["e2", "ActsOnPartner", "no regulatory goal"],
            ["e3", "alone", "WorsenAffect"],
            ["e4", "foo_bar", "improve"],
        ],
    )
    result = compare_coders([a, b])
    goal, means = result.columns  # in the order of the dataset format, not of the header
    assert result.disagreements == []
    assert means.percent_agreement == 100.0 and goal.percent_agreement == 100.0
    assert means.categories == ("act_on_partner", "alone", "foo_bar", "recruit_partner")
    assert goal.categories == ("improve", "none", "worsen")
    # A code outside the vocabulary is still compared (as normalised text), and named.
    assert means.unknown_codes == ("foo_bar",) and goal.unknown_codes == ()
    assert "not in the vocabulary, compared as text: foo_bar" in render_text(result)


def test_a_different_code_is_a_disagreement_even_when_unknown(tmp_path):
    a, b = coders(tmp_path, "setting", ["hospital", "my kitchen"], ["Hospital", "a park"])
    result = compare_coders([a, b])
    assert [(d.episode_id, [c.code for c in d.cells]) for d in result.disagreements] == [
        ("e2", ["my_kitchen", "a_park"])
    ]
    assert result.columns[0].unknown_codes == ("a_park", "my_kitchen")


# --- matching episodes ---------------------------------------------------------------------


def test_duplicate_episode_id_is_an_error_with_its_place(tmp_path):
    a, _ = coders(tmp_path, "means", ["alone", "alone"], ["alone", "alone"])
    b = write(tmp_path, "b.csv", ["means", "episode_id"], [["alone", "e1"], ["alone", "e2"], ["alone", "e1"]])
    with pytest.raises(DatasetError) as caught:
        compare_coders([a, b])
    error = caught.value
    assert (error.path, error.row, error.column) == (str(b), 4, "B")
    assert str(error).startswith(f"{b}:4:B: episode_id 'e1' is already used on row 2")


def test_blank_episode_id_is_an_error(tmp_path):
    a, _ = coders(tmp_path, "means", ["alone"], ["alone"])
    b = write(tmp_path, "b.csv", ["episode_id", "means"], [["e1", "alone"], ["", "alone"]])
    with pytest.raises(DatasetError) as caught:
        compare_coders([a, b])
    assert (caught.value.row, caught.value.column) == (3, "A")
    assert "no episode_id" in str(caught.value)


def test_unmatched_episodes_are_reported(tmp_path):
    a = write(tmp_path, "a.csv", ["episode_id", "means"], [["e1", "alone"], ["e2", "alone"], ["e3", "alone"]])
    b = write(
        tmp_path,
        "b.csv",
        ["episode_id", "means"],
        [["e1", "alone"], ["e2", "act_on_partner"], ["e4", "alone"]],
    )
    result = compare_coders([a, b])
    assert result.episodes_compared == 2
    assert [(u.episode_id, u.present_in, u.missing_from) for u in result.unmatched] == [
        ("e3", ("a.csv",), ("b.csv",)),
        ("e4", ("b.csv",), ("a.csv",)),
    ]
    (means,) = result.columns
    assert (means.n_all, means.percent_agreement) == (2, 50.0)
    text = render_text(result)
    assert "Episodes not in every file: 2" in text and "e3: missing from b.csv" in text
    # With three coders an episode two of them coded is still compared.
    c = write(tmp_path, "c.csv", ["episode_id", "means"], [["e1", "alone"], ["e2", "alone"]])
    result = compare_coders([a, b, c])
    assert result.episodes_compared == 2  # e3 and e4 are each in one file only
    assert [(u.episode_id, u.missing_from) for u in result.unmatched] == [
        ("e3", ("b.csv", "c.csv")),
        ("e4", ("a.csv", "c.csv")),
    ]


def test_an_episode_in_two_of_three_files_is_compared(tmp_path):
    a = write(tmp_path, "a.csv", ["episode_id", "means"], [["e1", "alone"], ["e2", "alone"]])
    b = write(tmp_path, "b.csv", ["episode_id", "means"], [["e1", "alone"], ["e2", "recruit_partner"]])
    c = write(tmp_path, "c.csv", ["episode_id", "means"], [["e1", "alone"]])
    result = compare_coders([a, b, c])
    (means,) = result.columns
    assert result.episodes_compared == 2
    assert [(u.episode_id, u.present_in) for u in result.unmatched] == [("e2", ("a.csv", "b.csv"))]
    assert (means.n_all, means.n_pairable) == (1, 2)
    # c has no row for e2, so that is not one of c's missing cells.
    assert means.missing == {"a.csv": 0, "b.csv": 0, "c.csv": 0}
    (only,) = result.disagreements
    assert [c.row for c in only.cells] == [3, 3, None]


# --- unusable input ------------------------------------------------------------------------


def test_unreadable_file_is_an_error(tmp_path):
    a, _ = coders(tmp_path, "means", ["alone"], ["alone"])
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("episode_id,means\ne1,alone\ne2,r\xe9cup\n".encode("latin-1"))
    with pytest.raises(DatasetError) as caught:
        compare_coders([a, bad])
    assert (caught.value.path, caught.value.row) == (str(bad), 3) and "UTF-8" in str(caught.value)
    with pytest.raises(DatasetError, match="no such file"):
        compare_coders([a, tmp_path / "absent.csv"])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(DatasetError, match="not a readable XLSX workbook"):
        compare_coders([a, broken])


def test_files_that_cannot_be_compared(tmp_path):
    a, b = coders(tmp_path, "means", ["alone"], ["alone"])
    no_id = write(tmp_path, "noid.csv", ["id", "means"], [["e1", "alone"]])
    with pytest.raises(DatasetError) as caught:
        compare_coders([a, no_id])
    assert caught.value.row == 1 and "no episode_id column" in str(caught.value)
    other = write(tmp_path, "other.csv", ["episode_id", "goal"], [["e1", "improve"]])
    with pytest.raises(AgreementError, match="no coded column is in every file"):
        compare_coders([a, other])
    with pytest.raises(AgreementError, match="at least two"):
        compare_coders([a])
    with pytest.raises(DatasetError, match="given twice"):
        compare_coders([a, tmp_path / "." / "a.csv"])
    with pytest.raises(AgreementError, match="'emotion' is not a coded column"):
        compare_coders([a, b], columns=["emotion"])


def test_columns_in_some_files_only_are_named_not_dropped(tmp_path):
    a = write(tmp_path, "a.csv", ["episode_id", "means", "setting"], [["e1", "alone", "prison"]])
    b = write(tmp_path, "b.csv", ["episode_id", "means"], [["e1", "alone"]])
    result = compare_coders([a, b])
    assert [c.column for c in result.columns] == ["means"]
    assert result.skipped_columns == {"setting": ("b.csv",)}
    assert "Not compared: setting is missing from b.csv" in render_text(result)
    with pytest.raises(DatasetError, match="no 'setting' column"):
        compare_coders([a, b], columns=["setting"])


def test_column_map_and_xlsx(tmp_path):
    a = write(tmp_path, "a.csv", ["Episode", "Means used"], [["1", "alone"], ["2", "recruit_partner"]])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Episode", "Means used"])
    sheet.append([1, "Alone"])  # a number in Excel, "1" in the CSV: still the same episode
    sheet.append([2, "act on partner"])
    workbook.save(tmp_path / "b.xlsx")
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "tableSchema": {
                    "columns": [
                        {"name": "episode_id", "titles": "Episode"},
                        {"name": "means", "titles": "Means used"},
                    ]
                }
            }
        ),
        encoding="utf-8",
    )
    result = compare_coders([a, tmp_path / "b.xlsx"], column_map=load_column_map(mapping))
    assert result.episodes_compared == 2 and result.unmatched == []
    assert [(d.episode_id, [c.value for c in d.cells]) for d in result.disagreements] == [
        ("2", ["recruit_partner", "act on partner"])
    ]


# --- output --------------------------------------------------------------------------------


def test_json_has_every_figure_and_says_why_one_is_missing(tmp_path):
    paths = coders(tmp_path, "means", ["alone", "alone"], ["alone", "alone"], ["alone", ""])
    document = json.loads(render_json(compare_coders(paths)))
    (means,) = document["columns"]
    assert means["cohen_kappa"] is None and "exactly two coders" in means["cohen_kappa_note"]
    assert means["krippendorff_alpha"] is None and "single category" in means["krippendorff_alpha_note"]
    assert means["percent_agreement"] == 100.0 and means["missing"] == {"a.csv": 0, "b.csv": 0, "c.csv": 1}
    assert document["percent_agreement_method"].startswith("mean pairwise")
    assert [c["label"] for c in document["coders"]] == ["a.csv", "b.csv", "c.csv"]


def test_csv_output_neutralises_formulas(tmp_path):
    header = ["episode_id", "setting"]
    a = write(tmp_path, "a.csv", header, [["=HYPERLINK(1)", "+cmd"], ["@SUM(1)", "-1"], ["e3", "hospital"]])
    b = write(
        tmp_path, "b.csv", header, [["=HYPERLINK(1)", "hospital"], ["@SUM(1)", "prison"], ["e3", "prison"]]
    )
    result = compare_coders([a, b])
    rows = list(csv.reader(render_disagreements_csv(result).splitlines()))
    assert rows[0] == [
        "episode_id",
        "column",
        "a.csv row",
        "a.csv value",
        "a.csv code",
        "b.csv row",
        "b.csv value",
        "b.csv code",
    ]
    assert rows[1] == ["'=HYPERLINK(1)", "setting", "2", "'+cmd", "'+cmd", "2", "hospital", "hospital"]
    assert rows[2][:5] == ["'@SUM(1)", "setting", "3", "'-1", "'-1"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    # The reader strips cells, so a leading tab or CR can only reach the writer inside other text;
    # the writer guards them all the same.
    assert _csv_cell("\tx") == "'\tx" and _csv_cell("\r=1") == "'\r=1" and _csv_cell(-0.5) == "-0.5"
    # Pairs (+cmd, hospital), (-1, prison), (hospital, prison): p_o = 0; a uses +cmd, -1, hospital once
    # each, b hospital once and prison twice: p_e = (1*1)/9; kappa = (0 - 1/9) / (8/9) = -1/8,
    # written as a number even though it starts with '-'.
    stats = list(csv.DictReader(render_statistics_csv(result).splitlines()))
    assert stats[0]["column"] == "setting" and stats[0]["percent_agreement"] == "0.0"
    assert stats[0]["cohen_kappa"] == "-0.125" and stats[0]["percent_agreement_method"] == "mean pairwise"


def test_no_shared_episode_is_an_error_naming_the_ids(tmp_path):
    # Files with no episode in common were almost surely numbered differently: say so, with ids.
    a = write(tmp_path, "a.csv", ["episode_id", "means"], [["e1", "alone"]])
    b = write(tmp_path, "b.csv", ["episode_id", "means"], [["ep-1", "alone"]])
    with pytest.raises(AgreementError, match="no episode_id is in more than one file") as caught:
        compare_coders([a, b])
    assert "a.csv: e1" in str(caught.value) and "b.csv: ep-1" in str(caught.value)


def test_a_column_nobody_coded_gives_reasons_not_numbers(tmp_path):
    a = write(tmp_path, "a.csv", ["episode_id", "means"], [["e1", ""]])
    b = write(tmp_path, "b.csv", ["episode_id", "means"], [["e1", ""]])
    result = compare_coders([a, b])
    (means,) = result.columns
    assert result.episodes_compared == 1
    assert means.percent_agreement is None and means.percent_note
    assert means.kappa is None and "no episode has a code from both coders" in means.kappa_note
    assert means.alpha is None and "no episode has codes from two or more coders" in means.alpha_note
    assert "nan" not in render_text(result).lower()
