"""What safe removal of a dataset graph costs: `python benchmarks/removal.py` (a few minutes).

ierkg never DROPs a dataset graph: it deletes the triples in batches of conditional updates,
each tied to the remover's claim in the registry (ierkg.stores.registry.Lease.remove), so a
removal that stalls and is overtaken cannot remove someone else's dataset. This prints what
that costs against a plain `DROP GRAPH` (for the embedded store, Oxigraph's `remove_graph`),
both measured in this run, on the same number of triples, in

  - the embedded store on disk (in this process),
  - `oxigraph serve` (PyPI oxigraph) over its own folder, and
  - Virtuoso (Debian's virtuoso-opensource), as the tests start them.

Each removal starts from the same freshly loaded graph, and must leave it empty.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ierkg.stores import registry
from ierkg.stores.base import Store
from ierkg.stores.config import store_config
from ierkg.stores.embedded import EmbeddedStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.sparql_servers import (  # noqa: E402 - the same servers the tests run
    VIRTUOSO_PASSWORD,
    VIRTUOSO_USER,
    OxigraphServer,
    VirtuosoServer,
)

GRAPH = "https://lab.example/removal-benchmark"


def load(store: Store, triples: int, live: bool) -> None:
    """``triples`` triples in GRAPH, registered as a live dataset when ``live``."""
    step = 2_000  # small enough for Virtuoso's SPARQL compiler
    with registry.staging(store, GRAPH, source="benchmark") as lease:
        for start in range(0, triples, step):
            body = "".join(
                f'<https://lab.example/e{i}> <https://lab.example/p{i % 7}> "v{i}" .\n'
                for i in range(start, min(start + step, triples))
            )
            store.add_ntriples(GRAPH, body.encode())
        lease.go_live(episodes=0, triples=triples)
    if not live:  # the plain DROP is timed on the same graph, without an entry to check
        store.update(f"DELETE WHERE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> ?p ?o }} }}")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(name: str, store: Store, triples: int) -> tuple[str, float, float]:
    load(store, triples, live=True)
    conditional = timed(lambda: registry.delete(store, GRAPH))
    assert store.count(GRAPH) == 0 and registry.entries(store) == [], "the removal left something"
    load(store, triples, live=False)
    dropped = timed(lambda: store.drop(GRAPH))
    assert store.count(GRAPH) == 0, "the DROP left something"
    print(f"{name:<16} conditional batches {conditional:7.2f} s   DROP {dropped:7.2f} s   "
          f"ratio {conditional / dropped:5.2f}x", flush=True)  # fmt: skip
    return name, conditional, dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=200_000)
    parser.add_argument("--no-virtuoso", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ierkg-removal-"))
    print(f"removing a dataset graph of {args.triples:,} triples; batches: embedded "
          f"{EmbeddedStore.removal_batch_triples:,}, servers {Store.removal_batch_triples:,}")  # fmt: skip
    embedded = EmbeddedStore(work / "embedded")
    measure("embedded", embedded, args.triples)
    embedded.close()
    oxigraph = OxigraphServer(work / "oxigraph").start()
    try:
        measure("oxigraph serve", store_config(endpoint=oxigraph.query_url).open(), args.triples)
    finally:
        oxigraph.stop()
    if args.no_virtuoso:
        return
    virtuoso = VirtuosoServer(work / "virtuoso").start()
    try:
        store = store_config(
            endpoint=virtuoso.query_url,
            update_endpoint=virtuoso.update_url,
            user=VIRTUOSO_USER,
            auth="digest",
            environ={**os.environ, "IERKG_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD},
        ).open()
        measure("virtuoso", store, args.triples)
    finally:
        virtuoso.stop()


if __name__ == "__main__":
    main()
