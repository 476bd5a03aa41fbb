"""Compare how two or more coders coded the same episodes: agreement, kappa, alpha, disagreements.

Each coder's file is a coded dataset; episodes are matched by ``episode_id``. Codes are
normalised the way the validator resolves them (notation, local name or label, any case), so
"Recruit partner" and "recruit_partner" agree. A blank cell is missing data, never a code.
Cohen's kappa is computed here, exactly, with fractions; Krippendorff's alpha (nominal) comes
from the ``krippendorff`` package. docs/agreement.md explains every figure.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import krippendorff
import numpy as np

from ..errors import IerkgError
from .columns import BY_NAME, ColumnMap
from .spreadsheet import neutralised
from .tables import DatasetError, Table, open_table
from .validation import mapped_columns
from .vocabulary import Vocabulary, load_vocabulary

# The nominal columns coders fill in; target_role and social_scale only when coded explicitly.
CODED_COLUMNS: tuple[str, ...] = (
    "interaction_mode",
    "goal",
    "means",
    "process",
    "mechanism",
    "strategy",
    "partner_response",
    "setting",
    "relationship",
    "target_role",
    "social_scale",
)

PERCENT_METHOD = (
    "mean pairwise: for each pair of coders, the share of episodes both coded on which they gave "
    "the same code, averaged over the pairs"
)

_BETWEEN_WORDS = re.compile(r"(?<=\w)[\s_-]+(?=\w)")
_TEXT_LIST_LIMIT = 50  # longer id lists are cut in the text output; JSON always has them all


class AgreementError(IerkgError):
    """The files given cannot be compared with one another (as opposed to one file being unreadable)."""


# --- the result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coder:
    label: str  # how the output names this coder: the file name, or the path if names clash
    file: str
    rows: int  # episodes (rows) read from the file


@dataclass(frozen=True)
class Unmatched:
    """An episode that is not in every coder's file."""

    episode_id: str
    present_in: tuple[str, ...]  # coder labels
    missing_from: tuple[str, ...]


@dataclass(frozen=True)
class PairAgreement:
    coders: tuple[str, str]
    n: int  # episodes both coders coded in this column
    agreed: int

    @property
    def percent(self) -> float | None:
        return float(Fraction(100 * self.agreed, self.n)) if self.n else None


@dataclass
class ColumnAgreement:
    column: str
    n_all: int  # episodes every coder coded
    n_pairable: int  # episodes at least two coders coded
    missing: dict[str, int]  # coder label -> blank cells among that coder's compared episodes
    pairs: list[PairAgreement]
    percent_agreement: float | None  # 0-100, see PERCENT_METHOD
    percent_note: str
    kappa: float | None
    kappa_note: str  # why kappa is not given, when it is None
    alpha: float | None
    alpha_note: str
    categories: tuple[str, ...]  # the normalised codes used in this column
    unknown_codes: tuple[str, ...]  # codes not in the vocabulary, compared as normalised text
    # Episodes some coders coded and another left blank: the statistics leave these out (a
    # blank is missing data to them), so they are counted and listed apart, never hidden.
    one_sided: int = 0

    @property
    def missing_total(self) -> int:
        return sum(self.missing.values())


@dataclass(frozen=True)
class CodedCell:
    coder: str
    row: int | None  # None when the episode is not in this coder's file
    value: str  # as written; "" when blank or absent
    code: str | None  # normalised; None when missing


@dataclass(frozen=True)
class Disagreement:
    episode_id: str
    column: str
    cells: tuple[CodedCell, ...]  # one per coder, in the order the files were given
    one_sided: bool = False  # the coders who coded agree, but another left the cell blank


@dataclass
class AgreementResult:
    coders: list[Coder]
    episodes_compared: int  # episodes in at least two files
    unmatched: list[Unmatched]
    columns: list[ColumnAgreement]
    skipped_columns: dict[str, tuple[str, ...]]  # coded column in some files only -> coders lacking it
    disagreements: list[Disagreement] = field(default_factory=list)
    percent_method: str = PERCENT_METHOD


