"""Which coded datasets a store holds, and which of them may be seen: the registry graph.

A dataset lives in its own named graph. Its entry in the registry graph says what state the
graph is in, and only a *live* graph is ever shown (by the service, and by every command):

    staging   being written by an ingest; invisible; its lease says until when the ingest
              may be presumed alive (it is renewed as the load goes on)
    live      complete, registered in one small update
    deleting  being removed; invisible

Each change of state is one small SPARQL update, so a graph becomes visible all at once or
not at all. A staging graph whose lease ran out belongs to an ingest that died; ``cleanup``
(run whenever a store is opened for writing or serving) removes it, and finishes deletions
that were cut short.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from ..errors import IerkgError
from .base import Store, StoreError, StoreTimeout, StoreUnavailable
from .config import positive_setting

REGISTRY_GRAPH = "https://w3id.org/ierkg/store#registry"
NS = "https://w3id.org/ierkg/store#"
STATE, LEASE, CLAIM = f"<{NS}state>", f"<{NS}leaseUntil>", f"<{NS}claim>"
# A release being written to a staging graph before it is moved over the release graph.
RELEASE_STAGING = f"<{NS}releaseStagingUntil>"
# The SHA-256 of the release file a release graph was loaded from: what "already held" compares.
RELEASE_DIGEST = f"<{NS}releaseDigest>"
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
DEFAULT_LEASE_SECONDS = 600.0
# Graphs a dataset may never take: the release and the registry belong to ierkg.
_RESERVED = ("https://w3id.org/ierkg/ontology", REGISTRY_GRAPH)

_log = logging.getLogger(__name__)


class GraphTaken(IerkgError):
    """The graph already holds a dataset, is being written, or holds someone else's triples."""


class UnknownDataset(IerkgError):
    """No live dataset has that graph."""


@dataclass(frozen=True)
class DatasetGraph:
    graph: str
    state: str
    source: str = ""
    episodes: int = 0
    triples: int = 0
    loaded: str = ""  # when it became live (or began staging), ISO 8601

    def as_dict(self) -> dict:
        return {
            "graph": self.graph,
            "state": self.state,
            "source": self.source,
            "episodes": self.episodes,
            "triples": self.triples,
            "loaded": self.loaded,
        }


def check_graph_name(graph: str) -> str:
    """A dataset graph name must be an absolute IRI that SPARQL can write between < and >."""
    if not graph or any(c in graph for c in '<>"{}|^`\\ \t\n\r') or ":" not in graph:
        raise IerkgError(f"--graph {graph!r}: not an absolute IRI (for example https://lab.example/study-1)")
    if graph in _RESERVED or graph.startswith("urn:ierkg:staging:"):
        raise IerkgError(f"--graph {graph}: that graph belongs to ierkg itself; choose another IRI")
    return graph


def entries(store: Store) -> list[DatasetGraph]:
    """Every registered dataset graph, in any state, by graph IRI."""
    rows = store.select(
        f"""SELECT ?g ?state ?source ?episodes ?triples ?loaded WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
            ?g {STATE} ?state .
            OPTIONAL {{ ?g <{NS}source> ?source }} OPTIONAL {{ ?g <{NS}episodes> ?episodes }}
            OPTIONAL {{ ?g <{NS}triples> ?triples }} OPTIONAL {{ ?g <{NS}loadedAt> ?loaded }}
        }} }} ORDER BY ?g"""
    )
    return [
        DatasetGraph(
            row["g"],
            row["state"],
            row.get("source", ""),
            int(row.get("episodes", 0)),
            int(row.get("triples", 0)),
            row.get("loaded", ""),
        )
        for row in rows
    ]


def live_graphs(store: Store) -> list[str]:
    return [entry.graph for entry in entries(store) if entry.state == "live"]


