"""The QC shapes pass on the real sources and catch each kind of fault, listing every offender."""

from __future__ import annotations

from pathlib import Path

import pytest

from ierkg.qc import check_ontology, violations
from ierkg.sources import load_sources

from .conftest import ONTOLOGY, SHAPES

QC_SHAPES = SHAPES / "ontology-qc.ttl"


def problems_in(folder: Path) -> list[str]:
    source_set = load_sources(folder)
    return [str(p) for p in violations(check_ontology(source_set.graph, QC_SHAPES, source_set.locate))]


def replace_in(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"mutation target not found in {file}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_real_sources_pass_every_qc_rule(sources):
    problems = check_ontology(sources.graph, QC_SHAPES, sources.locate)
    assert [str(p) for p in problems] == []


def test_every_entity_is_checked(sources):
    """The SPARQL target really selects the entities: removing a label from any kind fails."""
    from rdflib.namespace import OWL, RDF, RDFS

    from ierkg.namespaces import curie, is_ierkg_entity

    kinds = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual]
    graph = sources.graph.__class__()
    graph += sources.graph
    unlabelled = set()
    for kind in kinds:
        entity = sorted(
            s for s in graph.subjects(RDF.type, kind) if is_ierkg_entity(str(s)) and s not in unlabelled
        )[0]
        graph.remove((entity, RDFS.label, None))
        unlabelled.add(entity)
    reported = {p.focus for p in violations(check_ontology(graph, QC_SHAPES)) if "English label" in p.message}
    assert reported == {curie(str(e)) for e in unlabelled}


