"""The coded-dataset subcommands: validate, classify, score, codebook and agreement.

Each ``run_*`` returns the exit status; unusable input raises :class:`IerkgError`, which the
CLI turns into exit status 2 with the message (file:row:column where there is one).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the data was read, and breaks rules (validate) or disagrees (none yet)

ENGINES = ("compiled", "pyshacl")
REPORTS = ("human", "table", "json", "turtle", "html", "csv")


def add_parsers(commands) -> None:
    _add_validate(commands)
    _add_classify(commands)


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", type=Path, metavar="DATA", help="CSV, TSV or XLSX file (validate also reads RDF)")
    parser.add_argument("--map", type=Path, metavar="FILE", help="CSVW column map: your headers -> ierkg columns")
    parser.add_argument("--sheet", metavar="NAME", help="the XLSX worksheet to read (default: the first)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")


def _add_validate(commands) -> None:
    parser = commands.add_parser(
        "validate",
        help="check a coded dataset against the episode shapes, cell by cell",
        description="Check every row of a coded dataset against shapes/episodes.ttl. Exit status: "
        "0 no violations (warnings and notes allowed), 1 violations, 2 the file cannot be used.",
    )
    _data_options(parser)
    parser.add_argument("--scale", metavar="MIN-MAX", help="the affect rating scale, e.g. 1-7 (else from --map)")
    parser.add_argument("--engine", choices=ENGINES, default="compiled", help="compiled (fast, default) or pyshacl")
    parser.add_argument("--report", choices=REPORTS, default="human", help="report format (default: human)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of stdout")
    parser.set_defaults(run=run_validate)


def _add_classify(commands) -> None:
    parser = commands.add_parser(
        "classify",
        help="place each coded episode in the framework (derived columns)",
        description="Copy a coded dataset as CSV with derived columns: ierkg_scope, ierkg_regulation, "
        "ierkg_cell, ierkg_direction and ierkg_classes, worked out by rules compiled from the "
        "ontology's class definitions.",
    )
    _data_options(parser)
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the CSV here instead of stdout")
    parser.set_defaults(run=run_classify)


def run_validate(args: argparse.Namespace) -> int:
    from .datasets.classify import Placer, chart_counts
    from .datasets.columns import load_column_map, parse_scale
    from .datasets.rdf_input import is_rdf
    from .datasets.reports import render
    from .datasets.validation import validate_rdf, validate_table
    from .progress import Progress

    column_map = load_column_map(args.map) if args.map else None
    scale = parse_scale(args.scale) if args.scale else None
    engine = _engine(args.engine)
    progress = Progress("validating", quiet=args.quiet)
    if is_rdf(args.data):
        report = validate_rdf(args.data, engine, placer=Placer())
    else:
        report = validate_table(
            args.data, engine, column_map, scale=scale, sheet=args.sheet, on_rows=progress.update, placer=Placer()
        )
    progress.finish(report.rows_read)
    text = render(report, args.report, cells=chart_counts(report.placements))
    if args.out:
        _write(args.out, lambda stream: stream.write(text))
        if not args.quiet:
            print(_summary(report) + f"; report written to {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_OK if report.conforms else EXIT_PROBLEMS


def run_classify(args: argparse.Namespace) -> int:
    from .datasets.classify import chart_counts, classify_table
    from .datasets.columns import load_column_map
    from .progress import Progress

    column_map = load_column_map(args.map) if args.map else None
    progress = Progress("classifying", quiet=args.quiet)
    run = lambda stream: classify_table(  # noqa: E731 - the same call for a file and for stdout
        args.data, stream, column_map, sheet=args.sheet, on_rows=progress.update
    )
    if args.out:
        summary = _write(args.out, run)
    else:
        summary = run(sys.stdout)
    progress.finish(summary.rows)
    if not args.quiet:
        counts = ", ".join(f"{label} {n}" for label, n in chart_counts(summary.groups).items() if n)
        print(f"classified {summary.rows} rows: {counts}", file=sys.stderr)
    return EXIT_OK


def _engine(name: str):
    if name == "pyshacl":
        from .datasets.reference_engine import PyShaclEngine

        return PyShaclEngine()
    from .datasets.compiled import CompiledEngine

    return CompiledEngine()


def _summary(report) -> str:
    counts = report.counts()
    return (
        f"{report.rows_read} rows read = {report.rows_valid} valid + {report.rows_with_problems} with problems "
        f"({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} notes)"
    )


def _write(path: Path, produce: Callable):
    """Write a file whole or not at all: a failure never leaves half a report behind."""
    from .errors import IerkgError

    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise IerkgError(f"{path}: cannot write there: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            result = produce(stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result
