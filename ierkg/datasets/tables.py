"""Read a coded spreadsheet (CSV, TSV or XLSX) row by row, or say exactly why it cannot be read.

Rows are streamed, so memory stays flat however long the file is. Every fault that makes a
file unusable (wrong encoding, ragged rows, no header, a missing sheet) is a
:class:`DatasetError` naming the file, row and column, and no row is ever skipped silently.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import IerkgError

TABULAR_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".xlsx"}


class DatasetError(IerkgError):
    """A coded dataset cannot be used as it is; the message says where and why."""

    def __init__(self, path: Path | str, message: str, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.row = row
        self.column = column
        self.reason = message
        where = self.path + (f":{row}" if row is not None else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Row:
    number: int  # the row's number as a spreadsheet shows it (the header is row 1)
    cells: dict[str, str]  # header -> cell text, stripped; "" for an empty cell


@dataclass
class Table:
    path: Path
    header: list[str]
    rows: Iterator[Row]

    def letter(self, column: str) -> str:
        """The spreadsheet letter of a header (A, B, ..., AA ...)."""
        return column_letter(self.header.index(column))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def estimated_rows(path: Path, sheet: str | None = None) -> int | None:
    """About how many data rows a table holds, for a progress bar; None if it cannot tell.

    A CSV or TSV file: its lines less the header (quoted cells spanning lines make it an
    overestimate). A workbook: the sheet's recorded extent, which openpyxl reads without the cells.
    """
    if path.suffix.lower() == ".xlsx":
        return _workbook_rows(path, sheet)
    if path.suffix.lower() not in (".csv", ".tsv", ".txt") or not path.is_file():
        return None
    lines, last = 0, b"\n"
    try:
        with path.open("rb") as stream:
            while block := stream.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
    except OSError:
        return None
    return max(lines + (last != b"\n") - 1, 0)


def _workbook_rows(path: Path, sheet: str | None) -> int | None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
            rows = worksheet.max_row
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - only a bar's total: opening the table says what is wrong
        return None
    return max(rows - 1, 0) if isinstance(rows, int) else None


def open_table(path: Path, sheet: str | None = None, delimiter: str | None = None) -> Table:
    """Open a CSV, TSV or XLSX file; the header row names the columns."""
    if not path.is_file():
        raise DatasetError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _open_xlsx(path, sheet)
    if sheet is not None:
        raise DatasetError(path, "--sheet applies to XLSX workbooks only")
    if suffix not in TABULAR_SUFFIXES:
        raise DatasetError(
            path, f"unsupported file type '{suffix}': use CSV (.csv), TSV (.tsv) or XLSX (.xlsx)"
        )
    return _open_delimited(path, delimiter or ("\t" if suffix in {".tsv", ".tab"} else None))


# --- CSV and TSV ---------------------------------------------------------------------------


def _decoded_lines(path: Path) -> Iterator[str]:
    """The file's lines as text, failing with the exact line and byte column on bad UTF-8."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            raw = line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line  # Excel's BOM
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DatasetError(
                    path,
                    f"byte {exc.start + 1} of this line is not UTF-8; save the file as UTF-8 "
                    "(in Excel: Save As > CSV UTF-8)",
                    row=number,
                ) from None


