"""Validation reports: every format from a real validation, and hostile values made harmless."""

from __future__ import annotations

import csv
import io
import json
import random
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ierkg.datasets.compiled import CompiledEngine
from ierkg.datasets.findings import Finding
from ierkg.datasets.reports import FORMATS, UnknownReportFormat, render
from ierkg.datasets.validation import Report, validate_table
from ierkg.namespaces import IERKG, SH

SAMPLE = """\
episode_id,interaction_id,regulator_id,target_ids,interaction_mode,goal,means,process,mechanism,strategy,partner_response,emotion,affect_before,affect_after,started_at,ended_at,setting,relationship,coder_id
e1,call1,alan,alan,live,improve,recruit_partner,response_dependent,safety_signal,venting,supportive,anger,2,5,2024-03-01T18:00:00,2024-03-01T18:25:00,,friends,c1
e2,call1,betsy,alan,live,improve,act_on_partner,response_independent,warm_glow,comforting_messages,,worry,3,4,2024-03-01T18:00:00,2024-03-01T18:25:00,,friends,c1
e3,,alan,alan,livve,none,alone,unknown,,,,,9,x,2024-03-02T10:00:00,2024-03-02T09:00:00,,,c1
e3,,betsy,alan,live,improve,recruit_partner,response_dependent,,venting;foo,,,,,,,,,c1
"""
CELLS = {
    "intrinsic, response-dependent": 5,
    "intrinsic, response-independent": 2,
    "extrinsic, response-dependent": 1,
    "extrinsic, response-independent": 0,
    "modulation (no goal)": 3,
    "<i>not decided</i> by the codes": 1,
}
HOSTILE = "<script>alert(1)</script>"
HOSTILE_FILE = "\"&'<script>alert(1)</script>.csv"


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Report:
    path = tmp_path_factory.mktemp("reports") / "sample.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    return validate_table(path, CompiledEngine())


def _finding(row: int | None, column: str, value: str, message: str, severity: str = "Violation", **kw):
    defaults = {"file": "coded.csv", "rule": "sh:class on ierkg:means", "node": f"urn:x:row/{row}"}
    defaults.update(kw)
    return Finding(
        defaults["file"], row, column, value, message, severity, defaults["rule"], defaults["node"]
    )


def _lines(text: str) -> list[str]:
    return text.splitlines()


# --- human ----------------------------------------------------------------------------------


def test_human_lists_findings_like_a_compiler_then_accounts_for_every_row(sample_report):
    file = sample_report.file
    lines = _lines(render(sample_report, "human"))
    expected = [
        "4:interaction_mode: violation: Not a known interaction mode; use live, imagined or alone. (value 'livve')",
        "5:strategy: violation: Not a known strategy; the codebook lists the strategy codes. (value 'foo')",
        (
            "5:partner_response: violation: A response-dependent episode must record how the partner "
            "responded (partner_response). (empty)"
        ),
        "4:goal: info: No regulatory goal: this episode is modulation, not regulation. (value 'none')",
    ]
    assert {f"{file}:{line}" for line in expected} <= set(lines)
    # Grouped by row: row numbers never go back, and a blank line separates rows.
    rows = [int(line[len(file) + 1 :].split(":")[0]) for line in lines if line.startswith(file + ":")]
    assert rows == sorted(rows) and set(rows) == {2, 3, 4, 5}
    first_of_row_5 = next(n for n, line in enumerate(lines) if line.startswith(f"{file}:5:"))
    assert lines[first_of_row_5 - 1] == "" and lines[first_of_row_5 - 2].startswith(f"{file}:4:")
    assert lines[-4:] == [
        f"{file} (checked by the compiled engine)",
        "4 rows read = 0 valid + 4 with problems",
        "7 violations, 7 warnings, 1 note (info)",
        "Does not conform: fix the 7 violations; 7 warnings to review.",
    ]


def test_human_uses_the_node_for_rdf_input_and_keeps_each_finding_on_one_line():
    report = Report(
        "episodes.ttl",
        rows_read=3,
        findings=[
            _finding(None, "goal", "a\nb", "Goal missing.", node="https://ex.org/ep/2", file="episodes.ttl"),
            _finding(None, "", "", "Odd.", "Warning", node="https://ex.org/ep/1", file="episodes.ttl"),
        ],
    )
    lines = _lines(render(report, "human"))
    assert lines[0] == "episodes.ttl <https://ex.org/ep/1>: warning: Odd. (empty)"
    assert lines[2] == "episodes.ttl <https://ex.org/ep/2>:goal: violation: Goal missing. (value 'a\\nb')"


