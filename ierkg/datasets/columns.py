"""The coded-dataset format: its columns, what each holds, and the user's own column names.

Column names can be remapped with a column map: a W3C CSVW metadata file whose
``tableSchema.columns`` give each ierkg column ``name`` the header ``titles`` the user's file
has (see docs/coded-datasets.md). A column's rating scale can be declared there too, as a
CSVW ``datatype`` with ``minimum`` and ``maximum``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..namespaces import IERKG
from .tables import DatasetError

DCTERMS_IDENTIFIER = "http://purl.org/dc/terms/identifier"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: str  # id | ids | code | codes | goal | number | datetime | text
    prop: str  # the property the column fills
    value_set: str | None = None  # for codes: the vocabulary entry in datasets.vocabulary
    help: str = ""


COLUMNS: list[Column] = [
    Column("episode_id", True, "id", DCTERMS_IDENTIFIER, help="unique identifier of the episode"),
    Column(
        "interaction_id", False, "id", str(IERKG.partOfInteraction), help="episodes of one encounter share it"
    ),
    Column(
        "regulator_id",
        True,
        "id",
        str(IERKG.regulator),
        help="the person pursuing (or coded as the source of) the episode",
    ),
    Column(
        "target_ids",
        True,
        "ids",
        str(IERKG.target),
        help="the person(s) whose feelings it concerns, ';'-separated",
    ),
    Column("interaction_mode", True, "code", str(IERKG.interactionMode), "interaction_mode"),
    Column("goal", True, "goal", str(IERKG.goalStatus), help="improve, worsen or none"),
    Column("means", True, "code", str(IERKG.means), "means"),
    Column("process", True, "code", str(IERKG.processType), "process"),
    Column("mechanism", False, "code", str(IERKG.mechanism), "mechanism"),
    Column("strategy", False, "codes", str(IERKG.strategy), "strategy", help="';'-separated"),
    Column("partner_response", False, "code", str(IERKG.partnerResponse), "partner_response"),
    Column("emotion", False, "text", str(IERKG.regulatedEmotion), help="the emotion, in the coder's words"),
    Column("affect_before", False, "number", str(IERKG.affectBefore), help="on the declared scale"),
    Column("affect_after", False, "number", str(IERKG.affectAfter), help="on the declared scale"),
    Column("started_at", False, "datetime", str(IERKG.startedAt), help="ISO 8601, e.g. 2024-03-01T18:00:00"),
    Column("ended_at", False, "datetime", str(IERKG.endedAt), help="ISO 8601, not before started_at"),
    Column("setting", False, "code", str(IERKG.setting), "setting"),
    Column("relationship", False, "code", str(IERKG.relationship), "relationship"),
    Column("coder_id", False, "id", str(IERKG.codedBy), help="who coded the episode"),
    # Derived from the ids and the number of targets unless coded explicitly.
    Column(
        "target_role",
        False,
        "code",
        str(IERKG.targetRole),
        "target_role",
        help="self or other; derived from the ids when absent",
    ),
    Column(
        "social_scale",
        False,
        "code",
        str(IERKG.socialScale),
        "social_scale",
        help="dyadic or group; derived from the number of targets when absent",
    ),
]

BY_NAME = {column.name: column for column in COLUMNS}
REQUIRED = [column.name for column in COLUMNS if column.required]
# The blank template's header: every column a coder fills (the derived two are optional extras).
TEMPLATE = [column.name for column in COLUMNS if column.name not in ("target_role", "social_scale")]


@dataclass
class ColumnMap:
    """How a file's headers map to ierkg columns, and the rating scales it declares."""

    titles: dict[str, str] = field(default_factory=dict)  # file header -> ierkg column
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)  # ierkg column -> (min, max)
    delimiter: str | None = None

    def column_for(self, header: str) -> str:
        return self.titles.get(header, header)


def load_column_map(path: Path) -> ColumnMap:
    """Read a CSVW metadata file (JSON); every mistake is reported with its place."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DatasetError(path, "the column map is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(
            path, f"not valid JSON: {exc.msg}", row=exc.lineno, column=str(exc.colno)
        ) from None
    except OSError as exc:
        raise DatasetError(path, f"cannot read the column map: {exc.strerror}") from None
    schema = document.get("tableSchema") if isinstance(document, dict) else None
    columns = schema.get("columns") if isinstance(schema, dict) else None
    if not isinstance(columns, list):
        raise DatasetError(path, 'expected a CSVW object with "tableSchema": {"columns": [...]}')
    mapping = ColumnMap()
    dialect = document.get("dialect", {})
    if isinstance(dialect, dict) and "delimiter" in dialect:
        delimiter = dialect["delimiter"]
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise DatasetError(path, 'dialect.delimiter must be one character, for example ";" or "\\t"')
        mapping.delimiter = delimiter
    for position, entry in enumerate(columns, start=1):
        where = f"tableSchema.columns[{position}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DatasetError(path, f'{where} needs a "name": one of the ierkg columns')
        name = entry["name"]
        if name not in BY_NAME:
            raise DatasetError(
                path, f"{where}: '{name}' is not an ierkg column; the columns are {', '.join(BY_NAME)}"
            )
        titles = entry.get("titles", name)
        if isinstance(titles, dict):  # a CSVW natural-language map: {"en": "Mood", "de": [...]}
            titles = [t for value in titles.values() for t in ([value] if isinstance(value, str) else value)]
        if isinstance(titles, str):
            titles = [titles]
        if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
            raise DatasetError(path, f'{where}: "titles" must be a string or a list of strings')
        for title in titles:
            mapping.titles[title] = name
        datatype = entry.get("datatype")
        if isinstance(datatype, dict) and ("minimum" in datatype or "maximum" in datatype):
            try:
                low, high = _bound(datatype["minimum"]), _bound(datatype["maximum"])
            except (KeyError, TypeError, ValueError):
                raise DatasetError(
                    path, f'{where}: a scale needs "minimum" and "maximum" that are finite numbers'
                ) from None
            if low >= high:
                raise DatasetError(path, f'{where}: the scale\'s "minimum" must be below its "maximum"')
            mapping.scales[name] = (low, high)
    return mapping


_SCALE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:\.\.|:|to|-|–)\s*([+-]?\d+(?:\.\d+)?)\s*$")


def _bound(value: object) -> float:
    """A scale's end: a JSON number or numeric string; not true/false, NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def parse_scale(text: str) -> tuple[float, float]:
    """'1-7', '1..7', '0:100', '-3..3' or '-3-3' -> (low, high)."""
    match = _SCALE.match(text)
    if match:
        low, high = float(match.group(1)), float(match.group(2))
        if low < high:
            return low, high
    raise DatasetError(
        "--scale",
        f"'{text}' is not a scale; write it as MIN-MAX, for example 1-7, or MIN..MAX for a scale "
        "below zero, for example --scale=-3..3",
    )
