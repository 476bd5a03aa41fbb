"""DOIs are never invented: each is the one the paper's reference list prints (errata applied)
or one DOMAIN.md gives for a work outside that list, and a listed DOI is never left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ierkg.namespaces import BIBO, REF

SEED_REFERENCES = Path(__file__).resolve().parent / "data" / "seed-references.tsv"

# Corrections to the printed reference list (DOMAIN.md, "Errors in the paper's reference list").
ERRATA = {
    "10.1126/science.11110600": "10.1126/science.1110600",  # Camerer & Fehr 2006: one digit too many
    "10.1207/s15327965pli0904\\_1": "10.1207/s15327965pli0904_1",  # Markdown escape
    "10.1207/s15324834basps0502\\_7": "10.1207/s15324834basps0502_7",  # Markdown escape
}

# Works outside the paper's reference list whose DOI DOMAIN.md gives.
DOMAIN_DOIS = {
    "10.1037/a0033839",  # Zaki & Williams (2013) itself
    "10.1007/s10608-016-9756-2",  # IERQ: Hofmann, Carpenter & Curtiss (2016)
    "10.1037/pspi0000132",  # IRQ: Williams, Morelli, Ong & Zaki (2018)
    "10.1007/s10862-022-09992-6",  # DIRE validation: Messina et al. (2022)
}


@pytest.fixture(scope="module")
def seed_table() -> dict[tuple[tuple[str, ...], str], str]:
    table = {}
    for line in SEED_REFERENCES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        surnames, year, doi = line.split("\t")
        table[(tuple(surnames.split(";")), year)] = ERRATA.get(doi, doi)
    assert len(table) > 90, "seed-references.tsv is missing or truncated"
    return table


def records(graph):
    for record in set(graph.subjects(DCTERMS.bibliographicCitation, None)):
        if (record, RDF.type, BIBO.Manual) in graph:  # the project's own documentation
            continue
        creators = sorted(str(c) for c in graph.objects(record, DCTERMS.creator))
        year = graph.value(record, DCTERMS.issued)
        doi = graph.value(record, BIBO.doi)
        yield record, creators, str(year) if year else None, str(doi) if doi else ""


def seed_key(graph, record, year):
    """The record's (surnames in citation order, year), read from its formatted citation."""
    citation = str(graph.value(record, DCTERMS.bibliographicCitation))
    authors = citation.split(f" ({year})", 1)[0]
    surnames = [part.strip() for part in authors.replace("&", "").split(",")]
    return tuple(
        s for s in surnames if s and not s.replace(".", "").replace(" ", "").replace("-", "").isupper()
    ), year


def unsourced_dois(graph, seed_table) -> list[str]:
    allowed = {doi for doi in seed_table.values() if doi} | DOMAIN_DOIS
    return [f"{record}: {doi}" for record, _, _, doi in records(graph) if doi and doi not in allowed]


def test_every_doi_is_printed_in_the_reference_list_or_given_by_domain(sources, seed_table):
    invented = unsourced_dois(sources.graph, seed_table)
    assert not invented, "DOIs with no source:\n" + "\n".join(invented)


def test_records_of_listed_works_carry_exactly_the_listed_doi(sources, seed_table):
    wrong = []
    matched = 0
    for record, creators, year, doi in records(sources.graph):
        if not creators or year is None:
            continue
        key = seed_key(sources.graph, record, year)
        if key not in seed_table:
            assert doi in DOMAIN_DOIS, f"{record} is neither in the paper's reference list nor in DOMAIN.md"
            continue
        matched += 1
        if doi != seed_table[key]:
            wrong.append(
                f"{record}: has {doi or 'no DOI'}, the reference list gives {seed_table[key] or 'none'}"
            )
    assert not wrong, "\n".join(wrong)
    assert matched >= 25


def test_each_applied_erratum_is_recorded_on_its_record(sources):
    for printed, corrected in ERRATA.items():
        for record in sources.graph.subjects(BIBO.doi, Literal(corrected)):
            notes = " ".join(str(n) for n in sources.graph.objects(record, SKOS.editorialNote))
            assert printed in notes, f"{record}: the correction of {printed} is not recorded"


def test_the_doi_check_catches_an_invented_doi(sources, seed_table):
    graph = sources.graph.__class__()
    graph += sources.graph
    record = URIRef(str(REF) + "LiebermanEtAl2011")
    graph.set((record, BIBO.doi, Literal("10.1037/a9999999")))
    assert unsourced_dois(graph, seed_table) == [f"{record}: 10.1037/a9999999"]


# Modelling choices that no publication makes, and so cite the project's own design notes.
# Anything else citing them would be a fact without a literature source.
DESIGN_NOTE_CITERS = {
    "Episode",
    "partOfInteraction",
    "affectBefore",
    "affectAfter",
    "startedAt",
    "endedAt",
    "evidenceRequired",
    "definesCategory",
    "regulatedEmotion",
    "Coder",
    "codedBy",
    "CodedDataset",
    "inDataset",
    "RatingScale",
    "affectBeforeScale",
    "affectAfterScale",
    "scaleMinimum",
    "scaleMaximum",
}


def test_only_modelling_choices_cite_the_design_notes(sources):
    citing = {
        str(s).rsplit("/", 1)[-1]
        for s in sources.graph.subjects(DCTERMS.source, URIRef(str(REF) + "IerkgDesignNotes"))
        if isinstance(s, URIRef)
    }
    assert citing == DESIGN_NOTE_CITERS
