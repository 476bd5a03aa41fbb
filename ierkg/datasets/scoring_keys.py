"""Scoring keys: which items make up each scale of a questionnaire, and how they are scored.

A questionnaire's structure (its scales, item counts and response scale) is read from the
ontology. Where the ontology also gives the published key (the IRQ), that key is used as it is.
Where it does not (IERQ, EROS), the user supplies the key from the instrument's publication as a
key file, which is checked against the ontology: nothing here invents a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

from ..errors import IerkgError
from ..namespaces import IERKG
from ..resources import release_dir
from ..stores.embedded import EmbeddedStore
from .tables import DatasetError, Table, open_table

RULES = ("sum", "mean")
ONTOLOGY_RULES = {str(IERKG.SumOfItems): "sum"}  # ontology scoring rule -> the rule's name here
KEY_COLUMNS = ("scale", "item", "reverse", "minimum", "maximum", "rule")
KEY_REQUIRED = ("scale", "item", "minimum", "maximum", "rule")
YES = {"yes", "y", "true", "1", "reverse", "reversed"}
NO = {"", "no", "n", "false", "0"}
KEY_HELP = (
    "a CSV (or TSV/XLSX) file with the columns scale, item, reverse, minimum, maximum and rule: one row "
    "per item of each scale, taken from the questionnaire's publication (see docs/scoring.md)"
)


class ScoringError(IerkgError):
    """A questionnaire cannot be scored as asked (unknown instrument, no key, a key that does not fit)."""


@dataclass(frozen=True)
class Scale:
    """A subscale or factor of a questionnaire, as the ontology describes it."""

    iri: str
    label: str
    short_name: str  # the label without the questionnaire's abbreviation and "subscale"/"factor"
    names: tuple[str, ...]  # everything a key file may call it: label, local name, synonyms, short name
    parent: str  # the questionnaire or the larger scale it is part of
    item_count: int | None
    keyed_items: tuple[int, ...]  # the published key, where the ontology has it
    rule: str | None  # "sum" ...; None where the ontology gives no rule


@dataclass(frozen=True)
class Instrument:
    iri: str
    label: str
    abbreviation: str
    item_count: int | None
    response_scale: tuple[int, int] | None
    scales: tuple[Scale, ...]
    key_note: str  # the ontology's note on why no key ships, if it has one

    @property
    def has_key(self) -> bool:
        return any(scale.keyed_items for scale in self.scales)

    def resolve(self, name: str) -> list[Scale]:
        """The scales a key file's name can mean (more than one means the name is ambiguous)."""
        wanted = normal(name)
        return [scale for scale in self.scales if wanted in {normal(n) for n in scale.names}]

    def scale_names(self) -> str:
        return ", ".join(scale.short_name for scale in self.scales)


@dataclass(frozen=True)
class KeyedScale:
    scale: Scale
    items: tuple[int, ...]
    reversed_items: frozenset[int]
    rule: str  # one of RULES
    column: str  # the output column for its score

    def score(self, ratings: dict[int, int], low: int, high: int) -> int | Fraction:
        """The scale score from complete ratings; reversed items count as low + high - rating."""
        values = [low + high - ratings[i] if i in self.reversed_items else ratings[i] for i in self.items]
        total = sum(values)
        return total if self.rule == "sum" else Fraction(total, len(values))


@dataclass(frozen=True)
class ScoringKey:
    instrument: Instrument
    minimum: int
    maximum: int
    scales: tuple[KeyedScale, ...]
    source: str  # "ontology" or the key file's path

    def items(self) -> list[int]:
        """Every item a respondent answers: 1..N where the ontology gives N, else the keyed items."""
        if self.instrument.item_count is not None:
            return list(range(1, self.instrument.item_count + 1))
        return sorted({item for keyed in self.scales for item in keyed.items})