MUTATIONS = [
    # (file, old, new, expected fragment of the message)
    (
        "framework.ttl",
        'rdfs:label "modulation"@en ;',
        "",
        "ierkg:Modulation [rdfs:label]: needs exactly one English label",
    ),
    (
        "framework.ttl",
        'rdfs:label "modulation"@en ;',
        'rdfs:label "modulation"@en , "modulation of affect"@en ;',
        "ierkg:Modulation [rdfs:label]: needs exactly one English label",
    ),
    (
        "framework.ttl",
        'rdfs:label "modulation"@en ;',
        'rdfs:label "modulation" ;',
        "ierkg:Modulation [rdfs:label]: every label needs a language tag",
    ),
    (
        "episode-model.ttl",
        'rdfs:label "has target"@en ;',
        'rdfs:label "has target"@en ; skos:definition "A second definition."@en ;',
        "ierkg:target [skos:definition]: needs exactly one English definition",
    ),
    (
        "mechanisms.ttl",
        "@en ;\n    dcterms:source ref:ZakiWilliams2013 , ref:Andreoni1990 , ref:Harbaugh1998 , ref:ZakiMitchell2011 .",
        "@en .",
        "ierkg:WarmGlow [dcterms:source]: needs at least one source",
    ),
    (
        "mechanisms.ttl",
        "dcterms:source ref:ZakiWilliams2013 , ref:Andreoni1990",
        'dcterms:source "Zaki 2013" , ref:ZakiWilliams2013 , ref:Andreoni1990',
        "ierkg:WarmGlow [dcterms:source]: a source must be the IRI of a bibliographic record",
    ),
    (
        "framework.ttl",
        'rdfs:label "Person B"@en ;',
        'rdfs:label "person a"@en ;',
        'ierkg:PersonB: label "person a" is also the label of ierkg:PersonA',
    ),
    (
        "framework.ttl",
        "owl:disjointWith ierkg:LiveInteractionEpisode",
        "owl:disjointWith ierkg:LiveInteractionEpisod",
        "ierkg:LiveInteractionEpisod [rdf:type]: is used but not declared",
    ),
    (
        "mechanisms.ttl",
        "ref:ZakiMitchell2011 .",
        "ref:ZakiMitchell2012 .",
        "ref:ZakiMitchell2012 [rdf:type]: is cited as a source but is not a bibliographic record",
    ),
    (
        "mechanisms.ttl",
        "ref:ZakiMitchell2011 .",
        "ref:ZakiMitchell2012 .",
        "ref:ZakiMitchell2012 [rdf:type]: is used but no bibliographic record with this IRI exists",
    ),
    # Statements about ierkg IRIs that are not declared as OWL entities (from a review).
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        "ierkg:Bar a ierkg:TargetRole .\n# --- the five mechanisms",
        "ierkg:Bar [rdf:type]: is used but not declared",
    ),
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        "ierkg:Baz a owl:FunctionalProperty .\n# --- the five mechanisms",
        "ierkg:Baz [rdf:type]: is used but not declared",
    ),
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        "ierkg:Qux a rdfs:Class .\n# --- the five mechanisms",
        "ierkg:Qux [rdf:type]: is used but not declared",
    ),
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        'ierkg:Foo rdfs:label "foo"@en .\n# --- the five mechanisms',
        "ierkg:Foo [skos:definition]: needs exactly one English definition",
    ),
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        "ierkg:Bar a ierkg:TargetRole .\n# --- the five mechanisms",
        "ierkg:Bar [dcterms:source]: needs at least one source",
    ),
    (
        "episode-model.ttl",
        "ierkg:TargetOther a owl:NamedIndividual , ierkg:TargetRole ;",
        'ierkg:TargetBoth a owl:NamedIndividual , ierkg:TargetRole ; rdfs:label "both"@en ; skos:definition "Both."@en ; dcterms:source ref:ZakiWilliams2013 .\nierkg:TargetOther a owl:NamedIndividual , ierkg:TargetRole ;',
        "ierkg:TargetBoth: is typed ierkg:TargetRole (directly or through a subclass), a closed set of values",
    ),
    (
        "references.ttl",
        'bibo:doi "10.2307/2234133"',
        'bibo:doi "10.2307\\\\_2234133"',
        "ref:Andreoni1990 [bibo:doi]: is not a well-formed DOI",
    ),
    (
        "references.ttl",
        'bibo:doi "10.2307/2234133"',
        'bibo:doi "doi:10.2307/2234133"',
        "ref:Andreoni1990 [bibo:doi]: is not a well-formed DOI",
    ),
    (
        "references.ttl",
        "schema:sameAs <https://doi.org/10.2307/2234133> ;",
        "",
        "ref:Andreoni1990: the DOI 10.2307/2234133 must also be given as an IRI",
    ),
    (
        "references.ttl",
        "schema:sameAs <https://doi.org/10.2307/2234133> ;",
        "schema:sameAs <https://doi.org/10.2307/9999999> ;",
        "ref:Andreoni1990: https://doi.org/10.2307/9999999 is a DOI IRI but the record has no matching bibo:doi",
    ),
    (
        "references.ttl",
        'prism:publicationName "The American Economic Review" ;',
        "",
        "ref:Harbaugh1998: needs a venue (prism:publicationName) or a publisher",
    ),
    (
        "references.ttl",
        'dcterms:creator "Harbaugh, W. T." ;\n    dcterms:issued "1998"^^xsd:gYear ;',
        'dcterms:creator "Harbaugh, W. T." ;\n    dcterms:issued "1998" ;',
        "ref:Harbaugh1998 [dcterms:issued]: needs exactly one year of publication",
    ),
    (
        "references.ttl",
        'dcterms:creator "Harbaugh, W. T." ;',
        "",
        "ref:Harbaugh1998 [dcterms:creator]: needs its authors",
    ),
    (
        "references.ttl",
        'fabio:hasAccessDate "2026-11-23"^^xsd:date ;',
        "",
        "ref:WikipediaIER [fabio:hasAccessDate]: needs exactly one retrieval date",
    ),
    (
        "references.ttl",
        'bibo:uri "https://en.wikipedia.org/wiki/Interpersonal_emotion_regulation"^^xsd:anyURI ;',
        "",
        "ref:WikipediaIER [bibo:uri]: needs exactly one URL",
    ),
    (
        "references.ttl",
        "# --- journal articles",
        (
            'ref:Orphan2000 a bibo:Book ; rdfs:label "Orphan 2000" ; dcterms:title "T" ; dcterms:creator "O, A." ;'
            ' dcterms:issued "2000"^^xsd:gYear ; dcterms:publisher "P" ; dcterms:bibliographicCitation "C" .\n# --- journal articles'
        ),
        "ref:Orphan2000: no entity cites this record",
    ),
]