@pytest.mark.parametrize(
    ("findings", "verdict"),
    [
        ([], "Conforms: no problems found."),
        ([_finding(2, "goal", "none", "Modulation.", "Info")], "Conforms; 1 note for information."),
        (
            [
                _finding(2, "means", "x", "Check means.", "Warning"),
                _finding(3, "means", "y", "Check.", "Warning"),
            ],
            "Conforms, with 2 warnings to review.",
        ),
        ([_finding(2, "means", "x", "Unknown.")], "Does not conform: fix the 1 violation."),
    ],
)
def test_human_verdict_says_what_is_left_to_do(findings, verdict):
    report = Report("coded.csv", rows_read=3, findings=findings)
    lines = _lines(render(report, "human"))
    assert lines[-1] == verdict
    valid = 3 - len({f.row for f in findings if f.severity != "Info"})
    assert lines[-3] == f"3 rows read = {valid} valid + {3 - valid} with problems"


# --- table ----------------------------------------------------------------------------------


def test_table_is_aligned_and_cuts_long_values_with_an_ellipsis(sample_report):
    long_value = "a very long free-text value that a coder pasted into the cell by mistake"
    report = Report(
        "coded.csv",
        rows_read=12,
        findings=[
            _finding(12, "strategy", long_value, "Not a known strategy."),
            _finding(3, "means", "x", "Not a known means.", "Warning"),
            _finding(
                None, "goal", "", "Goal missing.", node="https://example.org/a/very/long/path/episodes/row/77"
            ),
        ],
    )
    lines = _lines(render(report, "table"))
    header, rule, *rows = lines[:5]
    assert header.split() == ["row", "column", "severity", "value", "message"]
    start = header.index("message")
    assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows)
    assert rows[0].startswith("3 ") and rows[1].startswith("12 ")
    assert "a very long free-text value t…" in rows[1] and long_value not in rows[1]
    assert rows[2].startswith("…") and "/episodes/row/77" in rows[2]
    assert rows[2].rstrip().endswith("Goal missing.")
    assert set(rule.replace(" ", "")) == {"-"}
    assert lines[-3] == "12 rows read = 9 valid + 3 with problems"
    # The real report: one line per finding.
    real = _lines(render(sample_report, "table"))
    assert real.index("") == 2 + 15 and real[-4] == sample_report.file + " (checked by the compiled engine)"


def test_table_of_a_clean_file_says_so():
    lines = _lines(render(Report("coded.csv", rows_read=2), "table"))
    assert lines[0] == "(no findings)" and lines[-1] == "Conforms: no problems found."


# --- json -----------------------------------------------------------------------------------


def test_json_is_the_documented_object(sample_report):
    document = json.loads(render(sample_report, "json"))
    assert list(document) == ["file", "engine", "conforms", "summary", "results"]
    assert document["conforms"] is False and document["engine"] == "compiled"
    assert document["summary"] == {
        "rows_read": 4,
        "rows_valid": 0,
        "rows_with_problems": 4,
        "violations": 7,
        "warnings": 7,
        "infos": 1,
    }
    assert len(document["results"]) == 15
    first = document["results"][0]
    assert list(first) == ["file", "row", "column", "value", "message", "severity", "rule", "node"]
    mode = next(r for r in document["results"] if r["column"] == "interaction_mode")
    assert mode["row"] == 4 and mode["value"] == "livve" and mode["severity"] == "Violation"
    assert mode["rule"] == "sh:class on ierkg:interactionMode"
    assert mode["node"].endswith("/row/4")
    assert [r["row"] for r in document["results"]] == sorted(r["row"] for r in document["results"])


def test_json_carries_cells_only_when_given_in_their_order():
    report = Report("e.ttl", rows_read=1, findings=[_finding(None, "goal", "", "Missing.", node="")])
    assert "cells" not in json.loads(render(report, "json"))
    document = json.loads(render(report, "json", CELLS))
    assert list(document["cells"].items()) == list(CELLS.items())
    assert document["results"][0]["row"] is None and document["results"][0]["node"] is None


