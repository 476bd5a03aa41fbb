"""Text written for spreadsheets: a cell that looks like a formula is kept as text.

Excel, LibreOffice and Google Sheets run a cell starting with one of these characters as a
formula (OWASP's "CSV injection"); a leading apostrophe makes them show it as text instead.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell
