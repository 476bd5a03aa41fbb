"""The store subcommands: load (the release), ingest (a coded dataset), datasets, query.

Each works on the store the options name: the embedded store in a folder (``--store DIR``) or
a SPARQL 1.1 server (``--endpoint URL``), through ierkg.stores only. Exit status: 0 done,
1 the dataset breaks rules and was not loaded, 2 unusable input or an unreachable store.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import IerkgError
from .stores.config import StoreConfig, add_store_options, config_from_args

EXIT_OK = 0
EXIT_NOT_LOADED = 1


def add_parsers(commands) -> None:
    _add_load(commands)
    _add_ingest(commands)
    _add_datasets(commands)
    _add_query(commands)


def _persistent(args: argparse.Namespace) -> StoreConfig:
    config = config_from_args(args)
    if not config.persistent:
        raise IerkgError(
            "which store? give --store DIR (the embedded store on disk) or --endpoint URL (a SPARQL "
            "server), or set IERKG_STORE or IERKG_ENDPOINT"
        )
    return config


# --- load --------------------------------------------------------------------------------------


def _add_load(commands) -> None:
    parser = commands.add_parser(
        "load",
        help="put the release into a store (a SPARQL server, or a store folder)",
        description="Write the ontology release into its graph on the store. Running it again "
        "writes nothing if the store already holds that release, and never duplicates a triple. "
        "A store folder is given the packaged release by every command that opens it, so another "
        "--release lasts there only until the next command (serve --release keeps it).",
    )
    parser.add_argument(
        "--graph", metavar="IRI", help="the graph to hold the release (default: the ontology IRI)"
    )
    parser.add_argument(
        "--release", type=Path, metavar="DIR", help="release folder (default: the packaged one)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_store_options(parser)
    parser.set_defaults(run=run_load)


def run_load(args: argparse.Namespace) -> int:
    from .resources import release_dir
    from .stores.access import opened
    from .stores.publish import RELEASE_GRAPH, publish_release
    from .stores.registry import check_graph_name

    config = _persistent(args)
    graph = RELEASE_GRAPH if args.graph in (None, RELEASE_GRAPH) else check_graph_name(args.graph)
    with opened(config, with_release=False) as store:  # so that it says whether it wrote one
        published = publish_release(store, args.release or release_dir(), graph)
    if not args.quiet:
        done = "loaded" if published.written else "already held; nothing written"
        print(
            f"release {published.version} ({published.triples} triples) in <{published.graph}> "
            f"on {config.describe()}: {done}"
        )
    return EXIT_OK


# --- ingest ------------------------------------------------------------------------------------


def _add_ingest(commands) -> None:
    parser = commands.add_parser(
        "ingest",
        help="validate a coded dataset and load it as a private named graph",
        description="Validate a coded dataset (as 'ierkg validate' does) and, if it conforms, load it "
        "as the named graph --graph, with each episode's framework classes. Warnings stop the load "
        "unless --allow-warnings. The graph becomes visible only once it is complete. Exit status: "
        "0 loaded, 1 not loaded (the report says why), 2 unusable input or store.",
    )
    parser.add_argument("data", type=Path, metavar="DATA", help="CSV, TSV, XLSX, or RDF episodes")
    parser.add_argument(
        "--graph", required=True, metavar="IRI", help="the dataset's graph, e.g. https://lab.example/study-1"
    )
    parser.add_argument(
        "--map", type=Path, metavar="FILE", help="CSVW column map: your headers -> ierkg columns"
    )
    parser.add_argument(
        "--scale", metavar="MIN-MAX", help="the affect rating scale, e.g. 1-7 (else from --map)"
    )
    parser.add_argument("--sheet", metavar="NAME", help="the XLSX worksheet to read (default: the first)")
    parser.add_argument(
        "--allow-warnings", action="store_true", help="load data that has warnings (never violations)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    add_store_options(parser)
    parser.set_defaults(run=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    from .datasets.columns import load_column_map, parse_scale
    from .datasets.compiled import CompiledEngine
    from .datasets.parallel import default_workers
    from .progress import Progress
    from .stores.access import opened
    from .stores.ingest import NotLoaded, ingest
    from .stores.registry import check_graph_name

    check_graph_name(args.graph)
    config = _persistent(args)
    column_map = load_column_map(args.map) if args.map else None
    scale = parse_scale(args.scale) if args.scale else None
    progress = Progress("validating", quiet=args.quiet)
    if progress.active:
        from .datasets.tables import estimated_rows

        progress.total = estimated_rows(args.data, args.sheet)  # None for RDF: a count then
    with opened(config) as store:
        try:
            done = ingest(
                store,
                args.data,
                args.graph,
                CompiledEngine(),
                column_map=column_map,
                scale=scale,
                sheet=args.sheet,
                allow_warnings=args.allow_warnings,
                workers=default_workers(),
                on_rows=progress.update,
                on_staging=lambda graph: (
                    args.quiet or print(f"staging <{graph}> ...", file=sys.stderr, flush=True)
                ),
            )
        except NotLoaded as refusal:
            progress.finish(refusal.report.rows_read)
            if not args.quiet:
                sys.stdout.write(_first_problems(refusal.report, args.data))
            print(f"ierkg ingest: {refusal}", file=sys.stderr)
            return EXIT_NOT_LOADED
    progress.finish(done.episodes)
    if not args.quiet:
        print(
            f"{done.episodes} episodes ({done.triples} triples) from {args.data} are live in <{done.graph}> "
            f"on {config.describe()}; private unless the service lists the graph in IERKG_PUBLIC_DATASETS"
        )
    return EXIT_OK


def _first_problems(report, data: Path, shown: int = 20) -> str:
    """The report's first violations and warnings (notes left out); validate lists them all."""
    import dataclasses

    from .datasets.reports import human, ordered

    problems = [f for f in ordered(report.findings) if f.severity != "Info"]
    text = human(dataclasses.replace(report, findings=problems[:shown]))
    if len(problems) > shown:
        text += f"... and {len(problems) - shown} more; 'ierkg validate {data}' lists every one\n"
    return text


