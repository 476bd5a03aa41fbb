"""A validation report, written out for people (human, table, html) or for programs (json, turtle, csv).

Every format carries, for each finding, the file, row (or the node's IRI for RDF input), column,
value, the rule in plain words and the severity, and the row accounting: rows read = rows valid
+ rows with problems. Findings come out in one fixed order (row, column, severity, message), so
the same data always gives the same report.

**json** is one object, stable across releases::

    {"file": str, "engine": str, "conforms": bool,
     "summary": {"rows_read": int, "rows_valid": int, "rows_with_problems": int,
                 "violations": int, "warnings": int, "infos": int},
     "results": [{"file": str, "row": int | null, "column": str, "value": str, "message": str,
                  "severity": "Violation" | "Warning" | "Info", "rule": str, "node": str | null}],
     "cells": {label: int}}          # only when episode counts per 2x2 cell are given

**turtle** is a SHACL ``sh:ValidationReport``. ``sh:conforms`` follows ierkg's rule (as
pySHACL's ``allow_warnings``): only violations make it false. Each ``sh:ValidationResult`` has
``sh:focusNode``, ``sh:resultSeverity``, ``sh:resultMessage`` (@en), ``sh:value`` (the cell as
a plain literal; absent for an empty cell) and, recovered from the rule's name,
``sh:resultPath`` and ``sh:sourceConstraintComponent``. ierkg adds, in its namespace:

- ``ierkg:reportFile`` (report and result): the validated file, as given;
- ``ierkg:reportRow`` (result): the spreadsheet row (the header is row 1); absent for RDF input;
- ``ierkg:reportColumn`` (result): the column's header in the user's file;
- ``ierkg:reportRule`` (result): the technical name of the rule, e.g. "sh:class on ierkg:means";
- ``ierkg:rowsRead``, ``ierkg:rowsValid``, ``ierkg:rowsWithProblems`` (report): the accounting;
- ``ierkg:validationEngine`` (report): the engine that checked the data.

A focus node that is not an absolute IRI becomes a blank node (one per distinct node); a
finding with no node gets a fresh blank node, since SHACL requires a focus node.

**csv** has the columns file, row, column, value, severity, message, rule, node. Any cell that
starts with = + - @, a tab or a carriage return gets a leading apostrophe so that a spreadsheet
shows it as text instead of running it as a formula (OWASP's advice). A plain negative number
such as -3 is therefore written '-3; that is deliberate.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable

from ..errors import IerkgError
from ..namespaces import IERKG, PREFIXES, SH
from .findings import SEVERITIES, Finding
from .spreadsheet import FORMULA_TRIGGERS, neutralised  # noqa: F401 - part of this API
from .validation import Report

FORMATS = ("human", "table", "json", "turtle", "html", "csv")
MEDIA_TYPES = {
    "human": "text/plain; charset=utf-8",
    "table": "text/plain; charset=utf-8",
    "json": "application/json",
    "turtle": "text/turtle; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
CSV_COLUMNS = ("file", "row", "column", "value", "severity", "message", "rule", "node")
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
ELLIPSIS = "…"


class UnknownReportFormat(IerkgError):
    """A report format ierkg does not write."""

    def __init__(self, fmt: str):
        super().__init__(f"unknown report format '{fmt}': use one of {', '.join(FORMATS)}")


def render(report: Report, fmt: str, cells: dict[str, int] | None = None) -> str:
    """The report in format ``fmt``; ``cells`` (episodes per 2x2 cell, in order) feeds json and html."""
    if fmt == "human":
        return human(report)
    if fmt == "table":
        return table(report)
    if fmt == "json":
        return as_json(report, cells)
    if fmt == "turtle":
        return turtle(report)
    if fmt == "csv":
        return as_csv(report)
    if fmt == "html":
        from .report_html import html_page  # imported here: report_html builds on this module

        return html_page(report, cells)
    raise UnknownReportFormat(fmt)


# --- shared by every format --------------------------------------------------------------


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the reports' fixed order: by row (RDF nodes after rows), column, severity, message."""
    return sorted(findings, key=_order)


def _order(f: Finding) -> tuple:
    return (
        f.file,
        f.row is None,
        f.row or 0,
        f.node if f.row is None else "",
        f.column,
        SEVERITY_RANK.get(f.severity, len(SEVERITY_RANK)),
        f.message,
        f.value,
        f.rule,
    )


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def accounting(report: Report) -> str:
    """The row accounting, so that no row can go missing unnoticed."""
    return (
        f"{plural(report.rows_read, 'row')} read = {report.rows_valid} valid"
        f" + {report.rows_with_problems} with problems"
    )


