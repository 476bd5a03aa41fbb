"""The endpoint's rules in one place: which graphs a query sees, and how it is checked and run.

The web layer hands over what the request said (query text, dataset parameters, the media type
it negotiated) and gets an Answer or a Refused back; nothing here knows about HTTP.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from ..errors import IerkgError
from ..stores import registry
from ..stores.base import Store, StoreError
from ..stores.lock import StoreLock
from ..stores.publish import held_release, publish_release, release_digest, release_manifest
from .cache import AnswerCache
from .engine import RELEASE_GRAPH, Answer, Job, StoreSpec
from .guard import CheckedQuery, Refused, check_query
from .pool import QueryPool

_log = logging.getLogger(__name__)

_NO_CAP = 10**9  # the service's own reads are not answers to the public
REMOTE_REFRESH_SECONDS = 15.0


@dataclass(frozen=True)
class Limits:
    timeout: float
    max_query_bytes: int
    max_nesting: int
    max_results: int


class Endpoint:
    """A read-only SPARQL endpoint over the release and the datasets the operator made public.

    The store is the one ``spec`` names. In memory, the release and any dataset files are
    loaded into every worker. A store folder is locked for the life of the service, given the
    release if it lacks it, and read by the workers; a server must hold the release already
    (``ierkg load``). Which dataset graphs exist is read from the store's registry: only live
    ones count, and only those listed in ``public_datasets`` are shown.
    """

    def __init__(
        self,
        spec: StoreSpec,
        limits: Limits,
        workers: int,
        overflow_workers: int = 0,
        public_datasets: Sequence[str] = (),
        cache_bytes: int = 64 * 2**20,
        refresh_seconds: float = REMOTE_REFRESH_SECONDS,
    ):
        self.spec = spec.with_query_timeout(limits.timeout)
        # The service's own calls (a dataset's ingest or delete, registry reads) keep the
        # endpoint's timeout: a load of thousands of triples is not a user's query.
        self._service_store = spec.store
        self._one_writer = threading.Lock()  # a second writer would reopen the folder mid-write
        self.limits = limits
        self.public_datasets = tuple(public_datasets)
        self._lock = StoreLock(spec.store.directory).acquire() if spec.store.kind == "directory" else None
        try:
            self.live_datasets = self._prepare_store()
            if spec.store.kind == "memory":
                unknown = set(public_datasets) - set(self.live_datasets)
                if unknown:
                    raise ValueError(f"no dataset is loaded as graph {sorted(unknown)[0]}")
            # A server is asked a little past the timeout, so that its own answer (or our
            # message about it) comes back before the worker is stopped.
            grace = 2.0 if spec.store.kind == "remote" else 0.0
            self.pool = QueryPool(
                self.spec, workers=workers, timeout=limits.timeout + grace, overflow=overflow_workers
            )
        except BaseException:
            self._release_lock()
            raise
        # In ierkg's own store nothing changes but through this service, so an answer can be
        # given again until a write; a server's data may change under us, so there the view is
        # read again (and the answers forgotten) every ``refresh_seconds`` (0: before every query).
        self.refresh_seconds = refresh_seconds
        self.answers = AnswerCache(cache_bytes)
        self._refresh_lock = threading.Lock()
        self._refreshed = time.monotonic()
        self.graph_sizes = self._graph_sizes()

    @property
    def public_graphs(self) -> tuple[str, ...]:
        return (RELEASE_GRAPH, *(g for g in self.public_datasets if g in self.live_datasets))

    @property
    def writable(self) -> bool:
        """Datasets can be written only to a store that keeps them: a folder or a server."""
        return self.spec.store.persistent

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
        self._refresh_if_due()
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
            said = answer.body[:500].decode("utf-8", "replace")
            raise IerkgError(f"the release could not be read from {self._service_store.describe()}: {said}")
        triples = list(pyoxigraph.parse(answer.body, format=pyoxigraph.RdfFormat.N_TRIPLES))
        expected = release_manifest(self.spec.release)["triples"]
        if len(triples) != expected:  # Virtuoso cuts a CONSTRUCT at ResultSetMaxRows unmarked
            raise IerkgError(
                f"{self._service_store.describe()} sent {len(triples):,} of the release's "
                f"{expected:,} triples; if it caps its answers (Virtuoso: ResultSetMaxRows), "
                "raise the cap above that"
            )
        return triples

    def describe(self, iri: str, media_type: str) -> bytes:
        """An entity's own triples and the evidence annotating them, in an RDF format."""
        query = (
            f"DESCRIBE <{iri}> ?axiom WHERE {{ OPTIONAL {{ ?axiom "
            f"<http://www.w3.org/2002/07/owl#annotatedSource> <{iri}> }} }}"
        )
        job = Job(query, "DESCRIBE", media_type, (RELEASE_GRAPH,), (RELEASE_GRAPH,), _NO_CAP)
        answer = self.pool.run(job)
        if answer.status != 200:  # the store is down or slow: the caller answers with its status
            said = answer.body[:300].decode("utf-8", "replace")
            error = StoreError(f"{iri} could not be described: {said}")
            error.status = answer.status if answer.status >= 500 else 502
            raise error
        return answer.body

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The store, open for writing datasets; the view is read again afterwards.

        A store folder is written by this process while no worker holds it open (queries wait
        meanwhile), because Oxigraph lets one process write a folder, and nobody read it then.
        """
        if not self.writable:
            raise Refused(
                409,
                "this service keeps its store in memory, so it cannot keep datasets; start it with "
                "--store DIR or --endpoint URL",
            )
        with self._one_writer:
            yield from self._written()

    def _written(self) -> Iterator[Store]:
        try:
            if self._service_store.kind == "directory":
                with self.pool.paused(), self._service_store.open() as store:
                    yield store
            else:
                with self._service_store.open() as store:
                    yield store
        finally:
            self._refresh_after_write()

    def _refresh_after_write(self) -> None:
        """A write that succeeded stays a success if the view cannot be read again now."""
        self.answers.clear()  # answers given before the write are not given again
        try:
            self.refresh()
        except (StoreError, Refused) as error:  # Refused: no query worker was free in time
            _log.warning("could not read %s again after a write: %s", self.spec.store.describe(), error)
            self._refreshed = float("-inf")  # the next query tries again

    def datasets(self) -> list[registry.DatasetGraph]:
        """The dataset graphs the store holds, in any state (in memory: the files loaded)."""
        if not self.spec.store.persistent:
            return [registry.DatasetGraph(graph, "live", path.name) for graph, path in self.spec.datasets]
        with self._service_store.open(read_only=True) as store:
            return registry.entries(store)

    def refresh(self) -> None:
        """Read again which dataset graphs are live, and forget the answers given so far."""
        with self._refresh_lock:
            before = self.live_datasets
            if self.spec.store.persistent:
                with self._service_store.open(read_only=True) as store:
                    self.live_datasets = tuple(registry.live_graphs(store))
            self.answers.clear()
            if self.live_datasets != before or self.spec.store.kind != "remote":
                self.graph_sizes = self._graph_sizes()
            self._refreshed = time.monotonic()

    def close(self) -> None:
        self.pool.close()
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _prepare_store(self) -> tuple[str, ...]:
        """Make the store ready to serve, and say which dataset graphs are live in it."""
        config = self._service_store  # start-up's own calls get the endpoint timeout
        if config.kind == "memory":
            return tuple(graph for graph, _path in self.spec.datasets)
        if self.spec.datasets:
            raise IerkgError(
                "IERKG_DATASETS loads files into the in-memory store only; put datasets into "
                f"{config.describe()} with 'ierkg ingest'"
            )
        with config.open() as store:
            if config.kind == "directory":
                publish_release(store, self.spec.release)
            else:
                _check_release(store, self.spec.release, config.describe())
            registry.cleanup(store, everything_staged=config.kind == "directory")
            return tuple(registry.live_graphs(store))

    def _refresh_if_due(self) -> None:
        if self.spec.store.kind != "remote" and self._refreshed != float("-inf"):
            return  # only a server changes under us, or a refresh after a write failed
        due = time.monotonic() - self._refreshed >= self.refresh_seconds
        if not due or self._refresh_lock.locked():
            return
        try:
            self.refresh()
        except StoreError:
            self._refreshed = time.monotonic()  # keep the last view; the query says what is wrong

    def _graph_sizes(self) -> dict[str, int]:
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        answer = self.run(self.check(count), "application/sparql-results+json")
        if answer.status != 200:
            raise StoreError(answer.body.decode("utf-8", "replace"))
        rows = json.loads(answer.body)["results"]["bindings"]
        sizes = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
        return {graph: sizes.get(graph, 0) for graph in self.public_graphs}


def _check_release(store: Store, release: Path, where: str) -> None:
    """A server must hold the very release this ierkg serves pages and validation for."""
    manifest = release_manifest(release)
    wanted = manifest["version"]
    version, triples = held_release(store)
    if version is None:
        raise IerkgError(
            f"{where} holds no ierkg release in <{RELEASE_GRAPH}>; put it there with 'ierkg load'"
        )
    if version != wanted:
        raise IerkgError(
            f"{where} holds ierkg release {version}, and this is ierkg {wanted}; update it with 'ierkg load'"
        )
    held_digest = registry.release_digest(store, RELEASE_GRAPH)
    # No digest: loaded by other means, or by an ierkg before digests; the version must do then.
    if held_digest is not None and held_digest != release_digest(manifest):
        raise IerkgError(
            f"{where} holds another build of ierkg release {version} than this ierkg's; "
            "update it with 'ierkg load'"
        )