# --- turtle ---------------------------------------------------------------------------------


def test_turtle_is_a_shacl_report_that_parses_back(sample_report):
    graph = Graph().parse(data=render(sample_report, "turtle"), format="turtle")
    report = graph.value(predicate=RDF.type, object=SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    assert graph.value(report, IERKG.rowsRead).toPython() == 4
    assert graph.value(report, IERKG.rowsWithProblems).toPython() == 4
    assert graph.value(report, IERKG.validationEngine) == Literal("compiled")
    results = list(graph.objects(report, SH.result))
    assert len(results) == 15 and all((r, RDF.type, SH.ValidationResult) in graph for r in results)
    (mode,) = [r for r in results if graph.value(r, IERKG.reportColumn) == Literal("interaction_mode")]
    assert str(graph.value(mode, SH.focusNode)).endswith("/row/4")
    assert graph.value(mode, SH.resultPath) == IERKG.interactionMode
    assert graph.value(mode, SH.sourceConstraintComponent) == SH.ClassConstraintComponent
    assert graph.value(mode, SH.resultSeverity) == SH.Violation
    assert graph.value(mode, SH.value) == Literal("livve")
    assert graph.value(mode, IERKG.reportRow).toPython() == 4
    assert graph.value(mode, SH.resultMessage).language == "en"
    severities = [graph.value(r, SH.resultSeverity) for r in results]
    assert severities.count(SH.Warning) == 7 and severities.count(SH.Info) == 1
    duplicate = [r for r in results if graph.value(r, IERKG.reportColumn) == Literal("episode_id")]
    assert {graph.value(r, SH.resultPath) for r in duplicate} == {
        URIRef("http://purl.org/dc/terms/identifier")
    }
    assert {graph.value(r, SH.sourceConstraintComponent) for r in duplicate} == {SH.SPARQLConstraintComponent}


def test_turtle_escapes_literals_and_iris_and_gives_every_result_a_focus_node():
    tricky = 'say "hi"\\ \n\tand\r go'
    findings = [
        _finding(None, "goal", tricky, "Two\nlines.", node="https://ex.org/my ep/1", rule="custom rule"),
        _finding(None, "goal", "", "No node.", "Warning", node=""),
        _finding(None, "means", "a", "Blank one.", node="N1a2b"),
        _finding(None, "process", "b", "Blank two.", node="N1a2b"),
    ]
    report = Report(HOSTILE_FILE, rows_read=3, findings=findings)
    graph = Graph().parse(data=render(report, "turtle"), format="turtle")
    results = {
        str(graph.value(r, SH.resultMessage)): r for r in graph.subjects(RDF.type, SH.ValidationResult)
    }
    assert set(results) == {"Two\nlines.", "No node.", "Blank one.", "Blank two."}
    tricky_result = results["Two\nlines."]
    assert graph.value(tricky_result, SH.value) == Literal(tricky)
    assert graph.value(tricky_result, SH.focusNode) == URIRef("https://ex.org/my%20ep/1")
    assert graph.value(tricky_result, SH.resultPath) is None  # "custom rule" names no property
    assert graph.value(tricky_result, IERKG.reportRow) is None
    assert graph.value(results["No node."], SH.focusNode) is not None
    assert graph.value(results["No node."], SH.value) is None  # an empty cell has no value
    assert graph.value(results["Blank one."], SH.focusNode) == graph.value(
        results["Blank two."], SH.focusNode
    )
    report_node = graph.value(predicate=RDF.type, object=SH.ValidationReport)
    assert graph.value(report_node, IERKG.reportFile) == Literal(HOSTILE_FILE)


def test_turtle_of_a_file_with_only_warnings_conforms_and_of_a_clean_file_has_no_results():
    warned = Report("coded.csv", rows_read=1, findings=[_finding(2, "means", "x", "Check.", "Warning")])
    graph = Graph().parse(data=render(warned, "turtle"), format="turtle")
    assert graph.value(_report_node(graph), SH.conforms) == Literal(True)
    assert len(list(graph.objects(_report_node(graph), SH.result))) == 1
    clean = Graph().parse(data=render(Report("coded.csv", rows_read=5), "turtle"), format="turtle")
    assert clean.value(_report_node(clean), SH.conforms) == Literal(True)
    assert not list(clean.triples((None, SH.result, None)))
    assert clean.value(_report_node(clean), IERKG.rowsValid).toPython() == 5


def _report_node(graph: Graph):
    (node,) = graph.subjects(RDF.type, SH.ValidationReport)
    return node


# --- csv ------------------------------------------------------------------------------------


def test_csv_neutralises_formulas_in_every_column():
    formulas = ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "-3"]
    findings = [
        _finding(n, "=cmd|' /C calc'!A0", value, "-message", rule="+rule", file="@file.csv")
        for n, value in enumerate(formulas, start=2)
    ]
    findings.append(_finding(20, "strategy", "venting", "Plain.", rule="sh:class on ierkg:strategy"))
    text = render(Report("coded.csv", rows_read=20, findings=findings), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["file", "row", "column", "value", "severity", "message", "rule", "node"]
    assert [r["value"] for r in rows[:-1]] == ["'" + value for value in formulas]
    assert {(r["file"], r["column"], r["message"], r["rule"]) for r in rows[:-1]} == {
        ("'@file.csv", "'=cmd|' /C calc'!A0", "'-message", "'+rule")
    }
    assert rows[-1] == {
        "file": "coded.csv",
        "row": "20",
        "column": "strategy",
        "value": "venting",
        "severity": "Violation",
        "message": "Plain.",
        "rule": "sh:class on ierkg:strategy",
        "node": "urn:x:row/20",
    }


def test_csv_of_the_real_report_has_one_line_per_finding(sample_report):
    rows = list(csv.DictReader(io.StringIO(render(sample_report, "csv"))))
    assert len(rows) == 15
    assert {"row": "5", "column": "strategy", "value": "foo"}.items() <= rows[-1].items()
    rdf = Report(
        "e.ttl", rows_read=1, findings=[_finding(None, "goal", "", "Missing.", node="https://ex.org/e1")]
    )
    (row,) = csv.DictReader(io.StringIO(render(rdf, "csv")))
    assert row["row"] == "" and row["node"] == "https://ex.org/e1"


# --- html -----------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a test needs to know about a page: its tags, in order, and its tables' cells."""

    VOID = {"meta", "br", "img", "link", "hr", "input"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict]] = []
        self.open: list[str] = []
        self.tables: list[dict] = []  # {"class": ..., "rows": [[cell text]], "caption": str}
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.starts.append((tag, attributes))
        if tag not in self.VOID:
            self.open.append(tag)
        if tag == "table":
            self.tables.append({"class": attributes.get("class", ""), "rows": [], "caption": ""})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._caption = []

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()
        if tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption":
            self.tables[-1]["caption"] = "".join(self._caption)
            self._caption = None

    def handle_data(self, data):
        self.text.append(data)
        for sink in (self._cell, self._caption):
            if sink is not None:
                sink.append(data)

    def table(self, caption: str) -> list[list[str]]:
        return next(t["rows"] for t in self.tables if t["caption"].startswith(caption))


