"""Which coded datasets a store holds, and which of them may be seen: the registry graph.

A dataset lives in its own named graph. Its entry in the registry graph says what state the
graph is in, and only a *live* graph is ever shown (by the service, and by every command):

    staging   being written by an ingest; invisible
    live      complete, registered in one small update
    deleting  being removed; invisible, and not to be claimed until it is gone

A staging or deleting entry carries a *claim* (whose work it is) and a *lease* (until when
that command may be presumed alive; renewed as the work goes on). Each change of state is one
small conditional SPARQL update, so a graph becomes visible all at once or not at all.

A graph's triples are removed only by whoever holds its deleting entry, in batches that each
run only while the entry still carries that claim; the entry goes last, once the graph is
empty. So a command that stalls mid-removal and is overtaken cannot, on resuming, remove a
dataset that another ingest has put under the same IRI since. ``cleanup`` (run whenever a
store is opened for writing or serving) takes over what died commands left: staging and
deleting entries whose lease ran out.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
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
# Who forgot a removed graph's entry: read back by the remover, then deleted (never a state).
REMOVED_BY = f"<{NS}removedBy>"
# The SHA-256 of the release file a release graph was loaded from: what "already held" compares.
RELEASE_DIGEST = f"<{NS}releaseDigest>"
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
DEFAULT_LEASE_SECONDS = 600.0
# Where a removal that keeps timing out stops making its batches smaller.
_SMALLEST_REMOVAL_BATCH = 1_000
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
    claims: tuple[str, ...] = ()  # whose entry it is (one, but for entries older than claims)

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
        f"""SELECT ?g ?state ?source ?episodes ?triples ?loaded ?claim WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
            ?g {STATE} ?state .
            OPTIONAL {{ ?g <{NS}source> ?source }} OPTIONAL {{ ?g <{NS}episodes> ?episodes }}
            OPTIONAL {{ ?g <{NS}triples> ?triples }} OPTIONAL {{ ?g <{NS}loadedAt> ?loaded }}
            OPTIONAL {{ ?g {CLAIM} ?claim }}
        }} }} ORDER BY ?g"""
    )
    by_graph: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_graph.setdefault(row["g"], []).append(row)
    found = []
    for graph, its in by_graph.items():

        def most(name: str, rows=its) -> str:  # one value, the same every time, if there are two
            return max((row[name] for row in rows if name in row), default="")

        found.append(
            DatasetGraph(
                graph,
                _worst({row["state"] for row in its}),
                most("source"),
                int(most("episodes") or 0),
                int(most("triples") or 0),
                most("loaded"),
                tuple(sorted({row["claim"] for row in its if "claim" in row})),
            )
        )
    return found


def _worst(states: set[str]) -> str:
    """One state for an entry that updates applied side by side left with two (Virtuoso runs
    them read-committed): a graph is live only if nothing else says otherwise."""
    for state in ("deleting", "staging"):
        if state in states:
            return state
    return min(states)


def live_graphs(store: Store) -> list[str]:
    return [entry.graph for entry in entries(store) if entry.state == "live"]


def cleanup(store: Store, everything_staged: bool = False) -> list[str]:
    """Remove what died ingests and cut-short deletions left; the graphs removed.

    ``everything_staged`` takes every staging and deleting entry, lease or not: right for a
    store folder, which no other process can be writing while this one holds its lock. Leases
    are compared with this machine's time by the store, in the update that takes the entries
    over, so a command that renewed its lease a moment before keeps its work (and a dateTime
    the store writes its own way still compares).
    """
    now = _time(_now())
    expired = "" if everything_staged else f"FILTER(!BOUND(?lease) || ?lease < {now})"
    # Dead only if no lease on the entry still runs (a tie can leave it two).
    running = f"FILTER NOT EXISTS {{ ?g {LEASE} ?running FILTER(?running >= {now}) }}"
    none_running = "" if everything_staged else running
    dead = f"""GRAPH <{REGISTRY_GRAPH}> {{ ?g {STATE} ?state FILTER(?state IN ("staging", "deleting"))
        OPTIONAL {{ ?g {LEASE} ?lease }} {none_running} }}"""
    length = lease_length()
    claim, taken_at = _new_claim("cleanup"), _Clocks.now()
    try:
        # Asked first, so that a command with nothing to clean (or no right to) writes nothing.
        took_over = store.ask(f"ASK {{ {dead} }}")
        if took_over:
            store.update(
                f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{
                    ?g {STATE} ?state ; {LEASE} ?lease ; {CLAIM} ?claim }} }}
                INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{
                    ?g {STATE} "deleting" ; {LEASE} {_time(_now(length))} ; {CLAIM} {_string(claim)} }} }}
                WHERE {{ {dead} OPTIONAL {{ GRAPH <{REGISTRY_GRAPH}> {{ ?g {CLAIM} ?claim }} }} }}"""
            )
        dead_releases = [
            row["g"]
            for row in store.select(
                f"""SELECT ?g WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ ?g {RELEASE_STAGING} ?lease }}
                {expired} }}"""
            )
        ]
        for graph in dead_releases:  # the note goes first, and only if its lease is still out
            store.update(
                f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} ?lease }} }}
                WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} ?lease }} {expired} }}"""
            )
        dead_releases = [g for g in dead_releases if not release_staging_noted(store, g)]
        stray = f"GRAPH <{REGISTRY_GRAPH}> {{ ?g {REMOVED_BY} ?by FILTER NOT EXISTS {{ ?g {STATE} ?s }} }}"
        if store.ask(f"ASK {{ {stray} }}"):  # a remover cut off before deleting its note
            store.update(
                f"DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ ?g {REMOVED_BY} ?by }} }} WHERE {{ {stray} }}"
            )
    except (StoreUnavailable, StoreTimeout):
        raise
    except StoreError as error:
        # A read-only account cannot clean up; the graphs stay hidden until a writer does.
        _log.warning("left what dead ingests left for a command that may write to clean up: %s", error)
        return []
    taken = (
        [
            row["g"]
            for row in store.select(
                f"""SELECT ?g WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
                    ?g {CLAIM} {_string(claim)} ; {STATE} "deleting" }} }} ORDER BY ?g"""
            )
        ]
        if took_over
        else []  # nothing was taken over: no query for it on every command that opens the store
    )
    removed = []
    for graph in taken:
        try:
            if Lease(store, graph, claim, length, "deleting", taken_at).remove():
                removed.append(graph)
        except StoreUnavailable:
            raise
        except StoreError as error:  # the command that opened the store goes on; the graph stays hidden
            _log.warning("could not finish removing <%s>: %s", graph, error)
    for graph in dead_releases:  # a release's staging graph has a name of its own: nobody else's
        store.drop(graph)
        _forget(store, graph)
        removed.append(graph)
    return removed


def release_staging_noted(store: Store, graph: str) -> bool:
    return store.ask(f"ASK {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_STAGING} ?lease }} }}")


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
    forget_release_digest(store, graph)
    noted = f"<{graph}> {RELEASE_DIGEST} {_string(digest)}"
    store.update(f"INSERT DATA {{ GRAPH <{REGISTRY_GRAPH}> {{ {noted} }} }}")


def forget_release_digest(store: Store, graph: str) -> None:
    store.update(f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {RELEASE_DIGEST} ?old }} }}")


def lease_length() -> dt.timedelta:
    """How long a staging claim holds unless renewed (IERKG_INGEST_LEASE_SECONDS, default 600)."""
    seconds = positive_setting(os.environ, "IERKG_INGEST_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
    return dt.timedelta(seconds=seconds)


@contextmanager
def staging(store: Store, graph: str, source: str, lease: dt.timedelta | None = None) -> Iterator[Lease]:
    """Claim ``graph`` for an ingest; on leaving the block without ``go_live``, undo everything."""
    check_graph_name(graph)
    lease = lease or lease_length()
    claim = _new_claim("ingest")
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
    # The claim is one conditional update; reading it back tells whether this ingest won. A
    # store that runs two such updates side by side (Virtuoso) can apply both: so the claim
    # carries nothing that a loser could not take back, or leave without harm (a lease the
    # winner's next renewal replaces), and the rest is written once the claim is won.
    claimed = _Clocks.now()
    store.update(
        f"""INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{
            <{graph}> {STATE} "staging" ; {CLAIM} {_string(claim)} ; {LEASE} {_time(_now(lease))} }} }}
        WHERE {{ FILTER NOT EXISTS {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} ?any }} }} }}"""
    )
    claims = store.select(f"SELECT ?c WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {CLAIM} ?c }} }}")
    if [row["c"] for row in claims] != [claim]:
        if claim in [row["c"] for row in claims]:
            _withdraw(store, graph, claim)  # a tie: neither wins, and neither may block the graph
        raise GraphTaken(f"graph <{graph}> was claimed by another ingest at the same moment; try again")
    handle = Lease(store, graph, claim, lease, confirmed=claimed)
    try:
        store.update(
            f"""INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{
                <{graph}> <{NS}source> {_string(source)} ; <{NS}loadedAt> {_time(_now())} }} }}
            WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ {handle._mine} }} }}"""
        )
        yield handle
    except BaseException:
        if not handle.live:
            with suppress(StoreError):  # if the store is gone, cleanup() finishes this later
                handle.undo()
        raise
    if not handle.live:  # the block ended without going live: nothing may stay behind
        handle.undo()


class LostClaim(IerkgError):
    """An ingest's claim was taken away (it stalled past its lease and was cleaned up)."""


