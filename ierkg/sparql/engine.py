"""Answer one checked query on a store: what every query worker process runs.

The release lives in its own named graph (RELEASE_GRAPH), so that the service can say exactly
which graphs a query sees: the public ones, and never a private coded dataset unless the
operator made it public. Workers open the store themselves from a StoreSpec: an in-memory
copy of the release (and of dataset files), the store folder read-only, or a remote server.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ..stores.base import QueryRejected, Store, StoreError
from ..stores.config import StoreConfig
from ..stores.embedded import EmbeddedStore, check_syntax
from ..stores.publish import RELEASE_GRAPH
from .guard import Refused
from .results import write_boolean, write_graph, write_solutions

__all__ = ["RELEASE_GRAPH", "Answer", "Job", "StoreSpec", "answer", "open_store"]


@dataclass(frozen=True)
class StoreSpec:
    """How a worker gets its store: the release, plus coded datasets as named graphs.

    In memory, each worker loads the release and the ``datasets`` files; a store folder or a
    server already holds them (``ierkg load``, ``ierkg ingest``).
    """

    release: Path
    datasets: tuple[tuple[str, Path], ...] = ()  # (graph IRI, N-Triples or Turtle file), in memory
    store: StoreConfig = field(default_factory=StoreConfig)

    def with_query_timeout(self, seconds: float) -> StoreSpec:
        """A server is asked to answer within the query timeout, not the general call timeout."""
        if self.store.remote is None:
            return self
        remote = dataclasses.replace(self.store.remote, timeout=seconds)
        return dataclasses.replace(self, store=dataclasses.replace(self.store, remote=remote))


@dataclass(frozen=True)
class Job:
    query: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    media_type: str
    default_graphs: tuple[str, ...]  # the graphs merged into the query's default graph
    named_graphs: tuple[str, ...]  # the graphs GRAPH may see
    limit: int


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    media_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def open_store(spec: StoreSpec) -> Store:
    if spec.store.kind == "directory":
        return spec.store.open(read_only=True)  # the service process holds the folder's lock
    if spec.store.kind == "remote":
        return spec.store.open()
    store = EmbeddedStore()
    store.load_file(spec.release / "ierkg.nt", RELEASE_GRAPH)
    for graph, path in spec.datasets:
        store.load_file(path, graph)
    return store


def answer(store: Store, job: Job) -> Answer:
    """Run a job; a query the store rejects or a result over the cap is a 4xx Answer."""
    try:
        if not store.speaks_oxigraph_syntax_errors:
            check_syntax(job.query)
        result = store.query(
            job.query, job.default_graphs, job.named_graphs, form=job.form, rows_wanted=job.limit
        )
        if job.form == "ASK":
            body = write_boolean(bool(result), job.media_type)
        elif job.form == "SELECT":
            variables = [variable.value for variable in result.variables]
            body = write_solutions(variables, result, job.media_type, job.limit)
        else:
            body = write_graph(result, job.media_type, job.limit)
    except Refused as refusal:
        return Answer(refusal.status, refusal.message.encode())
    except QueryRejected as rejected:
        return Answer(400, str(rejected).encode())
    except StoreError as error:
        return Answer(error.status, str(error).encode())
    except (OSError, ValueError, SyntaxError) as exc:  # Oxigraph's errors while results stream
        return Answer(400, f"the query could not be evaluated: {exc}".encode())
    except RecursionError:
        raise  # the pool answers a query that nests too deeply
    except RuntimeError as exc:  # something Oxigraph does not support, met while streaming
        return Answer(400, f"the query could not be evaluated: {exc}".encode())
    return Answer(200, body, job.media_type)
