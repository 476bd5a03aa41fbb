"""Coded datasets written as RDF (Turtle, N-Triples, JSON-LD) that follow the episode model.

Oxigraph parses them: it reports line and column, and it never fetches anything, so a
JSON-LD file naming a remote ``@context`` is refused with advice instead of reaching out to
the network. RDF/XML is not accepted (its DTDs and entities are a hazard and no coding tool
needs it); the message says how to convert it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from ..namespaces import IERKG
from .episodes import RDF_TYPE, Chunk, Subjects, Triple, subjects_of
from .tables import DatasetError

RDF_TYPE_TERM = f"<{RDF_TYPE}>"
SUBCLASS_TERM = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
EPISODE_CLASS = IERKG.Episode
FORMATS = {
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
    ".json": pyoxigraph.RdfFormat.JSON_LD,
}
REFUSED = {".rdf", ".owl", ".xml", ".n3", ".trig", ".nq"}


def is_rdf(path: Path) -> bool:
    return path.suffix.lower() in FORMATS.keys() | REFUSED


def read_rdf(path: Path) -> Chunk:
    """Every triple of the file as N-Triples terms; a fault stops it with its line and column."""
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise DatasetError(
            path,
            f"{suffix} files are not read as coded datasets; save the data as Turtle (.ttl), "
            "N-Triples (.nt) or JSON-LD (.jsonld), or as a CSV table",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(path, f"cannot read the file: {exc.strerror}") from None
    if not data.strip():
        raise DatasetError(path, "the file is empty")
    triples: list[Triple] = []
    try:
        for quad in pyoxigraph.parse(data, format=FORMATS[suffix], base_iri=path.resolve().as_uri()):
            triples.append((str(quad.subject), str(quad.predicate), str(quad.object)))
    except SyntaxError as exc:
        raise DatasetError(path, _reason(exc), row=exc.lineno, column=_column(exc)) from None
    subjects = subjects_of(triples)
    kinds = _episode_classes(subjects)
    episodes = sorted(s for s, props in subjects.items() if kinds.intersection(props.get(RDF_TYPE_TERM, ())))
    if not episodes:  # else a file in the wrong vocabulary would pass as a dataset with no problems
        raise DatasetError(
            path,
            f"no episode in its {len(triples):,} triple{'' if len(triples) == 1 else 's'}: nothing is "
            f"typed <{EPISODE_CLASS}> or a "
            f"subclass of it; check the prefix (ierkg: is <{IERKG}>), as in examples/sample.ttl",
        )
    return Chunk(subjects, episodes)


def refuse_table_options(
    path: Path, *, scale: object = None, column_map: object = None, sheet: str | None = None
) -> None:
    """A rating scale, a column map and a sheet describe a table; an RDF dataset states all that itself."""
    given = [
        name
        for name, value in (
            ("a rating scale (--scale)", scale),
            ("a column map (--map)", column_map),
            ("a sheet (--sheet)", sheet),
        )
        if value
    ]
    if not given:
        return
    how = (
        " (ierkg:affectBeforeScale and ierkg:affectAfterScale on its ierkg:CodedDataset, as "
        "examples/sample.ttl does)"
        if scale
        else ""
    )
    raise DatasetError(
        path,
        f"{' and '.join(given)} {'applies' if len(given) == 1 else 'apply'} only to tables (CSV, TSV, "
        f"XLSX); an RDF dataset names its own terms{' and declares its own rating scale' if scale else ''}"
        f"{how}, so "
        f"leave {'it' if len(given) == 1 else 'them'} out",
    )


def _episode_classes(subjects: Subjects) -> set[str]:
    """Episode and every subclass of it, in the ontology or declared by the data (as terms)."""
    from ..framework_rules import load_rules

    parents: dict[str, set[str]] = {c: set(s) for c, s in load_rules().superclasses.items()}
    for subject, props in subjects.items():
        for parent in props.get(SUBCLASS_TERM, ()):
            parents.setdefault(subject[1:-1], set()).add(parent[1:-1])

    def is_episode_class(cls: str, seen: set[str]) -> bool:
        if cls == str(EPISODE_CLASS):
            return True
        seen.add(cls)
        return any(is_episode_class(p, seen) for p in parents.get(cls, ()) if p not in seen)

    return {f"<{c}>" for c in [str(EPISODE_CLASS), *parents] if is_episode_class(c, set())}


def _reason(exc: SyntaxError) -> str:
    text = str(exc.msg if getattr(exc, "msg", None) else exc)
    if "LoadDocumentCallback" in text or "remote context" in text:
        return (
            "the JSON-LD names a remote @context, and ierkg never fetches documents from the "
            "network; put the context inline in the file"
        )
    if text.startswith("Parser error"):
        text = text.split(": ", 1)[-1]
    return f"not valid RDF: {text}"


def _column(exc: SyntaxError) -> str | None:
    return str(exc.offset) if getattr(exc, "offset", None) else None
