"""Score questionnaire data: check every answer against shapes/instruments.ttl, then score each scale.

The data has one row per respondent: an id column and one column per item, named with a prefix
and the item's number (``irq_1`` ... ``irq_16``). Each row becomes an ``iq:Response`` and is
checked against the shapes (``ierkg.datasets.scoring_checks``). A scale gets a score only when
every one of its items passed the checks: a missing or faulty answer leaves that scale's score
empty, never prorated from the other items (prorating would be a scoring rule no key gives).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from .findings import Finding
from .scoring_checks import check, item_property, response_node, response_set_triples, response_triples
from .scoring_keys import ScoringKey, load_instrument, scoring_key
from .spreadsheet import neutralised
from .tables import DatasetError, Table, open_table
from .validation import Report

ID_COLUMN = "respondent_id"
PROBLEMS = ("Violation", "Warning")  # a cell with one of these is not scored
_WHOLE = re.compile(r"[+-]?\d+(\.0+)?")  # "3.0" is how some statistics packages export 3


@dataclass(frozen=True)
class DataColumns:
    id_header: str
    items: dict[int, str]  # item number -> the file's header for it
    prefix: str


@dataclass(frozen=True)
class Respondent:
    row: int
    identifier: str
    answers: dict[int, str]  # item number -> the cell as written ("" when empty)


@dataclass(frozen=True)
class ScoredRow:
    row: int
    respondent_id: str
    scores: dict[str, int | Fraction | None]  # score column -> score; None when not scorable


@dataclass
class ScoreResult:
    key: ScoringKey
    columns: DataColumns
    report: Report  # the findings, in the same form `ierkg validate` reports them
    rows: list[ScoredRow]

    @property
    def score_columns(self) -> list[str]:
        return [keyed.column for keyed in self.key.scales]


def score_table(
    path: Path,
    instrument: str,
    key_file: Path | None = None,
    prefix: str | None = None,
    id_column: str = ID_COLUMN,
    sheet: str | None = None,
    engine: str = "compiled",
    release: Path | None = None,
) -> ScoreResult:
    """Check and score a CSV, TSV or XLSX file of questionnaire answers.

    Raises ScoringError or DatasetError when the key, or the file as a whole, cannot be used.
    """
    key = scoring_key(load_instrument(instrument, release), key_file)
    table = open_table(path, sheet=sheet)
    columns = data_columns(table, key, prefix, id_column)
    respondents = [
        Respondent(
            row.number, row.cells[columns.id_header], {n: row.cells[h] for n, h in columns.items.items()}
        )
        for row in table.rows
    ]
    if not respondents:
        raise DatasetError(path, "there are no respondents below the header row", row=2)
    cells = {ID_COLUMN: columns.id_header} | {f"item {n}": h for n, h in columns.items.items()}
    report = Report(str(path), rows_read=len(respondents), cells=cells, engine=engine)
    report.findings = check_responses(respondents, key, columns, str(path), response_base(path), engine)
    return ScoreResult(key, columns, report, score_respondents(respondents, key, columns, report.findings))


def data_columns(table: Table, key: ScoringKey, prefix: str | None, id_column: str) -> DataColumns:
    """Find the id column and one column per item; a missing or unexpected item column is an error."""
    abbreviation = key.instrument.abbreviation
    prefix = f"{abbreviation.lower()}_" if prefix is None else prefix
    id_header = next((h for h in table.header if h.strip().lower() == id_column.strip().lower()), None)
    if id_header is None:
        raise DatasetError(
            table.path,
            f"there is no '{id_column}' column; the header has {', '.join(table.header)}. Name the id column "
            f"{id_column}, or give its name with --id-column",
            row=1,
        )
    pattern = re.compile(re.escape(prefix) + r"0*(\d+)", re.IGNORECASE)
    items: dict[int, str] = {}
    for header in table.header:
        match = pattern.fullmatch(header) if header != id_header else None
        if not match:
            continue
        number = int(match.group(1))
        if number in items:
            raise DatasetError(
                table.path, f"'{items[number]}' and '{header}' both hold item {number}", row=1, column=header
            )
        items[number] = header
    expected = key.items()
    extra = sorted(set(items) - set(expected))
    if extra:
        raise DatasetError(
            table.path,
            f"this column names item {extra[0]}, but the {abbreviation} as scored here has items "
            f"{expected[0]}-{expected[-1]}; remove the column or rename it",
            row=1,
            column=items[extra[0]],
        )
    missing = [n for n in expected if n not in items]
    if missing:
        raise DatasetError(
            table.path,
            f"no column for item(s) {', '.join(str(n) for n in missing)} of the {abbreviation}: item columns "
            f"are named '{prefix}' and the item number ({prefix}1 ... {prefix}{expected[-1]}); "
            "give --prefix if yours start differently",
            row=1,
        )
    return DataColumns(id_header, items, prefix)


def response_base(path: Path) -> str:
    return f"urn:ierkg:responses:{quote(path.stem, safe='')}/"


# --- the checks --------------------------------------------------------------------------------


def rating_term(text: str) -> int | str:
    """A whole number as an integer; anything else as the text itself, for the shapes to reject."""
    return int(Decimal(text)) if _WHOLE.fullmatch(text) else text


def check_responses(
    respondents: list[Respondent],
    key: ScoringKey,
    columns: DataColumns,
    file: str,
    base: str,
    engine: str = "compiled",
    shapes: Path | None = None,
) -> list[Finding]:
    """Run the instrument shapes over the responses; each result becomes a finding on its cell."""
    triples = response_set_triples(base, key.instrument.iri, key.items(), key.minimum, key.maximum)
    for respondent in respondents:
        ratings = {n: rating_term(text) for n, text in respondent.answers.items() if text}
        triples += response_triples(base, respondent.row, respondent.identifier, ratings)
    by_node = {response_node(base, r.row): r for r in respondents}
    items = {item_property(base, n): n for n in columns.items}
    findings = []
    for result in check(triples, engine, shapes):
        respondent = by_node[result.focus]
        if result.path in items:
            number = items[result.path]
            column, value = columns.items[number], respondent.answers[number]
        else:
            column, value = columns.id_header, respondent.identifier
        findings.append(
            Finding(
                file,
                respondent.row,
                column,
                value,
                result.message,
                result.severity,
                result.rule,
                result.focus,
            )
        )
    order = {header: index for index, header in enumerate([columns.id_header, *columns.items.values()])}
    return sorted(findings, key=lambda f: (f.row, order.get(f.column, 0), f.message))


# --- the scores --------------------------------------------------------------------------------


def score_respondents(
    respondents: list[Respondent], key: ScoringKey, columns: DataColumns, findings: list[Finding]
) -> list[ScoredRow]:
    """Each row's scale scores, from the answers the shapes found nothing wrong with."""
    faulty = {(f.row, f.column) for f in findings if f.severity in PROBLEMS}
    scored = []
    for respondent in respondents:
        ratings = {
            number: rating
            for number, text in respondent.answers.items()
            if text
            and (respondent.row, columns.items[number]) not in faulty
            and isinstance(rating := rating_term(text), int)
        }
        scores = {
            keyed.column: keyed.score(ratings, key.minimum, key.maximum)
            if all(item in ratings for item in keyed.items)
            else None
            for keyed in key.scales
        }
        scored.append(ScoredRow(respondent.row, respondent.identifier, scores))
    return scored


def score_text(score: int | Fraction | None) -> str:
    """A score as a CSV cell: whole numbers as they are, means to four decimals (half up)."""
    if score is None:
        return ""
    if isinstance(score, int) or score.denominator == 1:
        return str(int(score))
    mean = (Decimal(score.numerator) / Decimal(score.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return format(mean.normalize(), "f")


def render_scores_csv(result: ScoreResult) -> str:
    """The id, the row it came from, and one column per scale; text cells cannot run as formulas."""
    rows: list[list[str]] = [[neutralised(result.columns.id_header), "row", *result.score_columns]]
    for scored in result.rows:
        scores = [score_text(scored.scores[column]) for column in result.score_columns]
        rows.append([neutralised(scored.respondent_id), str(scored.row), *scores])
    return _csv(rows)


def render_findings_csv(findings: list[Finding]) -> str:
    header = ["file", "row", "column", "value", "severity", "rule", "message"]
    rows = [[f.file, str(f.row), f.column, f.value, f.severity, f.rule, f.message] for f in findings]
    return _csv([header, *[[neutralised(cell) for cell in row] for row in rows]])


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
