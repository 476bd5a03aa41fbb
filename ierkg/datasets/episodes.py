"""Turn coded rows into episode-model RDF (N-Triples), keeping each episode's source row.

Every row becomes its own episode IRI (``<base>row/<number>``), so two rows with the same
episode_id never merge and every finding maps back to its row. Nothing is dropped or
guessed: an empty required cell produces no triple (and the shapes report it missing), and
an unknown code becomes a recognisable placeholder IRI that the shapes report as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
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
    """Describes rows as RDF, with every IRI and code resolution worked out once.

    Each row's episode gets a description (predicate -> objects, N-Triples terms), and the
    people, interactions and coders it names get theirs, all in one subject index.
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
            (header, f"<{column.prop}>", self._converter(column), column.kind in _SAME_TEXT_SAME_TERMS)
            for name, header in columns.items()
            if name not in ("target_role", "social_scale", "goal")
            and self._wanted((column := BY_NAME[name]).prop)
        ]
        self.header = {name: columns.get(name) for name in BY_NAME}
        self.codes: dict[tuple[str, str], str] = {}
        self.nodes: dict[tuple[str, str], str] = {}
        # (header, cell text) -> terms; descriptions share these lists, so none may change them
        self.terms: dict[tuple[str, str], list[str]] = {}
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

    def chunk(self, rows: Iterable[Row], extra: Subjects | None = None) -> Chunk:
        """The descriptions of a run of rows (a chunk describes its own people)."""
        subjects: Subjects = dict(extra or {})
        episodes = []
        for row in rows:
            episode = f"<{self.base}row/{row.number}>"
            episodes.append(episode)
            subjects[episode] = self._row(row, subjects)
        return Chunk(subjects, episodes)

    def _row(self, row: Row, subjects: Subjects) -> dict[str, list[str]]:
        cells = row.cells
        props: dict[str, list[str]] = {_RDF_TYPE: [_EPISODE]}
        if self.in_dataset:
            props[_IN_DATASET] = [self.dataset]
        terms = self.terms
        for header, prop, convert, reusable in self.plan:
            text = cells.get(header, "")
            if not text:
                continue
            if reusable:  # codes and ratings repeat: each distinct cell is converted once
                values = terms.get((header, text))
                if values is None:
                    values = terms[(header, text)] = convert(text, subjects)
                props[prop] = values
            else:
                props[prop] = convert(text, subjects)
        self._goal(cells.get(self.header["goal"] or "", ""), props)
        self._derived(cells, props)
        return props

    def inputs_of(self, cells: dict[str, str]) -> tuple:
        """Everything a row's episode description depends on but its row number.

        That is the cells of the columns written, the goal, role and scale cells, and how the
        regulator stands to the targets (all that ``_derived`` reads of them). Rows with equal
        inputs get equal descriptions, so a caller may describe one and reuse it.
        """
        regulator = cells.get(self.header["regulator_id"] or "", "")
        targets = _split(cells.get(self.header["target_ids"] or "", ""))
        relation = (
            bool(regulator),
            bool(targets),
            targets == [regulator],
            regulator in targets,
            len(set(targets)) > 1,
        )
        written = tuple(cells.get(header, "") for header, *_rest in self.plan)
        coded = tuple(
            cells.get(self.header[name] or "", "") for name in ("goal", "target_role", "social_scale")
        )
        return written + coded + relation

    def _converter(self, column: Column) -> Callable[[str, Subjects], list[str]]:
        """How one column's cell text becomes its terms (people and coders are added to subjects)."""
        kind, name = column.kind, column.name
        if kind == "code":
            return lambda text, _subjects: [self.code(column.value_set, name, text)]
        if kind == "codes":
            return lambda text, _subjects: _unique(self.code(column.value_set, name, c) for c in _split(text))
        if kind == "id" and name == "episode_id":
            return lambda text, _subjects: [_string(text)]
        if kind == "id":
            return lambda text, subjects: [self._node(subjects, _NODE_KIND[name], text)]
        if kind == "ids":
            return lambda text, subjects: _unique(self._node(subjects, "person", i) for i in _split(text))
        if kind == "number":
            return lambda text, _subjects: [_number(text)]
        if kind == "datetime":
            return lambda text, _subjects: [_datetime(text)]
        return lambda text, _subjects: [_string(text)]

    def _node(self, subjects: Subjects, kind: str, identifier: str) -> str:
        key = (kind, identifier)
        node = self.nodes.get(key)
        if node is None:
            node = self.nodes[key] = f"<{self.base}{kind}/{quote(identifier, safe='')}>"
        if self.keep is None and node not in subjects:
            subjects[node] = {_RDF_TYPE: [_NODE_CLASS[kind]], _IDENTIFIER: [_string(identifier)]}
        return node

    def _derived(self, cells: dict[str, str], props: dict[str, list[str]]) -> None:
        """target role and social scale: as coded, else derived from the ids."""
        regulator = cells.get(self.header["regulator_id"] or "", "")
        targets = _split(cells.get(self.header["target_ids"] or "", ""))
        role = cells.get(self.header["target_role"] or "", "")
        if role:
            props[_TARGET_ROLE] = [self.code("target_role", "target_role", role)]
        elif regulator and targets and (targets == [regulator] or regulator not in targets):
            # With the regulator among several targets there is no single role to derive.
            props[_TARGET_ROLE] = [_SELF if targets == [regulator] else _OTHER]
        scale = cells.get(self.header["social_scale"] or "", "")
        if scale:
            props[_SOCIAL_SCALE] = [self.code("social_scale", "social_scale", scale)]
        elif targets:
            props[_SOCIAL_SCALE] = [_GROUP if len(set(targets)) > 1 else _DYADIC]

    def _goal(self, text: str, props: dict[str, list[str]]) -> None:
        """goal = improve | worsen | none, coded as goal status plus direction."""
        if not text:
            return
        if self.code("goal_status", "goal", text) == _NO_GOAL:
            props[_GOAL_STATUS] = [_NO_GOAL]
            return
        direction = self.code("goal_direction", "goal", text)
        if direction.startswith(f"<{UNKNOWN_CODE}"):
            props[_GOAL_STATUS] = [direction]
            return
        props[_GOAL_STATUS] = [_GOAL_PRESENT]
        props[_GOAL_DIRECTION] = [direction]


