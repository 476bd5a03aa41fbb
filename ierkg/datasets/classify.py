"""Place coded episodes in the framework: the derived columns `ierkg classify` adds.

Which classes an episode belongs to is decided by the ontology's own definitions, compiled by
:mod:`ierkg.framework_rules`; this module only reads each row's dimension values (exactly as
validation turns them into RDF) and names the classes in spreadsheet terms. A row whose codes
do not settle a question (a blank or unknown code) gets an empty cell there, never a guess.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TextIO

from ..framework_rules import DIMENSIONS, MECHANISM, FrameworkRules, load_rules
from ..namespaces import IERKG
from .columns import DCTERMS_IDENTIFIER, ColumnMap
from .episodes import UNKNOWN_CODE, Declarations, EpisodeWriter
from .parallel import collector_paused
from .tables import Row, open_table
from .validation import dataset_base, resolve_columns
from .vocabulary import Vocabulary, load_vocabulary

# Each derived column: the classes that decide it, most specific first, and the value written.
DERIVED: dict[str, list[tuple[str, str]]] = {
    "ierkg_scope": [
        (str(IERKG.InterpersonalRegulation), "interpersonal"),
        (str(IERKG.IntrapersonalRegulation), "intrapersonal"),
        (str(IERKG.NotInterpersonalRegulation), "not_interpersonal"),
    ],
    "ierkg_regulation": [
        (str(IERKG.EmotionRegulation), "regulation"),
        (str(IERKG.Modulation), "modulation"),
    ],
    "ierkg_cell": [
        (str(IERKG.IntrinsicResponseDependentRegulation), "intrinsic_response_dependent"),
        (str(IERKG.IntrinsicResponseIndependentRegulation), "intrinsic_response_independent"),
        (str(IERKG.ExtrinsicResponseDependentRegulation), "extrinsic_response_dependent"),
        (str(IERKG.ExtrinsicResponseIndependentRegulation), "extrinsic_response_independent"),
        (str(IERKG.UnplacedInterpersonalRegulation), "process_unknown"),
    ],
    "ierkg_direction": [
        (str(IERKG.AffectImprovingRegulation), "improving"),
        (str(IERKG.AffectWorseningRegulation), "worsening"),
    ],
}
CLASSES_COLUMN = "ierkg_classes"  # the most specific classes, by label
DERIVED_COLUMNS = [*DERIVED, CLASSES_COLUMN]

# How the report's chart groups episodes: the four cells, then everything else.
CHART_GROUPS = {
    "intrinsic_response_dependent": "intrinsic, response-dependent",
    "intrinsic_response_independent": "intrinsic, response-independent",
    "extrinsic_response_dependent": "extrinsic, response-dependent",
    "extrinsic_response_independent": "extrinsic, response-independent",
    "process_unknown": "interpersonal, process unknown",
    "modulation": "modulation (no goal)",
    "not_interpersonal": "regulation, not interpersonal",
    "": "not decided by the codes",
}
_DIMENSION_TERMS = [f"<{p}>" for p in (*DIMENSIONS, MECHANISM)]  # what the rules read
_UNKNOWN_TERM = f"<{UNKNOWN_CODE}"


@dataclass(frozen=True)
class Placement:
    """Where one episode sits: a value (or "") per derived column."""

    values: dict[str, str]

    @property
    def chart_group(self) -> str:
        cell = self.values["ierkg_cell"]
        if cell:
            return cell
        if self.values["ierkg_regulation"] == "modulation":
            return "modulation"
        return "not_interpersonal" if self.values["ierkg_scope"] else ""


@dataclass
class Placer:
    """Works out placements, each distinct combination of codes once."""

    rules: FrameworkRules = field(default_factory=load_rules)
    _memo: dict[frozenset, Placement] = field(default_factory=dict, repr=False)
    _by_terms: dict[tuple, Placement] = field(default_factory=dict, repr=False)

    def place(self, values: dict[str, str]) -> Placement:
        key = frozenset(values.items())
        placement = self._memo.get(key)
        if placement is None:
            classes = self.rules.classify(values)
            derived = {
                column: next((value for cls, value in choices if cls in classes), "")
                for column, choices in DERIVED.items()
            }
            derived[CLASSES_COLUMN] = "; ".join(
                self.rules.labels.get(c, c) for c in self.rules.most_specific(classes)
            )
            placement = self._memo[key] = Placement(derived)
        return placement

    def place_described(self, props: dict[str, list[str]]) -> Placement:
        """The placement of one episode, from its description (predicate -> N-Triples terms)."""
        key = _dimension_key(props)
        placement = self._by_terms.get(key)
        if placement is None:
            placement = self._by_terms[key] = self.place(_dimension_values(key))
        return placement

    def classes_described(self, props: dict[str, list[str]]) -> frozenset[str]:
        """Every framework class one described episode belongs to, by the ontology's definitions."""
        return self.rules.classify(_dimension_values(_dimension_key(props)))