class Lease:
    """A claim on a graph's entry, renewed and checked while its work goes on.

    An ingest's lease is ``staging``: the load calls ``keep`` before each write and ``wrote``
    after it, then ``go_live`` turns the entry live in one update. A removal's lease is
    ``deleting`` (see ``remove``). Once a quarter of the lease has passed since the claim was
    last confirmed (by the wall clock or the process's own, so that a process stopped or a
    machine asleep meanwhile counts), ``keep`` renews the lease and reads it back. A command
    that stalled past its lease and was overtaken thus stops before its next write, instead of
    writing into a graph another ingest may have claimed since.
    """

    def __init__(
        self,
        store: Store,
        graph: str,
        claim: str,
        length: dt.timedelta,
        state: str = "staging",
        confirmed: _Clocks | None = None,
    ):
        """``confirmed``: taken before the lease was written, so that it is never later."""
        self.store, self.graph, self.claim, self.length = store, graph, claim, length
        self.state = state
        self.live = False
        self._confirmed = confirmed or _Clocks.now()
        self._last_write_ended: _Clocks | None = None

    def keep(self) -> None:
        """Before a write: renew the lease and confirm the claim, if a quarter of it has passed."""
        now = _Clocks.now()
        if now.since(self._confirmed) < self.length.total_seconds() / 4:
            return
        self.store.update(
            f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {LEASE} ?old }} }}
            INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {LEASE} {_time(_now(self.length))} }} }}
            WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
                {self._mine} ; {LEASE} ?old }} }}"""
        )
        if self._state() != self.state:
            raise self._lost()
        self._confirmed = now

    def wrote(self) -> None:
        """After a write: when it ended, to tell whether it may have come after the lease ran out."""
        self._last_write_ended = _Clocks.now()

    def go_live(self, episodes: int, triples: int) -> None:
        """Register the graph: from now on it is visible, all at once."""
        self.store.update(
            f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {STATE} "staging" ; {LEASE} ?lease ;
                    <{NS}loadedAt> ?began }} }}
            INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {STATE} "live" ;
                    <{NS}episodes> {_integer(episodes)} ; <{NS}triples> {_integer(triples)} ;
                    <{NS}loadedAt> {_time(_now())} }} }}
            WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
                {self._mine} ; {LEASE} ?lease ; <{NS}loadedAt> ?began }} }}"""
        )
        if self._state() != "live":  # read by this claim: another ingest's graph is not ours
            raise self._lost()
        self.live = True

    def undo(self) -> None:
        """Remove the graph and its entry, if the claim is still this ingest's; else leave both."""
        renewed = _Clocks.now()  # taken before the lease is written, so never later than it
        self.store.update(
            f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> {STATE} "staging" ; {LEASE} ?lease }} }}
            INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{
                <{self.graph}> {STATE} "deleting" ; {LEASE} {_time(_now(self.length))} }} }}
            WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ {self._mine} ; {LEASE} ?lease }} }}"""
        )
        self.state, self._confirmed = "deleting", renewed
        self.remove()  # cleaned up already (and perhaps claimed by another ingest since): nothing

    def remove(self) -> bool:
        """Empty the graph while this claim holds its deleting entry, then forget the entry.

        Each batch of triples is deleted in an update that runs only while the entry still
        carries this claim, so a removal that stalls and is overtaken removes nothing more when
        it resumes. The entry goes only with the last triple, in an update that checks the
        graph is empty: until then nobody may claim the IRI. False if the claim was taken.
        """
        mine = f"GRAPH <{REGISTRY_GRAPH}> {{ {self._mine} }}"
        batch = self.store.removal_batch_triples
        if self._state() != "deleting":
            return False  # taken already: the graph may be someone else's by now, so not even counted
        left = self.store.count(self.graph)  # an upper bound from here on
        rounds = left // batch + 2  # more rounds than that, and the removal is checked for progress
        while self._state() == "deleting":
            try:
                self.keep()
            except LostClaim:
                return False
            if rounds == 0:
                rounds, left = self._progressed(left, batch)
            rounds -= 1
            try:
                self.store.update(
                    f"""DELETE {{ GRAPH <{self.graph}> {{ ?s ?p ?o }} }}
                    WHERE {{ {mine} {{ SELECT ?s ?p ?o WHERE {{ GRAPH <{self.graph}> {{ ?s ?p ?o }} }}
                        LIMIT {batch} }} }}"""
                )
            except StoreTimeout:
                if batch <= _SMALLEST_REMOVAL_BATCH:
                    raise
                batch = max(batch // 4, _SMALLEST_REMOVAL_BATCH)  # the server is slow: smaller bites
                rounds = left // batch + 2  # not counted again: the count would time out too
                continue
            if self._state() != "deleting":  # overtaken while the batch was on its way
                return False
            # Only once the graph is empty; a write that lands late is removed on the next round.
            # A note says who forgot the entry, so that an overtaken removal does not claim it.
            done = f"<{self.graph}> {REMOVED_BY} {_string(self.claim)}"
            self.store.update(
                f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> ?p ?o }} }}
                INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ {done} }} }}
                WHERE {{ {mine} GRAPH <{REGISTRY_GRAPH}> {{ <{self.graph}> ?p ?o }}
                    FILTER NOT EXISTS {{ GRAPH <{self.graph}> {{ ?any ?triple ?left }} }} }}"""
            )
            if self.store.ask(f"ASK {{ GRAPH <{REGISTRY_GRAPH}> {{ {done} }} }}"):
                self.store.update(f"DELETE DATA {{ GRAPH <{REGISTRY_GRAPH}> {{ {done} }} }}")
                return True
        return False

    def _progressed(self, before: int, batch: int) -> tuple[int, int]:
        """More rounds for a removal that is getting somewhere; StoreError for one that is not."""
        now = self.store.count(self.graph)
        if now >= before:
            raise StoreError(
                f"{self.store.name} deletes nothing of <{self.graph}> when asked to (it still holds "
                f"{now:,} triples); the dataset stays hidden, and the removal is tried again once its "
                f"lease, {self.length.total_seconds():g} s, has run out"
            )
        return now // batch + 2, now

    @property
    def _mine(self) -> str:
        """The entry as this claim holds it, for a WHERE clause."""
        return f'<{self.graph}> {CLAIM} {_string(self.claim)} ; {STATE} "{self.state}"'

    def _state(self) -> str | None:
        """The entry's state as long as it carries this claim; None once the claim is gone."""
        rows = self.store.select(
            f"""SELECT ?s WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{
                <{self.graph}> {CLAIM} {_string(self.claim)} ; {STATE} ?s }} }}"""
        )
        return _worst({row["s"] for row in rows}) if rows else None

    def _lost(self) -> LostClaim:
        said = (
            f"graph <{self.graph}> was taken from this ingest while it was stalled (its lease, "
            f"{self.length.total_seconds():g} s, ran out and another command cleaned it up); "
            "nothing of this ingest is visible: ingest it again"
        )
        ended = self._last_write_ended
        if ended is not None and ended.since(self._confirmed) >= self.length.total_seconds():
            # Its last write was under way when the lease ran out, so it may have landed after
            # the cleanup, in the graph of an ingest that claimed the IRI since.
            said += (
                f". Its last write ended after the lease had run out and may have reached <{self.graph}> "
                "after that: if another ingest now holds the graph, delete it and ingest that again; "
                "if no dataset does and an ingest there is refused, remove the graph on the server "
                f"(DROP GRAPH <{self.graph}>)"
            )
        return LostClaim(said)