def _unique(terms: Iterable[str]) -> list[str]:
    """RDF holds a set: a code written twice in one cell is one triple."""
    return list(dict.fromkeys(terms))


_NODE_KIND = {"regulator_id": "person", "interaction_id": "interaction", "coder_id": "coder"}
# Column kinds whose terms depend on the cell's text alone (ids add people; times hardly repeat).
_SAME_TEXT_SAME_TERMS = frozenset({"code", "codes", "number", "text"})
Triple = tuple[str, str, str]  # subject, predicate and object, each an N-Triples term
_RDF_TYPE, _EPISODE, _IN_DATASET = f"<{RDF_TYPE}>", f"<{IERKG.Episode}>", f"<{IERKG.inDataset}>"
# Formatted once: rdflib's namespace attribute lookups are slow in a loop over rows.
_TARGET_ROLE, _SOCIAL_SCALE = f"<{IERKG.targetRole}>", f"<{IERKG.socialScale}>"
_SELF, _OTHER = f"<{IERKG.TargetSelf}>", f"<{IERKG.TargetOther}>"
_GROUP, _DYADIC = f"<{IERKG.Group}>", f"<{IERKG.Dyadic}>"
_GOAL_STATUS, _GOAL_DIRECTION = f"<{IERKG.goalStatus}>", f"<{IERKG.goalDirection}>"
_GOAL_PRESENT, _NO_GOAL = f"<{IERKG.GoalPresent}>", f"<{IERKG.NoGoal}>"
_NODE_CLASS = {
    kind: f"<{cls}>"
    for kind, cls in (("person", IERKG.Person), ("interaction", IERKG.Interaction), ("coder", IERKG.Coder))
}
_IDENTIFIER = f"<{DCTERMS_IDENTIFIER}>"


def _number(text: str) -> str:
    try:
        number = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except InvalidOperation:
        return _string(text)  # not a number: the shapes say so
    return _decimal(number) if number.is_finite() else _string(text)


def _split(text: str) -> list[str]:
    if ";" not in text:
        return [text] if text else []  # the usual case: one id or code (cells come stripped)
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


Subjects = dict[str, dict[str, list[str]]]  # subject -> predicate -> objects, as N-Triples terms


@dataclass
class Chunk:
    """The RDF of a run of rows, indexed by subject, and the rows' episodes in row order."""

    subjects: Subjects
    episodes: list[str]

    def triples(self) -> Iterator[Triple]:
        for subject, props in self.subjects.items():
            for predicate, objects in props.items():
                for obj in objects:
                    yield subject, predicate, obj


def subjects_of(triples: Iterable[Triple]) -> Subjects:
    """Index triples by subject, each object once."""
    subjects: Subjects = {}
    for s, p, o in triples:
        objects = subjects.setdefault(s, {}).setdefault(p, [])
        if o not in objects:
            objects.append(o)
    return subjects


def to_ntriples(triples: Iterable[Triple]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def ntriples(
    rows: Iterable[Row],
    columns: dict[str, str],
    vocabulary: Vocabulary,
    declarations: Declarations,
    predicates: set[str] | None = None,
) -> Chunk:
    """The RDF for a dataset's declarations and its rows."""
    writer = EpisodeWriter(columns, vocabulary, declarations, predicates)
    return writer.chunk(rows, subjects_of(dataset_triples(declarations)))
