"""The store interface, and the errors a store raises in words a user can act on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyoxigraph

from ..errors import IerkgError

# What a query returns, from either store: Oxigraph's own result objects, so that one set of
# writers (ierkg.sparql.results) serves every store.
QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | Iterable[pyoxigraph.Triple]


class StoreError(IerkgError):
    """The store refused or failed a request; ``status`` is the HTTP status that says so."""

    status = 502


class StoreUnavailable(StoreError):
    """The store cannot be reached (a server down, refusing, or a store folder in use)."""

    status = 503


class StoreTimeout(StoreError):
    """The store did not answer within the configured time."""

    status = 504


class QueryRejected(StoreError):
    """The store could not run the query itself (its parser or evaluator said no)."""

    status = 400


class Store(ABC):
    """A SPARQL 1.1 dataset that ierkg reads from and writes to."""

    #: how messages name this store, e.g. "the SPARQL server at http://..."
    name: str
    #: triples per add_ntriples call when a file is added in parts (see add_ntriples_file)
    batch_triples: int = 1_000
    #: triples per conditional DELETE when a dataset graph is removed (see registry.Lease.remove)
    removal_batch_triples: int = 50_000
    #: whether a query's syntax error comes back in Oxigraph's words (else ierkg checks first,
    #: so that a malformed query gets the same message whatever the server)
    speaks_oxigraph_syntax_errors: bool = False

    @abstractmethod
    def query(
        self,
        text: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        form: str | None = None,
        rows_wanted: int | None = None,
    ) -> QueryResult:
        """Run a query; the graph lists, when given, are the query's dataset (FROM, FROM NAMED).

        ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE) is a hint: a server is asked for results in a
        format that suits it. ``rows_wanted`` says the caller reads no more than that many rows
        (and reports more as too many), so a server's own, higher cap does not matter.
        """

    @abstractmethod
    def update(self, text: str) -> None:
        """Run a SPARQL 1.1 Update; the store applies it as one transaction where it can."""

    @abstractmethod
    def add_ntriples(self, graph: str, data: bytes) -> None:
        """Add N-Triples to a named graph (blank nodes in one call are the same nodes)."""

    def add_ntriples_file(
        self,
        graph: str,
        path: Path,
        before_batch: Callable[[], None] = lambda: None,
        after_batch: Callable[[], None] = lambda: None,
    ) -> None:
        """Add an N-Triples file to a named graph, ``batch_triples`` at a time, calling
        ``before_batch`` and ``after_batch`` around each part; triples that share a blank node
        go in one part."""
        from .publish import batches

        with path.open("rb") as source:
            for batch in batches(source, self.batch_triples):
                before_batch()
                self.add_ntriples(graph, batch)
                after_batch()

    @abstractmethod
    def drop(self, graph: str) -> None:
        """Remove a named graph and everything in it; dropping a graph that is not there is fine."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The named graphs that hold at least one triple."""

    def count(self, graph: str) -> int:
        """How many triples a named graph holds."""
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]) if rows else 0

    def ask(self, text: str) -> bool:
        return bool(self.query(text))

    def select(self, text: str) -> list[dict[str, str]]:
        """A SELECT's solutions as {variable: lexical value}, unbound variables left out."""
        solutions = self.query(text)
        names = [variable.value for variable in solutions.variables]
        return [
            {name: solution[name].value for name in names if solution[name] is not None}
            for solution in solutions
        ]

    def close(self) -> None:  # noqa: B027 - a store that holds nothing has nothing to release
        """Release the store (files, connections); the default holds nothing."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
