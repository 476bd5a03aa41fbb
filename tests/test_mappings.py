"""Mappings to other ontologies point only at identifiers checked in those ontologies' own files.

tests/data/verified-mappings.tsv records, for each target, the label found, the repository,
commit and path, and an excerpt of the matching lines.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS

from ierkg.namespaces import IERKG, curie

VERIFIED = Path(__file__).resolve().parent / "data" / "verified-mappings.tsv"
MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)


@pytest.fixture(scope="module")
def verified() -> dict[str, dict[str, str]]:
    lines = [line for line in VERIFIED.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = {row["iri"]: row for row in csv.DictReader(lines, delimiter="\t")}
    assert rows and all(row["label_as_found"] != "NOT VERIFIED" for row in rows.values())
    return rows


def unchecked_mappings(graph, verified) -> list[str]:
    return [
        f"{curie(str(s))} {curie(str(p))} <{o}>"
        for p in MAPPINGS
        for s, o in graph.subject_objects(p)
        if str(o) not in verified
    ]


def test_every_mapping_target_was_checked_in_its_ontology(sources, verified):
    unchecked = unchecked_mappings(sources.graph, verified)
    assert not unchecked, "mappings to identifiers nobody checked:\n" + "\n".join(unchecked)


def test_exact_matches_carry_the_same_label_as_their_target(sources, verified):
    for subject, target in sources.graph.subject_objects(SKOS.exactMatch):
        ours = {str(label).lower() for label in sources.graph.objects(subject, RDFS.label)}
        ours |= {str(label).lower() for label in sources.graph.objects(subject, SKOS.altLabel)}
        assert verified[str(target)]["label_as_found"].lower() in ours, (subject, target)


def test_the_mapping_check_notices_an_unverified_identifier(sources, verified):
    graph = sources.graph.__class__()
    graph += sources.graph
    graph.add((IERKG.Depression, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/DOID_0000000")))
    assert unchecked_mappings(graph, verified) == [
        "ierkg:Depression skos:exactMatch <http://purl.obolibrary.org/obo/DOID_0000000>"
    ]