MUTATIONS += [
    # Evidence: an association without its owl:Axiom.
    (
        "clinical.ttl",
        "[] a owl:Axiom ; owl:annotatedSource ierkg:BorderlinePersonalityDisorder ; owl:annotatedProperty ierkg:hasSymptomsAssociatedWith ; owl:annotatedTarget ierkg:Venting ; dcterms:source ref:WikipediaIER .",
        "",
        "ierkg:BorderlinePersonalityDisorder: the statement ierkg:hasSymptomsAssociatedWith ierkg:Venting has no evidence",
    ),
    (
        "mechanisms.ttl",
        "[] a owl:Axiom ; owl:annotatedSource ierkg:WarmGlow ; owl:annotatedProperty rdf:type ; owl:annotatedTarget ierkg:ExtrinsicResponseIndependentMechanism ; dcterms:source ref:ZakiWilliams2013 .",
        "",
        "ierkg:WarmGlow: the statement rdf:type ierkg:ExtrinsicResponseIndependentMechanism has no evidence",
    ),
    (
        "instruments.ttl",
        "[] a owl:Axiom ; owl:annotatedSource ierkg:IERQ ; owl:annotatedProperty ierkg:measures ; owl:annotatedTarget ierkg:IntrinsicInterpersonalRegulation ; dcterms:source ref:WikipediaIER , ref:HofmannCarpenterCurtiss2016 .",
        "",
        "ierkg:IERQ: the statement ierkg:measures ierkg:IntrinsicInterpersonalRegulation has no evidence",
    ),
    # A related process without what distinguishes it.
    (
        "related-processes.ttl",
        '    ierkg:distinctionFromIER "Its aim is attitudes and behaviour; interpersonal emotion regulation aims first at feelings, and any change in attitudes or behaviour is secondary to that."@en ;\n',
        "",
        "ierkg:InterpersonalInfluence [ierkg:distinctionFromIER]: a related process needs exactly one English",
    ),
    # Deprecation without a replacement.
    (
        "contexts.ttl",
        'rdfs:label "strangers"@en ;',
        'rdfs:label "strangers"@en ; owl:deprecated true ;',
        "ierkg:Strangers [dcterms:isReplacedBy]: a deprecated term needs dcterms:isReplacedBy",
    ),
    # The ontology header loses its licence.
    (
        "ierkg.ttl",
        "    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;\n",
        "",
        "ierkg:ontology [dcterms:license]: the ontology header needs a dcterms:license IRI",
    ),
    # A second manual sneaks in as a source.
    (
        "references.ttl",
        "# --- books and chapters",
        (
            'ref:SomeHandbook a bibo:Manual ; rdfs:label "Some handbook" ; dcterms:title "T" ; dcterms:creator "A, B." ;'
            ' dcterms:issued "2020"^^xsd:gYear ; dcterms:publisher "P" ; dcterms:bibliographicCitation "C" .\n# --- books and chapters'
        ),
        "ref:SomeHandbook: the only manual ierkg may cite is ref:IerkgDesignNotes",
    ),
    # A closed set grows through a subclass of the value-set class (re-review finding).
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        'ierkg:Sixth a owl:NamedIndividual , ierkg:IntrinsicResponseIndependentMechanism ; rdfs:label "sixth"@en ; skos:definition "A sixth."@en ; dcterms:source ref:ZakiWilliams2013 .\n# --- the five mechanisms',
        "ierkg:Sixth: is typed ierkg:RegulatoryMechanism (directly or through a subclass), a closed set of values",
    ),
    # A term whose local name merely starts with "ontology" is still checked (re-review finding).
    (
        "mechanisms.ttl",
        "# --- the five mechanisms",
        "ierkg:ontologyFoo a owl:Class ; rdfs:subClassOf ierkg:Episode .\n# --- the five mechanisms",
        "ierkg:ontologyFoo [rdfs:label]: needs exactly one English label",
    ),
]


