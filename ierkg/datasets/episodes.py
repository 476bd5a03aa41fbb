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
from .columns import BY_NAME, DCTERMS_IDENTIFIER
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


def dataset_triples(declarations: Declarations) -> Iterator[tuple[str, str, str]]:
    dataset = f"<{declarations.base}>"
    yield (dataset, f"<{RDF_TYPE}>", f"<{IERKG.CodedDataset}>")
    for column, prop in (
        ("affect_before", IERKG.affectBeforeScale),
        ("affect_after", IERKG.affectAfterScale),
    ):
        if column in declarations.scales:
            low, high = declarations.scales[column]
            scale = f"<{declarations.base}scale/{column}>"
            yield (dataset, f"<{prop}>", scale)
            yield (scale, f"<{RDF_TYPE}>", f"<{IERKG.RatingScale}>")
            yield (scale, f"<{IERKG.scaleMinimum}>", _decimal(Decimal(str(low))))
            yield (scale, f"<{IERKG.scaleMaximum}>", _decimal(Decimal(str(high))))


class EpisodeWriter:
    """Writes N-Triples for rows, with every IRI and code resolution worked out once.

    ``predicates``, when given, limits the output to those predicates (and rdf:type), so a
    validator can load only what its shapes read.
    """

    def __init__(
        self,
        columns: dict[str, str],
        vocabulary: Vocabulary,
        declarations: Declarations,
        predicates: set[str] | None = None,
    ):
        self.base = declarations.base
        self.vocabulary = vocabulary
        self.keep = predicates
        self.plan = [
            (BY_NAME[name], header, f"<{BY_NAME[name].prop}>")
            for name, header in columns.items()
            if name not in ("target_role", "social_scale", "goal") and self._wanted(BY_NAME[name].prop)
        ]
        self.header = {name: columns.get(name) for name in BY_NAME}
        self.codes: dict[tuple[str, str], str] = {}
        self.seen: set[str] = set()
        self.dataset = f"<{self.base}>"
        self.in_dataset = self._wanted(str(IERKG.inDataset))

    def _wanted(self, predicate: str) -> bool:
        return self.keep is None or predicate in self.keep

    def code(self, value_set: str, column: str, code: str) -> str:
        key = (value_set, code)
        iri = self.codes.get(key)
        if iri is None:
            value = self.vocabulary[value_set].resolve(code)
            iri = f"<{value.iri}>" if value else f"<{UNKNOWN_CODE}{column}:{quote(code, safe='')}>"
            self.codes[key] = iri
        return iri

    def rows(self, rows: Iterable[Row]) -> list[list[Triple]]:
        """Each row's triples, the row's own episode first; a chunk describes its own people."""
        self.seen.clear()
        groups = []
        for row in rows:
            out: list[Triple] = []
            self._row(row, out)
            groups.append(out)
        return groups

    def _row(self, row: Row, out: list[Triple]) -> None:
        episode = f"<{self.base}row/{row.number}>"
        cells = row.cells
        out.append((episode, _RDF_TYPE, _EPISODE))
        if self.in_dataset:
            out.append((episode, _IN_DATASET, self.dataset))
        for column, header, prop in self.plan:
            text = cells.get(header, "")
            if not text:
                continue
            kind = column.kind
            if kind == "code":
                out.append((episode, prop, self.code(column.value_set, column.name, text)))
            elif kind == "codes":
                for code in _split(text):
                    out.append((episode, prop, self.code(column.value_set, column.name, code)))
            elif kind == "id":
                if column.name == "episode_id":
                    out.append((episode, prop, _string(text)))
                else:
                    self._node(out, episode, prop, _NODE_KIND[column.name], text)
            elif kind == "ids":
                for identifier in _split(text):
                    self._node(out, episode, prop, "person", identifier)
            elif kind == "number":
                out.append((episode, prop, _number(text)))
            elif kind == "datetime":
                out.append((episode, prop, _datetime(text)))
            else:
                out.append((episode, prop, _string(text)))
        self._goal(episode, cells.get(self.header["goal"] or "", ""), out)
        self._derived(row, episode, out)

    def _node(self, out: list[Triple], episode: str, prop: str, kind: str, identifier: str) -> None:
        node = f"<{self.base}{kind}/{quote(identifier, safe='')}>"
        out.append((episode, prop, node))
        if node not in self.seen and self.keep is None:
            self.seen.add(node)
            out.append((node, _RDF_TYPE, f"<{_NODE_CLASS[kind]}>"))
            out.append((node, f"<{DCTERMS_IDENTIFIER}>", _string(identifier)))

    def _derived(self, row: Row, episode: str, out: list[Triple]) -> None:
        """target role and social scale: as coded, else derived from the ids."""
        cells = row.cells
        regulator = cells.get(self.header["regulator_id"] or "", "")
        targets = _split(cells.get(self.header["target_ids"] or "", ""))
        role = cells.get(self.header["target_role"] or "", "")
        if role:
            out.append((episode, _TARGET_ROLE, self.code("target_role", "target_role", role)))
        elif regulator and targets and (targets == [regulator] or regulator not in targets):
            # With the regulator among several targets there is no single role to derive.
            out.append((episode, _TARGET_ROLE, _SELF if targets == [regulator] else _OTHER))
        scale = cells.get(self.header["social_scale"] or "", "")
        if scale:
            out.append((episode, _SOCIAL_SCALE, self.code("social_scale", "social_scale", scale)))
        elif targets:
            out.append((episode, _SOCIAL_SCALE, _GROUP if len(targets) > 1 else _DYADIC))

    def _goal(self, episode: str, text: str, out: list[Triple]) -> None:
        """goal = improve | worsen | none, coded as goal status plus direction."""
        if not text:
            return
        if self.code("goal_status", "goal", text) == _NO_GOAL:
            out.append((episode, _GOAL_STATUS, _NO_GOAL))
            return
        direction = self.code("goal_direction", "goal", text)
        if direction.startswith(f"<{UNKNOWN_CODE}"):
            out.append((episode, _GOAL_STATUS, direction))
            return
        out.append((episode, _GOAL_STATUS, _GOAL_PRESENT))
        out.append((episode, _GOAL_DIRECTION, direction))


