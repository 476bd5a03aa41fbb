"""The coder's manual as data: every column, its codes, and the rules that place an episode.

Everything comes from a release (default: the packaged one): the columns from
:mod:`ierkg.datasets.columns`, the codes from :mod:`ierkg.datasets.vocabulary`, and each code's
definition, examples, synonyms and sources from the release's N-Triples. The decision rules are
the ontology's defined classes, compiled by :mod:`ierkg.framework_rules`; the codes that decide
each rule are found by running every combination of dimension codes through those rules, exactly
as ``ierkg classify`` would, and writing the members as a short OR of ANDs. Rendering lives in
:mod:`ierkg.datasets.codebook_render`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, combinations, product
from pathlib import Path

from ..errors import IerkgError
from ..framework_rules import DIMENSIONS, Expression, FrameworkRules, load_rules
from ..namespaces import IERKG
from ..resources import release_dir
from ..stores.embedded import EmbeddedStore
from .classify import DERIVED
from .columns import COLUMNS, Column
from .episodes import UNKNOWN_CODE, Declarations, episode_iri, ntriples
from .tables import Row
from .vocabulary import VALUE_SET_CLASSES, Value, Vocabulary, load_vocabulary

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
BIBO = "http://purl.org/ontology/bibo/"
SCHEMA = "https://schema.org/"
DOI_RESOLVER = "https://doi.org/"

# What a cell of each column kind holds, in a coder's words.
KIND_TEXT = {
    "id": "an identifier (any text)",
    "ids": "one or more identifiers, separated by ';'",
    "code": "one code from the list below",
    "codes": "one or more codes from the list below, separated by ';'",
    "goal": "one code from the list below",
    "number": "a number on the rating scale the dataset declares",
    "datetime": "a date and time in ISO 8601, e.g. 2024-03-01T18:00:00",
    "text": "free text",
}

# The questions a coder asks of an episode, keyed by the column `ierkg classify` answers them in.
QUESTIONS = {
    "ierkg_scope": "Is it interpersonal?",
    "ierkg_regulation": "Regulation or modulation?",
    "ierkg_cell": "Which cell of the 2×2?",
    "ierkg_direction": "Improving or worsening?",
}
OTHER_QUESTION = "Other defined classes"


class CodebookError(IerkgError):
    """The release cannot be turned into a codebook (missing files, unknown format)."""


@dataclass(frozen=True)
class Source:
    """A bibliographic record an entry cites (dcterms:source)."""

    iri: str
    label: str  # short author-year label
    citation: str  # the full reference
    doi: str | None
    url: str | None  # the DOI link where there is a DOI, else the record's web address

    @property
    def anchor(self) -> str:
        return "ref-" + slug(self.iri.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class Code:
    """One allowed value of a column."""

    code: str  # what the coder writes
    iri: str
    label: str
    definition: str
    examples: tuple[str, ...]
    synonyms: tuple[str, ...]
    notes: tuple[str, ...]
    kinds: tuple[str, ...]  # labels of the value's classes, e.g. "maladaptive strategy"
    places_in: tuple[tuple[str, str], ...]  # (rule anchor, rule label) a code puts an episode in
    sources: tuple[Source, ...]
    anchor: str


@dataclass(frozen=True)
class ColumnEntry:
    name: str
    required: bool
    kind: str
    what_to_write: str
    help: str
    prop: str
    prop_label: str
    definitions: tuple[str, ...]
    sources: tuple[Source, ...]
    codes: tuple[Code, ...]

    @property
    def anchor(self) -> str:
        return "column-" + slug(self.name)


@dataclass(frozen=True)
class Condition:
    """An OR of ANDs over coded columns: each term is ((column, (code, ...)), ...)."""

    terms: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]

    def text(self) -> str:
        if not self.terms:
            return "no combination of codes"
        parts = []
        for term in self.terms:
            clauses = [f"{column} = {' or '.join(codes)}" for column, codes in term]
            joined = " AND ".join(clauses) if clauses else "any codes"
            parts.append(f"({joined})" if len(self.terms) > 1 and len(clauses) > 1 else joined)
        return " OR ".join(parts)


@dataclass(frozen=True)
class Rule:
    """A defined class of the framework: what it means and the codes that decide it."""

    iri: str
    label: str
    definition: str
    examples: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[Source, ...]
    owl_definition: str  # the owl:equivalentClass expression, in the ontology's words
    condition: Condition
    derived: tuple[str, str] | None  # (column, value) `ierkg classify` writes for members
    mechanisms: tuple[Code, ...]  # mechanism codes that place an episode here

    @property
    def anchor(self) -> str:
        return "rule-" + slug(self.iri.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class Question:
    title: str
    derived_column: str | None
    rules: tuple[Rule, ...]

    @property
    def anchor(self) -> str:
        return "question-" + slug(self.derived_column or "other")


@dataclass(frozen=True)
class Grid:
    """The 2×2: rows are process codes, columns target_role codes, each cell a rule."""

    row_column: str
    col_column: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[Rule | None, ...], ...]


@dataclass(frozen=True)
class Codebook:
    version: str
    release: str
    columns: tuple[ColumnEntry, ...]
    questions: tuple[Question, ...]
    grid: Grid | None
    references: tuple[Source, ...]


def slug(text: str) -> str:
    """A fragment identifier that is safe in HTML and Markdown: lower case, digits and '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def build_codebook(release: Path | None = None) -> Codebook:
    """Collect the codebook from a release folder (default: the packaged release)."""
    folder = Path(release or release_dir())
    for name in ("ierkg.nt", "ierkg.ttl"):
        if not (folder / name).is_file():
            raise CodebookError(f"{folder}: no {name} here; point at a release folder made by `ierkg build`")
    store = EmbeddedStore()
    store.load_file(folder / "ierkg.nt")
    graph = _Annotations(store)
    vocabulary = load_vocabulary(folder)
    rules = load_rules(folder)
    mechanism_cells = _mechanism_cells(store)
    columns = tuple(_column(column, vocabulary, graph, mechanism_cells) for column in COLUMNS)
    questions = _questions(columns, vocabulary, rules, graph)
    return Codebook(
        version=_version(folder),
        release=str(folder),
        columns=columns,
        questions=questions,
        grid=_grid(questions),
        references=_references(columns, questions),
    )


