"""The QC shapes pass on the real sources and catch each kind of fault, listing every offender."""

from __future__ import annotations

from pathlib import Path

import pytest

from ierkg.qc import check_ontology, violations
from ierkg.sources import load_sources

from .conftest import SHAPES

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

    from ierkg.namespaces import is_ierkg_entity

    kinds = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual]
    for kind in kinds:
        entity = next(s for s in sources.graph.subjects(RDF.type, kind) if is_ierkg_entity(str(s)))
        graph = sources.graph.__class__()
        graph += sources.graph
        graph.remove((entity, RDFS.label, None))
        found = violations(check_ontology(graph, QC_SHAPES))
        assert any("English label" in p.message for p in found), (kind, entity)


MUTATIONS = [
    # (file, old, new, expected fragment of the message)
    ("framework.ttl", 'rdfs:label "affect modulation"@en ;', "",
     "ierkg:Modulation [rdfs:label]: needs exactly one English label"),
    ("framework.ttl", 'rdfs:label "affect modulation"@en ;', 'rdfs:label "affect modulation"@en , "modulation of affect"@en ;',
     "ierkg:Modulation [rdfs:label]: needs exactly one English label"),
    ("framework.ttl", 'rdfs:label "affect modulation"@en ;', 'rdfs:label "affect modulation" ;',
     "every label needs a language tag"),
    ("episode-model.ttl", 'rdfs:label "has target"@en ;', 'rdfs:label "has target"@en ; skos:definition "A second definition."@en ;',
     "ierkg:target [skos:definition]: needs exactly one English definition"),
    ("mechanisms.ttl", '@en ;\n    dcterms:source ref:ZakiWilliams2013 , ref:Andreoni1990 , ref:Harbaugh1998 , ref:ZakiMitchell2011 .',
     "@en .", "ierkg:WarmGlow [dcterms:source]: needs at least one source"),
    ("mechanisms.ttl", "dcterms:source ref:ZakiWilliams2013 , ref:Andreoni1990", 'dcterms:source "Zaki 2013" , ref:ZakiWilliams2013 , ref:Andreoni1990',
     "a source must be the IRI of a bibliographic record"),
    ("framework.ttl", 'rdfs:label "Person B"@en ;', 'rdfs:label "person a"@en ;',
     'label "person a" is also the label of ierkg:PersonA'),
    ("framework.ttl", "owl:disjointWith ierkg:LiveInteractionEpisode", "owl:disjointWith ierkg:LiveInteractionEpisod",
     "ierkg:LiveInteractionEpisod [rdf:type]: is used but not declared"),
    ("mechanisms.ttl", "ref:ZakiMitchell2011 .", "ref:ZakiMitchell2012 .",
     "ref:ZakiMitchell2012 [rdf:type]: is cited as a source but is not a bibliographic record"),
    ("mechanisms.ttl", "ref:ZakiMitchell2011 .", "ref:ZakiMitchell2012 .",
     "ref:ZakiMitchell2012 [rdf:type]: is used but no bibliographic record with this IRI exists"),
    # Statements about ierkg IRIs that are not declared as OWL entities (from a review).
    ("mechanisms.ttl", "# --- the five mechanisms", "ierkg:Bar a ierkg:TargetRole .\n# --- the five mechanisms",
     "ierkg:Bar [rdf:type]: is used but not declared"),
    ("mechanisms.ttl", "# --- the five mechanisms", "ierkg:Baz a owl:FunctionalProperty .\n# --- the five mechanisms",
     "ierkg:Baz [rdf:type]: is used but not declared"),
    ("mechanisms.ttl", "# --- the five mechanisms", "ierkg:Qux a rdfs:Class .\n# --- the five mechanisms",
     "ierkg:Qux [rdf:type]: is used but not declared"),
    ("mechanisms.ttl", "# --- the five mechanisms", 'ierkg:Foo rdfs:label "foo"@en .\n# --- the five mechanisms',
     "ierkg:Foo [skos:definition]: needs exactly one English definition"),
    ("mechanisms.ttl", "# --- the five mechanisms", 'ierkg:Bar a ierkg:TargetRole .\n# --- the five mechanisms',
     "ierkg:Bar [dcterms:source]: needs at least one source"),
    ("episode-model.ttl", "ierkg:TargetOther a owl:NamedIndividual , ierkg:TargetRole ;",
     "ierkg:TargetBoth a owl:NamedIndividual , ierkg:TargetRole ; rdfs:label \"both\"@en ; skos:definition \"Both.\"@en ; dcterms:source ref:ZakiWilliams2013 .\nierkg:TargetOther a owl:NamedIndividual , ierkg:TargetRole ;",
     "ierkg:TargetBoth: is typed ierkg:TargetRole, a closed set of values, but is not one of the values"),
    ("references.ttl", 'bibo:doi "10.2307/2234133"', 'bibo:doi "10.2307\\\\_2234133"',
     "ref:Andreoni1990 [bibo:doi]: is not a well-formed DOI"),
    ("references.ttl", 'bibo:doi "10.2307/2234133"', 'bibo:doi "doi:10.2307/2234133"',
     "ref:Andreoni1990 [bibo:doi]: is not a well-formed DOI"),
    ("references.ttl", "schema:sameAs <https://doi.org/10.2307/2234133> ;", "",
     "the DOI 10.2307/2234133 must also be given as an IRI"),
    ("references.ttl", "schema:sameAs <https://doi.org/10.2307/2234133> ;", "schema:sameAs <https://doi.org/10.2307/9999999> ;",
     "https://doi.org/10.2307/9999999 is a DOI IRI but the record has no matching bibo:doi"),
    ("references.ttl", 'prism:publicationName "The American Economic Review" ;', "",
     "ref:Harbaugh1998: needs a venue (prism:publicationName) or a publisher"),
    ("references.ttl", 'dcterms:creator "Harbaugh, W. T." ;\n    dcterms:issued "1998"^^xsd:gYear ;',
     'dcterms:creator "Harbaugh, W. T." ;\n    dcterms:issued "1998" ;',
     "ref:Harbaugh1998 [dcterms:issued]: needs exactly one year of publication"),
    ("references.ttl", 'dcterms:creator "Harbaugh, W. T." ;', "",
     "ref:Harbaugh1998 [dcterms:creator]: needs its authors"),
    ("references.ttl", 'fabio:hasAccessDate "2026-11-23"^^xsd:date ;', "",
     "ref:WikipediaIER [fabio:hasAccessDate]: needs exactly one retrieval date"),
    ("references.ttl", 'bibo:uri "https://en.wikipedia.org/wiki/Interpersonal_emotion_regulation"^^xsd:anyURI ;', "",
     "ref:WikipediaIER [bibo:uri]: needs exactly one URL"),
    ("references.ttl", "# --- journal articles",
     ('ref:Orphan2000 a bibo:Book ; rdfs:label "Orphan 2000" ; dcterms:title "T" ; dcterms:creator "O, A." ;'
      ' dcterms:issued "2000"^^xsd:gYear ; dcterms:publisher "P" ; dcterms:bibliographicCitation "C" .\n# --- journal articles'),
     "ref:Orphan2000: no entity cites this record"),
]


