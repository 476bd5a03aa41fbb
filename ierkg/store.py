"""The embedded triple store (Oxigraph), which is what ierkg runs on by default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph

from .errors import IerkgError

_FORMATS = {
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".owl": pyoxigraph.RdfFormat.RDF_XML,
    ".rdf": pyoxigraph.RdfFormat.RDF_XML,
    ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
}


class EmbeddedStore:
    """An Oxigraph store, in memory or (with ``directory``) on disk."""

    def __init__(self, directory: Path | None = None):
        self._store = pyoxigraph.Store(str(directory)) if directory else pyoxigraph.Store()

    def load_file(self, path: Path) -> None:
        """Load an RDF file into the default graph; the format follows the file extension."""
        rdf_format = _FORMATS.get(path.suffix.lower())
        if rdf_format is None:
            raise IerkgError(f"{path}: unknown RDF file type (expected one of {', '.join(_FORMATS)})")
        try:
            self._store.bulk_load(path=str(path), format=rdf_format)
        except SyntaxError as exc:
            raise IerkgError(f"{path}: {exc}") from None

    def select(self, query: str) -> Iterator[dict[str, str]]:
        """Run a SELECT query; yield each solution as {variable: lexical value}."""
        solutions = self._store.query(query)
        names = [variable.value for variable in solutions.variables]
        for solution in solutions:
            yield {name: solution[name].value for name in names if solution[name] is not None}

    def __len__(self) -> int:
        return len(self._store)