# --- reading the release ---------------------------------------------------------------------


class _Annotations:
    """The release's annotations, read once: each predicate as subject -> sorted values."""

    def __init__(self, store: EmbeddedStore):
        self.store = store
        self.labels = self._single(f"{RDFS}label")
        self.definitions = self._single(f"{SKOS}definition")
        self.examples = self._many(f"{SKOS}example")
        self.synonyms = self._many(f"{SKOS}altLabel")
        self.notes = self._many(f"{SKOS}scopeNote")
        self.types = self._many("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        self.source_iris = self._many(f"{DCTERMS}source")
        self.sources = self._records()

    def _many(self, predicate: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = defaultdict(list)
        query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o FILTER(isIRI(?s)) }}"
        for row in self.store.select(query):
            found[row["s"]].append(row["o"])
        return {subject: tuple(sorted(set(values))) for subject, values in found.items()}

    def _single(self, predicate: str) -> dict[str, str]:
        # The QC shapes allow one label and one definition per entity; the first sorted one is kept.
        return {subject: values[0] for subject, values in self._many(predicate).items()}

    def _records(self) -> dict[str, Source]:
        citations = self._single(f"{DCTERMS}bibliographicCitation")
        dois = self._single(f"{BIBO}doi")
        same_as = self._many(f"{SCHEMA}sameAs")
        uris = self._single(f"{BIBO}uri")
        records = {}
        for iri, citation in citations.items():
            links = same_as.get(iri, ())
            doi_links = [link for link in links if link.startswith(DOI_RESOLVER)]
            url = doi_links[0] if doi_links else next(iter(links), uris.get(iri))
            records[iri] = Source(iri, self.labels.get(iri, iri), citation, dois.get(iri), url)
        return records

    def sources_of(self, *iris: str) -> tuple[Source, ...]:
        cited = {source for iri in iris for source in self.source_iris.get(iri, ())}
        missing = sorted(s for s in cited if s not in self.sources)
        if missing:
            raise CodebookError(f"the release cites {', '.join(missing)} without a bibliographic record")
        return tuple(sorted((self.sources[s] for s in cited), key=lambda s: (s.label.lower(), s.iri)))

    def label(self, iri: str) -> str:
        return self.labels.get(iri, iri.rsplit("/", 1)[-1])


def _mechanism_cells(store: EmbeddedStore) -> dict[str, set[str]]:
    """Mechanism value -> the cells its type restricts its episodes to (allValuesFrom)."""
    query = f"""SELECT ?value ?cell WHERE {{
        ?value a ?type . ?type <{RDFS}subClassOf> ?restriction .
        ?restriction <{OWL}onProperty> <{IERKG.isMechanismOf}> ; <{OWL}allValuesFrom> ?cell .
        FILTER(isIRI(?cell)) }}"""
    cells: dict[str, set[str]] = defaultdict(set)
    for row in store.select(query):
        cells[row["value"]].add(row["cell"])
    return cells


def _version(folder: Path) -> str:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unknown"
    return str(manifest.get("version", "unknown")) if isinstance(manifest, dict) else "unknown"


# --- columns and codes -------------------------------------------------------------------------


def goal_values(vocabulary: Vocabulary) -> list[Value]:
    """The goal column's codes: a direction (improve, worsen) or no goal, as episodes.py reads them."""
    no_goal = [v for v in vocabulary["goal_status"].values if v.iri == str(IERKG.NoGoal)]
    return [*vocabulary["goal_direction"].values, *no_goal]