def _batches(mutations: list[tuple[str, str, str, str]]) -> list[list[tuple[str, str, str, str]]]:
    """Group mutations that can be applied together, so one QC run checks several faults.

    A mutation joins the first batch in which its target text is still present exactly once
    after the batch's earlier mutations, whose other mutations touch different text, and in
    which no other mutation concerns the same resource (each expectation names its resource
    first), so that one fault cannot change another's message.
    """
    texts = {path.name: path.read_text(encoding="utf-8") for path in ONTOLOGY.glob("*.ttl")}
    batches: list[tuple[dict, list]] = []
    for mutation in mutations:
        file, old, new, _ = mutation
        focus = _focus(mutation)
        for state, members in batches:
            if (
                state[file].count(old) == 1
                and all(old not in m[1] and m[1] not in old for m in members)
                and all(_focus(m) != focus for m in members)
            ):
                state[file] = state[file].replace(old, new, 1)
                members.append(mutation)
                break
        else:
            state = dict(texts)
            assert state[file].count(old) == 1, f"mutation target not found exactly once in {file}: {old!r}"
            state[file] = state[file].replace(old, new, 1)
            batches.append((state, [mutation]))
    return [members for _, members in batches]


def _focus(mutation: tuple[str, str, str, str]) -> str:
    """The resource an expected message is about: its first token, as in "ref:X: ..." ."""
    return mutation[3].split(" ", 1)[0].rstrip(":")


BATCHES = _batches(MUTATIONS)


@pytest.mark.parametrize("batch", BATCHES, ids=[f"batch{i}" for i in range(len(BATCHES))])
def test_qc_catches_every_fault(source_copy, batch):
    for file, old, new, _ in batch:
        replace_in(source_copy, file, old, new)
    problems = problems_in(source_copy)
    missed = [expected for *_, expected in batch if not any(expected in p for p in problems)]
    assert not missed, "not reported: " + "; ".join(missed) + "\nreported:\n" + "\n".join(problems)


def test_every_mutation_is_in_a_batch():
    assert sum(len(batch) for batch in BATCHES) == len(MUTATIONS)
    assert len(BATCHES) < len(MUTATIONS) / 2, "batching should save most QC runs"


def test_qc_lists_every_offender_with_its_file_and_line(source_copy):
    replace_in(source_copy, "framework.ttl", 'rdfs:label "modulation"@en ;', "")
    replace_in(source_copy, "mechanisms.ttl", 'rdfs:label "warm glow"@en ;', "")
    replace_in(source_copy, "episode-model.ttl", 'rdfs:label "social scale"@en ;', "")
    problems = problems_in(source_copy)
    for entity, file in (
        ("ierkg:Modulation", "framework.ttl"),
        ("ierkg:WarmGlow", "mechanisms.ttl"),
        ("ierkg:SocialScale", "episode-model.ttl"),
    ):
        matching = [p for p in problems if f"{entity} [rdfs:label]" in p]
        assert matching, f"{entity} not reported:\n" + "\n".join(problems)
        location = matching[0].split(": ", 1)[0]
        assert location.startswith(str(source_copy / file) + ":"), matching[0]
        line = int(location.rsplit(":", 1)[1])
        statement = (source_copy / file).read_text(encoding="utf-8").splitlines()[line - 1]
        assert statement.startswith(entity), statement
