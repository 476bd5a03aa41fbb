"""The coded-dataset commands as a user runs them: real files, a real child process, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys

from rdflib import Graph

from .conftest import REPO, run_ierkg

EXAMPLES = REPO / "examples"
SAMPLE = EXAMPLES / "sample.csv"


def test_validate_the_sample_lists_every_problem_by_row_and_column_and_exits_1():
    result = run_ierkg("validate", str(SAMPLE), "--scale", "1-7", "-q")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    for line in (
        f"{SAMPLE}:8:interaction_mode: warning:",
        f"{SAMPLE}:9:goal: info: No regulatory goal: this episode is modulation, not regulation.",
        f"{SAMPLE}:10:affect_after: violation: The affect rating lies outside the declared scale. (value '9')",
        f"{SAMPLE}:10:partner_response: violation:",
        f"{SAMPLE}:10:started_at: violation: The episode ends before it starts",
        f"{SAMPLE}:11:process: violation: Not a known process type",
        (
            f"{SAMPLE}:11:strategy: violation: Not a known strategy; the codebook lists the strategy codes. "
            "(value 'shouting')"
        ),
    ):
        assert line in out, line
    assert "10 rows read = 7 valid + 3 with problems" in out
    assert result.stderr == ""  # quiet, and no traceback


def test_a_clean_dataset_conforms_and_exits_0(tmp_path):
    clean = tmp_path / "clean.csv"
    with SAMPLE.open(encoding="utf-8") as source:
        lines = source.read().splitlines(keepends=True)
    clean.write_text("".join(lines[:8]), encoding="utf-8")  # header and episodes ep01-ep07
    result = run_ierkg("validate", str(clean), "--scale", "1-7", "--report", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["conforms"] is True
    assert report["summary"]["rows_read"] == 7
    assert report["summary"]["violations"] == 0


def test_reports_written_with_out_agree_with_each_other(tmp_path):
    outputs = {}
    for fmt in ("json", "csv", "html", "turtle"):
        target = tmp_path / f"report.{fmt}"
        result = run_ierkg("validate", str(SAMPLE), "--scale", "1-7", "--report", fmt, "--out", str(target))
        assert result.returncode == 1
        assert "10 rows read = 7 valid + 3 with problems" in result.stdout
        outputs[fmt] = target.read_text(encoding="utf-8")
    summary = json.loads(outputs["json"])["summary"]
    assert (summary["rows_read"], summary["rows_valid"], summary["rows_with_problems"]) == (10, 7, 3)
    csv_rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert len(csv_rows) == len(json.loads(outputs["json"])["results"]) == 7
    # The 2x2 chart: ep01, ep03 and ep09 are intrinsic response-dependent, 3 of 10 episodes.
    assert "Episodes per cell of the 2×2" in outputs["html"]
    assert "3 (30%)" in outputs["html"] and "modulation (no goal)" in outputs["html"]
    graph = Graph().parse(data=outputs["turtle"], format="turtle")
    assert len(graph) > 0


def test_the_pyshacl_engine_gives_the_same_report(tmp_path):
    compiled = run_ierkg("validate", str(SAMPLE), "--scale", "1-7", "--report", "json")
    reference = run_ierkg(
        "validate", str(SAMPLE), "--scale", "1-7", "--report", "json", "--engine", "pyshacl"
    )
    assert reference.returncode == compiled.returncode == 1
    strip = lambda text: sorted(  # noqa: E731
        json.dumps({k: v for k, v in r.items() if k != "rule"}, sort_keys=True)
        for r in json.loads(text)["results"]
    )
    assert strip(reference.stdout) == strip(compiled.stdout)


def test_validate_reads_rdf_and_refuses_what_it_must(tmp_path):
    good = run_ierkg("validate", str(EXAMPLES / "sample.ttl"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "2 rows read = 2 valid + 0 with problems" in good.stdout

    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix ierkg: <https://w3id.org/ierkg/> .\nierkg:a ierkg:b ierkg:c ;\n", encoding="utf-8"
    )
    result = run_ierkg("validate", str(broken))
    assert result.returncode == 2
    assert result.stderr.startswith(f"ierkg validate: {broken}:")
    assert "Traceback" not in result.stderr

    remote = tmp_path / "remote.jsonld"
    remote.write_text(
        '{"@context": "https://example.org/context.jsonld", "@id": "https://e/x"}', encoding="utf-8"
    )
    result = run_ierkg("validate", str(remote))
    assert result.returncode == 2
    assert "never fetches" in result.stderr and "inline" in result.stderr

    xml = tmp_path / "data.rdf"
    xml.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    result = run_ierkg("validate", str(xml))
    assert result.returncode == 2
    assert "Turtle" in result.stderr and "passwd" not in result.stdout + result.stderr


def test_unusable_input_exits_2_and_says_where(tmp_path):
    missing = run_ierkg("validate", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 2 and "nowhere.csv" in missing.stderr
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\nep1,only,three\n", encoding="utf-8"
    )
    result = run_ierkg("validate", str(ragged))
    assert result.returncode == 2
    assert f"{ragged}:2" in result.stderr
    bad_scale = run_ierkg("validate", str(SAMPLE), "--scale", "seven")
    assert bad_scale.returncode == 2 and "MIN-MAX" in bad_scale.stderr
    bad_workers = run_ierkg("validate", str(SAMPLE), "--workers", "0")
    assert bad_workers.returncode == 2 and "--workers" in bad_workers.stderr


def test_parallel_workers_give_the_same_report_as_one(tmp_path):
    from ierkg.datasets.synthetic import write_csv

    data = write_csv(tmp_path / "generated.csv", 3000, seed=5, defect_rate=0.1)
    one = run_ierkg("validate", str(data), "--scale", "1-7", "--report", "csv", "--workers", "1")
    two = run_ierkg("validate", str(data), "--scale", "1-7", "--report", "csv", "--workers", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert one.stdout.count("\n") > 100


def test_classify_writes_the_derived_columns(tmp_path):
    target = tmp_path / "classified.csv"
    result = run_ierkg("classify", str(SAMPLE), "--out", str(target))
    assert result.returncode == 0, result.stderr
    rows = {row["episode_id"]: row for row in csv.DictReader(target.open(encoding="utf-8"))}
    assert len(rows) == 10
    assert rows["ep01"]["ierkg_cell"] == "intrinsic_response_dependent"
    assert rows["ep02"]["ierkg_cell"] == "extrinsic_response_independent"
    assert rows["ep05"]["ierkg_direction"] == "worsening"
    assert (rows["ep06"]["ierkg_scope"], rows["ep06"]["ierkg_cell"]) == ("intrapersonal", "")
    assert rows["ep08"]["ierkg_regulation"] == "modulation"
    assert result.stderr.startswith("classified 10 rows:")


def test_score_irq_writes_scores_and_reports_problems():
    result = run_ierkg("score", str(EXAMPLES / "irq-responses.csv"), "--instrument", "irq")
    assert result.returncode == 1  # one rating is off the scale
    scores = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["respondent_id"] for row in scores] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert scores[4]["irq_negative_tendency"] == ""  # item 4 of r5 is 9: that scale gets no score
    assert f"{EXAMPLES / 'irq-responses.csv'}:6:irq_4: Violation" in result.stderr
    refused = run_ierkg("score", str(EXAMPLES / "irq-responses.csv"), "--instrument", "ierq")
    assert refused.returncode == 2 and "--key" in refused.stderr


def test_codebook_in_both_formats(tmp_path):
    markdown = run_ierkg("codebook")
    assert markdown.returncode == 0
    assert "interaction_mode" in markdown.stdout and "recruit_partner" in markdown.stdout
    page = tmp_path / "codebook.html"
    html = run_ierkg("codebook", "--format", "html", "-o", str(page))
    assert html.returncode == 0
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


def test_agreement_between_the_example_coders():
    result = run_ierkg(
        "agreement", str(EXAMPLES / "coder-a.csv"), str(EXAMPLES / "coder-b.csv"), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["episodes_compared"] == 8
    disagreeing = sorted((d["episode_id"], d["column"], d["one_sided"]) for d in figures["disagreements"])
    # ep02: coder B also gave a partner response that coder A left blank (response-independent).
    assert disagreeing == [
        ("ep02", "partner_response", True),
        ("ep02", "process", False),
        ("ep05", "goal", False),
        ("ep06", "strategy", False),
        ("ep07", "interaction_mode", False),
    ]


def _on_a_terminal(*arguments: str, quiet_for: str = "1") -> tuple[int, bytes]:
    """Run ierkg with stderr on a real pseudo-terminal; what it drew there. ``quiet_for``:
    IERKG_PROGRESS_AFTER_SECONDS, so that a "long" run need not depend on this machine's speed."""
    controller, terminal = pty.openpty()
    environment = {**os.environ, "TERM": "xterm", "IERKG_PROGRESS_AFTER_SECONDS": quiet_for}
    process = subprocess.Popen(
        [sys.executable, "-m", "ierkg", *arguments],
        stderr=terminal, stdout=subprocess.DEVNULL, env=environment,
    )  # fmt: skip
    os.close(terminal)
    drawn = b""
    while True:
        try:
            block = os.read(controller, 4096)
        except OSError:  # the child closed the terminal
            break
        if not block:
            break
        drawn += block
    process.wait(timeout=300)
    os.close(controller)
    return process.returncode, drawn


