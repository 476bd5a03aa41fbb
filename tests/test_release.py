"""The release files: four formats with the same triples, versioned, reasoned, and shipped current."""

from __future__ import annotations

import hashlib
import json
import re
from itertools import combinations

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ierkg import __version__
from ierkg.namespaces import IERKG, ONTOLOGY_IRI, version_iri
from ierkg.reasoning import classify
from ierkg.release import RELEASE_FILES

from .conftest import ONTOLOGY, run_ierkg

RDFLIB_FORMATS = {"ierkg.ttl": "turtle", "ierkg.owl": "xml", "ierkg.jsonld": "json-ld", "ierkg.nt": "nt"}
OXIGRAPH_FORMATS = {
    "ierkg.ttl": pyoxigraph.RdfFormat.TURTLE,
    "ierkg.owl": pyoxigraph.RdfFormat.RDF_XML,
    "ierkg.jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "ierkg.nt": pyoxigraph.RdfFormat.N_TRIPLES,
}


def parsed(folder) -> dict[str, Graph]:
    return {name: Graph().parse(folder / name, format=RDFLIB_FORMATS[name]) for name in RELEASE_FILES}


def test_build_writes_four_formats_and_a_manifest(release):
    out, result = release
    assert sorted(p.name for p in result.files) == sorted([*RELEASE_FILES, "manifest.json"])
    for name in RELEASE_FILES:
        assert (out / name).stat().st_size > 10_000, name


def test_release_files_are_isomorphic_to_one_another_blank_nodes_included(release):
    out, result = release
    # Oxigraph's parsers read the files rdflib wrote, and RDFC-1.0 names the blank nodes, so
    # equal sets of canonical triples mean isomorphic graphs.
    canonical = {}
    for name in RELEASE_FILES:
        graph = pyoxigraph.Dataset(pyoxigraph.parse(path=str(out / name), format=OXIGRAPH_FORMATS[name]))
        blank = {
            term
            for quad in graph
            for term in (quad.subject, quad.object)
            if isinstance(term, pyoxigraph.BlankNode)
        }
        # The comparison covers blank nodes: class expressions, lists and axiom annotations are blank.
        assert len(blank) > 50, f"{name} has too few blank nodes to be the reasoned ontology"
        graph.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        canonical[name] = {str(quad) for quad in graph}
    for (name_a, a), (name_b, b) in combinations(canonical.items(), 2):
        assert len(a) == len(b) == result.triples, (name_a, name_b)
        assert a == b, f"{name_a} and {name_b} differ: {sorted(a ^ b)[:5]}"


def test_every_release_file_is_stamped_with_the_version(release):
    out, _ = release
    for name, graph in parsed(out).items():
        assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(version_iri(__version__)), name
        assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(__version__), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == __version__
    assert manifest["version_iri"] == version_iri(__version__)


def test_manifest_checksums_match_the_files(release):
    out, _ = release
    manifest = json.loads((out / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (out / name).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_release_carries_the_inferred_hierarchy(release, sources):
    out, result = release
    graph = Graph().parse(out / "ierkg.nt", format="nt")
    inferred = [
        (IERKG.Modulation, IERKG.NotInterpersonalRegulation),
        (IERKG.EgoisticAlternative, IERKG.IntrapersonalRegulation),
        (IERKG.InterpersonalRegulation, IERKG.EmotionRegulation),
        (IERKG.IntrinsicResponseDependentRegulation, IERKG.IntrinsicInterpersonalRegulation),
    ]
    for sub, sup in inferred:
        assert (sub, RDFS.subClassOf, sup) not in sources.graph, "should be inferred, not asserted"
        assert (sub, RDFS.subClassOf, sup) in graph, (sub, sup)
    assert result.materialised.subclass_axioms >= len(inferred)


def test_build_is_reproducible_byte_for_byte(release, tmp_path):
    out, _ = release
    again = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--quiet",
        "--out",
        str(tmp_path),
        env={"PYTHONHASHSEED": "12345", **__import__("os").environ},
    )
    assert again.returncode == 0, again.stderr
    for name in [*RELEASE_FILES, "manifest.json"]:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_shipped_release_is_current_with_the_sources(release):
    """ontology/release/ is what the wheel serves; it must equal a fresh build of the sources."""
    out, _ = release
    shipped = ONTOLOGY / "release"
    for name in [*RELEASE_FILES, "manifest.json"]:
        assert (shipped / name).read_bytes() == (out / name).read_bytes(), (
            f"ontology/release/{name} is stale: run `ierkg build --out ontology/release` and commit it"
        )


def test_hermit_finds_the_released_owl_file_consistent(release):
    """The file a user opens in Protégé, not just the sources, passes the reasoner."""
    out, _ = release
    inferences = classify(Graph().parse(out / "ierkg.owl", format="xml"))
    assert inferences.unsatisfiable == set()
    assert (
        str(IERKG.InterpersonalRegulation)
        in inferences.superclasses[str(IERKG.IntrinsicResponseDependentRegulation)]
    )


def test_coverage_page_in_docs_is_current(release):
    from ierkg.coverage import coverage_markdown

    out, _ = release
    graph = Graph().parse(out / "ierkg.nt", format="nt")
    current = coverage_markdown(graph, __version__)
    assert (ONTOLOGY.parent / "docs" / "coverage.md").read_text(encoding="utf-8") == current, (
        "docs/coverage.md is stale: run `ierkg build --out ontology/release` and commit it"
    )

    # The page's counts agree with the release, counted here independently.
    def row(kind: str) -> int:
        return int(re.search(rf"^\| {re.escape(kind)} \| (\d+) \|$", current, re.MULTILINE).group(1))

    strategies = {
        s
        for s in graph.subjects(RDF.type, None)
        if (s, RDF.type, IERKG.InterpersonalStrategy) in graph
        or (s, RDF.type, IERKG.IntrapersonalStrategy) in graph
        or (s, RDF.type, IERKG.RegulationStrategy) in graph
    }
    assert row("strategies") == len(strategies) >= 30
    mapped = {s for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch) for s in graph.subjects(p, None)}
    assert row("entities mapped to other ontologies") == len(mapped)
    records = set(graph.subjects(DCTERMS.bibliographicCitation, None))
    assert row("bibliographic records") == len(records)


def test_manifest_lists_every_released_term(release):
    out, _ = release
    terms = json.loads((out / "manifest.json").read_text())["terms"]
    assert str(IERKG.GuiltInduction) in terms and str(IERKG.Episode) in terms
    assert not any(t.startswith(str(IERKG) + "ref/") for t in terms)


@pytest.mark.parametrize("name", list(RELEASE_FILES))
def test_release_loads_into_the_embedded_store(release, name):
    from ierkg.stores.embedded import EmbeddedStore

    out, result = release
    store = EmbeddedStore()
    store.load_file(out / name)
    assert len(store) == result.triples