def _dimension_key(props: dict[str, list[str]]) -> tuple[str | None, ...]:
    return tuple(_single(props.get(predicate)) for predicate in _DIMENSION_TERMS)


def _dimension_values(key: tuple[str | None, ...]) -> dict[str, str]:
    """property IRI -> value IRI, for the dimensions the key settles."""
    return {p[1:-1]: term[1:-1] for p, term in zip(_DIMENSION_TERMS, key, strict=True) if term}


def _single(objects: list[str] | None) -> str | None:
    """The one known value of a dimension; two values of a functional one, or an unknown code,
    decide nothing."""
    if objects and len(objects) == 1 and not objects[0].startswith(_UNKNOWN_TERM):
        return objects[0]
    return None


def chart_counts(groups: Counter) -> dict[str, int]:
    """Episodes per chart group, in the chart's order, labelled for people."""
    return {label: groups.get(key, 0) for key, label in CHART_GROUPS.items()}


@dataclass
class ClassifySummary:
    rows: int = 0
    groups: Counter = field(default_factory=Counter)


def classify_table(
    path: Path,
    out: TextIO,
    column_map: ColumnMap | None = None,
    sheet: str | None = None,
    vocabulary: Vocabulary | None = None,
    placer: Placer | None = None,
    chunk_size: int = 10_000,
    on_rows: Callable[[int], None] = lambda _n: None,
) -> ClassifySummary:
    """Copy a coded table to ``out`` as CSV with the derived columns added (or replaced)."""
    table = open_table(path, sheet=sheet, delimiter=column_map.delimiter if column_map else None)
    columns = resolve_columns(table, column_map)
    kept = [h for h in table.header if h not in DERIVED_COLUMNS]  # a re-run replaces them
    writer = csv.writer(out, lineterminator="\n")
    # The user's own cells are copied as they are: this is their data, not a report about it.
    writer.writerow([*kept, *DERIVED_COLUMNS])
    read = {*DIMENSIONS, MECHANISM}  # only what the rules read is written
    declarations = Declarations(dataset_base(path), {})
    episodes = EpisodeWriter(columns, vocabulary or load_vocabulary(), declarations, read)
    placer = placer or Placer()
    summary = ClassifySummary()
    # Coded rows repeat few combinations of codes, so each combination is described once.
    placements: dict[tuple, tuple[str, list[str]]] = {}  # inputs -> chart group, derived cells
    groups = summary.groups
    with collector_paused():
        for chunk in _chunks(table.rows, chunk_size):
            for row in chunk:
                cells = row.cells
                inputs = episodes.inputs_of(cells)
                placed = placements.get(inputs)
                if placed is None:
                    described = episodes.chunk([row])
                    placement = placer.place_described(described.subjects[described.episodes[0]])
                    placed = (placement.chart_group, [placement.values[c] for c in DERIVED_COLUMNS])
                    if len(placements) < _MEMO_LIMIT:
                        placements[inputs] = placed
                groups[placed[0]] += 1
                writer.writerow([cells.get(h, "") for h in kept] + placed[1])
            summary.rows += len(chunk)
            on_rows(summary.rows)
    return summary


def classify_rdf(path: Path, out: TextIO, placer: Placer | None = None) -> ClassifySummary:
    """Classify the episodes of an RDF file: one CSV row per episode, by its IRI and id."""
    from .rdf_input import read_rdf

    chunk = read_rdf(path)
    placer = placer or Placer()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["episode", "episode_id", *DERIVED_COLUMNS])
    summary = ClassifySummary()
    identifier = f"<{DCTERMS_IDENTIFIER}>"
    for episode in chunk.episodes:
        props = chunk.subjects[episode]
        placement = placer.place_described(props)
        summary.groups[placement.chart_group] += 1
        ids = "; ".join(_lexical_form(term) for term in props.get(identifier, ()))
        writer.writerow([episode.strip("<>"), ids, *(placement.values[c] for c in DERIVED_COLUMNS)])
        summary.rows += 1
    return summary


def _lexical_form(term: str) -> str:
    return term[1 : term.rindex('"')] if term.startswith('"') else term.strip("<>")


_MEMO_LIMIT = 100_000  # distinct combinations remembered; free text in a coded column stays bounded


def _chunks(rows: Iterable[Row], size: int) -> Iterable[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
