"""Validate a coded dataset against shapes/episodes.ttl and say what is wrong, cell by cell.

The rows are read in chunks (memory stays flat), each chunk becomes episode-model RDF, and an
engine checks it against the shapes together with the ontology. pySHACL is the reference
engine; ``ierkg.datasets.compiled`` runs the same shapes as SPARQL on Oxigraph, much faster,
and the tests compare the two result for result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote

from ..namespaces import IERKG, curie
from .columns import BY_NAME, DCTERMS_IDENTIFIER, REQUIRED, ColumnMap
from .episodes import (
    RDF_TYPE,
    Chunk,
    Declarations,
    episode_iri,
    ntriples,
    row_of,
    to_ntriples,
    unknown_code,
)
from .findings import Finding
from .parallel import map_in_order
from .tables import DatasetError, Row, Table, open_table
from .vocabulary import Vocabulary, load_vocabulary

if TYPE_CHECKING:
    from .classify import Placer

# The column a property's finding points at.
PROPERTY_COLUMNS: dict[str, str] = {column.prop: column.name for column in BY_NAME.values()}
PROPERTY_COLUMNS[str(IERKG.goalDirection)] = "goal"

RDF_TYPE_TERM = f"<{RDF_TYPE}>"
DUPLICATE_ID_MESSAGE = "This episode_id is also used on another row; every episode needs its own id."


@dataclass(frozen=True)
class RawResult:
    """A SHACL validation result, before it is put in the spreadsheet's terms."""

    focus: str
    path: str | None
    value: str | None  # an IRI or a literal's lexical form
    message: str
    severity: str  # Violation | Warning | Info
    rule: str


class Engine:
    """Checks a chunk of episode triples (N-Triples terms) against the episode shapes."""

    name = "engine"

    def check(self, chunk: Chunk) -> list[RawResult]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Report:
    """Everything a validation found, with the row accounting the summary needs."""

    file: str
    rows_read: int = 0
    findings: list[Finding] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # ierkg column -> header in the file
    engine: str = ""
    # episodes per chart group of ierkg.datasets.classify (the 2x2 cells and the rest)
    placements: Counter = field(default_factory=Counter)

    @property
    def rows_with_problems(self) -> int:
        # RDF input has no rows: there an episode (its node) is the unit counted.
        return len({f.row if f.row is not None else f.node for f in self.findings if f.is_problem})

    @property
    def rows_valid(self) -> int:
        return self.rows_read - self.rows_with_problems

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def counts(self) -> dict[str, int]:
        totals = {"Violation": 0, "Warning": 0, "Info": 0}
        for finding in self.findings:
            totals[finding.severity] += 1
        return totals


def mapped_columns(table: Table, column_map: ColumnMap | None) -> dict[str, str]:
    """ierkg column -> the file's header for it, for every ierkg column the file has."""
    mapping = column_map or ColumnMap()
    columns: dict[str, str] = {}
    for header in table.header:
        name = mapping.column_for(header)
        if name in BY_NAME:
            if name in columns:
                raise DatasetError(
                    table.path, f"two columns both map to '{name}': '{columns[name]}' and '{header}'", row=1
                )
            columns[name] = header
    return columns


def resolve_columns(table: Table, column_map: ColumnMap | None) -> dict[str, str]:
    """ierkg column -> the file's header for it; missing required columns are unusable input."""
    columns = mapped_columns(table, column_map)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise DatasetError(
            table.path,
            f"required column(s) missing: {', '.join(missing)}. The header has: {', '.join(table.header)}. "
            "Rename the columns or map them with --map (docs/coded-datasets.md)",
            row=1,
        )
    return columns