def severity_counts(report: Report) -> str:
    counts = report.counts()
    return (
        f"{plural(counts['Violation'], 'violation')}, {plural(counts['Warning'], 'warning')}, "
        f"{plural(counts['Info'], 'note')} (info)"
    )


def verdict(report: Report) -> str:
    """One line a coder can act on: does the file conform, and what is left to do."""
    counts = report.counts()
    if not report.conforms:
        rest = f"; {plural(counts['Warning'], 'warning')} to review" if counts["Warning"] else ""
        return f"Does not conform: fix the {plural(counts['Violation'], 'violation')}{rest}."
    if counts["Warning"]:
        return f"Conforms, with {plural(counts['Warning'], 'warning')} to review."
    if counts["Info"]:
        return f"Conforms; {plural(counts['Info'], 'note')} for information."
    return "Conforms: no problems found."


def one_line(text: str) -> str:
    """Control characters made visible, so one finding stays on one line."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def shown_value(value: str) -> str:
    return f"(value '{one_line(value)}')" if value else "(empty)"


# --- human ----------------------------------------------------------------------------------


def human(report: Report) -> str:
    """Compiler-style lines, one per finding, grouped by row, then the summary and the verdict."""
    lines: list[str] = []
    previous: tuple | None = None
    for finding in ordered(report.findings):
        group = (finding.file, finding.row, finding.node if finding.row is None else "")
        if previous is not None and group != previous:
            lines.append("")  # a blank line between rows keeps each row's problems together
        previous = group
        lines.append(
            f"{one_line(finding.location())}: {finding.severity.lower()}: "
            f"{one_line(finding.message)} {shown_value(finding.value)}"
        )
    if lines:
        lines.append("")
    lines += _summary(report)
    return "\n".join(lines) + "\n"


def _summary(report: Report) -> list[str]:
    engine = f" (checked by the {report.engine} engine)" if report.engine else ""
    return [f"{one_line(report.file)}{engine}", accounting(report), severity_counts(report), verdict(report)]


# --- table ----------------------------------------------------------------------------------

TABLE_HEADER = ("row", "column", "severity", "value", "message")
# Widest a column may grow before its text is cut; the message, last, is never cut.
TABLE_LIMITS = (32, 24, 9, 30, None)


def table(report: Report) -> str:
    """A fixed-width table (row, column, severity, value, message), then the summary."""
    rows = [
        (
            _where(f),
            _cut(one_line(f.column), TABLE_LIMITS[1]),
            f.severity,
            _cut(one_line(f.value), TABLE_LIMITS[3]),
            one_line(f.message),
        )
        for f in ordered(report.findings)
    ]
    lines = []
    if rows:
        widths = [max(len(r[i]) for r in [TABLE_HEADER, *rows]) for i in range(len(TABLE_HEADER) - 1)]
        for cells in [TABLE_HEADER, tuple("-" * w for w in widths) + ("-" * 7,), *rows]:
            padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
            lines.append("  ".join([*padded, cells[-1]]).rstrip())
        lines.append("")
    else:
        lines += ["(no findings)", ""]
    lines += _summary(report)
    return "\n".join(lines) + "\n"


def _where(f: Finding) -> str:
    if f.row is not None:
        return str(f.row)
    return _cut_left(one_line(f.node), TABLE_LIMITS[0])  # an IRI's end (…/row/7) tells nodes apart


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _cut_left(text: str, limit: int) -> str:
    return text if len(text) <= limit else ELLIPSIS + text[-(limit - 1) :]


# --- json -----------------------------------------------------------------------------------


def as_json(report: Report, cells: dict[str, int] | None = None) -> str:
    counts = report.counts()
    document: dict = {
        "file": report.file,
        "engine": report.engine,
        "conforms": report.conforms,
        "summary": {
            "rows_read": report.rows_read,
            "rows_valid": report.rows_valid,
            "rows_with_problems": report.rows_with_problems,
            "violations": counts["Violation"],
            "warnings": counts["Warning"],
            "infos": counts["Info"],
        },
        "results": [
            {
                "file": f.file,
                "row": f.row,
                "column": f.column,
                "value": f.value,
                "message": f.message,
                "severity": f.severity,
                "rule": f.rule,
                "node": f.node or None,
            }
            for f in ordered(report.findings)
        ],
    }
    if cells is not None:
        document["cells"] = dict(cells)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- csv ------------------------------------------------------------------------------------


def as_csv(report: Report) -> str:
    """One line per finding; formula-like cells neutralised (see the module docstring)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # "\r\n" ends records (RFC 4180) and makes a lone "\r" in a cell get quoted
    writer.writerow(CSV_COLUMNS)
    for f in ordered(report.findings):
        row = "" if f.row is None else str(f.row)
        cells = (f.file, row, f.column, f.value, f.severity, f.message, f.rule, f.node)
        writer.writerow([neutralised(cell) for cell in cells])
    return out.getvalue()


