"""Definitions and notes are in our own words: none shares an 8-word run with a seed document."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from ierkg.namespaces import REF, curie

from .originality import read_fingerprints, shared_runs

SEED_FINGERPRINTS = Path(__file__).resolve().parent / "data" / "seed-8grams.txt"
NOT_PROSE = (SKOS.notation,)  # codes, not sentences


@pytest.fixture(scope="module")
def fingerprints() -> set[str]:
    found = read_fingerprints(SEED_FINGERPRINTS.read_text(encoding="utf-8").splitlines())
    assert len(found) > 10_000, "the seed fingerprint file is missing or truncated"
    return found


def test_the_check_catches_copied_text_in_both_forms(fingerprints):
    # A phrase from the Wikipedia article (CC BY-SA): verbatim, then with only function words
    # changed, which the stop-word-free form still recognises.
    assert shared_runs(
        "They show that making others feel better appears to be far more common.", fingerprints
    )
    reworded = "although making others feel better appears very far and common; many instances of interpersonal emotion regulation"
    assert shared_runs(reworded, fingerprints)
    assert not shared_runs(
        "An episode in which feelings change although nobody pursues a goal.", fingerprints
    )


def test_no_text_we_wrote_copies_a_seed(sources, fingerprints):
    """Every literal we wrote: labels, definitions, notes, examples, the header, axiom notes.

    Bibliographic records are left out: their titles quote the works they describe.
    """
    copied = []
    for subject, predicate, text in sources.graph:
        if not isinstance(text, Literal) or predicate in NOT_PROSE:
            continue
        if (
            isinstance(subject, URIRef)
            and str(subject).startswith(str(REF))
            and predicate != SKOS.editorialNote
        ):
            continue  # a record's title and citation quote the work; its notes are ours
        for run in shared_runs(str(text), fingerprints):
            copied.append(f"{curie(str(subject))} {curie(str(predicate))}: '{run}'")
    assert not copied, "text shared with a seed document:\n" + "\n".join(copied)
