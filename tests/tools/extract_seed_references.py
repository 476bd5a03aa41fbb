"""Regenerate tests/data/seed-references.tsv from the framework paper's reference list.

    python -m tests.tools.extract_seed_references ../shared/seeds

Keeps only facts needed to check DOIs: author surnames, year, and the DOI as printed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "seed-references.tsv"
PAPER = "000_d2d14541b3ca2cbe.txt"

_ENTRY = re.compile(r"^(?P<authors>.+?)\s\((?P<year>\d{4}|in press|submitted)[a-z]?(?:/\d{4})?\)\.")
_DOI = re.compile(r"doi:\s*(\S+?)\.?\s*$")


def surnames(authors: str) -> list[str]:
    # "Zaki, J., Schirmer, J., & Mitchell, J." -> Zaki, Schirmer, Mitchell
    parts = [p.strip() for p in authors.replace("&", "").split(",")]
    return [p for p in parts if p and not re.fullmatch(r"([A-Z][a-z]?\.\s?(-?[A-Z]\.)?\s?)+", p)]


def main(seed_dir: str) -> int:
    text = (Path(seed_dir) / PAPER).read_text(encoding="utf-8")
    references = text.split("## References", 1)[1]
    # A few entries are broken over two list items; join continuation lines first.
    entries: list[str] = []
    for raw in references.splitlines():
        line = raw.strip()
        if not line.startswith("- "):
            continue
        item = line[2:]
        if entries and not _ENTRY.match(item):
            entries[-1] += " " + item
        else:
            entries.append(item)
    rows = [
        "# surnames\tyear\tdoi as printed (empty: none) -- from the reference list of Zaki & Williams (2013)"
    ]
    for entry in entries:
        match = _ENTRY.match(entry)
        if not match:
            continue
        doi = _DOI.search(entry)
        rows.append(
            "\t".join([";".join(surnames(match["authors"])), match["year"], doi.group(1) if doi else ""])
        )
    OUT.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 1} references -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/seeds"))