def test_html_opens_with_the_summary_then_rules_chart_and_results(sample_report):
    text = render(sample_report, "html", CELLS)
    page = Page(text)
    assert not page.open  # every element closed
    assert ("html", {"lang": "en"}) in page.starts
    assert text.index("<title>Validation report: ") < text.index("</title>")
    order = [
        text.index(marker)
        for marker in (
            'class="verdict',
            "Findings per severity",
            "Findings per rule",
            'id="cells"',
            'id="results"',
        )
    ]
    assert order == sorted(order)
    assert page.table("Rows") == [["Rows read", "4"], ["Rows valid", "0"], ["Rows with problems", "4"]]
    assert page.table("Findings per severity")[1:] == [["Violation", "7"], ["Warning", "7"], ["Info", "1"]]
    rules = page.table("Findings per rule")
    assert rules[0] == ["Rule", "Severity", "Findings", "Rows"]
    # Most severe first, then most frequent.
    assert [r[1] for r in rules[1:]] == ["Violation"] * 6 + ["Warning"] * 2 + ["Info"]
    assert rules[1] == [
        "This episode_id is also used on another row; every episode needs its own id.",
        "Violation",
        "2",
        "2",
    ]
    assert rules[7] == [
        "Affect is rated but the dataset declares no scale for it, so the rating's range cannot be checked (for a table, give --scale MIN-MAX or a scale in the column map; in RDF, give the episode's ierkg:CodedDataset an ierkg:affectBeforeScale and ierkg:affectAfterScale).",
        "Warning", "6", "3",
    ]  # fmt: skip
    # Each rule's findings in its own table, linked from the counts.
    strategy = page.table("Not a known strategy")
    assert strategy == [["Row", "Column", "Value"], ["5", "strategy", "foo"]]
    links = [a["href"] for tag, a in page.starts if tag == "a"]
    ids = {a["id"] for _tag, a in page.starts if "id" in a}
    assert links and all(link[1:] in ids for link in links)
    assert all("scope" in a for tag, a in page.starts if tag == "th")


