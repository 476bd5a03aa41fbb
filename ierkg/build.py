"""`ierkg build`: sources -> QC shapes -> HermiT -> inferred hierarchy -> release files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .coverage import coverage_markdown
from .errors import IerkgError, QualityCheckError, ReasonerError
from .namespaces import curie
from .qc import QCProblem, check_ontology, violations
from .reasoning import classify
from .release import (
    MANIFEST,
    Materialised,
    check_version,
    entity_iris,
    materialise,
    read_manifest,
    write_release,
)
from .resources import ontology_dir, ontology_qc_shapes, release_dir
from .sources import load_sources

Report = Callable[[str], None]


def check_released_terms(graph, previous_release: Path | None) -> None:
    """Terms a previous release shipped stay: deprecated if need be, never removed."""
    if previous_release is None or not (previous_release / MANIFEST).is_file():
        return
    manifest = read_manifest(previous_release)
    declared = set(entity_iris(graph))
    missing = sorted(set(manifest.get("terms", [])) - declared)
    if missing:
        names = ", ".join(curie(iri) for iri in missing)
        raise IerkgError(
            f"{len(missing)} term(s) released in {manifest['version']} are gone from the sources: {names}. "
            "A released term stays: mark it owl:deprecated true with dcterms:isReplacedBy its "
            "replacement (docs/iris.md)"
        )


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
    docs_dir: Path | None = None,
    previous_release: Path | None = None,
) -> BuildResult:
    """Build a release into ``out_dir``; raise an :class:`IerkgError` naming every problem.

    ``previous_release`` (the shipped release by default) is the release whose terms must
    survive; ``docs_dir``, when given, receives the coverage page.
    """
    source_set = load_sources(sources or ontology_dir())
    graph = source_set.graph
    report(f"parsed {len(source_set.files)} source files ({len(graph)} triples)")
    check_version(graph, version)
    check_released_terms(graph, release_dir() if previous_release is None else previous_release)

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
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        page = docs_dir / "coverage.md"
        page.write_text(coverage_markdown(graph, version), encoding="utf-8")
        report(f"wrote {page}")
    return BuildResult(files, len(graph), source_set.files, warnings, materialised)