# --- turtle ---------------------------------------------------------------------------------

_RULE = re.compile(r"^(?P<component>sh:[A-Za-z]+|SPARQL) on (?P<path>\S+)$")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # a scheme, as RFC 3987 requires
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def turtle(report: Report) -> str:
    """The report as a SHACL ValidationReport in Turtle (terms documented in the module docstring)."""
    lines = [
        f"@prefix ierkg: <{IERKG}> .",
        f"@prefix sh: <{SH}> .",
        "",
        "[] a sh:ValidationReport ;",
        f"    sh:conforms {'true' if report.conforms else 'false'} ;",
        f"    ierkg:reportFile {_literal(report.file)} ;",
        f"    ierkg:validationEngine {_literal(report.engine)} ;",
        f"    ierkg:rowsRead {report.rows_read} ;",
        f"    ierkg:rowsValid {report.rows_valid} ;",
        f"    ierkg:rowsWithProblems {report.rows_with_problems}",
    ]
    results = [_result(f) for f in ordered(report.findings)]
    if results:
        lines[-1] += " ;"
        lines.append("    sh:result")
        lines.append(" ,\n".join(results))
    lines[-1] += " ."
    return "\n".join(lines) + "\n"


def _result(f: Finding) -> str:
    props = [
        ("a", "sh:ValidationResult"),
        ("sh:focusNode", _node(f.node)),
        ("sh:resultSeverity", f"sh:{f.severity}" if f.severity in SEVERITY_RANK else _literal(f.severity)),
        ("sh:resultMessage", _literal(f.message) + "@en"),
    ]
    match = _RULE.match(f.rule)
    path = _expand(match["path"]) if match else None
    if path:
        props.append(("sh:resultPath", _iri(path)))
    if match:
        props.append(("sh:sourceConstraintComponent", _component(match["component"])))
    if f.value:
        props.append(("sh:value", _literal(f.value)))
    props.append(("ierkg:reportFile", _literal(f.file)))
    if f.row is not None:
        props.append(("ierkg:reportRow", str(f.row)))
    if f.column:
        props.append(("ierkg:reportColumn", _literal(f.column)))
    props.append(("ierkg:reportRule", _literal(f.rule)))
    body = " ;\n".join(f"            {name} {value}" for name, value in props)
    return f"        [\n{body}\n        ]"


def _component(name: str) -> str:
    """sh:class -> sh:ClassConstraintComponent; SPARQL -> sh:SPARQLConstraintComponent."""
    local = name.removeprefix("sh:")
    return f"sh:{local[0].upper()}{local[1:]}ConstraintComponent"


def _expand(short: str) -> str | None:
    """A rule's property, as curie() shortened it, back to a full IRI; None if it is not one."""
    if short.startswith("<") and short.endswith(">"):
        return short[1:-1]
    prefix, _, local = short.partition(":")
    namespace = PREFIXES.get(prefix)
    return f"{namespace}{local}" if namespace is not None and local else None


def _node(node: str) -> str:
    if not node:
        return "[]"
    if _ABSOLUTE_IRI.match(node):
        return _iri(node)
    # A blank node's label is local to its file; a digest keeps one label per node, always valid.
    return "_:n" + hashlib.sha1(node.encode("utf-8")).hexdigest()[:16]


def _iri(iri: str) -> str:
    """An IRI in angle brackets, characters Turtle forbids there percent-encoded."""
    return "<" + _IRI_FORBIDDEN.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), iri) + ">"


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m[0]):04X}", escaped)
    return f'"{escaped}"'