# --- datasets ----------------------------------------------------------------------------------


def _add_datasets(commands) -> None:
    parser = commands.add_parser(
        "datasets",
        help="list or delete the coded-dataset graphs in a store",
        description="List the dataset graphs a store holds, or delete one (it disappears at once).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the dataset graphs, with their episodes and source file")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.add_argument("--all", action="store_true", help="also show graphs being loaded or deleted")
    add_store_options(listing)
    deleting = actions.add_parser("delete", help="delete one dataset graph")
    deleting.add_argument("graph", metavar="IRI")
    deleting.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_store_options(deleting)
    parser.set_defaults(run=run_datasets)


def run_datasets(args: argparse.Namespace) -> int:
    from .stores import registry
    from .stores.access import opened

    config = _persistent(args)
    with opened(config) as store:
        if args.action == "delete":
            entry = registry.delete(store, args.graph)
            if not args.quiet:
                what = f"{entry.episodes} episodes from {entry.source}"
                print(f"deleted <{entry.graph}> ({what}) from {config.describe()}")
            return EXIT_OK
        shown = [e for e in registry.entries(store) if args.all or e.state == "live"]
    if args.json:
        print(json.dumps([entry.as_dict() for entry in shown], indent=2))
    elif not shown:
        print(f"no dataset graphs in {config.describe()}")
    else:
        for entry in shown:
            state = "" if entry.state == "live" else f"  [{entry.state}]"
            print(f"{entry.graph}  {entry.episodes} episodes  {entry.source}  {entry.loaded}{state}")
    return EXIT_OK


# --- query -------------------------------------------------------------------------------------


def _add_query(commands) -> None:
    parser = commands.add_parser(
        "query",
        help="run a SPARQL query against the release and the store's datasets",
        description="Run a read-only SPARQL query (text, a .rq file, or the name of a query in "
        "queries/) over the release and, on a store, its dataset graphs (all of them, or those "
        "given with --dataset). Results go to stdout in the chosen format.",
    )
    parser.add_argument("query", metavar="QUERY", help="SPARQL text, a .rq file, or a named query")
    parser.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="IRI",
        help="read only this dataset graph (repeatable)",
    )
    parser.add_argument(
        "--format",
        help="csv (default for SELECT), tsv, json, xml; turtle (default), ntriples, rdfxml, jsonld",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds the query may run (default: 60)")
    add_store_options(parser)
    parser.set_defaults(run=run_query)


def run_query(args: argparse.Namespace) -> int:
    from .stores.querying import run_cli_query

    sys.stdout.buffer.write(
        run_cli_query(config_from_args(args), args.query, args.dataset, args.format, args.timeout)
    )
    return EXIT_OK