def _open_delimited(path: Path, delimiter: str | None) -> Table:
    lines = _decoded_lines(path)
    first = next(lines, None)
    if first is None or not first.strip():
        raise DatasetError(path, "the file is empty: the first row must name the columns", row=1)
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first.count)  # Excel in some locales writes ';'
    header = next(csv.reader([first], delimiter=delimiter))
    header = _checked_header(path, [cell.strip() for cell in header])

    def rows() -> Iterator[Row]:
        reader = csv.reader(_with_first(first, lines), delimiter=delimiter, strict=True)
        next(reader)  # the header
        record_line = 2  # the line the record being read starts on
        try:
            # Numbered as a spreadsheet shows them: one row per record, even when a quoted cell
            # spans lines, and blank lines count as (empty) rows.
            for number, record in enumerate(reader, start=2):
                record_line = reader.line_num + 1  # where the next record will start
                cells = list(map(str.strip, record))
                if not any(cells):
                    continue  # blank lines separate nothing and hold no episode
                if len(cells) != len(header):
                    # Where the row and the header part: the first cell with no header, or
                    # the first header with no cell.
                    if len(cells) > len(header):
                        where = column_letter(len(header))
                        told = f"its cell in column {where} ({cells[len(header)][:40]!r}) has no header"
                    else:
                        where = column_letter(len(cells))
                        told = f"it has no cell in column {where} ({header[len(cells)]}) or after it"
                    raise DatasetError(
                        path,
                        f"this row has {len(cells)} cells but the header has {len(header)}: {told}; "
                        "a missing or extra delimiter shifts every later value",
                        row=number,
                        column=where,
                    )
                yield Row(number, dict(zip(header, cells, strict=True)))
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = (
                    f"a cell is longer than {csv.field_size_limit():,} characters; usually a quote "
                    "opened in a cell and never closed, which swallows the rows after it"
                )
            elif "unexpected end of data" in reason:
                reason = 'a quote (") opened in a cell is never closed; close it or remove it'
            raise DatasetError(
                path, f"the row starting on line {record_line} cannot be read: {reason}", row=record_line
            ) from None

    return Table(path, header, rows())


def _with_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _checked_header(path: Path, header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        letter = column_letter(index)
        if not name:
            raise DatasetError(path, "this column has no name in the header row", row=1, column=letter)
        if name in seen:
            raise DatasetError(
                path,
                f"the column name '{name}' appears twice (also in column {column_letter(seen[name])})",
                row=1,
                column=letter,
            )
        seen[name] = index
    return header


# --- XLSX ----------------------------------------------------------------------------------


def _open_xlsx(path: Path, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DatasetError(path, f"not a readable XLSX workbook ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl fails in many ways on files it cannot read
        raise DatasetError(
            path, f"openpyxl cannot read this workbook ({type(exc).__name__}: {exc}); save it again as .xlsx"
        ) from None
    tables = [s for s in workbook.worksheets if hasattr(s, "iter_rows")]  # not chart sheets
    if sheet is None:
        if not tables:
            raise DatasetError(path, "the workbook has no sheet with cells (only charts)")
        worksheet = tables[0]
    elif sheet in workbook.sheetnames:
        worksheet = workbook[sheet]
        if not hasattr(worksheet, "iter_rows"):
            raise DatasetError(path, f"sheet '{sheet}' is a chart, not a table of episodes")
    else:
        names = ", ".join(repr(n) for n in workbook.sheetnames)
        raise DatasetError(path, f"there is no sheet named '{sheet}'; the workbook has {names}")
    cells = worksheet.iter_rows(values_only=True)
    first = next(cells, None)
    if first is None or not any(_cell_text(c) for c in first):
        raise DatasetError(
            path, f"sheet '{worksheet.title}' is empty: its first row must name the columns", row=1
        )
    width = max(i for i, c in enumerate(first) if _cell_text(c)) + 1
    header = _checked_header(path, [_cell_text(c) for c in first[:width]])

    def rows() -> Iterator[Row]:
        for number, values in enumerate(cells, start=2):
            texts = [_cell_text(c) for c in values]
            extra = [i for i, text in enumerate(texts[width:], start=width) if text]
            if extra:
                raise DatasetError(
                    path,
                    "this row has a value beyond the last named column",
                    row=number,
                    column=column_letter(extra[0]),
                )
            texts = (texts + [""] * width)[:width]
            if any(texts):
                yield Row(number, dict(zip(header, texts, strict=True)))
        workbook.close()

    return Table(path, header, rows())


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()