def test_html_chart_puts_the_four_cells_in_a_grid_and_the_rest_in_bars(sample_report):
    page = Page(render(sample_report, "html", CELLS))
    grid = next(t for t in page.tables if t["class"] == "grid")["rows"]
    assert grid == [
        ["", "intrinsic", "extrinsic"],
        ["response-independent", "2 (17%)", "0 (0%)"],
        ["response-dependent", "5 (42%)", "1 (8%)"],
    ]
    assert page.table("Other episodes") == [
        ["Group", "Episodes"],
        ["modulation (no goal)", "3 (25%)"],
        ["<i>not decided</i> by the codes", "1 (8%)"],
    ]
    assert "The chart counts 12 episodes; 4 rows were read." in "".join(page.text)
    widths = [a["style"] for tag, a in page.starts if tag == "span" and "style" in a]
    assert widths[:4] == ["width: 40.0%", "width: 0.0%", "width: 100.0%", "width: 20.0%"]


def test_html_chart_without_the_four_cells_draws_only_bars_and_no_chart_without_cells():
    report = Report("coded.csv", rows_read=2)
    page = Page(render(report, "html", {"modulation (no goal)": 2}))
    assert not [t for t in page.tables if t["class"] == "grid"]
    assert page.table("Episodes") == [["Group", "Episodes"], ["modulation (no goal)", "2 (100%)"]]
    assert 'id="cells"' not in render(report, "html")


def test_html_escapes_every_value_and_requests_nothing():
    findings = [
        _finding(2, HOSTILE, HOSTILE, HOSTILE, file=HOSTILE_FILE, node="urn:x:<b>"),
        _finding(
            None, "a\"'&", "x & y", "Missing.", "Warning", file="other\"'&.ttl", node='https://ex.org/"q'
        ),
    ]
    text = render(
        Report(HOSTILE_FILE, rows_read=2, findings=findings, engine="<b>e</b>"), "html", {HOSTILE: 1}
    )
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;&amp;&#x27;&lt;script&gt;" in text  # the file name, in the title and the page
    assert "a&quot;&#x27;&amp;" in text and "x &amp; y" in text
    assert "src=" not in text and "<link" not in text and "url(" not in text and "@import" not in text
    page = Page(text)
    assert not page.open
    # The escaped text reads back as exactly what the user wrote.
    rows = page.table(HOSTILE)
    assert rows[0] == ["File", "Row", "Column", "Value"]
    assert rows[1] == [HOSTILE_FILE, "2", HOSTILE, HOSTILE]
    assert [HOSTILE, "1 (100%)"] in page.table("Episodes")


# --- every format ---------------------------------------------------------------------------


def test_every_format_is_deterministic_whatever_the_order_of_findings(sample_report):
    shuffled = Report(
        sample_report.file,
        sample_report.rows_read,
        random.Random(7).sample(sample_report.findings, len(sample_report.findings)),
        dict(sample_report.cells),
        sample_report.engine,
    )
    assert shuffled.findings != sample_report.findings
    for fmt in FORMATS:
        assert render(shuffled, fmt, CELLS) == render(sample_report, fmt, CELLS), fmt


def test_an_unknown_format_is_a_clear_error(sample_report):
    with pytest.raises(UnknownReportFormat, match="unknown report format 'pdf': use one of human, table"):
        render(sample_report, "pdf")
