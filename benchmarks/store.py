"""Coded data in the graph at scale: `python benchmarks/store.py` (about an hour at 1M).

1,000,000 generated coded episodes (seed 13, coded coherently; the shapes still warn about a
few, hence --allow-warnings) are ingested by `ierkg ingest` (validation included, as a user
runs it) into

  - the embedded store on disk (`--store DIR`), and
  - `oxigraph serve` (PyPI oxigraph) over its own folder, the baseline, written through the
    Graph Store Protocol (`--graph-store`),

and three analytic queries are timed on each, joined with the ontology:

  Q1 episodes per 2x2 cell;
  Q2 affect-improving vs affect-worsening strategies used per participant;
  Q3 the mental disorders linked to the strategies used most (of those linked to a disorder).

Printed: ingest wall time and rate, peak memory of the ingest, store size on disk, and each
query's best and median time of three runs, with the ratio embedded / oxigraph serve. The
embedded store is queried in this process through ierkg's Store interface; the server over
HTTP, as a client would. Both answers must agree, and each query must find something, or the
run fails. A plain run measures everything in that one run. `--work DIR --reuse` times only
the queries, again, on the stores an earlier run left in DIR; the figures quoted in
docs/benchmarks.md say which kind of run each came from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from ierkg.datasets import synthetic
from ierkg.stores.embedded import EmbeddedStore
from ierkg.stores.publish import RELEASE_GRAPH

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import measure  # noqa: E402 - beside this script, not a package

from tests.sparql_servers import OxigraphServer  # noqa: E402 - the same server the tests run

GRAPH = "https://lab.example/benchmark"
PREFIXES = """PREFIX ierkg: <https://w3id.org/ierkg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
QUERIES = {
    "Q1 episodes per 2x2 cell": PREFIXES
    + """SELECT ?cell (COUNT(?episode) AS ?episodes) WHERE {
  VALUES ?cell { ierkg:IntrinsicResponseDependentRegulation ierkg:IntrinsicResponseIndependentRegulation
                 ierkg:ExtrinsicResponseDependentRegulation ierkg:ExtrinsicResponseIndependentRegulation }
  ?episode a ?cell } GROUP BY ?cell ORDER BY ?cell""",
    "Q2 improving vs worsening strategies per participant": PREFIXES
    + """SELECT ?participant ?direction (COUNT(*) AS ?uses) WHERE {
  VALUES ?direction { ierkg:AffectImprovingStrategy ierkg:AffectWorseningStrategy }
  ?strategy a ?direction .
  ?episode ierkg:strategy ?strategy ; ierkg:regulator ?person .
  ?person dcterms:identifier ?participant .
} GROUP BY ?participant ?direction ORDER BY ?participant ?direction""",
    "Q3 disorders linked to the most used strategies": PREFIXES
    # Of the strategies the graph links to a disorder, the five this sample uses most.
    + """SELECT ?strategy ?uses ?disorder WHERE {
  { SELECT ?strategy (COUNT(?episode) AS ?uses) WHERE {
      { SELECT DISTINCT ?strategy WHERE {
          ?linked a ierkg:MentalDisorder ; ?link ?strategy .
          ?link rdfs:subPropertyOf+ ierkg:linkedToPattern } }
      ?episode ierkg:strategy ?strategy }
    GROUP BY ?strategy ORDER BY DESC(?uses) LIMIT 5 }
  ?disorder a ierkg:MentalDisorder ; ?link ?strategy .
  ?link rdfs:subPropertyOf+ ierkg:linkedToPattern .
} ORDER BY DESC(?uses) ?strategy ?disorder""",
}
RUNS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, help="folder for the data and stores (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="skip the ingests: time the queries on the stores in --work"
    )
    args = parser.parse_args(argv)
    stores = [args.work / "store", args.work / "oxigraph"] if args.work else []
    if args.reuse and not (stores and all(folder.is_dir() for folder in stores)):
        parser.error("--reuse needs --work DIR holding the stores of an earlier run")
    with tempfile.TemporaryDirectory(prefix="ierkg-store-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        return _run(args.episodes, work, args.reuse)


def _run(episodes: int, work: Path, reuse: bool) -> int:
    folder = work / "store"
    server = OxigraphServer(work / "oxigraph")
    if not reuse:
        _ingest_both(episodes, work, folder, server)
    else:
        print(f"timing the queries on the stores in {work} (no ingest)")
        server.start(ready_within=1800)
    try:
        _time_queries(EmbeddedStore(folder, read_only=True), server.query_url)
    finally:
        server.stop()
    return 0


def _ingest_both(episodes: int, work: Path, folder: Path, server: OxigraphServer) -> None:
    """Ingest into the store folder, then start the server and ingest there; it is left running."""
    data = synthetic.write_csv(work / "episodes.csv", episodes, seed=13, slip_rate=0.0)
    print(f"generated {episodes:,} episodes ({data.stat().st_size / 1e6:.0f} MB of CSV)")
    ingest = ["ingest", str(data), "--graph", GRAPH, "--scale", "1-7", "--allow-warnings", "-q"]
    embedded_seconds, embedded_peak = measure([*ingest, "--store", str(folder)])
    embedded_size = _size(folder)
    _report_ingest("embedded store on disk", episodes, embedded_seconds, embedded_peak, embedded_size)

    server.start()
    endpoint = ["--endpoint", server.query_url]
    measure(["load", "-q", *endpoint])
    graph_store = ["--graph-store", server.query_url.replace("/query", "/store")]
    server_seconds, server_peak = measure([*ingest, *endpoint, *graph_store])
    server_size = _size(server.folder)
    _report_ingest("oxigraph serve (baseline)", episodes, server_seconds, server_peak, server_size)
    print(
        f"  ingest time embedded / oxigraph serve: {embedded_seconds / server_seconds:.2f}x; "
        f"size on disk {embedded_size / server_size:.2f}x"
    )


def _time_queries(store: EmbeddedStore, url: str) -> None:
    for name, query in QUERIES.items():
        ours, our_rows = _time(lambda q=query: _embedded_rows(store, q))
        theirs, their_rows = _time(lambda q=query: _server_rows(url, q))
        if our_rows != their_rows:
            raise SystemExit(
                f"{name}: the two stores answer differently ({len(our_rows)} rows against "
                f"{len(their_rows)}; first rows {our_rows[:3]} and {their_rows[:3]})"
            )
        if not our_rows:
            raise SystemExit(f"{name}: no rows; a query that finds nothing measures nothing")
        print(
            f"{name}: {len(our_rows)} rows; "
            f"embedded best {min(ours) * 1000:.0f} ms "
            f"(median {statistics.median(ours) * 1000:.0f}), "
            f"oxigraph serve best {min(theirs) * 1000:.0f} ms "
            f"(median {statistics.median(theirs) * 1000:.0f}); "
            f"embedded / server {min(ours) / min(theirs):.2f}x"
        )
        if name.startswith("Q3"):
            answers = (f"{_local(r['strategy'])} ({r['uses']}) -> {_local(r['disorder'])}" for r in our_rows)
            print("  strategy (uses) -> disorder: " + "; ".join(answers))


def _report_ingest(name: str, episodes: int, seconds: float, peak: int, size: int) -> None:
    print(
        f"ingest into {name}: {seconds:.1f} s wall, {episodes / seconds:,.0f} episodes/s, "
        f"peak {peak / 2**30:.2f} GiB, store {size / 2**30:.2f} GiB on disk"
    )


def _time(run) -> tuple[list[float], list[dict[str, str]]]:
    seconds, rows = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        rows = run()
        seconds.append(time.perf_counter() - started)
    return seconds, rows


def _embedded_rows(store: EmbeddedStore, query: str) -> list[dict[str, str]]:
    solutions = store.query(query, default_graphs=[RELEASE_GRAPH, GRAPH])
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def _server_rows(url: str, query: str) -> list[dict[str, str]]:
    body = urllib.parse.urlencode(
        [("query", query), ("default-graph-uri", RELEASE_GRAPH), ("default-graph-uri", GRAPH)]
    )
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=3600) as response:
        bindings = json.loads(response.read())["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
