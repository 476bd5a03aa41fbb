"""A validation report as one self-contained HTML page: no script, no external request.

The page opens with the verdict and the row accounting, then counts per severity and per rule,
then a chart of episodes per 2x2 cell (when given), then the findings grouped by rule. Every
text that comes from the data or the file name is escaped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html import escape

from .findings import Finding
from .reports import SEVERITY_RANK, accounting, ordered, plural, severity_counts, verdict
from .validation import Report

# A chart label names a cell of the 2x2 when it reads "<direction>, response-<dependence>".
CELL_LABEL = re.compile(r"^(?P<direction>intrinsic|extrinsic), (?P<process>response-(?:in)?dependent)$")
DIRECTIONS = ("intrinsic", "extrinsic")
PROCESSES = ("response-independent", "response-dependent")  # the order of the framework's figure

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1b1b1b; margin: 0; background: #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-size: 1.15rem; font-weight: 600; padding: .6rem .9rem; border-left: .4rem solid; }
.verdict.fails { border-color: #a4001d; background: #fbeaec; } .verdict.passes { border-color: #1d6b2f;
  background: #e9f5ec; }
.sev { font-weight: 600; } .sev-Violation { color: #a4001d; } .sev-Warning { color: #7a4b00; }
.sev-Info { color: #1f4f8f; }
.value { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
.empty { color: #666; font-style: italic; }
.grid td { width: 16rem; } .bar { background: #eee; height: .8rem; width: 12rem; display: inline-block; }
.bar span { display: block; height: 100%; background: #3b6ea8; }
.muted { color: #555; }
@media print { .bar span { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
"""