def normal(name: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", name.strip().lower())).strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# --- the questionnaire, from the ontology ---------------------------------------------------

_PREFIXES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ierkg: <https://w3id.org/ierkg/>
"""
_INSTRUMENTS_QUERY = (
    _PREFIXES
    + """
SELECT ?instrument ?label ?count ?low ?high ?note (GROUP_CONCAT(?alt; separator="\\u001f") AS ?alts) WHERE {
    ?instrument a ierkg:Instrument ; rdfs:label ?label .
    OPTIONAL { ?instrument skos:altLabel ?alt }
    OPTIONAL { ?instrument ierkg:itemCount ?count }
    OPTIONAL { ?instrument ierkg:responseScaleMinimum ?low }
    OPTIONAL { ?instrument ierkg:responseScaleMaximum ?high }
    OPTIONAL { ?instrument skos:editorialNote ?note }
} GROUP BY ?instrument ?label ?count ?low ?high ?note ORDER BY ?label
"""
)
_SCALES_QUERY = (
    _PREFIXES
    + """
SELECT ?scale ?label ?parent ?count ?rule
       (GROUP_CONCAT(DISTINCT ?alt; separator="\\u001f") AS ?alts)
       (GROUP_CONCAT(DISTINCT STR(?item); separator=" ") AS ?items) WHERE {
    ?scale ierkg:isPartOf+ <%s> ; ierkg:isPartOf ?parent ; rdfs:label ?label .
    OPTIONAL { ?scale skos:altLabel ?alt }
    OPTIONAL { ?scale ierkg:itemCount ?count }
    OPTIONAL { ?scale ierkg:keyedItem ?item }
    OPTIONAL { ?scale ierkg:scoringRule ?rule }
} GROUP BY ?scale ?label ?parent ?count ?rule ORDER BY ?label
"""
)


def load_instrument(name: str, release: Path | None = None) -> Instrument:
    """The questionnaire called ``name`` (its abbreviation, label or local name) in a release."""
    instruments = _instruments(str(release or release_dir()))
    for instrument in instruments:
        names = {instrument.abbreviation, instrument.label, instrument.iri.rsplit("/", 1)[-1]}
        if normal(name) in {normal(n) for n in names}:
            return instrument
    known = ", ".join(i.abbreviation for i in instruments)
    raise ScoringError(f"no questionnaire called '{name}' in the ontology; it has {known}")


@cache
def _instruments(release: str) -> tuple[Instrument, ...]:
    store = EmbeddedStore()
    store.load_file(Path(release) / "ierkg.nt")
    found = []
    for row in store.select(_INSTRUMENTS_QUERY):
        alts = [a for a in row.get("alts", "").split("\u001f") if a]
        abbreviation = min(alts, key=len) if alts else row["instrument"].rsplit("/", 1)[-1]
        low, high = row.get("low"), row.get("high")
        found.append(
            Instrument(
                iri=row["instrument"],
                label=row["label"],
                abbreviation=abbreviation,
                item_count=_int(row.get("count")),
                response_scale=(int(low), int(high)) if low is not None and high is not None else None,
                scales=tuple(
                    _scale(r, abbreviation) for r in store.select(_SCALES_QUERY % row["instrument"])
                ),
                key_note=row.get("note", ""),
            )
        )
    return tuple(found)


def _scale(row: dict[str, str], abbreviation: str) -> Scale:
    label = row["label"]
    short = re.sub(rf"^{re.escape(abbreviation)}\s+", "", label, flags=re.IGNORECASE)
    short = re.sub(r"\s+(subscale|factor)$", "", short, flags=re.IGNORECASE)
    alts = tuple(a for a in row.get("alts", "").split("\u001f") if a)
    return Scale(
        iri=row["scale"],
        label=label,
        short_name=short,
        names=(label, row["scale"].rsplit("/", 1)[-1], short, *alts),
        parent=row["parent"],
        item_count=_int(row.get("count")),
        keyed_items=tuple(sorted(int(i) for i in row.get("items", "").split())),
        rule=ONTOLOGY_RULES.get(row["rule"], row["rule"]) if "rule" in row else None,
    )


def _int(text: str | None) -> int | None:
    return int(text) if text is not None else None


# --- which key to use ------------------------------------------------------------------------


def scoring_key(instrument: Instrument, key_file: Path | None = None) -> ScoringKey:
    """The published key from the ontology, or the user's key file where none ships."""
    if instrument.has_key:
        if key_file is not None:
            raise ScoringError(
                f"the {instrument.abbreviation}'s published scoring key ships with ierkg (it is read from "
                "the ontology), so --key is not needed; leave it out"
            )
        return ontology_key(instrument)
    if key_file is None:
        why = f" {instrument.key_note}" if instrument.key_note else ""
        raise ScoringError(
            f"no scoring key for the {instrument.abbreviation} ships with ierkg.{why} Give the key from the "
            f"questionnaire's publication with --key FILE: {KEY_HELP}. "
            f"The {instrument.abbreviation}'s scales: {instrument.scale_names()}"
        )
    return read_key_file(key_file, instrument)


def ontology_key(instrument: Instrument) -> ScoringKey:
    """The key the ontology gives: each keyed scale's items, its rule and the response scale."""
    if instrument.response_scale is None:
        raise ScoringError(
            f"the ontology gives the {instrument.abbreviation}'s key but not its response scale"
        )
    keyed = []
    for scale in instrument.scales:
        if not scale.keyed_items:
            continue
        if scale.rule not in RULES:
            raise ScoringError(
                f"the ontology gives {scale.label} a scoring rule ierkg cannot apply: {scale.rule}"
            )
        keyed.append(
            KeyedScale(scale, scale.keyed_items, frozenset(), scale.rule, _column(instrument, scale))
        )
    keyed.sort(key=lambda k: k.items)  # in questionnaire order: the scale with item 1 first
    low, high = instrument.response_scale
    key = ScoringKey(instrument, low, high, tuple(keyed), "ontology")
    problems = key_problems(key)
    if problems:
        raise ScoringError(
            f"the ontology's {instrument.abbreviation} key is inconsistent: " + "; ".join(problems)
        )
    return key


def _column(instrument: Instrument, scale: Scale) -> str:
    return f"{slug(instrument.abbreviation)}_{slug(scale.short_name)}"


def key_problems(key: ScoringKey) -> list[str]:
    """Where a key disagrees with what the ontology says about the questionnaire."""
    instrument = key.instrument
    problems = []
    if instrument.response_scale and instrument.response_scale != (key.minimum, key.maximum):
        low, high = instrument.response_scale
        problems.append(
            f"the key's response scale is {key.minimum}-{key.maximum}, but the {instrument.abbreviation} "
            f"is rated {low}-{high}"
        )
    by_iri = {keyed.scale.iri: keyed for keyed in key.scales}
    for keyed in key.scales:
        scale = keyed.scale
        if scale.item_count is not None and len(keyed.items) != scale.item_count:
            problems.append(
                f"{scale.label} has {scale.item_count} items, but the key gives it {len(keyed.items)}"
            )
        parent = by_iri.get(scale.parent)
        stray = sorted(set(keyed.items) - set(parent.items)) if parent else []
        if stray:
            problems.append(
                f"{scale.label} is part of {parent.scale.label}, but the key puts item(s) "
                f"{_listed(stray)} in the first and not in the second"
            )
    for parent in instrument.scales:
        children = [k for k in key.scales if k.scale.parent == parent.iri]
        together = {item for child in children for item in child.items}
        if parent.item_count is not None and len(together) > parent.item_count:
            problems.append(
                f"{parent.label} has {parent.item_count} items, but the key gives its parts {len(together)}"
            )
    keyed_items = {item for keyed in key.scales for item in keyed.items}
    if instrument.item_count is not None:
        beyond = sorted(i for i in keyed_items if i > instrument.item_count)
        if beyond:
            problems.append(
                f"the {instrument.abbreviation} has {instrument.item_count} items, so there is no item "
                f"{_listed(beyond)}"
            )
        elif len(keyed_items) != instrument.item_count:
            missing = sorted(set(range(1, instrument.item_count + 1)) - keyed_items)
            problems.append(
                f"the {instrument.abbreviation} has {instrument.item_count} items, but the key places only "
                f"{len(keyed_items)} of them in a scale (missing: {_listed(missing)})"
            )
    return problems


def _listed(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


# --- the user's key file ---------------------------------------------------------------------


@dataclass
class _Collected:
    scale: Scale
    first_row: int
    rule: str
    items: list[int]
    reversed_items: set[int]


def read_key_file(path: Path, instrument: Instrument) -> ScoringKey:
    """Read and check a key file; any row or scale that does not fit is a DatasetError."""
    table = open_table(path)
    headers = _key_headers(table)
    response_scale: tuple[int, int] | None = None
    collected: dict[str, _Collected] = {}
    for row in table.rows:
        cell = {name: row.cells.get(header, "") if header else "" for name, header in headers.items()}
        where = {"path": path, "row": row.number}
        for name in KEY_REQUIRED:
            if not cell[name]:
                raise DatasetError(**where, column=headers[name], message=f"the {name} is empty; {KEY_HELP}")
        item = _positive(cell["item"], path, row.number, headers["item"], "item number")
        low = _whole(cell["minimum"], path, row.number, headers["minimum"])
        high = _whole(cell["maximum"], path, row.number, headers["maximum"])
        if low >= high:
            raise DatasetError(
                **where, column=headers["maximum"], message="the maximum must exceed the minimum"
            )
        if response_scale is None:
            response_scale = (low, high)
        elif response_scale != (low, high):
            raise DatasetError(
                **where,
                column=headers["minimum"],
                message=f"this row gives the response scale {low}-{high}, but earlier rows give "
                f"{response_scale[0]}-{response_scale[1]}; a questionnaire has one response scale",
            )
        rule = cell["rule"].lower()
        if rule not in RULES:
            raise DatasetError(
                **where, column=headers["rule"], message=f"unknown rule '{cell['rule']}'; use sum or mean"
            )
        reverse = cell["reverse"].lower()
        if reverse not in YES | NO:
            raise DatasetError(
                **where,
                column=headers["reverse"],
                message=f"'{cell['reverse']}' is not yes or no "
                "(leave it empty for an item that is not reversed)",
            )
        scale = _scale_named(instrument, cell["scale"], path, row.number, headers["scale"])
        entry = collected.setdefault(scale.iri, _Collected(scale, row.number, rule, [], set()))
        if entry.rule != rule:
            raise DatasetError(
                **where,
                column=headers["rule"],
                message=f"row {entry.first_row} scores {scale.short_name} by {entry.rule}, "
                f"this row by {rule}; one scale has one rule",
            )
        if item in entry.items:
            raise DatasetError(
                **where, column=headers["item"], message=f"item {item} is already in {scale.short_name}"
            )
        entry.items.append(item)
        if reverse in YES:
            entry.reversed_items.add(item)
    if response_scale is None:
        raise DatasetError(path, f"the key file has no rows below its header; {KEY_HELP}", row=2)
    scales = tuple(
        KeyedScale(c.scale, tuple(c.items), frozenset(c.reversed_items), c.rule, _column(instrument, c.scale))
        for c in sorted(collected.values(), key=lambda c: c.first_row)
    )
    key = ScoringKey(instrument, response_scale[0], response_scale[1], scales, str(path))
    problems = key_problems(key)
    if problems:
        raise DatasetError(
            path,
            f"this key does not fit the {instrument.abbreviation} as the ontology describes it: "
            + "; ".join(problems),
        )
    return key


def _key_headers(table: Table) -> dict[str, str | None]:
    """Key column -> the file's header for it (matched ignoring case); required ones must be there."""
    by_name = {header.strip().lower(): header for header in table.header}
    headers = {name: by_name.get(name) for name in KEY_COLUMNS}
    missing = [name for name in KEY_REQUIRED if headers[name] is None]
    if missing:
        raise DatasetError(
            table.path,
            f"the key file lacks the column(s) {', '.join(missing)}; it has {', '.join(table.header)}. "
            f"A key file is {KEY_HELP}",
            row=1,
        )
    return headers


def _scale_named(instrument: Instrument, name: str, path: Path, row: int, column: str | None) -> Scale:
    matches = instrument.resolve(name)
    if len(matches) == 1:
        return matches[0]
    problem = "could mean several scales" if matches else "is not a scale of this questionnaire"
    raise DatasetError(
        path,
        f"'{name}' {problem}; the {instrument.abbreviation}'s scales in the ontology are "
        f"{instrument.scale_names()}",
        row=row,
        column=column,
    )


def _whole(text: str, path: Path, row: int, column: str | None) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise DatasetError(path, f"'{text}' is not a whole number", row=row, column=column)
    return int(text)


def _positive(text: str, path: Path, row: int, column: str | None, what: str) -> int:
    if not re.fullmatch(r"\+?0*[1-9]\d*", text):
        raise DatasetError(path, f"'{text}' is not an {what} (1, 2, 3 ...)", row=row, column=column)
    return int(text)
