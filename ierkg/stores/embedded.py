"""The embedded store: Oxigraph in this process, in memory or in a folder on disk."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph

from .base import QueryRejected, QueryResult, Store, StoreError, StoreUnavailable

_FORMATS = {
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".owl": pyoxigraph.RdfFormat.RDF_XML,
    ".rdf": pyoxigraph.RdfFormat.RDF_XML,
    ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
}


_ERROR_AT = re.compile(r"^error at (\d+):(\d+): ")


def syntax_message(text: str, error: SyntaxError) -> str:
    """Oxigraph's parse error as a person reads it: line, column, what was expected, and the line."""
    said = str(error)
    match = _ERROR_AT.match(said)
    if match is None:
        return said
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.splitlines() or [""]
    near = lines[line - 1].strip()[:80] if line <= len(lines) else ""
    return f"line {line}, column {column}: {said[match.end() :]}; near '{near}'"


def check_syntax(text: str) -> None:
    """QueryRejected unless ``text`` is a SPARQL 1.1 query; the query is not run on any data."""
    try:
        _EMPTY.query(text)
    except SyntaxError as exc:
        raise QueryRejected(f"the query is not valid SPARQL 1.1: {syntax_message(text, exc)}") from None
    except (OSError, ValueError):
        pass  # evaluation on no data; the store that runs it reports such errors
    except RecursionError:
        raise
    except RuntimeError as exc:  # a function Oxigraph lacks: say so the same way on every store
        raise QueryRejected(f"the query could not be evaluated: {exc}") from None


class EmbeddedStore(Store):
    """An Oxigraph store: in memory, or (with ``directory``) on disk, surviving restarts.

    On disk, one process may write at a time; ``read_only`` opens a folder for reading only,
    which is safe only while no process writes it (ierkg.stores.lock sees to that).
    """

    speaks_oxigraph_syntax_errors = True
    removal_batch_triples = 200_000  # no request to carry; fewer rounds of the registry checks

    def __init__(self, directory: Path | None = None, read_only: bool = False):
        self.directory = directory
        self._writable = directory is not None and not read_only
        self.name = f"the store in {directory}" if directory else "the in-memory store"
        try:
            if directory is None:
                self._store = pyoxigraph.Store()
            elif read_only:
                self._store = pyoxigraph.Store.read_only(str(directory))
            else:
                directory.mkdir(parents=True, exist_ok=True)
                self._store = pyoxigraph.Store(str(directory))
        except OSError as exc:
            raise StoreUnavailable(f"{self.name} cannot be opened: {exc}") from None

    @property
    def oxigraph(self) -> pyoxigraph.Store:
        return self._store

    def query(
        self,
        text: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        form: str | None = None,
        rows_wanted: int | None = None,
    ) -> QueryResult:
        options = {}
        if default_graphs is not None:
            options["default_graph"] = [pyoxigraph.NamedNode(g) for g in default_graphs]
        if named_graphs is not None:
            options["named_graphs"] = [pyoxigraph.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(text, **options)
        except SyntaxError as exc:
            raise QueryRejected(f"the query is not valid SPARQL 1.1: {syntax_message(text, exc)}") from None
        except (OSError, ValueError) as exc:  # Oxigraph's evaluation errors
            raise QueryRejected(f"the query could not be evaluated: {exc}") from None
        except RecursionError:
            raise
        except RuntimeError as exc:  # what Oxigraph does not support, such as a custom function
            raise QueryRejected(f"the query could not be evaluated: {exc}") from None

    def update(self, text: str) -> None:
        try:
            with self._writing():
                self._store.update(text)
        except SyntaxError as exc:
            raise QueryRejected(f"the update is not valid SPARQL 1.1: {syntax_message(text, exc)}") from None

    def add_ntriples(self, graph: str, data: bytes) -> None:
        with self._writing():
            self._store.load(
                input=data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(graph)
            )

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write the disk refuses (full, read-only, gone) is the store's error, said plainly."""
        try:
            yield
        except OSError as exc:
            raise StoreError(f"{self.name} could not be written: {exc}") from None

    def load_file(self, path: Path, graph: str | None = None) -> None:
        """Load an RDF file, its format from its extension, into ``graph`` (default: default graph)."""
        rdf_format = _FORMATS.get(path.suffix.lower())
        if rdf_format is None:
            raise StoreUnavailable(f"{path}: unknown RDF file type (expected one of {', '.join(_FORMATS)})")
        target = pyoxigraph.NamedNode(graph) if graph else pyoxigraph.DefaultGraph()
        if not path.is_file():  # else the disk's "no such file" would read as the store's failure
            raise StoreUnavailable(f"{path}: no such file")
        try:
            with self._writing():
                self._store.bulk_load(path=str(path), format=rdf_format, to_graph=target)
        except SyntaxError as exc:
            raise QueryRejected(f"{path}: {exc}") from None

    def add_ntriples_file(
        self,
        graph: str,
        path: Path,
        before_batch: Callable[[], None] = lambda: None,
        after_batch: Callable[[], None] = lambda: None,
    ) -> None:
        """One bulk load, made durable before returning (a folder's lock keeps others out)."""
        before_batch()
        self.load_file(path, graph)
        self.flush()
        after_batch()

    def drop(self, graph: str) -> None:
        node = pyoxigraph.NamedNode(graph)
        with self._writing():
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)

    def graphs(self) -> list[str]:
        return sorted(
            g.value
            for g in self._store.named_graphs()
            if next(iter(self._store.quads_for_pattern(None, None, None, g)), None) is not None
        )

    def flush(self) -> None:
        """Make bulk loads durable (on disk) before they are announced anywhere."""
        if self._writable:
            with self._writing():
                self._store.flush()

    def close(self) -> None:
        if self._store is not None and self._writable:
            self._store.flush()
        self._store = None  # Oxigraph closes the folder when its last reference goes

    def __len__(self) -> int:
        return len(self._store)


_EMPTY = pyoxigraph.Store()  # parses queries bound for a server, so errors read the same