@dataclass(frozen=True)
class _Clocks:
    """A moment by the wall clock and by the process's monotonic one: a machine asleep stops the
    second (on Linux), a clock set back fools the first; the larger of the two is trusted."""

    monotonic: float
    wall: float

    @classmethod
    def now(cls) -> _Clocks:
        return cls(time.monotonic(), time.time())

    def since(self, earlier: _Clocks) -> float:
        return max(self.monotonic - earlier.monotonic, self.wall - earlier.wall)


def delete(store: Store, graph: str) -> DatasetGraph:
    """Hide a live dataset graph at once, then remove it; IerkgError if there is none."""
    known = entries(store)
    entry = next((e for e in known if e.graph == graph), None)
    if entry is None or entry.state != "live":
        names = ", ".join(f"<{e.graph}>" for e in known if e.state == "live") or "none"
        raise UnknownDataset(f"no dataset is loaded as <{graph}> in {store.name} (datasets: {names})")
    length = lease_length()
    removal = Lease(store, graph, _new_claim("delete"), length, "deleting")
    # Tied to a claim of the entry just read (claims are never reused): a command that stalls
    # here must not take a dataset ingested under the IRI since. An entry older than claims has
    # none, and every newer entry has one, so it is matched by having none.
    if entry.claims:
        read, unclaimed = f"; {CLAIM} {_string(entry.claims[0])}", ""
    else:
        read, unclaimed = "", f"FILTER NOT EXISTS {{ <{graph}> {CLAIM} ?any }}"
    store.update(
        f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "live" {read} }} }}
        INSERT {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "deleting" ;
            {CLAIM} {_string(removal.claim)} ; {LEASE} {_time(_now(length))} }} }}
        WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "live" {read} {unclaimed} }} }}"""
    )
    if removal._state() != "deleting":  # another command deleted it a moment before
        raise UnknownDataset(f"the dataset <{graph}> in {store.name} was deleted by another command just now")
    removal.remove()  # overtaken while stalled: the command that took over finishes the removal
    return entry


def _withdraw(store: Store, graph: str, claim: str) -> None:
    """Take back a claim that tied with another; the entry goes once no claim is left on it."""
    store.update(f"DELETE DATA {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {CLAIM} {_string(claim)} }} }}")
    store.update(
        f"""DELETE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> ?p ?o }} }}
        WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> {STATE} "staging" ; ?p ?o
            FILTER NOT EXISTS {{ <{graph}> {CLAIM} ?other }} }} }}"""
    )


def _new_claim(by: str) -> str:
    """A claim no other command holds, saying whose it is (for someone reading the registry)."""
    return f"{uuid.uuid4()} {by} on {socket.gethostname()} pid {os.getpid()}"


def _forget(store: Store, graph: str) -> None:
    store.update(f"DELETE WHERE {{ GRAPH <{REGISTRY_GRAPH}> {{ <{graph}> ?p ?o }} }}")


def _now(later: dt.timedelta = dt.timedelta()) -> str:
    return (dt.datetime.now(dt.UTC) + later).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(text: str) -> str:
    return f'"{text}"^^<{_XSD_DATETIME}>'


def _integer(number: int) -> str:
    return f'"{int(number)}"^^<{_XSD_INTEGER}>'


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
