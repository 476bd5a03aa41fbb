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

from .errors import IerkgError

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the data was read, and breaks rules (validate) or disagrees (none yet)

ENGINES = ("compiled", "pyshacl")
REPORTS = ("human", "table", "json", "turtle", "html", "csv")


def add_parsers(commands) -> None:
    _add_validate(commands)
    _add_classify(commands)
    _add_score(commands)
    _add_codebook(commands)
    _add_agreement(commands)
    _add_template(commands)


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data", type=Path, metavar="DATA", help="CSV, TSV or XLSX file, or RDF (Turtle, N-Triples, JSON-LD)"
    )
    parser.add_argument(
        "--map", type=Path, metavar="FILE", help="CSVW column map: your headers -> ierkg columns"
    )
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
    parser.add_argument(
        "--scale", metavar="MIN-MAX", help="the affect rating scale, e.g. 1-7 (else from --map)"
    )
    parser.add_argument(
        "--engine", choices=ENGINES, default="compiled", help="compiled (fast, default) or pyshacl"
    )
    parser.add_argument("--report", choices=REPORTS, default="human", help="report format (default: human)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of stdout")
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes checking chunks in parallel (default: one per core, max 4)",
    )
    parser.set_defaults(run=run_validate)


def _add_classify(commands) -> None:
    parser = commands.add_parser(
        "classify",
        help="place each coded episode in the framework (derived columns); reads tables and RDF",
        description="Copy a coded dataset as CSV with derived columns: ierkg_scope, ierkg_regulation, "
        "ierkg_cell, ierkg_direction and ierkg_classes, worked out by rules compiled from the "
        "ontology's class definitions.",
    )
    _data_options(parser)
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the CSV here instead of stdout")
    parser.set_defaults(run=run_classify)


def _add_score(commands) -> None:
    parser = commands.add_parser(
        "score",
        help="check questionnaire responses and write subscale scores",
        description="Check item ranges and completeness (shapes/instruments.ttl), then write one row per "
        "respondent with a score per subscale. The IRQ key ships with ierkg (it is published); the IERQ "
        "and EROS need --key FILE (docs/scoring.md). Exit status: 0 no violations, 1 violations (scores "
        "are still written for complete subscales), 2 unusable input.",
    )
    parser.add_argument("data", type=Path, metavar="DATA", help="CSV, TSV or XLSX, one row per respondent")
    parser.add_argument("--instrument", required=True, choices=("irq", "ierq", "eros"))
    parser.add_argument("--key", type=Path, metavar="FILE", help="scoring key file (IERQ, EROS)")
    parser.add_argument(
        "--prefix", metavar="TEXT", help="item column prefix (default: the instrument, e.g. irq_)"
    )
    parser.add_argument("--id-column", default="respondent_id", metavar="NAME", help="default: respondent_id")
    parser.add_argument("--sheet", metavar="NAME", help="the XLSX worksheet to read (default: the first)")
    parser.add_argument("--engine", choices=ENGINES, default="compiled", help="compiled (default) or pyshacl")
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write the scores CSV here instead of stdout"
    )
    parser.add_argument("--findings", type=Path, metavar="FILE", help="write the check results here")
    parser.add_argument(
        "--report", choices=REPORTS, default="human", help="format of --findings (default: human)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    parser.set_defaults(run=run_score)


def _add_codebook(commands) -> None:
    parser = commands.add_parser(
        "codebook",
        help="write the coder's manual generated from the ontology",
        description="Every coded column, its allowed codes with definitions, examples and sources, "
        "and the decision rules (interpersonal? regulation or modulation? which cell?).",
    )
    parser.add_argument("--format", choices=("md", "html"), default="md", help="Markdown (default) or HTML")
    parser.add_argument(
        "-o", "--output", "--out", dest="out", type=Path, metavar="FILE", help="write here, not stdout"
    )
    parser.add_argument(
        "--release", type=Path, metavar="DIR", help="release folder (default: the packaged one)"
    )
    parser.set_defaults(run=run_codebook)


def _add_agreement(commands) -> None:
    parser = commands.add_parser(
        "agreement",
        help="compare two or more coders' codings of the same episodes",
        description="Match episodes by episode_id and give, per coded column, percent agreement, "
        "Cohen's kappa (two coders) and Krippendorff's alpha (nominal), and every disagreement by row.",
    )
    parser.add_argument(
        "files", type=Path, nargs="+", metavar="FILE", help="one coded file per coder (2 or more)"
    )
    parser.add_argument("--map", type=Path, metavar="FILE", help="CSVW column map applied to every file")
    parser.add_argument("--sheet", metavar="NAME", help="the XLSX worksheet to read in every workbook")
    parser.add_argument("--columns", metavar="A,B,...", help="compare only these columns")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text", help="output format")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the figures here instead of stdout")
    parser.add_argument(
        "--disagreements", type=Path, metavar="FILE", help="also write every disagreement as CSV"
    )
    parser.set_defaults(run=run_agreement)


def run_score(args: argparse.Namespace) -> int:
    from .datasets.reports import render
    from .datasets.scoring import render_scores_csv, score_table

    _refuse_overwriting([args.out, args.findings], [args.data, args.key])
    result = score_table(
        args.data,
        args.instrument,
        key_file=args.key,
        prefix=args.prefix,
        id_column=args.id_column,
        sheet=args.sheet,
        engine=args.engine,
    )
    _emit(render_scores_csv(result), args.out)
    report = result.report
    if args.findings:
        _write(args.findings, lambda stream: stream.write(render(report, args.report)))
    elif report.findings:
        # Problems are never silent: without --findings they go to stderr, one per line.
        for finding in report.findings:
            print(
                f"{finding.location()}: {finding.severity}: {finding.message} ('{finding.value}')",
                file=sys.stderr,
            )
    if not args.quiet:
        counts = report.counts()
        print(
            f"{len(result.rows)} respondents scored; {counts['Violation']} violations, "
            f"{counts['Warning']} warnings",
            file=sys.stderr,
        )
    return EXIT_OK if report.conforms else EXIT_PROBLEMS


