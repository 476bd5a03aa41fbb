"""Shared fixtures: the real sources, one real build per session, one HermiT run over fixtures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from ierkg.build import BuildResult, build
from ierkg.reasoning import Inferences, classify
from ierkg.sources import SourceSet, load_sources

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology"
SHAPES = REPO / "shapes"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_ierkg(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "ierkg", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,  # callers assert on the exit status
    )


@pytest.fixture(scope="session")
def sources() -> SourceSet:
    return load_sources(ONTOLOGY)


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> tuple[Path, BuildResult]:
    out = tmp_path_factory.mktemp("release")
    return out, build(out, sources=ONTOLOGY, shapes=SHAPES / "ontology-qc.ttl")


@pytest.fixture(scope="session")
def fixture_inferences(sources: SourceSet) -> Inferences:
    """HermiT's conclusions about the fixture episodes in tests/fixtures/episodes.ttl."""
    graph = Graph()
    graph += sources.graph
    graph.parse(FIXTURES / "episodes.ttl", format="turtle")
    return classify(graph)


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A private copy of the ontology sources that a test may break."""
    copy = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, copy, ignore=shutil.ignore_patterns("release"))
    return copy


@pytest.fixture(scope="session")
def combination_inferences(sources: SourceSet) -> Inferences:
    """HermiT's classes for one episode per combination of dimension values (tests/combinations.py)."""
    from .combinations import combinations_graph

    return classify(combinations_graph(sources.graph))  # raises if a combination is inconsistent