def column_values(column: Column, vocabulary: Vocabulary) -> list[Value]:
    if column.kind == "goal":
        return goal_values(vocabulary)
    if column.value_set:
        return list(vocabulary[column.value_set].values)
    return []


def code_of(value: Value) -> str:
    return value.notation or value.iri.rsplit("/", 1)[-1]


def _column(
    column: Column, vocabulary: Vocabulary, graph: _Annotations, mechanism_cells: dict[str, set[str]]
) -> ColumnEntry:
    if column.kind == "goal":
        described = [str(IERKG.GoalStatus), str(IERKG.GoalDirection)]
    elif column.value_set:
        described = [str(IERKG[VALUE_SET_CLASSES[column.value_set]])]
    else:
        described = [column.prop]
    value_set_classes = set(described)
    codes = []
    taken: set[str] = set()
    for value in sorted(column_values(column, vocabulary), key=lambda v: (code_of(v).lower(), v.iri)):
        anchor = _unique(f"value-{slug(column.name)}-{slug(code_of(value))}", taken)
        kinds = [
            graph.label(t)
            for t in graph.types.get(value.iri, ())
            if t.startswith(str(IERKG)) and t not in value_set_classes
        ]
        places = sorted(
            ("rule-" + slug(cell.rsplit("/", 1)[-1]), graph.label(cell))
            for cell in mechanism_cells.get(value.iri, ())
        )
        codes.append(
            Code(
                code=code_of(value),
                iri=value.iri,
                label=value.label,
                definition=value.definition,
                examples=graph.examples.get(value.iri, ()),
                synonyms=graph.synonyms.get(value.iri, ()),
                notes=graph.notes.get(value.iri, ()),
                kinds=tuple(sorted(set(kinds))),
                places_in=tuple(places),
                sources=graph.sources_of(value.iri),
                anchor=anchor,
            )
        )
    return ColumnEntry(
        name=column.name,
        required=column.required,
        kind=column.kind,
        what_to_write=KIND_TEXT.get(column.kind, column.kind),
        help=column.help,
        prop=column.prop,
        prop_label=graph.labels.get(column.prop, ""),
        definitions=tuple(graph.definitions[iri] for iri in described if iri in graph.definitions),
        sources=graph.sources_of(*described),
        codes=tuple(codes),
    )


def _unique(anchor: str, taken: set[str]) -> str:
    candidate, number = anchor, 1
    while candidate in taken:
        number += 1
        candidate = f"{anchor}-{number}"
    taken.add(candidate)
    return candidate


# --- decision rules ----------------------------------------------------------------------------


def _questions(
    columns: tuple[ColumnEntry, ...], vocabulary: Vocabulary, rules: FrameworkRules, graph: _Annotations
) -> tuple[Question, ...]:
    dimension_columns = [c for c in COLUMNS if c.prop in DIMENSIONS]
    space = {c.name: [code_of(v) for v in column_values(c, vocabulary)] for c in dimension_columns}
    members = _members(space, dimension_columns, vocabulary, rules)
    mechanisms = next((c.codes for c in columns if c.name == "mechanism"), ())
    derived = {cls: (column, value) for column, choices in DERIVED.items() for cls, value in choices}

    def rule(cls: str) -> Rule:
        anchor = "rule-" + slug(cls.rsplit("/", 1)[-1])
        return Rule(
            iri=cls,
            label=graph.label(cls),
            definition=graph.definitions.get(cls, ""),
            examples=graph.examples.get(cls, ()),
            notes=graph.notes.get(cls, ()),
            sources=graph.sources_of(cls),
            owl_definition=_owl_text(rules.definitions[cls], graph, top=True),
            condition=_cover(members.get(cls, set()), space),
            derived=derived.get(cls),
            mechanisms=tuple(m for m in mechanisms if any(a == anchor for a, _ in m.places_in)),
        )

    questions = []
    placed: set[str] = set()
    for column, choices in DERIVED.items():
        classes = [cls for cls, _ in choices if cls in rules.definitions]
        placed.update(classes)
        questions.append(Question(QUESTIONS.get(column, column), column, tuple(rule(c) for c in classes)))
    others = sorted((c for c in rules.definitions if c not in placed), key=lambda c: graph.label(c).lower())
    questions.append(Question(OTHER_QUESTION, None, tuple(rule(c) for c in others)))
    return tuple(questions)


Point = tuple[str, ...]  # one code per dimension column, in the order of `space`


