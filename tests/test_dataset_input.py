"""Unusable coded datasets: each is refused with a message that says where (file:row:column).

And the awkward but usable ones (a byte-order mark, semicolons, a header with no rows, a column
map) are read correctly. Every file here is real and written to tmp_path; the CLI's side of the
same cases is in tests/test_validate_cli_input.py.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from ierkg.datasets.columns import load_column_map
from ierkg.datasets.compiled import CompiledEngine
from ierkg.datasets.tables import DatasetError, open_table
from ierkg.datasets.validation import Report, validate_rdf, validate_table

HEADER = [
    "episode_id",
    "regulator_id",
    "target_ids",
    "interaction_mode",
    "goal",
    "means",
    "process",
    "emotion",
]
ROW = ["e1", "ann", "ann", "live", "improve", "alone", "unknown", "worry"]
BAD = ["e2", "ann", "ann", "livve", "improve", "alone", "unknown", "worry"]  # one unknown code
SCALE = (1.0, 7.0)


@pytest.fixture(scope="module")
def engine() -> CompiledEngine:
    return CompiledEngine()


def lines(*rows: list[str]) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def refusal(path: Path, engine: CompiledEngine, **options) -> DatasetError:
    """The error validating ``path`` raises; reading it row by row must raise the same."""
    with pytest.raises(DatasetError) as raised:
        validate_table(path, engine, **options)
    return raised.value


def read_all(path: Path, **options) -> DatasetError:
    with pytest.raises(DatasetError) as raised:
        list(open_table(path, **options).rows)
    return raised.value


def located(error: DatasetError, path: Path, row: int | None, column: str | None = None) -> bool:
    where = str(path) + (f":{row}" if row is not None else "") + (f":{column}" if column else "")
    return (error.row, error.column) == (row, column) and str(error).startswith(where + ": ")


# --- CSV that cannot be read ------------------------------------------------------------------


def test_bytes_that_are_not_utf8_name_their_row(engine, tmp_path: Path):
    path = write(
        tmp_path / "latin1.csv",
        lines(HEADER, ROW).encode() + "e2,ann,ann,live,improve,alone,unknown,Ärger\n".encode("latin-1"),
    )
    for error in (refusal(path, engine), read_all(path)):
        assert located(error, path, 3)
        assert "not UTF-8" in error.reason and "CSV UTF-8" in error.reason


def test_bytes_that_are_not_utf8_in_the_header(engine, tmp_path: Path):
    path = write(tmp_path / "header.csv", "episode_id,Gefühl\n".encode("latin-1"))
    assert located(refusal(path, engine), path, 1)


def test_a_row_with_too_many_cells(engine, tmp_path: Path):
    path = write(tmp_path / "ragged.csv", lines(HEADER, ROW, [*ROW, "extra"], ROW))
    error = refusal(path, engine)
    assert located(error, path, 3, "I")  # the first cell without a header
    assert "9 cells but the header has 8: its cell in column I ('extra') has no header" in error.reason


def test_a_row_with_too_few_cells(engine, tmp_path: Path):
    path = write(tmp_path / "short.csv", lines(HEADER, ROW, ROW, ROW[:5]))
    error = refusal(path, engine)
    assert located(error, path, 4, "F")  # the first column left without a cell
    assert f"5 cells but the header has 8: it has no cell in column F ({HEADER[5]})" in error.reason


def test_an_unclosed_quote(engine, tmp_path: Path):
    path = write(
        tmp_path / "quote.csv", lines(HEADER, ROW) + 'e2,ann,ann,live,improve,alone,unknown,"worry\n'
    )
    assert located(refusal(path, engine), path, 3)


def test_an_empty_file(engine, tmp_path: Path):
    path = write(tmp_path / "empty.csv", b"")
    error = refusal(path, engine)
    assert located(error, path, 1)
    assert "empty" in error.reason


def test_a_file_of_blank_lines(engine, tmp_path: Path):
    path = write(tmp_path / "blank.csv", "\n  \n\n")
    assert located(refusal(path, engine), path, 1)


def test_a_missing_required_column(engine, tmp_path: Path):
    header = [name for name in HEADER if name != "means"]
    path = write(
        tmp_path / "no-means.csv", lines(header, ["e1", "ann", "ann", "live", "improve", "unknown", "x"])
    )
    error = refusal(path, engine)
    assert located(error, path, 1)
    assert "required column(s) missing: means" in error.reason
    assert "episode_id, regulator_id" in error.reason  # says what the header has instead


def test_a_column_named_twice(engine, tmp_path: Path):
    path = write(tmp_path / "twice.csv", lines(["episode_id", "goal", "goal"], ["e1", "improve", "none"]))
    error = refusal(path, engine)
    assert located(error, path, 1, "C")
    assert "'goal' appears twice (also in column B)" in error.reason


def test_a_column_with_no_name(engine, tmp_path: Path):
    path = write(tmp_path / "unnamed.csv", lines(HEADER[:3] + [""] + HEADER[3:], ROW[:3] + ["x"] + ROW[3:]))
    assert located(refusal(path, engine), path, 1, "D")


def test_a_huge_cell(engine, tmp_path: Path):
    # Longer than Python's csv field limit (131,072 characters): refused, naming the row.
    path = write(tmp_path / "huge.csv", lines(HEADER, ROW, [*ROW[:-1], "x" * 200_000], ROW))
    error = refusal(path, engine)
    assert located(error, path, 3)
    assert "longer than 131,072 characters" in error.reason


def test_a_long_cell_under_the_limit_is_kept_whole(engine, tmp_path: Path):
    path = write(tmp_path / "long.csv", lines(HEADER, [*ROW[:-1], "x" * 100_000]))
    rows = list(open_table(path).rows)
    assert len(rows[0].cells["emotion"]) == 100_000
    assert validate_table(path, engine).rows_read == 1


def test_an_unsupported_file_type(engine, tmp_path: Path):
    path = write(tmp_path / "codes.docx", b"PK")
    assert "unsupported file type '.docx'" in refusal(path, engine).reason


def test_a_file_that_does_not_exist(engine, tmp_path: Path):
    assert "no such file" in refusal(tmp_path / "missing.csv", engine).reason


# --- CSV that is awkward but fine -------------------------------------------------------------


def test_a_header_with_no_rows_is_an_empty_dataset(engine, tmp_path: Path):
    path = write(tmp_path / "header-only.csv", lines(HEADER))
    report = validate_table(path, engine)
    assert (report.rows_read, report.findings, report.conforms) == (0, [], True)


def test_a_byte_order_mark_is_not_part_of_the_first_name(engine, tmp_path: Path):
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + lines(HEADER, ROW, BAD).encode())
    assert open_table(path).header[0] == "episode_id"
    report = validate_table(path, engine, scale=SCALE)
    assert report.rows_read == 2
    assert [(f.row, f.column, f.value) for f in report.findings if f.severity != "Info"] == [
        (3, "interaction_mode", "livve")
    ]


def test_blank_lines_hold_no_episode_and_keep_row_numbers(engine, tmp_path: Path):
    path = write(tmp_path / "gaps.csv", lines(HEADER, ROW) + ",,,,,,,\n\n" + lines(BAD))
    report = validate_table(path, engine)
    assert report.rows_read == 2
    assert [(f.row, f.column) for f in report.findings if f.severity == "Violation"] == [
        (5, "interaction_mode")
    ]


def test_rows_are_numbered_as_a_spreadsheet_shows_them(engine, tmp_path: Path):
    # A quoted cell may hold a line break; a spreadsheet still shows that record as one row,
    # so the next record is row 3, whatever line of the file it starts on.
    with (tmp_path / "multiline.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows([HEADER, [*ROW[:-1], "first line\nsecond line"], BAD])
    report = validate_table(tmp_path / "multiline.csv", engine)
    assert [(f.row, f.column) for f in report.findings if f.severity == "Violation"] == [
        (3, "interaction_mode")
    ]


def test_semicolons_are_recognised_without_a_map(engine, tmp_path: Path):
    path = write(tmp_path / "semicolons.csv", ";".join(HEADER) + "\n" + ";".join(BAD) + "\n")
    report = validate_table(path, engine)
    assert [(f.row, f.column, f.value) for f in report.findings] == [(2, "interaction_mode", "livve")]


def test_semicolons_and_own_headers_through_a_column_map(engine, tmp_path: Path):
    names = ["Episode", "Person", "Ziel-Personen", "Modus", "Ziel", "Mittel", "Prozess", "Gefühl", "Vorher"]
    titles = dict(zip(names, [*HEADER, "affect_before"], strict=True))
    column_map = {
        "@context": "http://www.w3.org/ns/csvw",
        "dialect": {"delimiter": ";"},
        "tableSchema": {
            "columns": [
                {"name": name, "titles": title}
                if name != "affect_before"
                else {"name": name, "titles": title, "datatype": {"minimum": 1, "maximum": 7}}
                for title, name in titles.items()
            ]
        },
    }
    map_path = write(tmp_path / "map.json", json.dumps(column_map))
    rows = [
        names,
        [*ROW, "6,5"],
        ["e2", "ann", "bob", "livve", "improve", "act_on_partner", "unknown", "Ärger", "9"],
    ]
    path = write(tmp_path / "studie.csv", "".join(";".join(row) + "\n" for row in rows))
    report = validate_table(path, engine, load_column_map(map_path))
    assert report.rows_read == 2
    assert sorted((f.row, f.column, f.value) for f in report.findings) == [
        (3, "Modus", "livve"),
        (3, "Vorher", "9"),
    ]
    assert report.cells["interaction_mode"] == "Modus"


def test_two_headers_mapped_to_one_column(engine, tmp_path: Path):
    map_path = write(
        tmp_path / "map.json",
        json.dumps({"tableSchema": {"columns": [{"name": "goal", "titles": ["Ziel", "Goal"]}]}}),
    )
    path = write(
        tmp_path / "data.csv",
        lines([*HEADER[:4], "Ziel", "Goal", *HEADER[5:]], [*ROW[:5], "improve", *ROW[5:]]),
    )
    error = refusal(path, engine, column_map=load_column_map(map_path))
    assert located(error, path, 1)
    assert "'Ziel' and 'Goal'" in error.reason


# --- column maps that cannot be read ----------------------------------------------------------


def test_a_column_map_that_is_not_json_names_line_and_column(tmp_path: Path):
    path = write(
        tmp_path / "map.json",
        '{\n  "tableSchema": {\n    "columns": [\n      {"name": "goal",}\n    ]\n  }\n}\n',
    )
    with pytest.raises(DatasetError) as raised:
        load_column_map(path)
    assert located(raised.value, path, 4, "23")
    assert "not valid JSON" in raised.value.reason


def test_a_column_map_naming_an_unknown_column(tmp_path: Path):
    path = write(
        tmp_path / "map.json",
        json.dumps({"tableSchema": {"columns": [{"name": "goal"}, {"name": "mood", "titles": "Stimmung"}]}}),
    )
    with pytest.raises(DatasetError) as raised:
        load_column_map(path)
    reason = raised.value.reason
    assert reason.startswith("tableSchema.columns[2]: 'mood' is not an ierkg column")
    assert "episode_id" in reason and "partner_response" in reason  # lists the columns it could be


def test_a_column_map_without_columns(tmp_path: Path):
    path = write(tmp_path / "map.json", json.dumps({"columns": []}))
    with pytest.raises(DatasetError, match="tableSchema"):
        load_column_map(path)


def test_a_column_map_with_a_scale_that_is_not_numeric(tmp_path: Path):
    column = {"name": "affect_before", "datatype": {"minimum": "low", "maximum": 7}}
    path = write(tmp_path / "map.json", json.dumps({"tableSchema": {"columns": [column]}}))
    with pytest.raises(
        DatasetError,
        match=r"tableSchema\.columns\[1\]: a scale needs \"minimum\" and \"maximum\" that are finite",
    ):
        load_column_map(path)


# --- XLSX --------------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_workbook_is_read_from_the_named_sheet(engine, tmp_path: Path):
    path = workbook(
        tmp_path / "study.xlsx",
        {"Notes": [["read me"]], "Coding": [HEADER, ROW, BAD]},
    )
    report = validate_table(path, engine, sheet="Coding")
    assert report.rows_read == 2
    assert [(f.row, f.column, f.value) for f in report.findings] == [(3, "interaction_mode", "livve")]


def test_a_sheet_that_is_not_in_the_workbook(engine, tmp_path: Path):
    path = workbook(tmp_path / "study.xlsx", {"Coding": [HEADER, ROW], "Notes": [["x"]]})
    error = refusal(path, engine, sheet="Codes")
    assert str(error).startswith(f"{path}: ")
    assert "no sheet named 'Codes'" in error.reason and "'Coding', 'Notes'" in error.reason


def test_a_workbook_that_is_not_a_zip(engine, tmp_path: Path):
    path = write(tmp_path / "renamed.xlsx", lines(HEADER, ROW))
    error = refusal(path, engine)
    assert str(error).startswith(f"{path}: ")
    assert "not a readable XLSX workbook" in error.reason


def test_an_empty_sheet(engine, tmp_path: Path):
    path = workbook(tmp_path / "empty.xlsx", {"Coding": []})
    error = refusal(path, engine)
    assert located(error, path, 1)
    assert "'Coding' is empty" in error.reason


def test_a_value_beyond_the_last_named_column(engine, tmp_path: Path):
    path = workbook(tmp_path / "wide.xlsx", {"Coding": [HEADER, ROW, [*ROW, None, "stray"]]})
    error = refusal(path, engine)
    assert located(error, path, 3, "J")


def test_a_sheet_name_for_a_csv_file(engine, tmp_path: Path):
    path = write(tmp_path / "data.csv", lines(HEADER, ROW))
    assert "XLSX workbooks only" in refusal(path, engine, sheet="Coding").reason


# --- RDF input ---------------------------------------------------------------------------------


def test_rdf_episodes_of_every_kind_are_counted(engine, tmp_path: Path):
    # The shapes check instances of Episode's subclasses too, so the count of episodes read must
    # include them, or "episodes without problems" comes out wrong (here it would be negative).
    path = write(
        tmp_path / "episodes.ttl",
        "@prefix ierkg: <https://w3id.org/ierkg/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        '<urn:x:a> a ierkg:LiveInteractionEpisode ; dcterms:identifier "a" .\n'
        '<urn:x:b> a ierkg:RelatedProcess ; dcterms:identifier "b" .\n',
    )
    report: Report = validate_rdf(path, engine)
    assert {f.node for f in report.findings} == {"urn:x:a", "urn:x:b"}
    assert (report.rows_read, report.rows_with_problems, report.rows_valid) == (2, 2, 0)


def test_a_text_table_estimates_its_rows_for_the_progress_bar(tmp_path: Path):
    from ierkg.datasets.tables import estimated_rows

    assert estimated_rows(write(tmp_path / "a.csv", lines(HEADER, ROW, ROW))) == 2
    assert estimated_rows(write(tmp_path / "b.csv", lines(HEADER, ROW).rstrip("\n"))) == 1  # no last newline
    assert estimated_rows(write(tmp_path / "c.tsv", lines(HEADER))) == 0
    assert estimated_rows(tmp_path / "missing.csv") is None
    assert estimated_rows(write(tmp_path / "d.xlsx", b"PK")) is None  # not a workbook: no total
    from openpyxl import Workbook

    book = Workbook()
    for row in (HEADER, ROW, ROW, ROW):
        book.active.append(row)
    book.save(tmp_path / "e.xlsx")
    assert estimated_rows(tmp_path / "e.xlsx") == 3
