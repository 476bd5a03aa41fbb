"""The named SPARQL queries in queries/*.rq: one competency question each.

Each file opens with comment lines ``# title: ...`` and ``# description: ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import IerkgError
from .resources import queries_dir

_HEADER = re.compile(r"^#\s*(title|description)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str  # file name without .rq
    title: str
    description: str
    sparql: str


def read_named_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2)
    missing = [field for field in ("title", "description") if field not in header]
    if missing:
        raise IerkgError(f"{path}:1: the header comment lacks '# {missing[0]}: ...'")
    return NamedQuery(path.stem, header["title"], header["description"], text)


def named_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query, sorted by file name."""
    return [read_named_query(p) for p in sorted((directory or queries_dir()).glob("*.rq"))]
