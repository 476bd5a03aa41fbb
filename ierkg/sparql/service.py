"""The endpoint's rules in one place: which graphs a query sees, and how it is checked and run.

The web layer hands over what the request said (query text, dataset parameters, the media type
it negotiated) and gets an Answer or a Refused back; nothing here knows about HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph

from .cache import AnswerCache
from .engine import RELEASE_GRAPH, Answer, Job, StoreSpec
from .guard import CheckedQuery, Refused, check_query
from .pool import QueryPool

_NO_CAP = 10**9  # the service's own reads are not answers to the public


@dataclass(frozen=True)
class Limits:
    timeout: float
    max_query_bytes: int
    max_nesting: int
    max_results: int


class Endpoint:
    """A read-only SPARQL endpoint over the release and the datasets the operator made public."""

    def __init__(
        self,
        spec: StoreSpec,
        limits: Limits,
        workers: int,
        public_datasets: Sequence[str] = (),
        cache_bytes: int = 64 * 2**20,
    ):
        unknown = set(public_datasets) - {graph for graph, _path in spec.datasets}
        if unknown:
            raise ValueError(f"no dataset is loaded as graph {sorted(unknown)[0]}")
        self.limits = limits
        self.public_graphs = (RELEASE_GRAPH, *public_datasets)
        self.pool = QueryPool(spec, workers=workers, timeout=limits.timeout)
        # The store never changes while the service runs, so an answer can be given again.
        self.answers = AnswerCache(cache_bytes)
        self.graph_sizes = self._graph_sizes()

    def check(self, text: str) -> CheckedQuery:
        return check_query(text, self.public_graphs, self.limits.max_query_bytes, self.limits.max_nesting)

    def run(
        self,
        query: CheckedQuery,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> Answer:
        """Answer a checked query; the protocol's graph parameters override its FROM clauses."""
        for graph in (*default_graph_uris, *named_graph_uris):
            if graph not in self.public_graphs:
                raise Refused(
                    400,
                    f"there is no graph <{graph}> here; the graphs are "
                    + ", ".join(f"<{g}>" for g in self.public_graphs),
                )
        if default_graph_uris or named_graph_uris:
            default, named = tuple(default_graph_uris), tuple(named_graph_uris)
        elif query.from_graphs or query.from_named:
            default, named = query.from_graphs, query.from_named
        else:
            default, named = self.public_graphs, self.public_graphs
        job = Job(query.text, query.form, media_type, default, named, self.limits.max_results)
        cached = self.answers.get(job)
        if cached is not None:
            return cached
        answer = self.pool.run(job)
        if answer.status == 200:
            self.answers.put(job, answer)
        return answer

    def release_triples(self) -> list:
        """Every triple of the release, read through the store for the concept pages."""
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ ?s ?p ?o }} }}"
        job = Job(query, "CONSTRUCT", "application/n-triples", (), (RELEASE_GRAPH,), _NO_CAP)
        answer = self.pool.run(job)
        if answer.status != 200:
            raise RuntimeError(f"the release could not be read from the store: {answer.body[:200]!r}")
        return list(pyoxigraph.parse(answer.body, format=pyoxigraph.RdfFormat.N_TRIPLES))

    def describe(self, iri: str, media_type: str) -> bytes:
        """An entity's own triples and the evidence annotating them, in an RDF format."""
        query = (
            f"DESCRIBE <{iri}> ?axiom WHERE {{ OPTIONAL {{ ?axiom "
            f"<http://www.w3.org/2002/07/owl#annotatedSource> <{iri}> }} }}"
        )
        job = Job(query, "DESCRIBE", media_type, (RELEASE_GRAPH,), (RELEASE_GRAPH,), _NO_CAP)
        answer = self.pool.run(job)
        if answer.status != 200:
            raise RuntimeError(f"{iri} could not be described: {answer.body[:200]!r}")
        return answer.body

    def close(self) -> None:
        self.pool.close()

    def _graph_sizes(self) -> dict[str, int]:
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        answer = self.run(self.check(count), "application/sparql-results+json")
        rows = json.loads(answer.body)["results"]["bindings"]
        sizes = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
        return {graph: sizes.get(graph, 0) for graph in self.public_graphs}
