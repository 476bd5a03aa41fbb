"""The `ierkg` command line. Exit status: 0 success, 2 unusable input or failed check."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from importlib.metadata import entry_points
from pathlib import Path

from . import __version__
from .dataset_commands import add_parsers as add_dataset_parsers
from .errors import IerkgError
from .store_commands import add_parsers as add_store_parsers

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in ierkg, not a problem with the user's input


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.run is not _run_planned:  # planned commands ignore their arguments
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.run(args)
    except IerkgError as exc:
        print(f"ierkg {args.command}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: say so briefly; the traceback is opt-in
        if os.environ.get("IERKG_DEBUG"):
            traceback.print_exc()
        print(
            f"ierkg {args.command}: internal error ({type(exc).__name__}: {exc}); "
            "set IERKG_DEBUG=1 for details and please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ierkg",
        description="Knowledge graph and ontology of interpersonal emotion regulation.",
    )
    parser.add_argument("--version", action="version", version=f"ierkg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="check the ontology sources (QC shapes, HermiT) and write the release files",
        description="Parse ontology/*.ttl, check them with shapes/ontology-qc.ttl and HermiT "
        "(needs Java), add the inferred class hierarchy, and write ierkg.ttl, ierkg.owl, "
        "ierkg.jsonld and ierkg.nt.",
    )
    build.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build/)")
    build.add_argument(
        "--sources", type=Path, help="folder of Turtle sources (default: the packaged ontology)"
    )
    build.add_argument("--shapes", type=Path, help="QC shapes file (default: the packaged ontology-qc.ttl)")
    build.add_argument(
        "--docs",
        type=Path,
        default=Path("docs"),
        help="folder for the generated coverage page, coverage.md (default: docs/)",
    )
    build.add_argument("--no-docs", action="store_true", help="do not write the coverage page")
    build.add_argument(
        "--previous",
        type=Path,
        help="release whose terms must all survive (default: the packaged release)",
    )
    build.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    build.set_defaults(run=_run_build)

    info = commands.add_parser(
        "info",
        help="show the version, namespaces and entity counts of a release",
        description="Load a release into the embedded store and summarise it.",
    )
    info.add_argument("--release", type=Path, help="release folder (default: the packaged release)")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(run=_run_info)

    add_dataset_parsers(commands)
    add_store_parsers(commands)
    provided = _add_plugin_commands(commands)

    for name, purpose in _PLANNED.items():
        if name in provided:
            continue
        planned = commands.add_parser(name, help=f"{purpose} (not available yet)", add_help=False)
        planned.set_defaults(run=_run_planned)
    return parser


# Subcommands the CLI reserves for the coming releases; each says so rather than half-working.
_PLANNED = {
    "serve": "serve the SPARQL endpoint and concept pages",
}


def _add_plugin_commands(commands) -> set[str]:
    """Commands other installed packages add (entry point group ``ierkg.commands``)."""
    provided = set()
    for entry in entry_points(group="ierkg.commands"):
        entry.load()(commands)
        provided.add(entry.name)
    return provided


def _run_planned(args: argparse.Namespace) -> int:
    raise IerkgError(
        f"'ierkg {args.command}' ({_PLANNED[args.command]}) is not available in ierkg {__version__} yet"
    )


def _run_build(args: argparse.Namespace) -> int:
    from .build import build

    report = (lambda _line: None) if args.quiet else (lambda line: print(line, flush=True))
    build(
        args.out,
        sources=args.sources,
        shapes=args.shapes,
        report=report,
        docs_dir=None if args.no_docs else args.docs,
        previous_release=args.previous,
    )
    return EXIT_OK


def _run_info(args: argparse.Namespace) -> int:
    from .info import summarise
    from .resources import release_dir

    summary = summarise(args.release or release_dir())
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    print(f"ierkg {summary['version']}")
    print(f"  ontology     {summary['ontology_iri']}")
    print(f"  version IRI  {summary['version_iri']}")
    print(f"  release      {summary['release']}")
    print("namespaces")
    for prefix, namespace in summary["namespaces"].items():
        print(f"  {prefix:<8} {namespace}")
    print("entities")
    for kind, count in summary["entities"].items():
        print(f"  {kind:<24}{count:>6}")
    print(f"  {'triples':<24}{summary['triples']:>6}")
    print("files")
    for name, size in summary["files"].items():
        print(f"  {name:<14}{size:>10} bytes")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