_NODE_KIND = {"regulator_id": "person", "interaction_id": "interaction", "coder_id": "coder"}
Triple = tuple[str, str, str]  # subject, predicate and object, each an N-Triples term
_RDF_TYPE, _EPISODE, _IN_DATASET = f"<{RDF_TYPE}>", f"<{IERKG.Episode}>", f"<{IERKG.inDataset}>"
# Formatted once: rdflib's namespace attribute lookups are slow in a loop over rows.
_TARGET_ROLE, _SOCIAL_SCALE = f"<{IERKG.targetRole}>", f"<{IERKG.socialScale}>"
_SELF, _OTHER = f"<{IERKG.TargetSelf}>", f"<{IERKG.TargetOther}>"
_GROUP, _DYADIC = f"<{IERKG.Group}>", f"<{IERKG.Dyadic}>"
_GOAL_STATUS, _GOAL_DIRECTION = f"<{IERKG.goalStatus}>", f"<{IERKG.goalDirection}>"
_GOAL_PRESENT, _NO_GOAL = f"<{IERKG.GoalPresent}>", f"<{IERKG.NoGoal}>"
_NODE_CLASS = {"person": IERKG.Person, "interaction": IERKG.Interaction, "coder": IERKG.Coder}


def _number(text: str) -> str:
    try:
        number = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except InvalidOperation:
        return _string(text)  # not a number: the shapes say so
    return _decimal(number) if number.is_finite() else _string(text)


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


@dataclass
class Chunk:
    """The triples of a run of rows: dataset-level ones, then each row's, grouped by row."""

    extra: list[Triple]
    groups: list[list[Triple]]

    def triples(self) -> Iterator[Triple]:
        yield from self.extra
        for group in self.groups:
            yield from group


def to_ntriples(triples: Iterable[Triple]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def ntriples(
    rows: Iterable[Row],
    columns: dict[str, str],
    vocabulary: Vocabulary,
    declarations: Declarations,
    predicates: set[str] | None = None,
) -> Chunk:
    """The triples for a dataset's declarations and its rows."""
    writer = EpisodeWriter(columns, vocabulary, declarations, predicates)
    return Chunk(list(dataset_triples(declarations)), writer.rows(rows))