def validate_table(
    path: Path,
    engine: Engine,
    column_map: ColumnMap | None = None,
    scale: tuple[float, float] | None = None,
    sheet: str | None = None,
    base: str | None = None,
    chunk_size: int = 10_000,
    vocabulary: Vocabulary | None = None,
    on_rows: Callable[[int], None] = lambda _n: None,
    placer: Placer | None = None,
    workers: int = 1,
    rdf_out: BinaryIO | None = None,
) -> Report:
    """Validate a CSV, TSV or XLSX file; raise DatasetError if it cannot be read at all.

    With ``rdf_out``, the episodes' RDF (N-Triples, with each episode's framework classes, as
    ``placer`` works them out) is written there too, in the same pass: what ingest loads.
    """
    table = open_table(path, sheet=sheet, delimiter=column_map.delimiter if column_map else None)
    columns = resolve_columns(table, column_map)
    scales = dict(column_map.scales) if column_map else {}
    if scale is not None:
        for name in ("affect_before", "affect_after"):
            scales.setdefault(name, scale)
    declarations = Declarations(base or dataset_base(path), scales)
    report = Report(str(path), cells=columns, engine=engine.name)
    vocabulary = vocabulary or load_vocabulary()
    emit_rdf = rdf_out is not None
    job = _ChunkValidator(report.file, engine, columns, vocabulary, declarations, placer, emit_rdf)
    # Each id's first row; only ids seen again get a list, so the index stays one int per id.
    first_row_of_id: dict[str, int] = {}
    rows_of_id: dict[str, list[int]] = {}
    flagged_duplicates: set[int] = set()

    def chunks_noting_ids() -> Iterator[PackedRows]:
        id_header = columns["episode_id"]
        for chunk in _chunks(table.rows, chunk_size):
            for row in chunk:
                identifier = row.cells.get(id_header, "")
                if identifier:
                    first = first_row_of_id.setdefault(identifier, row.number)
                    if first != row.number:
                        rows_of_id.setdefault(identifier, [first]).append(row.number)
            yield PackedRows.of(table.header, chunk)

    for rows, findings, placements, rdf in map_in_order(job, chunks_noting_ids(), workers):
        if rdf_out is not None:
            rdf_out.write(rdf)
        report.findings += findings
        flagged_duplicates.update(f.row for f in findings if f.message == DUPLICATE_ID_MESSAGE)
        report.placements.update(placements)
        report.rows_read += rows
        on_rows(report.rows_read)
    report.findings += _cross_chunk_duplicates(
        rows_of_id, flagged_duplicates, report.file, columns, declarations.base
    )
    report.findings.sort(key=lambda f: (f.row or 0, f.column, f.message))
    return report


@dataclass(frozen=True)
class PackedRows:
    """A chunk of rows as the header once and each row's values in header order: a worker
    receives it pickled, and tuples pickle in a third of the time of one dict per row."""

    header: tuple[str, ...]
    rows: list[tuple[int, tuple[str, ...]]]

    @classmethod
    def of(cls, header: Sequence[str], rows: list[Row]) -> PackedRows:
        header = tuple(header)
        if len(header) == 1:  # itemgetter of one key gives the value, not a tuple
            return cls(header, [(row.number, (row.cells[header[0]],)) for row in rows])
        values = itemgetter(*header)
        return cls(header, [(row.number, values(row.cells)) for row in rows])

    def unpacked(self) -> list[Row]:
        header = self.header
        return [Row(number, dict(zip(header, values, strict=True))) for number, values in self.rows]


@dataclass
class _ChunkValidator:
    """Everything one chunk's validation needs; picklable state, so workers can run it."""

    file: str
    engine: Engine
    columns: dict[str, str]
    vocabulary: Vocabulary
    declarations: Declarations
    placer: Placer | None
    emit_rdf: bool = False

    def __call__(self, packed: PackedRows) -> tuple[int, list[Finding], Counter, bytes]:
        chunk = packed.unpacked()
        cells = {row.number: row.cells for row in chunk}
        triples = ntriples(chunk, self.columns, self.vocabulary, self.declarations)
        placements: Counter = Counter()
        if self.placer is not None:
            placements.update(
                self.placer.place_described(triples.subjects[e]).chart_group for e in triples.episodes
            )
        findings = [_finding(raw, self.file, cells, self.columns) for raw in self.engine.check(triples)]
        rdf = placed_ntriples(triples, self.placer) if self.emit_rdf and self.placer else b""
        return len(chunk), findings, placements, rdf