@pytest.mark.parametrize("file, old, new, expected", MUTATIONS, ids=[m[3][:50] for m in MUTATIONS])
def test_qc_catches_fault(source_copy, file, old, new, expected):
    replace_in(source_copy, file, old, new)
    problems = problems_in(source_copy)
    assert any(expected in p for p in problems), "\n".join(problems) or "no problems reported"


def test_qc_lists_every_offender_with_its_file_and_line(source_copy):
    replace_in(source_copy, "framework.ttl", 'rdfs:label "affect modulation"@en ;', "")
    replace_in(source_copy, "mechanisms.ttl", 'rdfs:label "warm glow"@en ;', "")
    replace_in(source_copy, "episode-model.ttl", 'rdfs:label "social scale"@en ;', "")
    problems = problems_in(source_copy)
    for entity, file in (("ierkg:Modulation", "framework.ttl"), ("ierkg:WarmGlow", "mechanisms.ttl"),
                         ("ierkg:SocialScale", "episode-model.ttl")):
        matching = [p for p in problems if f"{entity} [rdfs:label]" in p]
        assert matching, f"{entity} not reported:\n" + "\n".join(problems)
        location = matching[0].split(": ", 1)[0]
        assert location.startswith(str(source_copy / file) + ":"), matching[0]
        line = int(location.rsplit(":", 1)[1])
        statement = (source_copy / file).read_text(encoding="utf-8").splitlines()[line - 1]
        assert statement.startswith(entity), statement