def test_progress_goes_to_a_terminal_and_nowhere_else(tmp_path):
    from ierkg.datasets.synthetic import write_csv

    data = write_csv(tmp_path / "generated.csv", 60000, seed=3)
    # Not a terminal: only the summary line, no control characters.
    piped = run_ierkg("classify", str(data), "--out", str(tmp_path / "a.csv"))
    assert "\r" not in piped.stderr and piped.stderr.startswith("classified 60000 rows")
    # A terminal: a long run draws its progress line; -q draws nothing, nor does a short run.
    status, drawn = _on_a_terminal("classify", str(data), "--out", str(tmp_path / "b.csv"), quiet_for="0")
    assert status == 0 and b"\r" in drawn and b"rows/s" in drawn
    assert b"] 100%" in drawn and b"60,000 rows" in drawn  # a bar that ends full
    status, drawn = _on_a_terminal("validate", str(data), "--out", str(tmp_path / "v.txt"), quiet_for="0")
    assert status in (0, 1) and b"validating [" in drawn and b"] 100%" in drawn
    status, drawn = _on_a_terminal("classify", str(data), "--out", str(tmp_path / "c.csv"), "-q")
    assert status == 0 and drawn == b""
    status, drawn = _on_a_terminal("validate", str(data), "--out", str(tmp_path / "d.txt"), "-q")
    assert status in (0, 1) and drawn == b""
    status, drawn = _on_a_terminal("validate", str(SAMPLE), "--out", str(tmp_path / "e.txt"))
    assert b"rows/s" not in drawn  # ten rows: over before a second has passed
    status, drawn = _on_a_terminal("classify", str(data), "--out", str(tmp_path / "f.csv"), quiet_for="many")
    assert status == 2 and b"IERKG_PROGRESS_AFTER_SECONDS=many: not a whole number" in drawn


