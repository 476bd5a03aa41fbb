"""The coded-dataset format: its columns, what each holds, and the user's own column names.

Column names can be remapped with a column map: a W3C CSVW metadata file whose
``tableSchema.columns`` give each ierkg column ``name`` the header ``titles`` the user's file
has (see docs/coded-datasets.md). A column's rating scale can be declared there too, as a
CSVW ``datatype`` with ``minimum`` and ``maximum``.
"""

from __future__ import annotations

import json
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
    if isinstance(dialect, dict) and isinstance(dialect.get("delimiter"), str):
        mapping.delimiter = dialect["delimiter"]
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
        for title in [titles] if isinstance(titles, str) else titles:
            if not isinstance(title, str):
                raise DatasetError(path, f'{where}: "titles" must be a string or a list of strings')
            mapping.titles[title] = name
        datatype = entry.get("datatype")
        if isinstance(datatype, dict) and ("minimum" in datatype or "maximum" in datatype):
            try:
                mapping.scales[name] = (float(datatype["minimum"]), float(datatype["maximum"]))
            except (KeyError, TypeError, ValueError):
                raise DatasetError(path, f'{where}: a scale needs numeric "minimum" and "maximum"') from None
    return mapping


def parse_scale(text: str) -> tuple[float, float]:
    """'1-7' or '1..7' or '0:100' -> (1.0, 7.0)."""
    for separator in ("..", ":", "-"):
        low, _, high = text.partition(separator)
        if _ and low.strip() and high.strip():
            try:
                bounds = float(low), float(high)
            except ValueError:
                break
            if bounds[0] < bounds[1]:
                return bounds
    raise DatasetError("--scale", f"'{text}' is not a scale; write it as MIN-MAX, for example 1-7")