# --- reading and matching ------------------------------------------------------------------


@dataclass
class _Coding:
    """One coder's file: for each episode id, its row number and its cells in the compared columns."""

    coder: Coder
    episodes: dict[str, tuple[int, tuple[str, ...]]]


def compare_coders(
    paths: Sequence[Path],
    column_map: ColumnMap | None = None,
    sheet: str | None = None,
    columns: Sequence[str] | None = None,
    vocabulary: Vocabulary | None = None,
) -> AgreementResult:
    """Compare the coders' files column by column; raise DatasetError/AgreementError on unusable input."""
    paths = [Path(p) for p in paths]
    if len(paths) < 2:
        raise AgreementError("coder agreement needs at least two coded files, one per coder")
    _refuse_repeated_files(paths)
    labels = _labels(paths)
    delimiter = column_map.delimiter if column_map else None
    tables = [open_table(path, sheet=sheet, delimiter=delimiter) for path in paths]
    headers = [_mapped_columns(table, column_map) for table in tables]
    compared, skipped = _compared_columns(paths, labels, headers, columns)
    codings = [
        _read(table, label, heads, compared)
        for table, label, heads in zip(tables, labels, headers, strict=True)
    ]
    order, unmatched = _match(codings)
    if not order and any(coding.episodes for coding in codings):
        sample = "; ".join(f"{c.coder.label}: {', '.join(list(c.episodes)[:3]) or 'none'}" for c in codings)
        raise AgreementError(
            "no episode_id is in more than one file, so no episode can be compared; check that the "
            f"coders used the same ids (first ids: {sample})"
        )
    normaliser = _Normaliser(vocabulary or load_vocabulary())
    result = AgreementResult(
        coders=[c.coder for c in codings],
        episodes_compared=len(order),
        unmatched=unmatched,
        columns=[],
        skipped_columns=skipped,
    )
    for index, column in enumerate(compared):
        cells = [
            [_cell(coding, episode, index, column, normaliser) for coding in codings] for episode in order
        ]
        result.columns.append(_column_agreement(column, labels, cells, normaliser.unknown.get(column, set())))
        result.disagreements += _disagreements(column, order, cells)
    episode_rank = {episode: rank for rank, episode in enumerate(order)}
    column_rank = {column: rank for rank, column in enumerate(compared)}
    result.disagreements.sort(key=lambda d: (episode_rank[d.episode_id], column_rank[d.column]))
    return result


