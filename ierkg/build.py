"""`ierkg build`: sources -> QC shapes -> HermiT -> inferred hierarchy -> release files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import QualityCheckError, ReasonerError
from .namespaces import curie
from .qc import QCProblem, check_ontology, violations
from .reasoning import classify
from .release import Materialised, check_version, materialise, write_release
from .resources import ontology_dir, ontology_qc_shapes
from .sources import load_sources

Report = Callable[[str], None]


@dataclass
class BuildResult:
    files: list[Path]
    triples: int
    source_files: list[Path]
    warnings: list[QCProblem]
    materialised: Materialised


def build(
    out_dir: Path,
    sources: Path | None = None,
    shapes: Path | None = None,
    version: str = __version__,
    report: Report = lambda _line: None,
) -> BuildResult:
    """Build a release into ``out_dir``; raise an :class:`IerkgError` naming every problem."""
    source_set = load_sources(sources or ontology_dir())
    graph = source_set.graph
    report(f"parsed {len(source_set.files)} source files ({len(graph)} triples)")
    check_version(graph, version)

    problems = check_ontology(graph, shapes or ontology_qc_shapes(), source_set.locate)
    failing = violations(problems)
    if failing:
        raise QualityCheckError(failing)
    warnings = [p for p in problems if p not in failing]
    report(f"quality checks pass ({len(warnings)} warnings)")
    for warning in warnings:
        report(f"  warning: {warning}")

    inferences = classify(graph)
    if inferences.unsatisfiable:
        names = ", ".join(sorted(curie(iri) for iri in inferences.unsatisfiable))
        raise ReasonerError(
            f"HermiT finds {len(inferences.unsatisfiable)} unsatisfiable class(es), which can "
            f"have no members: {names}"
        )
    report("HermiT: consistent, no unsatisfiable classes")

    materialised = materialise(graph, inferences)
    report(
        f"materialised {materialised.subclass_axioms} inferred subclass axioms, "
        f"{materialised.equivalence_axioms} equivalences, {materialised.type_assertions} types"
    )
    files = write_release(graph, out_dir, version, materialised)
    report(f"wrote release {version} to {out_dir}: " + ", ".join(p.name for p in files))
    return BuildResult(files, len(graph), source_set.files, warnings, materialised)