def validate_rdf(
    path: Path,
    engine: Engine,
    placer: Placer | None = None,
    rdf_out: BinaryIO | None = None,
    *,
    scale: tuple[float, float] | None = None,
    column_map: ColumnMap | None = None,
    sheet: str | None = None,
) -> Report:
    """Validate a Turtle, N-Triples or JSON-LD file that follows the episode model.

    The table options are taken only to be refused: an RDF file declares what they would say.
    """
    from .rdf_input import read_rdf, refuse_table_options

    refuse_table_options(path, scale=scale, column_map=column_map, sheet=sheet)
    chunk = read_rdf(path)
    if rdf_out is not None and placer is not None:
        rdf_out.write(placed_ntriples(chunk, placer))
    report = Report(str(path), rows_read=len(chunk.episodes), engine=engine.name)
    if placer is not None:
        report.placements.update(
            placer.place_described(chunk.subjects[e]).chart_group for e in chunk.episodes
        )
    for raw in engine.check(chunk):
        column = PROPERTY_COLUMNS.get(raw.path or "", "")
        value = curie(raw.value) if raw.value and raw.value.startswith(("http://", "https://")) else raw.value
        report.findings.append(
            Finding(report.file, None, column, value or "", raw.message, raw.severity, raw.rule, raw.focus)
        )
    report.findings.sort(key=lambda f: (f.node, f.column, f.message))
    return report


def placed_ntriples(chunk: Chunk, placer: Placer) -> bytes:
    """A chunk's triples, and each episode's framework classes as rdf:type, as N-Triples."""
    typed = [
        (episode, RDF_TYPE_TERM, f"<{cls}>")
        for episode in chunk.episodes
        for cls in sorted(placer.classes_described(chunk.subjects[episode]))
    ]
    return to_ntriples(chain(chunk.triples(), typed)).encode("utf-8")


def dataset_base(path: Path) -> str:
    # Any character may be in a file name; the IRI takes it percent-encoded.
    return f"urn:ierkg:dataset:{quote(path.stem.replace(' ', '_'), safe='')}/"


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _finding(raw: RawResult, file: str, cells: dict[int, dict[str, str]], columns: dict[str, str]) -> Finding:
    row = row_of(raw.focus)
    column = PROPERTY_COLUMNS.get(raw.path or "", "")
    if column in ("target_role", "social_scale") and column not in columns:
        column = "target_ids"  # derived from the ids, so that is where the fix goes
    header = columns.get(column, column)
    return Finding(
        file=file,
        row=row,
        column=header,
        value=_shown_value(raw, row, header, cells),
        message=raw.message,
        severity=raw.severity,
        rule=raw.rule,
        node=raw.focus,
    )


def _shown_value(raw: RawResult, row: int | None, header: str, cells: dict[int, dict[str, str]]) -> str:
    """The value as the coder wrote it: the code itself, else the cell, else the RDF value."""
    if raw.value == raw.focus:
        raw = replace(raw, value=None)  # the episode itself, not a value anyone wrote
    if raw.value:
        unknown = unknown_code(raw.value)
        if unknown:
            return unknown[1]
    if row is not None and header and header in cells.get(row, {}):
        return cells[row][header]
    if raw.value and raw.value.startswith(("http://", "https://", "urn:")):
        return curie(raw.value)
    return raw.value or ""


def _cross_chunk_duplicates(
    rows_of_id: dict[str, list[int]], flagged: set[int], file: str, columns: dict[str, str], base: str
) -> list[Finding]:
    """The duplicate-id rule across chunk boundaries, with the same finding SHACL gives."""
    findings = []
    for identifier, rows in rows_of_id.items():
        if len(rows) < 2:
            continue
        for row in rows:
            if row not in flagged:
                findings.append(
                    Finding(
                        file,
                        row,
                        columns["episode_id"],
                        identifier,
                        DUPLICATE_ID_MESSAGE,
                        "Violation",
                        f"SPARQL on {curie(DCTERMS_IDENTIFIER)}",
                        episode_iri(base, row),
                    )
                )
    return findings