def test_scales_below_zero_and_column_map_mistakes(tmp_path):
    bipolar = tmp_path / "bipolar.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    bipolar.write_text("\n".join(lines[:2]).replace(",2,5,", ",-2,3,") + "\n", encoding="utf-8")
    result = run_ierkg("validate", str(bipolar), "--scale=-3..3", "--report", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["summary"]["violations"] == 0
    for entry, complaint in (
        ({"dialect": {"delimiter": ";;"}, "tableSchema": {"columns": []}}, "one character"),
        ({"tableSchema": {"columns": [{"name": "episode_id", "titles": 5}]}}, '"titles"'),
        (
            {
                "tableSchema": {
                    "columns": [{"name": "affect_before", "datatype": {"minimum": 7, "maximum": 1}}]
                }
            },
            "below",
        ),
    ):
        column_map = tmp_path / "map.json"
        column_map.write_text(json.dumps(entry), encoding="utf-8")
        result = run_ierkg("validate", str(SAMPLE), "--map", str(column_map))
        assert result.returncode == 2 and complaint in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    language_map = tmp_path / "language.json"
    language_map.write_text(
        json.dumps(
            {
                "tableSchema": {
                    "columns": [{"name": "episode_id", "titles": {"en": "Episode", "de": ["Folge"]}}]
                }
            }
        ),
        encoding="utf-8",
    )
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("episode_id,", "Folge,", 1), encoding="utf-8"
    )
    result = run_ierkg("validate", str(renamed), "--map", str(language_map), "--scale", "1-7", "-q")
    assert result.returncode == 1 and "10 rows read" in result.stdout


def test_the_template_is_the_shipped_one_and_reads_as_an_empty_dataset(tmp_path):
    target = tmp_path / "template.csv"
    assert run_ierkg("template", "--out", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == (EXAMPLES / "template.csv").read_text(encoding="utf-8")
    result = run_ierkg("validate", str(target))
    assert result.returncode == 0 and "0 rows read = 0 valid + 0 with problems" in result.stdout


def test_classify_reads_rdf_too(tmp_path):
    target = tmp_path / "classified.csv"
    result = run_ierkg("classify", str(EXAMPLES / "sample.ttl"), "--out", str(target))
    assert result.returncode == 0, result.stderr
    rows = {row["episode_id"]: row for row in csv.DictReader(target.open(encoding="utf-8"))}
    assert rows["ep01"]["ierkg_cell"] == "intrinsic_response_dependent"
    assert rows["ep01"]["episode"] == "https://example.org/my-study/ep01"
    assert rows["ep02"]["ierkg_cell"] == "extrinsic_response_independent"