def cleanup(store: Store, everything_staged: bool = False) -> list[str]:
    """Remove what died ingests and cut-short deletions left; the graphs removed.

    ``everything_staged`` removes every staging graph, lease or not: right for a store folder,
    which no other process can be writing while this one holds its lock.
    """
    now = dt.datetime.now(dt.UTC)
    leftovers = [
        (row["g"], _forget)
        for row in store.select(
            f"""SELECT ?g ?state ?lease WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
                ?g {STATE} ?state . OPTIONAL {{ ?g {LEASE} ?lease }} }} }}"""
        )
        if row["state"] == "deleting"
        or (row["state"] == "staging" and (everything_staged or _moment(row.get("lease")) < now))
    ]
    leftovers += [
        (row["g"], forget_release_staging)
        for row in store.select(
            f"SELECT ?g ?lease WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ ?g {RELEASE_STAGING} ?lease }} }}"
        )
        if everything_staged or _moment(row["lease"]) < now
    ]
    removed = []
    for graph, forget in leftovers:
        try:
            store.drop(graph)
            forget(store, graph)
        except (StoreUnavailable, StoreTimeout):
            raise
        except StoreError as error:
            # A read-only account cannot clean up; the graph stays hidden until a writer does.
            _log.warning("left <%s> for a command that may write to clean up: %s", graph, error)
            continue
        removed.append(graph)
    return removed


def note_release_staging(store: Store, graph: str) -> None:
    """Record a release's staging graph before it is written, so that cleanup finds it if the load dies."""
    until = _time(_now(lease_length()))
    store.update(f"INSERT DATA {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} {until} }} }}")


