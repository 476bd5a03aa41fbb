"""Put a coded dataset into a store as its own graph: validated first, visible all at once.

The file is validated and turned into RDF in one pass (each episode with the framework
classes it belongs to, so that queries can count episodes per 2x2 cell without a reasoner).
Only data that conforms is loaded; warnings stop the load too unless they are allowed. The
RDF goes into the dataset's graph while the registry says *staging*, and one small update
makes it live (ierkg.stores.registry).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..datasets.classify import Placer
from ..datasets.columns import ColumnMap
from ..datasets.validation import Engine, Report, validate_rdf, validate_table
from ..errors import IerkgError
from . import registry
from .base import Store


class NotLoaded(IerkgError):
    """The dataset was read but breaks the rules, so nothing was loaded; ``report`` says why."""

    def __init__(self, report: Report, message: str):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Ingested:
    graph: str
    episodes: int
    triples: int
    report: Report


def dataset_base(graph: str) -> str:
    """The IRI prefix of a dataset's episodes, people and interactions: inside its graph's IRI."""
    return graph if graph.endswith(("/", "#")) else graph + "/"


@dataclass(frozen=True)
class Prepared:
    """A validated dataset, turned into RDF and waiting in a file to be loaded."""

    graph: str
    source: str  # the file's name, as the registry records it
    rdf_path: Path
    report: Report


@contextmanager
def prepared(
    data: Path,
    graph: str,
    engine: Engine,
    *,
    column_map: ColumnMap | None = None,
    scale: tuple[float, float] | None = None,
    sheet: str | None = None,
    allow_warnings: bool = False,
    workers: int = 1,
    on_rows: Callable[[int], None] = lambda _n: None,
    source: str | None = None,
) -> Iterator[Prepared]:
    """Validate ``data`` and write its RDF to a temporary file; NotLoaded if it may not be loaded.

    This needs no store, so a service validates before it pauses its queries for the write.
    """
    from ..datasets.rdf_input import is_rdf

    registry.check_graph_name(graph)
    placer = Placer()
    with tempfile.TemporaryDirectory(prefix="ierkg-ingest-") as work:
        rdf_path = Path(work) / "episodes.nt"
        with rdf_path.open("wb") as rdf_out:
            if is_rdf(data):
                report = validate_rdf(
                    data,
                    engine,
                    placer=placer,
                    rdf_out=rdf_out,
                    scale=scale,
                    column_map=column_map,
                    sheet=sheet,
                )
            else:
                report = validate_table(
                    data,
                    engine,
                    column_map,
                    scale=scale,
                    sheet=sheet,
                    base=dataset_base(graph),
                    on_rows=on_rows,
                    placer=placer,
                    workers=workers,
                    rdf_out=rdf_out,
                )
        _refuse_unless_loadable(report, allow_warnings)
        yield Prepared(graph, source or data.name, rdf_path, report)


def load(store: Store, dataset: Prepared, on_staging: Callable[[str], None] = lambda _g: None) -> Ingested:
    """Stage the prepared RDF in its graph, then make it live in one small update."""
    with registry.staging(store, dataset.graph, source=dataset.source) as lease:
        on_staging(dataset.graph)
        _load(store, dataset.graph, dataset.rdf_path, lease)
        triples = store.count(dataset.graph)
        lease.go_live(dataset.report.rows_read, triples)
    return Ingested(dataset.graph, dataset.report.rows_read, triples, dataset.report)


def ingest(
    store: Store,
    data: Path,
    graph: str,
    engine: Engine,
    on_staging: Callable[[str], None] = lambda _g: None,
    **options,
) -> Ingested:
    """Validate ``data`` and, if it may be loaded, make it the live dataset graph ``graph``."""
    with prepared(data, graph, engine, **options) as dataset:
        return load(store, dataset, on_staging)


def _refuse_unless_loadable(report: Report, allow_warnings: bool) -> None:
    counts = report.counts()
    if counts["Violation"]:
        raise NotLoaded(
            report,
            f"not loaded: {report.file} has {counts['Violation']} violation(s) in "
            f"{report.rows_with_problems} row(s); fix them (ierkg validate lists each one) and ingest again",
        )
    if counts["Warning"] and not allow_warnings:
        raise NotLoaded(
            report,
            f"not loaded: {report.file} has {counts['Warning']} warning(s); check them (ierkg validate), "
            "then fix them or ingest with --allow-warnings",
        )


def _load(store: Store, graph: str, rdf_path: Path, lease: registry.Lease) -> None:
    """Add the file to the graph, renewing the lease and confirming the claim as the load goes on."""
    store.add_ntriples_file(graph, rdf_path, before_batch=lease.keep, after_batch=lease.wrote)