def _members(
    space: dict[str, list[str]], columns: list[Column], vocabulary: Vocabulary, rules: FrameworkRules
) -> dict[str, set[Point]]:
    """For every defined class, the combinations of codes whose episodes belong to it."""
    declarations = Declarations("urn:ierkg:codebook:", {})
    points = list(product(*space.values()))
    rows = [Row(number, dict(zip(space, point, strict=True))) for number, point in enumerate(points, 2)]
    # Codes become RDF exactly as validation and `ierkg classify` turn them into RDF.
    chunk = ntriples(rows, {c.name: c.name for c in columns}, vocabulary, declarations, set(DIMENSIONS))
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for subject, predicate, obj in chunk.triples():
        if predicate[1:-1] in DIMENSIONS and not obj.startswith(f"<{UNKNOWN_CODE}"):
            values[subject[1:-1]][predicate[1:-1]] = obj[1:-1]
    members: dict[str, set[Point]] = defaultdict(set)
    for row, point in zip(rows, points, strict=True):
        for cls in rules.classify(values[episode_iri(declarations.base, row.number)]):
            members[cls].add(point)
    return members


def _cover(member_points: set[Point], space: dict[str, list[str]]) -> Condition:
    """The members as a short OR of ANDs: maximal boxes of codes, chosen greedily to cover them."""
    if not member_points:
        return Condition(())
    names = list(space)
    choices = [list(_subsets(space[name])) for name in names]
    boxes = {box for box in product(*choices) if all(p in member_points for p in product(*box))}
    primes = sorted(b for b in boxes if not any(grown in boxes for grown in _grown(b, space, names)))
    uncovered, chosen = set(member_points), []
    while uncovered:
        # Most new points first; then the fewest restricted columns, then a fixed order.
        best = max(
            primes,
            key=lambda b: (
                len(uncovered & set(product(*b))),
                -sum(len(x) < len(space[n]) for x, n in zip(b, names, strict=True)),
                tuple(len(x) for x in b),
                b,
            ),
        )
        uncovered -= set(product(*best))
        chosen.append(best)
    # Greedy choice can leave a box whose points the later boxes cover too; drop it.
    for box in list(chosen):
        rest = [b for b in chosen if b != box]
        if all(any(p in set(product(*b)) for b in rest) for p in product(*box)):
            chosen = rest
    terms = tuple(
        tuple((name, codes) for name, codes in zip(names, box, strict=True) if len(codes) < len(space[name]))
        for box in chosen
    )
    return Condition(terms)


def _grown(box: tuple, space: dict[str, list[str]], names: list[str]) -> Iterable[tuple]:
    """The boxes one code larger than ``box``, each column's codes kept in their order."""
    for index, name in enumerate(names):
        for code in space[name]:
            if code not in box[index]:
                wider = tuple(c for c in space[name] if c in box[index] or c == code)
                yield (*box[:index], wider, *box[index + 1 :])


def _subsets(codes: list[str]) -> Iterable[tuple[str, ...]]:
    return chain.from_iterable(combinations(codes, size) for size in range(1, len(codes) + 1))


def _owl_text(expression: Expression, graph: _Annotations, top: bool = False) -> str:
    """An owl:equivalentClass expression in the ontology's own words."""
    kind = expression[0]
    if kind == "class":
        return graph.label(expression[1])
    if kind == "value":
        values = " or ".join(sorted(graph.label(v) for v in expression[2]))
        return f"{graph.label(expression[1])}: {values}"
    if kind == "not":
        return f"NOT ({_owl_text(expression[1], graph)})"
    if kind in ("and", "or"):
        joined = f" {kind.upper()} ".join(_owl_text(e, graph) for e in expression[1])
        return joined if top else f"({joined})"
    return "(an expression the rule compiler does not read)"


def _grid(questions: tuple[Question, ...]) -> Grid | None:
    """The four cells laid out by process and target role, when each cell is a single box."""
    cell_rules = next((q.rules for q in questions if q.derived_column == "ierkg_cell"), ())
    placed: dict[tuple[str, str], Rule] = {}
    for rule in cell_rules:
        if len(rule.condition.terms) != 1:
            continue
        clauses = dict(rule.condition.terms[0])
        process, role = clauses.get("process", ()), clauses.get("target_role", ())
        if len(process) == 1 and len(role) == 1:
            placed[(process[0], role[0])] = rule
    if len(placed) < 4:
        return None
    rows = tuple(sorted({p for p, _ in placed}))
    cols = tuple(sorted({r for _, r in placed}))
    return Grid(
        "process", "target_role", rows, cols, tuple(tuple(placed.get((r, c)) for c in cols) for r in rows)
    )


def _references(columns: tuple[ColumnEntry, ...], questions: tuple[Question, ...]) -> tuple[Source, ...]:
    cited = {s for c in columns for s in c.sources}
    cited |= {s for c in columns for code in c.codes for s in code.sources}
    cited |= {s for q in questions for r in q.rules for s in r.sources}
    return tuple(sorted(cited, key=lambda s: (s.label.lower(), s.iri)))