def renew_release_staging(store: Store, graph: str) -> None:
    """Extend a release's staging lease, so that a slow load is not taken for a dead one."""
    until = _time(_now(lease_length()))
    store.update(
        f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} ?old }} }}
        INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} {until} }} }}
        WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} ?old }} }}"""
    )


def forget_release_staging(store: Store, graph: str) -> None:
    store.update(f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} ?lease }} }}")


def release_digest(store: Store, graph: str) -> str | None:
    """The digest noted when ``graph`` was last loaded with a release, or None."""
    rows = store.select(f"SELECT ?d WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_DIGEST} ?d }} }}")
    return rows[0]["d"] if len(rows) == 1 else None  # two notes: a load cut short; trust neither


def note_release_digest(store: Store, graph: str, digest: str) -> None:
    """Replace the digest noted for ``graph``. Two updates, since Virtuoso inserts nothing from a
    WHERE of only an OPTIONAL; cut between them, no digest is left and the next load rewrites."""
    store.update(f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_DIGEST} ?old }} }}")
    noted = f"<{graph}> {RELEASE_DIGEST} {_string(digest)}"
    store.update(f"INSERT DATA {{ GRAPH <{REGISTRY_GRAPH}> {{ {noted} }} }}")


def lease_length() -> dt.timedelta:
    """How long a staging claim holds unless renewed (IERKG_INGEST_LEASE_SECONDS, default 600)."""
    seconds = positive_setting(os.environ, "IERKG_INGEST_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
    return dt.timedelta(seconds=seconds)


@contextmanager
def staging(store: Store, graph: str, source: str, lease: dt.timedelta | None = None) -> Iterator[Lease]:
    """Claim ``graph`` for an ingest; on leaving the block without ``go_live``, undo everything."""
    check_graph_name(graph)
    lease = lease or lease_length()
    claim = f"{uuid.uuid4()} {socket.gethostname()} pid {os.getpid()}"
    held = {entry.graph: entry for entry in entries(store)}
    if graph in held:
        entry = held[graph]
        if entry.state == "live":
            raise GraphTaken(
                f"graph <{graph}> already holds a dataset ({entry.source or 'unnamed'}, {entry.episodes} "
                f"episodes, loaded {entry.loaded}); delete it first with 'ierkg datasets delete {graph}', "
                "or ingest under another IRI"
            )
        raise GraphTaken(
            f"graph <{graph}> is {entry.state} by another ingest or deletion; try again when it has "
            "finished (a stopped one is cleaned up once its lease, "
            f"{lease_length().total_seconds():g} s, runs out)"
        )
    if store.ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"):
        raise GraphTaken(
            f"graph <{graph}> already holds triples that ierkg did not ingest; choose another graph IRI"
        )
    # The claim is one conditional update; reading it back tells whether this ingest won.
    store.update(
        f"""INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{
            <{graph}> {STATE} "staging" ; {CLAIM} {_string(claim)} ; {LEASE} {_time(_now(lease))} ;
                <{NS}source> {_string(source)} ; <{NS}loadedAt> {_time(_now())} }} }}
        WHERE {{ FILTER NOT EXISTS {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} ?any }} }} }}"""
    )
    claims = store.select(f"SELECT ?c WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {CLAIM} ?c }} }}")
    if [row["c"] for row in claims] != [claim]:
        if claim in [row["c"] for row in claims]:
            _withdraw(store, graph, claim)  # a tie: neither wins, and neither may block the graph
        raise GraphTaken(f"graph <{graph}> was claimed by another ingest at the same moment; try again")
    handle = Lease(store, graph, claim, lease)
    try:
        yield handle
    except BaseException:
        if not handle.live:
            with suppress(StoreError):  # if the store is gone, cleanup() finishes this later
                store.drop(graph)
                _forget(store, graph)
        raise
    if not handle.live:  # the block ended without going live: nothing may stay behind
        store.drop(graph)
        _forget(store, graph)


class Lease:
    """A staging claim: renewed while the load goes on, then turned live in one update."""

    def __init__(self, store: Store, graph: str, claim: str, length: dt.timedelta):
        self.store, self.graph, self.claim, self.length = store, graph, claim, length
        self.live = False
        self._renew_after = dt.datetime.now(dt.UTC) + length / 2

    def renew(self) -> None:
        """Extend the lease if half of it has passed (cheap to call after every batch)."""
        if dt.datetime.now(dt.UTC) < self._renew_after:
            return
        self.store.update(
            f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {LEASE} ?old }} }}
            INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {LEASE} {_time(_now(self.length))} }} }}
            WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
                <{self.graph}> {CLAIM} {_string(self.claim)} ; {LEASE} ?old }} }}"""
        )
        self._renew_after = dt.datetime.now(dt.UTC) + self.length / 2

    def go_live(self, episodes: int, triples: int) -> None:
        """Register the graph: from now on it is visible, all at once."""
        self.store.update(
            f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {STATE} ?state ; {LEASE} ?lease ;
                    <{NS}loadedAt> ?began }} }}
            INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {STATE} "live" ;
                    <{NS}episodes> {_integer(episodes)} ; <{NS}triples> {_integer(triples)} ;
                    <{NS}loadedAt> {_time(_now())} }} }}
            WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {CLAIM} {_string(self.claim)} ;
                    {STATE} ?state ; {LEASE} ?lease ; <{NS}loadedAt> ?began }} }}"""
        )
        states = self.store.select(
            f"SELECT ?s WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {STATE} ?s }} }}"
        )
        if [row["s"] for row in states] != ["live"]:
            raise IerkgError(
                f"graph <{self.graph}> lost its claim while loading (its lease ran out and it was cleaned "
                "up); ingest it again"
            )
        self.live = True


def delete(store: Store, graph: str) -> DatasetGraph:
    """Hide a live dataset graph at once, then remove it; IerkgError if there is none."""
    entry = next((e for e in entries(store) if e.graph == graph), None)
    if entry is None or entry.state != "live":
        known = ", ".join(f"<{g}>" for g in live_graphs(store)) or "none"
        raise UnknownDataset(f"no dataset is loaded as <{graph}> in {store.name} (datasets: {known})")
    store.update(
        f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "live" }} }}
        INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "deleting" }} }}
        WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "live" }} }}"""
    )
    store.drop(graph)
    _forget(store, graph)
    return entry


def _withdraw(store: Store, graph: str, claim: str) -> None:
    """Take back a claim that tied with another; the entry goes once no claim is left on it."""
    store.update(f"DELETE DATA {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {CLAIM} {_string(claim)} }} }}")
    store.update(
        f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> ?p ?o }} }}
        WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> ?p ?o
            FILTER NOT EXISTS {{ <{graph}> {CLAIM} ?other }} }} }}"""
    )


def _forget(store: Store, graph: str) -> None:
    store.update(f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> ?p ?o }} }}")


def _now(later: dt.timedelta = dt.timedelta()) -> str:
    return (dt.datetime.now(dt.UTC) + later).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(lexical: str | None) -> dt.datetime:
    """A lease as the store gives it back (servers differ in how they write a dateTime)."""
    try:
        moment = dt.datetime.fromisoformat(lexical or "")
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)  # unreadable: treat as long expired
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _time(text: str) -> str:
    return f'"{text}"^^<{_XSD_DATETIME}>'


def _integer(number: int) -> str:
    return f'"{int(number)}"^^<{_XSD_INTEGER}>'


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