def html_page(report: Report, cells: dict[str, int] | None = None) -> str:
    """The whole page, as text."""
    groups = _by_rule(report.findings)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Validation report: {_e(report.file)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>Validation report</h1>",
        f'<p class="muted">File <span class="value">{_e(report.file)}</span>'
        + (f", checked by the {_e(report.engine)} engine" if report.engine else "")
        + ".</p>",
        *_summary(report),
        *_rules_table(groups),
        *(_chart(cells, report.rows_read) if cells is not None else []),
        *_results(report, groups),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _by_rule(findings: list[Finding]) -> list[tuple[tuple[str, str], list[Finding]]]:
    """Findings grouped by (severity, message), most severe and most frequent first."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in ordered(findings):
        groups[(finding.severity, finding.message)].append(finding)
    return sorted(
        groups.items(),
        key=lambda item: (SEVERITY_RANK.get(item[0][0], len(SEVERITY_RANK)), -len(item[1]), item[0][1]),
    )


def _summary(report: Report) -> list[str]:
    counts = report.counts()
    css = "passes" if report.conforms else "fails"
    lines = [
        f'<p class="verdict {css}">{_e(verdict(report))}</p>',
        '<h2 id="summary">Summary</h2>',
        f"<p>{_e(accounting(report))}; {_e(severity_counts(report))}.</p>",
        "<table>",
        "<caption>Rows</caption>",
        f'<tbody><tr><th scope="row">Rows read</th><td class="n">{report.rows_read}</td></tr>',
        f'<tr><th scope="row">Rows valid</th><td class="n">{report.rows_valid}</td></tr>',
        f'<tr><th scope="row">Rows with problems</th><td class="n">{report.rows_with_problems}</td></tr>',
        "</tbody></table>",
        "<table>",
        "<caption>Findings per severity</caption>",
        '<thead><tr><th scope="col">Severity</th><th scope="col">Findings</th></tr></thead><tbody>',
    ]
    for severity, count in counts.items():
        lines.append(
            f'<tr><th scope="row" class="sev sev-{severity}">{severity}</th><td class="n">{count}</td></tr>'
        )
    lines.append("</tbody></table>")
    return lines


def _rules_table(groups: list[tuple[tuple[str, str], list[Finding]]]) -> list[str]:
    if not groups:
        return ["<p>No findings: every row passed every rule.</p>"]
    lines = [
        "<table>",
        "<caption>Findings per rule</caption>",
        (
            '<thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Findings</th>'
            '<th scope="col">Rows</th></tr></thead><tbody>'
        ),
    ]
    for number, ((severity, message), findings) in enumerate(groups, start=1):
        rows = len({(f.file, f.row, f.node if f.row is None else "") for f in findings})
        lines.append(
            f'<tr><th scope="row"><a href="#rule-{number}">{_e(message)}</a></th>'
            f'<td class="sev sev-{_e(severity)}">{_e(severity)}</td>'
            f'<td class="n">{len(findings)}</td><td class="n">{rows}</td></tr>'
        )
    lines.append("</tbody></table>")
    return lines


# --- the 2x2 chart --------------------------------------------------------------------------


def _chart(cells: dict[str, int], rows_read: int) -> list[str]:
    total = sum(cells.values())
    largest = max(cells.values(), default=0)
    grid: dict[tuple[str, str], tuple[str, int]] = {}
    others: list[tuple[str, int]] = []
    for label, count in cells.items():
        match = CELL_LABEL.match(label)
        if match:
            grid[(match["direction"], match["process"])] = (label, count)
        else:
            others.append((label, count))
    lines = ['<h2 id="cells">Episodes per cell of the 2×2</h2>']
    if total != rows_read:
        lines.append(
            f'<p class="muted">The chart counts {plural(total, "episode")}; {rows_read} rows were read.</p>'
        )
    if grid:
        lines += [
            '<table class="grid">',
            "<caption>Interpersonal regulation: intrinsic or extrinsic, by response dependence</caption>",
            '<thead><tr><td></td><th scope="col">intrinsic</th><th scope="col">extrinsic</th></tr></thead>',
            "<tbody>",
        ]
        for process in PROCESSES:
            row = [f'<tr><th scope="row">{process}</th>']
            for direction in DIRECTIONS:
                entry = grid.get((direction, process))
                row.append(
                    f"<td>{_bar(entry[1], total, largest)}</td>"
                    if entry
                    else '<td class="empty">not given</td>'
                )
            lines.append("".join(row) + "</tr>")
        lines.append("</tbody></table>")
    if others:
        title = "Other episodes" if grid else "Episodes"
        lines += [
            "<table>",
            f"<caption>{title}</caption>",
            '<thead><tr><th scope="col">Group</th><th scope="col">Episodes</th></tr></thead><tbody>',
        ]
        for label, count in others:
            lines.append(f'<tr><th scope="row">{_e(label)}</th><td>{_bar(count, total, largest)}</td></tr>')
        lines.append("</tbody></table>")
    return lines


def _bar(count: int, total: int, largest: int) -> str:
    """A count, its share of all episodes, and a bar scaled to the largest group."""
    width = 100 * count / largest if largest else 0
    share = f" ({100 * count / total:.0f}%)" if total else ""
    return (
        f'<span class="bar" aria-hidden="true"><span style="width: {width:.1f}%"></span></span> '
        f"{count}{share}"
    )


# --- the findings -----------------------------------------------------------------------------


def _results(report: Report, groups: list[tuple[tuple[str, str], list[Finding]]]) -> list[str]:
    if not groups:
        return []
    other_files = any(f.file != report.file for f in report.findings)
    lines = ['<h2 id="results">Findings, by rule</h2>']
    for number, ((severity, message), findings) in enumerate(groups, start=1):
        rules = sorted({f.rule for f in findings if f.rule})
        lines += [
            f'<section id="rule-{number}">',
            f"<h3>{_e(message)}</h3>",
            f'<p><span class="sev sev-{_e(severity)}">{_e(severity)}</span>, '
            f"{plural(len(findings), 'finding')}"
            + (f'; rule <span class="value">{_e(", ".join(rules))}</span>' if rules else "")
            + ".</p>",
            "<table>",
            f"<caption>{_e(message)}</caption>",
            "<thead><tr>"
            + ('<th scope="col">File</th>' if other_files else "")
            + '<th scope="col">Row</th><th scope="col">Column</th><th scope="col">Value</th></tr></thead>',
            "<tbody>",
        ]
        for f in findings:
            where = str(f.row) if f.row is not None else f.node
            value = f'<td class="value">{_e(f.value)}</td>' if f.value else '<td class="empty">empty</td>'
            lines.append(
                "<tr>"
                + (f'<td class="value">{_e(f.file)}</td>' if other_files else "")
                + f'<th scope="row">{_e(where)}</th><td>{_e(f.column)}</td>{value}</tr>'
            )
        lines += ["</tbody></table>", "</section>"]
    return lines
