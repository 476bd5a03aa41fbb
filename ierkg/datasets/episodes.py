"""Turn coded rows into episode-model RDF (N-Triples), keeping each episode's source row.

Every row becomes its own episode IRI (``<base>row/<number>``), so two rows with the same
episode_id never merge and every finding maps back to its row. Nothing is dropped or
guessed: an empty required cell produces no triple (and the shapes report it missing), and
an unknown code becomes a recognisable placeholder IRI that the shapes report as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, unquote

from ..namespaces import IERKG
from .columns import BY_NAME, DCTERMS_IDENTIFIER, Column
from .tables import Row
from .vocabulary import Vocabulary

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
UNKNOWN_CODE = "urn:ierkg:unknown:"  # + column + ":" + the code as written
_ROW = re.compile(r"row/(\d+)$")


@dataclass(frozen=True)
class Declarations:
    """What a dataset declares once for all its rows."""

    base: str  # IRI prefix for this dataset's episodes, people and interactions
    scales: dict[str, tuple[float, float]]  # "affect_before"/"affect_after" -> (min, max)


def episode_iri(base: str, row: int) -> str:
    return f"{base}row/{row}"


def row_of(iri: str) -> int | None:
    match = _ROW.search(iri)
    return int(match.group(1)) if match else None


def unknown_code(iri: str) -> tuple[str, str] | None:
    """(column, code as written) for a placeholder IRI, else None."""
    if not iri.startswith(UNKNOWN_CODE):
        return None
    column, _, code = iri[len(UNKNOWN_CODE) :].partition(":")
    return column, unquote(code)


def dataset_triples(declarations: Declarations) -> Iterator[str]:
    dataset = f"<{declarations.base}>"
    yield f"{dataset} <{RDF_TYPE}> <{IERKG.CodedDataset}> ."
    for column, prop in (
        ("affect_before", IERKG.affectBeforeScale),
        ("affect_after", IERKG.affectAfterScale),
    ):
        if column in declarations.scales:
            low, high = declarations.scales[column]
            scale = f"<{declarations.base}scale/{column}>"
            yield f"{dataset} <{prop}> {scale} ."
            yield f"{scale} <{RDF_TYPE}> <{IERKG.RatingScale}> ."
            yield f"{scale} <{IERKG.scaleMinimum}> {_decimal(Decimal(str(low)))} ."
            yield f"{scale} <{IERKG.scaleMaximum}> {_decimal(Decimal(str(high)))} ."


def episode_triples(
    row: Row, columns: dict[str, str], vocabulary: Vocabulary, declarations: Declarations
) -> Iterator[str]:
    """N-Triples lines for one row. ``columns`` maps ierkg column names to the row's headers."""
    base = declarations.base
    episode = f"<{episode_iri(base, row.number)}>"
    yield f"{episode} <{RDF_TYPE}> <{IERKG.Episode}> ."
    yield f"{episode} <{IERKG.inDataset}> <{base}> ."

    def cell(name: str) -> str:
        header = columns.get(name)
        return row.cells.get(header, "") if header else ""

    for name, header in columns.items():
        column = BY_NAME[name]
        text = row.cells.get(header, "")
        if text and column.name not in ("target_role", "social_scale", "goal"):
            yield from _values(episode, column, text, vocabulary, base)
    yield from _goal(episode, cell("goal"), vocabulary)

    regulator = cell("regulator_id")
    targets = _split(cell("target_ids"))
    role = cell("target_role")
    if role:
        yield from _values(episode, BY_NAME["target_role"], role, vocabulary, base)
    elif regulator and targets:
        value = (
            IERKG.TargetSelf
            if targets == [regulator]
            else IERKG.TargetOther
            if regulator not in targets
            else None
        )
        if value is not None:  # the regulator among several targets: no single role to derive
            yield f"{episode} <{IERKG.targetRole}> <{value}> ."
    scale = cell("social_scale")
    if scale:
        yield from _values(episode, BY_NAME["social_scale"], scale, vocabulary, base)
    elif targets:
        yield f"{episode} <{IERKG.socialScale}> <{IERKG.Group if len(targets) > 1 else IERKG.Dyadic}> ."


def _values(episode: str, column: Column, text: str, vocabulary: Vocabulary, base: str) -> Iterator[str]:
    prop = f"<{column.prop}>"
    if column.kind == "id":
        if column.name == "episode_id":
            yield f"{episode} {prop} {_string(text)} ."
        else:
            kind = {"regulator_id": "person", "interaction_id": "interaction", "coder_id": "coder"}[
                column.name
            ]
            yield from _node(episode, prop, base, kind, text)
    elif column.kind == "ids":
        for identifier in _split(text):
            yield from _node(episode, prop, base, "person", identifier)
    elif column.kind in ("code", "codes"):
        codes = _split(text) if column.kind == "codes" else [text]
        for code in codes:
            value = vocabulary[column.value_set].resolve(code)
            iri = value.iri if value else f"{UNKNOWN_CODE}{column.name}:{quote(code, safe='')}"
            yield f"{episode} {prop} <{iri}> ."
    elif column.kind == "number":
        try:
            number = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
            yield f"{episode} {prop} {_decimal(number) if number.is_finite() else _string(text)} ."
        except InvalidOperation:
            yield f"{episode} {prop} {_string(text)} ."  # not a number: the shapes say so
    elif column.kind == "datetime":
        yield f"{episode} {prop} {_datetime(text)} ."
    else:
        yield f"{episode} {prop} {_string(text)} ."


def _goal(episode: str, text: str, vocabulary: Vocabulary) -> Iterator[str]:
    """goal = improve | worsen | none, coded as goal status plus direction."""
    if not text:
        return
    if vocabulary["goal_status"].resolve(text) == vocabulary["goal_status"].resolve("none"):
        yield f"{episode} <{IERKG.goalStatus}> <{IERKG.NoGoal}> ."
        return
    direction = vocabulary["goal_direction"].resolve(text)
    if direction is None:
        yield f"{episode} <{IERKG.goalStatus}> <{UNKNOWN_CODE}goal:{quote(text, safe='')}> ."
        return
    yield f"{episode} <{IERKG.goalStatus}> <{IERKG.GoalPresent}> ."
    yield f"{episode} <{IERKG.goalDirection}> <{direction.iri}> ."


def _node(episode: str, prop: str, base: str, kind: str, identifier: str) -> Iterator[str]:
    node = f"<{base}{kind}/{quote(identifier, safe='')}>"
    cls = {"person": IERKG.Person, "interaction": IERKG.Interaction, "coder": IERKG.Coder}[kind]
    yield f"{episode} {prop} {node} ."
    yield f"{node} <{RDF_TYPE}> <{cls}> ."
    yield f"{node} <{DCTERMS_IDENTIFIER}> {_string(identifier)} ."


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _decimal(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    if "." not in text:
        text += ".0"
    return f'"{text}"^^<{XSD}decimal>'


def _datetime(text: str) -> str:
    """A well-formed ISO 8601 date and time becomes xsd:dateTime; anything else stays a string."""
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    if "T" in candidate:
        try:
            moment = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
        except ValueError:
            return _string(text)
        lexical = moment.isoformat()
        if lexical.endswith("+00:00"):
            lexical = lexical[:-6] + "Z"
        return f'"{lexical}"^^<{XSD}dateTime>'
    return _string(text)


def ntriples(
    rows: Iterable[Row], columns: dict[str, str], vocabulary: Vocabulary, declarations: Declarations
) -> Iterator[str]:
    yield from dataset_triples(declarations)
    for row in rows:
        yield from episode_triples(row, columns, vocabulary, declarations)
