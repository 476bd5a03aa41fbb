"""Read the ontology's Turtle sources into one graph, reporting errors as file:line:column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from .errors import IerkgError, SourceSyntaxError

# A line that opens a statement: its first token is a prefixed name or an <IRI>.
_STATEMENT_START = re.compile(r"^(<[^>\s]+>|[A-Za-z][\w.-]*:[\w.-]*)\s")


@dataclass
class SourceSet:
    """The merged sources, and where each subject was written (for error messages)."""

    graph: Graph
    files: list[Path]
    locations: dict[str, tuple[Path, int]] = field(default_factory=dict)

    def locate(self, iri: str) -> str | None:
        """``file:line`` of the statement that introduces ``iri``, if it has one."""
        found = self.locations.get(iri)
        if found is None:
            return None
        path, line = found
        return f"{path}:{line}"


def parse_turtle_file(path: Path) -> Graph:
    """Parse one Turtle file; raise :class:`SourceSyntaxError` pointing at the fault."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceSyntaxError(
            str(path), line, column, "the file is not valid UTF-8 (save it as UTF-8)"
        ) from None
    _check_strictly(path, text)
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        line, column = _position_of(exc, text)
        raise SourceSyntaxError(str(path), line, column, _reason_of(exc)) from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises assorted types for bad IRIs, literals
        raise SourceSyntaxError(str(path), None, None, str(exc)) from None
    return graph


def load_sources(directory: Path) -> SourceSet:
    """Parse every ``*.ttl`` directly in ``directory`` (the release folder is not a source)."""
    if not directory.is_dir():
        raise IerkgError(f"{directory}: the ontology source folder does not exist")
    files = sorted(p for p in directory.glob("*.ttl") if p.is_file())
    if not files:
        raise IerkgError(f"{directory}: no Turtle (*.ttl) files to build from")
    merged = Graph()
    locations: dict[str, tuple[Path, int]] = {}
    for path in files:
        graph = parse_turtle_file(path)
        merged += graph
        for prefix, namespace in graph.namespaces():
            merged.bind(prefix, namespace, override=False)
        _index_statement_lines(path, graph, locations)
    return SourceSet(graph=merged, files=files, locations=locations)


def _check_strictly(path: Path, text: str) -> None:
    """Reject what rdflib lets through (IRIs with spaces, bad escapes), with the position.

    Oxigraph's Turtle parser follows the grammar to the letter and reports line and column.
    """
    try:
        for _ in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as exc:
        message = _OXIGRAPH_POSITION.sub("", str(exc.msg if hasattr(exc, "msg") else exc))
        raise SourceSyntaxError(str(path), exc.lineno, exc.offset, message) from None


# "Parser error at line 3 between columns 7 and 19: " - the position is reported separately.
_OXIGRAPH_POSITION = re.compile(r"^Parser error (at|between) [^:]*: ")


def _position_of(exc: BadSyntax, text: str) -> tuple[int | None, int | None]:
    offset = getattr(exc, "_i", None)
    data = getattr(exc, "_str", None)
    if isinstance(offset, int) and isinstance(data, bytes):
        before = data[:offset].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return line, column
    lines = getattr(exc, "lines", None)
    return (lines + 1 if isinstance(lines, int) else None), None


def _reason_of(exc: BadSyntax) -> str:
    why = getattr(exc, "_why", None)
    return str(why) if why else str(exc)


def _index_statement_lines(path: Path, graph: Graph, locations: dict[str, tuple[Path, int]]) -> None:
    """Remember the first line at which each subject opens a statement in ``path``."""
    namespaces = graph.namespace_manager
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _STATEMENT_START.match(line)
        if not match:
            continue
        token = match.group(1)
        try:
            iri = token[1:-1] if token.startswith("<") else str(namespaces.expand_curie(token))
        except (ValueError, KeyError):
            continue
        if (URIRef(iri), None, None) in graph:
            locations.setdefault(iri, (path, number))