def _refuse_repeated_files(paths: list[Path]) -> None:
    seen: dict[Path, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            raise DatasetError(
                path, f"this file is given twice (also as {seen[key]}); give one file per coder"
            )
        seen[key] = path


def _labels(paths: list[Path]) -> list[str]:
    names = [path.name for path in paths]
    # Two coders' files may share a name in different folders; the full path tells them apart.
    return [name if names.count(name) == 1 else str(path) for name, path in zip(names, paths, strict=True)]


def _mapped_columns(table: Table, column_map: ColumnMap | None) -> dict[str, str]:
    """ierkg column -> the file's header; unlike validation, only episode_id is required."""
    found = mapped_columns(table, column_map)
    if "episode_id" not in found:
        raise DatasetError(
            table.path,
            f"there is no episode_id column, so episodes cannot be matched between coders. "
            f"The header has: {', '.join(table.header)}. Rename the column or map it with --map",
            row=1,
        )
    return found


def _compared_columns(
    paths: list[Path], labels: list[str], headers: list[dict[str, str]], wanted: Sequence[str] | None
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The coded columns every file has, and those only some files have (with who lacks them)."""
    if wanted is not None:
        for name in wanted:
            if name not in CODED_COLUMNS:
                raise AgreementError(
                    f"'{name}' is not a coded column; choose from {', '.join(CODED_COLUMNS)}"
                )
            for path, heads in zip(paths, headers, strict=True):
                if name not in heads:
                    raise DatasetError(path, f"the file has no '{name}' column to compare", row=1)
    candidates = list(wanted) if wanted is not None else list(CODED_COLUMNS)
    compared, skipped = [], {}
    for name in candidates:
        lacking = tuple(label for label, heads in zip(labels, headers, strict=True) if name not in heads)
        if not lacking:
            compared.append(name)
        elif len(lacking) < len(labels):
            skipped[name] = lacking
    if not compared:
        present = "; ".join(
            f"{path}: {', '.join(c for c in CODED_COLUMNS if c in heads) or 'none'}"
            for path, heads in zip(paths, headers, strict=True)
        )
        raise AgreementError(f"no coded column is in every file, so there is nothing to compare ({present})")
    return compared, skipped


def _read(table: Table, label: str, headers: dict[str, str], compared: list[str]) -> _Coding:
    id_header = headers["episode_id"]
    wanted = [headers[name] for name in compared]
    episodes: dict[str, tuple[int, tuple[str, ...]]] = {}
    rows = 0
    for row in table.rows:
        rows += 1
        identifier = row.cells.get(id_header, "")
        if not identifier:
            raise DatasetError(
                table.path,
                "this row has no episode_id, so it cannot be matched with the other coders' rows; "
                "fill it in or delete the row",
                row=row.number,
                column=table.letter(id_header),
            )
        if identifier in episodes:
            raise DatasetError(
                table.path,
                f"episode_id '{identifier}' is already used on row {episodes[identifier][0]}; "
                "each coder's file needs exactly one row per episode",
                row=row.number,
                column=table.letter(id_header),
            )
        episodes[identifier] = (row.number, tuple(row.cells.get(h, "") for h in wanted))
    return _Coding(Coder(label, str(table.path), rows), episodes)


def _match(codings: list[_Coding]) -> tuple[list[str], list[Unmatched]]:
    """Episodes in at least two files (in order of first appearance), and those not in every file."""
    order: list[str] = []
    seen: set[str] = set()
    for coding in codings:
        for identifier in coding.episodes:
            if identifier not in seen:
                seen.add(identifier)
                order.append(identifier)
    compared, unmatched = [], []
    for identifier in order:
        present = tuple(c.coder.label for c in codings if identifier in c.episodes)
        if len(present) < len(codings):
            absent = tuple(c.coder.label for c in codings if identifier not in c.episodes)
            unmatched.append(Unmatched(identifier, present, absent))
        if len(present) >= 2:
            compared.append(identifier)
    return compared, unmatched


# --- normalising codes ---------------------------------------------------------------------


class _Normaliser:
    """Codes as the validator resolves them; unknown codes as normalised text (and remembered)."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.unknown: dict[str, set[str]] = {}
        self._cache: dict[tuple[str, str], str] = {}

    def code(self, column: str, text: str) -> str:
        key = (column, text)
        if key not in self._cache:
            if BY_NAME[column].kind == "codes":
                parts = {self._one(column, part.strip()) for part in text.split(";") if part.strip()}
                self._cache[key] = ";".join(sorted(parts))
            else:
                self._cache[key] = self._one(column, text)
        return self._cache[key]

    def _one(self, column: str, text: str) -> str:
        if column == "goal":
            # goal holds "none" (a goal status) or a direction, exactly as the episode writer reads it
            status = self.vocabulary["goal_status"].resolve(text)
            if status is not None and status.iri.endswith("/NoGoal"):
                return _shown(status)
            value = self.vocabulary["goal_direction"].resolve(text)
        else:
            value = self.vocabulary[column].resolve(text)
        if value is not None:
            return _shown(value)
        normal = _normal_text(text)
        self.unknown.setdefault(column, set()).add(normal)
        return normal


def _shown(value) -> str:
    return value.notation or value.iri.rsplit("/", 1)[-1]


def _normal_text(text: str) -> str:
    # the folding the vocabulary applies: case, and '-', '_' or spaces between words (not at the ends)
    return _BETWEEN_WORDS.sub("_", text.strip().casefold())


def _cell(coding: _Coding, episode: str, index: int, column: str, normaliser: _Normaliser) -> CodedCell:
    found = coding.episodes.get(episode)
    if found is None:
        return CodedCell(coding.coder.label, None, "", None)
    row, texts = found
    text = texts[index]
    code = normaliser.code(column, text) if text else ""
    return CodedCell(coding.coder.label, row, text, code or None)  # ";" alone holds no strategy: missing


# --- statistics ----------------------------------------------------------------------------


def _column_agreement(
    column: str, labels: list[str], episodes: list[list[CodedCell]], unknown: set[str]
) -> ColumnAgreement:
    codes = [[cell.code for cell in cells] for cells in episodes]
    missing = {label: 0 for label in labels}
    for cells in episodes:
        for cell in cells:
            if cell.row is not None and cell.code is None:
                missing[cell.coder] += 1
    pairs = [_pair(labels, codes, i, j) for i, j in combinations(range(len(labels)), 2)]
    rated = [sum(code is not None for code in unit) for unit in codes]
    percents = [Fraction(100 * p.agreed, p.n) for p in pairs if p.n]
    percent = float(sum(percents) / len(percents)) if percents else None
    kappa, kappa_note = _kappa(codes) if len(labels) == 2 else (None, _KAPPA_TWO_ONLY % len(labels))
    alpha, alpha_note = _alpha(codes)
    return ColumnAgreement(
        column=column,
        n_all=sum(n == len(labels) for n in rated),
        n_pairable=sum(n >= 2 for n in rated),
        missing=missing,
        pairs=pairs,
        percent_agreement=percent,
        percent_note="" if percents else "no episode has codes from two coders",
        kappa=kappa,
        kappa_note=kappa_note,
        alpha=alpha,
        alpha_note=alpha_note,
        categories=tuple(sorted({code for unit in codes for code in unit if code is not None})),
        unknown_codes=tuple(sorted(unknown)),
        one_sided=sum(_is_one_sided(cells) for cells in episodes),
    )


def _is_one_sided(cells: list[CodedCell]) -> bool:
    """Coded by some coders and left blank by another who has the episode."""
    coded = any(cell.code is not None for cell in cells)
    return coded and any(cell.row is not None and cell.code is None for cell in cells)


_KAPPA_TWO_ONLY = "Cohen's kappa compares exactly two coders, and there are %d; see Krippendorff's alpha"


def _pair(labels: list[str], codes: list[list[str | None]], i: int, j: int) -> PairAgreement:
    both = [(unit[i], unit[j]) for unit in codes if unit[i] is not None and unit[j] is not None]
    return PairAgreement((labels[i], labels[j]), len(both), sum(a == b for a, b in both))


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> tuple[Fraction | None, str]:
    """Exact Cohen's kappa of paired codes, or None and the reason it is undefined."""
    n = len(pairs)
    if n == 0:
        return None, "no episode has a code from both coders"
    observed = Fraction(sum(a == b for a, b in pairs), n)
    first: dict[str, int] = {}
    second: dict[str, int] = {}
    for a, b in pairs:
        first[a] = first.get(a, 0) + 1
        second[b] = second.get(b, 0) + 1
    chance = Fraction(sum(count * second.get(code, 0) for code, count in first.items()), n * n)
    if chance == 1:
        (only,) = first
        return None, (
            f"both coders used only '{only}', so agreement by chance is already 100% and kappa is undefined"
        )
    return (observed - chance) / (1 - chance), ""


def _kappa(codes: list[list[str | None]]) -> tuple[float | None, str]:
    pairs = [(a, b) for a, b in codes if a is not None and b is not None]
    value, note = cohen_kappa(pairs)
    return (float(value) if value is not None else None), note


def _alpha(codes: list[list[str | None]]) -> tuple[float | None, str]:
    """Krippendorff's alpha, nominal, from the krippendorff package; blanks are NaN (missing)."""
    pairable = [unit for unit in codes if sum(code is not None for code in unit) >= 2]
    if not pairable:
        return None, "no episode has codes from two or more coders"
    used = sorted({code for unit in pairable for code in unit if code is not None})
    if len(used) == 1:
        return None, (
            f"every code given is '{used[0]}': with a single category there is no variation, "
            "so alpha is undefined"
        )
    categories = {code: index for index, code in enumerate(sorted({c for u in codes for c in u if c}))}
    data = np.array(
        [
            [categories[unit[k]] if unit[k] is not None else np.nan for unit in codes]
            for k in range(len(codes[0]))
        ],
        dtype=float,
    )
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    if not math.isfinite(value):  # not expected after the checks above; never print a bare NaN
        return None, "the krippendorff package could not compute alpha for these codes"
    return value, ""


def _disagreements(column: str, order: list[str], episodes: list[list[CodedCell]]) -> list[Disagreement]:
    found = []
    for episode, cells in zip(order, episodes, strict=True):
        given = {cell.code for cell in cells if cell.code is not None}
        if len(given) > 1:
            found.append(Disagreement(episode, column, tuple(cells)))
        elif _is_one_sided(cells):
            found.append(Disagreement(episode, column, tuple(cells), one_sided=True))
    return found


# --- output --------------------------------------------------------------------------------


def render_text(result: AgreementResult) -> str:
    """A report for the terminal: coders, unmatched episodes, one line per column, disagreements."""
    lines = [f"Coder agreement: {len(result.coders)} coders, {result.episodes_compared} episodes compared"]
    lines += [f"  {coder.label}: {coder.file} ({coder.rows} rows)" for coder in result.coders]
    if result.unmatched:
        lines.append(f"Episodes not in every file: {len(result.unmatched)}")
        for item in result.unmatched[:_TEXT_LIST_LIMIT]:
            lines.append(f"  {item.episode_id}: missing from {', '.join(item.missing_from)}")
        if len(result.unmatched) > _TEXT_LIST_LIMIT:
            lines.append(
                f"  ... and {len(result.unmatched) - _TEXT_LIST_LIMIT} more (--format json lists all)"
            )
        lines.append("  (an episode in only one file cannot be compared)")
    for name, lacking in result.skipped_columns.items():
        lines.append(f"Not compared: {name} is missing from {', '.join(lacking)}")
    lines.append("")
    notes: list[str] = []

    def figure(value: float | None, note: str, style: str) -> str:
        if value is not None:
            return style.format(value)
        if note not in notes:
            notes.append(note)
        return f"n/a [{notes.index(note) + 1}]"

    table = [("column", "n all", "n >=2", "missing", "one-sided", "agreement", "kappa", "alpha")]
    for column in result.columns:
        table.append(
            (
                column.column,
                str(column.n_all),
                str(column.n_pairable),
                str(column.missing_total),
                str(column.one_sided),
                figure(column.percent_agreement, column.percent_note, "{:.1f}%"),
                figure(column.kappa, column.kappa_note, "{:.3f}"),
                figure(column.alpha, column.alpha_note, "{:.3f}"),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        lines.append(
            "  ".join(
                [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            )
        )
    lines.append("")
    lines += [f"[{number}] {note}" for number, note in enumerate(notes, start=1)]
    lines.append(f"agreement = percent agreement, {result.percent_method}.")
    lines.append("kappa = Cohen's kappa (two coders); alpha = Krippendorff's alpha, nominal.")
    lines.append(
        "one-sided = episodes some coders coded and another left blank; the figures treat a blank as "
        "missing, so these are listed below as disagreements marked (blank)."
    )
    for column in result.columns:
        if column.unknown_codes:
            lines.append(
                f"{column.column}: not in the vocabulary, compared as text: {', '.join(column.unknown_codes)}"
            )
    lines.append("")
    one_sided = sum(d.one_sided for d in result.disagreements)
    lines.append(f"Disagreements: {len(result.disagreements)} ({one_sided} of them a blank against a code)")
    for item in result.disagreements:
        shown = " | ".join(
            f"{cell.coder}:{cell.row} {cell.value!r}" if cell.row is not None else f"{cell.coder}: (no row)"
            for cell in item.cells
        )
        lines.append(f"  {item.episode_id}  {item.column}: {shown}" + ("  (blank)" if item.one_sided else ""))
    return "\n".join(lines) + "\n"


def to_dict(result: AgreementResult) -> dict:
    """Everything in the result as plain JSON types; an undefined statistic is null with its reason."""
    return {
        "coders": [{"label": c.label, "file": c.file, "rows": c.rows} for c in result.coders],
        "episodes_compared": result.episodes_compared,
        "percent_agreement_method": result.percent_method,
        "unmatched_episodes": [
            {
                "episode_id": u.episode_id,
                "present_in": list(u.present_in),
                "missing_from": list(u.missing_from),
            }
            for u in result.unmatched
        ],
        "columns_not_compared": {
            name: {"missing_from": list(lacking)} for name, lacking in result.skipped_columns.items()
        },
        "columns": [
            {
                "column": c.column,
                "n_all": c.n_all,
                "n_pairable": c.n_pairable,
                "missing": c.missing,
                "percent_agreement": c.percent_agreement,
                "percent_agreement_note": c.percent_note,
                "pairs": [
                    {"coders": list(p.coders), "n": p.n, "agreed": p.agreed, "percent_agreement": p.percent}
                    for p in c.pairs
                ],
                "cohen_kappa": c.kappa,
                "cohen_kappa_note": c.kappa_note,
                "krippendorff_alpha": c.alpha,
                "krippendorff_alpha_note": c.alpha_note,
                "categories": list(c.categories),
                "unknown_codes": list(c.unknown_codes),
                "one_sided": c.one_sided,
            }
            for c in result.columns
        ],
        "disagreements": [
            {
                "episode_id": d.episode_id,
                "column": d.column,
                "one_sided": d.one_sided,
                "coders": [
                    {"coder": cell.coder, "row": cell.row, "value": cell.value, "code": cell.code}
                    for cell in d.cells
                ],
            }
            for d in result.disagreements
        ],
    }


def render_json(result: AgreementResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def render_statistics_csv(result: AgreementResult) -> str:
    """One row per compared column, for a spreadsheet."""
    labels = [coder.label for coder in result.coders]
    header = ["column", "n_all", "n_pairable", "missing"] + [f"missing {label}" for label in labels]
    header += [
        "percent_agreement",
        "percent_agreement_method",
        "cohen_kappa",
        "cohen_kappa_note",
        "krippendorff_alpha",
        "krippendorff_alpha_note",
    ]
    rows: list[list[object]] = [header]
    for c in result.columns:
        rows.append(
            [c.column, c.n_all, c.n_pairable, c.missing_total, *(c.missing[label] for label in labels)]
            + [c.percent_agreement, "mean pairwise", c.kappa, c.kappa_note, c.alpha, c.alpha_note]
        )
    return _csv(rows)


def render_disagreements_csv(result: AgreementResult) -> str:
    """One row per disagreement: the episode, the column, and each coder's row, value and code."""
    header = ["episode_id", "column"]
    for coder in result.coders:
        header += [f"{coder.label} row", f"{coder.label} value", f"{coder.label} code"]
    rows: list[list[object]] = [header]
    for d in result.disagreements:
        row: list[object] = [d.episode_id, d.column]
        for cell in d.cells:
            row += [cell.row, cell.value, cell.code or ""]
        rows.append(row)
    return _csv(rows)


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue()


def _csv_cell(value: object) -> str:
    """Numbers as numbers; any text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return neutralised(str(value))
