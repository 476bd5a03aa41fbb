"""Answer one checked query on an Oxigraph store: what every query worker process runs.

The release is loaded into its own named graph (RELEASE_GRAPH), so that the service can say
exactly which graphs a query sees: the public ones, and never a private coded dataset unless
the operator made it public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from ..namespaces import ONTOLOGY_IRI
from .guard import Refused
from .results import write_boolean, write_graph, write_solutions

RELEASE_GRAPH = str(ONTOLOGY_IRI)


@dataclass(frozen=True)
class StoreSpec:
    """How a worker builds its store: the release, plus coded datasets as named graphs."""

    release: Path
    datasets: tuple[tuple[str, Path], ...] = ()  # (graph IRI, N-Triples or Turtle file)


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


def open_store(spec: StoreSpec) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(
        path=str(spec.release / "ierkg.nt"),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
        to_graph=pyoxigraph.NamedNode(RELEASE_GRAPH),
    )
    for graph, path in spec.datasets:
        store.load(
            path=str(path),
            format=pyoxigraph.RdfFormat.from_extension(path.suffix.lstrip("."))
            or pyoxigraph.RdfFormat.TURTLE,
            to_graph=pyoxigraph.NamedNode(graph),
        )
    return store


def answer(store: pyoxigraph.Store, job: Job) -> Answer:
    """Run a job; a query Oxigraph rejects or a result over the cap is a 400 Answer."""
    try:
        result = store.query(
            job.query,
            default_graph=[pyoxigraph.NamedNode(g) for g in job.default_graphs],
            named_graphs=[pyoxigraph.NamedNode(g) for g in job.named_graphs],
        )
        if job.form == "ASK":
            body = write_boolean(bool(result), job.media_type)
        elif job.form == "SELECT":
            variables = [variable.value for variable in result.variables]
            body = write_solutions(variables, result, job.media_type, job.limit)
        else:
            body = write_graph(result, job.media_type, job.limit)
    except SyntaxError as exc:
        return Answer(400, f"the query is not valid SPARQL 1.1: {exc}".encode())
    except Refused as refusal:
        return Answer(refusal.status, refusal.message.encode())
    except (OSError, ValueError) as exc:  # Oxigraph's evaluation errors
        return Answer(400, f"the query could not be evaluated: {exc}".encode())
    return Answer(200, body, job.media_type)
