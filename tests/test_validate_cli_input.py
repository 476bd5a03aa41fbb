"""`ierkg validate` on unusable files: exit status 2 and the place (file:row:column) on stderr.

Written against the documented behaviour (0 no violations, 1 violations, 2 the file cannot be
used; never a traceback), running the real command line in a child process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart

from .conftest import run_ierkg

SAMPLE_TTL = (Path(__file__).resolve().parents[1] / "examples" / "sample.ttl").read_text(encoding="utf-8")

HEADER = "episode_id,regulator_id,target_ids,interaction_mode,goal,means,process\n"
ROW = "e1,ann,ann,live,improve,alone,unknown\n"
GOLD = Path(__file__).resolve().parent / "data" / "gold"


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def xlsx(path: Path) -> Path:
    book = Workbook()
    book.active.title = "Coding"
    book.active.append(HEADER.strip().split(","))
    book.save(path)
    return path


# name -> (how to make the file, extra arguments, where the error must point, relative to the file)
UNUSABLE = {
    "not UTF-8": (
        lambda d: write(d / "latin1.csv", (HEADER + ROW).encode() + "e2,Jürgen,ann\n".encode("latin-1")),
        [],
        ":3",
    ),
    "too many cells": (
        lambda d: write(d / "ragged.csv", HEADER + ROW + ROW.strip() + ",extra\n"),
        [],
        ":3:H",
    ),
    "too few cells": (lambda d: write(d / "short.csv", HEADER + ROW + ROW + "e3,ann\n"), [], ":4:C"),
    "empty file": (lambda d: write(d / "empty.csv", b""), [], ":1"),
    "column named twice": (
        lambda d: write(d / "twice.csv", "episode_id,goal,goal\ne1,improve,none\n"),
        [],
        ":1:C",
    ),
    "required column missing": (
        lambda d: write(d / "no-means.csv", "episode_id,goal\ne1,improve\n"),
        [],
        ":1",
    ),
    "sheet not in the workbook": (lambda d: xlsx(d / "study.xlsx"), ["--sheet", "Codes"], ""),
    "workbook not a zip": (lambda d: write(d / "renamed.xlsx", HEADER + ROW), [], ""),
    "RDF with no episode (another vocabulary)": (
        lambda d: write(d / "other.ttl", "@prefix ex: <https://example.org/> .\nex:e1 a ex:Episode .\n"),
        [],
        "",
    ),
    "JSON that holds no RDF": (lambda d: write(d / "numbers.json", "[1, 2, 3]\n"), [], ""),
    "--scale with RDF, which declares its own": (
        lambda d: write(d / "s.ttl", SAMPLE_TTL),
        ["--scale", "1-7"],
        "",
    ),
    "--sheet with RDF": (lambda d: write(d / "s.ttl", SAMPLE_TTL), ["--sheet", "Codes"], ""),
}


@pytest.mark.parametrize("case", list(UNUSABLE), ids=list(UNUSABLE))
def test_an_unusable_file_exits_2_and_says_where(case: str, tmp_path: Path):
    make, arguments, where = UNUSABLE[case]
    path = make(tmp_path)
    result = run_ierkg("validate", str(path), *arguments)
    assert result.returncode == 2, result.stderr
    assert f"{path}{where}: " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_column_map_that_is_not_json_exits_2_with_line_and_column(tmp_path: Path):
    data = write(tmp_path / "data.csv", HEADER + ROW)
    column_map = write(
        tmp_path / "map.json", '{\n  "tableSchema": {\n    "columns": [\n      {"name": "goal",}\n'
    )
    result = run_ierkg("validate", str(data), "--map", str(column_map))
    assert result.returncode == 2, result.stderr
    assert f"{column_map}:4:23: " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_column_map_naming_an_unknown_column_exits_2(tmp_path: Path):
    data = write(tmp_path / "data.csv", HEADER + ROW)
    column_map = write(tmp_path / "map.json", json.dumps({"tableSchema": {"columns": [{"name": "mood"}]}}))
    result = run_ierkg("validate", str(data), "--map", str(column_map))
    assert result.returncode == 2, result.stderr
    assert "'mood' is not an ierkg column" in result.stderr


def test_a_header_with_no_rows_conforms(tmp_path: Path):
    result = run_ierkg("validate", str(write(tmp_path / "header-only.csv", HEADER)), "--quiet")
    assert result.returncode == 0, result.stderr


def test_a_byte_order_mark_is_read(tmp_path: Path):
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + (HEADER + ROW).encode())
    result = run_ierkg("validate", str(path), "--quiet")
    assert result.returncode == 0, result.stderr


def test_the_gold_file_has_violations(tmp_path: Path):
    result = run_ierkg("validate", str(GOLD / "gold.csv"), "--map", str(GOLD / "gold-map.json"), "--quiet")
    assert result.returncode == 1, result.stderr


ILL_TYPED_EPISODE = """\
@prefix ierkg: <https://w3id.org/ierkg/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:ierkg:test:e1> a ierkg:Episode ; dcterms:identifier "e1" ;
    ierkg:regulator <urn:ierkg:test:ann> ; ierkg:target <urn:ierkg:test:ann> ;
    ierkg:targetRole ierkg:TargetSelf ; ierkg:interactionMode ierkg:LiveInteraction ;
    ierkg:goalStatus ierkg:GoalPresent ; ierkg:goalDirection ierkg:ImproveAffect ;
    ierkg:means ierkg:RecruitsPartner ; ierkg:processType ierkg:ResponseIndependent ;
    ierkg:startedAt "yesterday"^^xsd:dateTime ; ierkg:endedAt "2024-03-01T10:00:00"^^xsd:dateTime .