def _add_template(commands) -> None:
    parser = commands.add_parser(
        "template",
        help="write the blank coded-dataset template (the header row)",
        description="Write a CSV with the header row of the coded-dataset format, ready to fill in; "
        "docs/coded-datasets.md explains each column and `ierkg codebook` lists the codes.",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(run=run_template)


def run_template(args: argparse.Namespace) -> int:
    from .datasets.columns import TEMPLATE

    _emit(",".join(TEMPLATE) + "\n", args.out)
    return EXIT_OK


def run_codebook(args: argparse.Namespace) -> int:
    from .datasets.codebook import build_codebook
    from .datasets.codebook_render import render

    text = render(build_codebook(args.release), args.format)
    _emit(text, args.out)
    return EXIT_OK


def run_agreement(args: argparse.Namespace) -> int:
    from .datasets import agreement
    from .datasets.columns import load_column_map

    _refuse_overwriting([args.out, args.disagreements], [*args.files, args.map])
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    result = agreement.compare_coders(
        args.files,
        column_map=load_column_map(args.map) if args.map else None,
        sheet=args.sheet,
        columns=columns,
    )
    renderers = {
        "text": agreement.render_text,
        "json": agreement.render_json,
        "csv": agreement.render_statistics_csv,
    }
    _emit(renderers[args.format](result), args.out)
    if args.disagreements:
        _write(args.disagreements, lambda stream: stream.write(agreement.render_disagreements_csv(result)))
    return EXIT_OK


def _refuse_overwriting(outputs: list[Path | None], inputs: list[Path | None]) -> None:
    """An output named like an input would replace the user's data with a report."""
    for out in filter(None, outputs):
        for given in filter(None, inputs):
            if out.exists() and given.exists() and os.path.samefile(out, given):
                raise IerkgError(f"{out}: this is also an input file ({given}); write the output elsewhere")


def _emit(text: str, out: Path | None) -> None:
    if out:
        _write(out, lambda stream: stream.write(text))
    else:
        sys.stdout.write(text)


def run_validate(args: argparse.Namespace) -> int:
    from .datasets.classify import Placer, chart_counts
    from .datasets.columns import load_column_map, parse_scale
    from .datasets.parallel import default_workers
    from .datasets.rdf_input import is_rdf
    from .datasets.reports import render
    from .datasets.tables import estimated_rows
    from .datasets.validation import validate_rdf, validate_table
    from .progress import Progress

    _refuse_overwriting([args.out], [args.data, args.map])
    column_map = load_column_map(args.map) if args.map else None
    scale = parse_scale(args.scale) if args.scale else None
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise IerkgError(f"--workers must be between 1 and 64, not {args.workers}")
    engine = _engine(args.engine)
    progress = Progress("validating", quiet=args.quiet)
    if progress.active and not is_rdf(args.data):
        progress.total = estimated_rows(args.data, args.sheet)  # a bar, not only a count
    if is_rdf(args.data):
        report = validate_rdf(
            args.data, engine, placer=Placer(), scale=scale, column_map=column_map, sheet=args.sheet
        )
    else:
        report = validate_table(
            args.data,
            engine,
            column_map,
            scale=scale,
            sheet=args.sheet,
            on_rows=progress.update,
            placer=Placer(),
            workers=args.workers if args.workers is not None else default_workers(),
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
    from .datasets.classify import chart_counts, classify_rdf, classify_table
    from .datasets.columns import load_column_map
    from .datasets.rdf_input import is_rdf, refuse_table_options
    from .datasets.tables import estimated_rows
    from .progress import Progress

    _refuse_overwriting([args.out], [args.data, args.map])
    column_map = load_column_map(args.map) if args.map else None
    progress = Progress("classifying", quiet=args.quiet)
    if progress.active and not is_rdf(args.data):
        progress.total = estimated_rows(args.data, args.sheet)
    if is_rdf(args.data):
        refuse_table_options(args.data, column_map=column_map, sheet=args.sheet)
        run = lambda stream: classify_rdf(args.data, stream)  # noqa: E731
    else:
        run = lambda stream: classify_table(  # noqa: E731 - the same call for a file and for stdout
            args.data, stream, column_map, sheet=args.sheet, on_rows=progress.update
        )
    summary = _write(args.out, run) if args.out else run(sys.stdout)
    progress.finish(summary.rows)
    if not args.quiet:
        counts = "; ".join(f"{label}: {n}" for label, n in chart_counts(summary.groups).items() if n)
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
        f"{report.rows_read} rows read = {report.rows_valid} valid + {report.rows_with_problems} "
        f"with problems ({counts['Violation']} violations, {counts['Warning']} warnings, "
        f"{counts['Info']} notes)"
    )


def _write(path: Path, produce: Callable):
    """Write a file whole or not at all: a failure never leaves half a report behind."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise IerkgError(f"{path}: cannot write there: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            result = produce(stream)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a report is not
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        os.replace(temporary, path)
    except OSError as exc:  # a folder of that name, or a file that may not be replaced
        Path(temporary).unlink(missing_ok=True)
        what = "it is a folder" if path.is_dir() else exc.strerror
        raise IerkgError(f"{path}: cannot write there: {what}; name a file instead") from None
    return result


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
