"""Put a release into a store, idempotently: run it twice and the graph holds it once.

RDF graphs are sets, but blank nodes are not shared between loads: inserting the release's
restrictions twice would leave two copies of each. So the release is written to a staging
graph and moved over the release graph in one update (MOVE replaces the target), unless the
store already holds exactly that release, in which case nothing is written. The staging
graph is noted in the registry, with a lease, so that a load that dies is cleaned up.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from ..errors import IerkgError
from ..namespaces import ONTOLOGY_IRI
from .base import Store, StoreError

RELEASE_GRAPH = str(ONTOLOGY_IRI)
STAGING_PREFIX = "urn:ierkg:staging:"
_OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"


@dataclass(frozen=True)
class Published:
    graph: str
    version: str
    triples: int
    written: bool  # False when the store already held this release


def release_manifest(release: Path) -> dict:
    try:
        manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IerkgError(f"{release} is not an ierkg release (no readable manifest.json)") from None
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("version"), str)
        and isinstance(manifest.get("triples"), int)
    ):
        raise IerkgError(
            f"{release / 'manifest.json'} does not give the release's version and number of triples; "
            "rebuild the release with 'ierkg build'"
        )
    return manifest


def release_digest(manifest: dict) -> str:
    """What identifies a build of the release: the SHA-256 of its N-Triples file."""
    try:
        return "sha256:" + manifest["files"]["ierkg.nt"]["sha256"]
    except (KeyError, TypeError):
        raise IerkgError("the release's manifest.json gives no sha256 for ierkg.nt; rebuild it") from None


def held_release(store: Store, graph: str = RELEASE_GRAPH) -> tuple[str | None, int]:
    """The version (or None) and the number of triples of the release a store holds in ``graph``."""
    rows = store.select(
        f"SELECT ?version (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o "
        f"OPTIONAL {{ <{ONTOLOGY_IRI}> <{_OWL_VERSION_INFO}> ?version }} }} }} GROUP BY ?version"
    )
    if not rows:
        return None, 0
    return rows[0].get("version"), sum(int(row["n"]) for row in rows)


def publish_release(store: Store, release: Path, graph: str = RELEASE_GRAPH, batch: int = 1_000) -> Published:
    """Make ``graph`` hold exactly the release; nothing is written if it does already."""
    from . import registry

    manifest = release_manifest(release)
    version, triples, digest = manifest["version"], int(manifest["triples"]), release_digest(manifest)
    held = held_release(store, graph)
    # Version and size alone would take a rebuilt release of the same version for this one.
    if held == (version, triples) and registry.release_digest(store, graph) == digest:
        return Published(graph, version, triples, written=False)
    _refuse_other_content(store, graph, held)

    lines = _release_lines(release)
    staging = f"{STAGING_PREFIX}{uuid.uuid4()}"
    # Noted first: a load killed before the move leaves a graph that cleanup() then finds.
    registry.note_release_staging(store, staging)
    half_lease = registry.lease_length().total_seconds() / 2
    renew_at = time.monotonic() + half_lease
    try:
        for part in batches(lines, batch):
            store.add_ntriples(staging, part)
            if time.monotonic() >= renew_at:  # as an ingest does: a slow load is not a dead one
                registry.renew_release_staging(store, staging)
                renew_at = time.monotonic() + half_lease
        # Renewed and read back last thing before the move: a load that stalled past its lease
        # and was cleaned up meanwhile must not move a half-dropped graph over the release.
        registry.renew_release_staging(store, staging)
        if not registry.release_staging_noted(store, staging) or store.count(staging) != triples:
            raise IerkgError(
                f"the release's staging graph <{staging}> was cleaned up while it was loading (its "
                "lease ran out); nothing was changed: run the load again"
            )
        # The old build's digest goes first: a load cut off after the move must not pass for it.
        registry.forget_release_digest(store, graph)
        store.update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>")
    except BaseException:
        with suppress(StoreError):  # the first failure is the one to report
            store.drop(staging)
            registry.forget_release_staging(store, staging)
        raise
    registry.forget_release_staging(store, staging)
    held = held_release(store, graph)
    if held != (version, triples):
        raise IerkgError(
            f"{store.name} holds {held[1]} triples in <{graph}> after the load, not the release's "
            f"{triples}; run the load again"
        )
    registry.note_release_digest(store, graph, digest)  # cut off before this: the next load rewrites
    return Published(graph, version, triples, written=True)


def _refuse_other_content(store: Store, graph: str, held: tuple[str | None, int]) -> None:
    """A release never goes over a coded dataset, or over triples that are not a release."""
    from .registry import GraphTaken, entries

    entry = next((e for e in entries(store) if e.graph == graph), None)
    if entry is not None:
        raise GraphTaken(
            f"graph <{graph}> holds the coded dataset {entry.source or 'unnamed'} ({entry.state}); "
            "a release cannot be loaded over it: choose another --graph"
        )
    if held[0] is None and held[1]:
        raise GraphTaken(
            f"graph <{graph}> holds {held[1]:,} triples that are not an ierkg release; a load would "
            "replace them: choose another --graph, or drop that graph on the server first"
        )


def _release_lines(release: Path) -> list[bytes]:
    path = release / "ierkg.nt"
    try:
        return [line for line in path.read_bytes().splitlines(keepends=True) if line.strip()]
    except OSError:
        raise IerkgError(f"{release} is not an ierkg release (no ierkg.nt)") from None


def batches(lines: Iterable[bytes], size: int, linked_size: int = 250) -> Iterator[bytes]:
    """N-Triples lines in batches of about ``size``, never splitting triples that share a blank node.

    Each load gives blank node labels a fresh scope, so a restriction cut in two would become two
    half-restrictions; lines are grouped by the blank nodes that connect them first. Lines with
    blank nodes come in their own, smaller batches (about ``linked_size``): servers turn them
    into templates, and Virtuoso refuses large templates.

    Plain lines stream; lines with blank nodes are held until the end, since a later line may
    join two groups. That stays small: the release has a few thousand, ierkg's conversion of a
    table writes none, and RDF input is read whole to be validated in any case.
    """
    plain: list[bytes] = []
    linked: dict[str, list[bytes]] = {}
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    pending: list[tuple[list[str], bytes]] = []
    for line in lines:
        labels = _blank_labels(line) if b"_:" in line else []
        if not labels:
            plain.append(line)
            if len(plain) >= size:
                yield b"".join(plain)
                plain = []
            continue
        first = root(labels[0])
        for label in labels[1:]:
            parent[root(label)] = first
        pending.append((labels, line))
    for labels, line in pending:
        linked.setdefault(root(labels[0]), []).append(line)
    if plain:
        yield b"".join(plain)
    group: list[bytes] = []
    for lines_of_component in linked.values():
        group.extend(lines_of_component)
        if len(group) >= linked_size:
            yield b"".join(group)
            group = []
    if group:
        yield b"".join(group)


def _blank_labels(line: bytes) -> list[str]:
    quad = next(iter(pyoxigraph.parse(line, format=pyoxigraph.RdfFormat.N_TRIPLES)), None)
    if quad is None:
        return []
    return [term.value for term in (quad.subject, quad.object) if isinstance(term, pyoxigraph.BlankNode)]