"""


@pytest.mark.parametrize("engine", ["pyshacl", "compiled"])
def test_an_ill_typed_timestamp_is_a_finding_not_a_traceback(engine: str, tmp_path: Path):
    path = write(tmp_path / "episodes.ttl", ILL_TYPED_EPISODE)
    result = run_ierkg("validate", str(path), "--engine", engine, "--report", "json", "--quiet")
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""  # rdflib's conversion warnings stay off the terminal
    findings = json.loads(result.stdout)["results"]
    assert [(f["column"], f["value"]) for f in findings] == [("started_at", "yesterday")]


@pytest.mark.parametrize("engine", ["pyshacl", "compiled"])
def test_a_file_name_with_any_characters_is_validated(engine: str, tmp_path: Path):
    path = write(tmp_path / 'we<ird> "n"#%.csv', HEADER + ROW)
    result = run_ierkg("validate", str(path), "--engine", engine, "--quiet")
    assert result.returncode == 0, result.stderr


def test_a_workbook_opening_on_a_chart_reads_its_first_table(tmp_path: Path):
    book = Workbook()
    coding = book.active
    coding.title = "Coding"
    for line in (HEADER, ROW):
        coding.append(line.strip().split(","))
    chart = book.create_chartsheet("Chart", 0)
    chart.add_chart(BarChart())
    path = tmp_path / "charted.xlsx"
    book.save(path)
    assert load_workbook(path, read_only=True).sheetnames == ["Chart", "Coding"]
    result = run_ierkg("validate", str(path), "--report", "json", "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["rows_read"] == 1
    refused = run_ierkg("validate", str(path), "--sheet", "Chart")
    assert refused.returncode == 2
    assert f"{path}: sheet 'Chart' is a chart" in refused.stderr


@pytest.mark.parametrize("command", ["validate", "classify"])
def test_an_output_that_is_the_input_is_refused_and_the_data_kept(command: str, tmp_path: Path):
    data = write(tmp_path / "study.csv", HEADER + ROW)
    result = run_ierkg(command, str(data), "--out", str(tmp_path / "." / "study.csv"), "--quiet")
    assert result.returncode == 2, result.stderr
    assert "this is also an input file" in result.stderr
    assert data.read_text(encoding="utf-8") == HEADER + ROW


@pytest.mark.parametrize("bound", ["NaN", "Infinity", "true", '"seven"'])
def test_a_scale_that_is_not_a_finite_number_exits_2(bound: str, tmp_path: Path):
    data = write(tmp_path / "data.csv", HEADER.strip() + ",affect_before\n" + ROW.strip() + ",3\n")
    column_map = write(
        tmp_path / "map.json",
        '{"tableSchema": {"columns": [{"name": "affect_before", '
        f'"datatype": {{"base": "decimal", "minimum": 1, "maximum": {bound}}}}}]}}}}',
    )
    result = run_ierkg("validate", str(data), "--map", str(column_map))
    assert result.returncode == 2, result.stderr
    assert "finite numbers" in result.stderr


@pytest.mark.parametrize("command", ["validate", "classify"])
def test_an_output_that_is_a_folder_exits_2_and_leaves_nothing(command: str, tmp_path: Path):
    data = write(tmp_path / "study.csv", HEADER + ROW)
    folder = tmp_path / "reports"
    folder.mkdir()
    result = run_ierkg(command, str(data), "--out", str(folder), "--quiet")
    assert result.returncode == 2, result.stderr
    assert f"{folder}: cannot write there: it is a folder; name a file instead" in result.stderr
    assert "internal error" not in result.stderr and list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_table_options_with_rdf_are_refused_by_classify_too(tmp_path: Path):
    data = write(tmp_path / "s.ttl", SAMPLE_TTL)
    mapping = Path(__file__).resolve().parents[1] / "examples" / "own-headers.csv-metadata.json"
    result = run_ierkg("classify", str(data), "--map", str(mapping))
    assert result.returncode == 2 and "a column map (--map) applies only to tables" in result.stderr, result.stderr
    plain = run_ierkg("validate", str(data))
    assert plain.returncode == 0 and "2 rows read" in plain.stdout  # without them, the same file is read
