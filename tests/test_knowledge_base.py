"""Everything DOMAIN.md sections 1-6 asks for can be found by label, defined and sourced."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ierkg.namespaces import BIBO, REF

# One label (or synonym) per item of DOMAIN.md sections 1-6, in the order it lists them.
DOMAIN_ITEMS = [
    # 1. the four cuts
    "emotion regulation",
    "cognitive reappraisal",
    "distraction",
    "expressive suppression",
    "distancing",
    "intrapersonal emotion regulation",
    "interpersonal emotion regulation",
    "alone",
    "thinking of others",
    "live interaction",
    "modulation",
    "interpersonal modulation",
    "seeking company before a stressor",
    "situation selection",
    "stress buffering",
    "intrinsic interpersonal regulation",
    "extrinsic interpersonal regulation",
    "Person A",
    "Person B",
    "response-dependent process",
    "response-independent process",
    "egoistic alternative",
    # 2. the 2x2 and its mechanisms
    "intrinsic response-independent regulation",
    "intrinsic response-dependent regulation",
    "extrinsic response-independent regulation",
    "extrinsic response-dependent regulation",
    "affect labeling",
    "safety signals",
    "affiliation",
    "warm glow",
    "vicarious affect",
    "other-oriented view of prosocial motivation",
    "social sharing",
    "sharing good news",
    "sharing negative experiences",
    "enthusiastic response",
    "supportive response",
    "empathic understanding",
    "empathic sharing",
    "empathic motivation",
    "situation-specific emotional support",
    "comforting messages",
    "diffuse support",
    "providing practical support",
    "antisocial extrinsic regulation",
    "internal goal",
    "external goal",
    "coregulation",
    "attachment theory",
    "Batson-Cialdini debate",
    "psychotherapy",
    # 3. related processes and contexts
    "emotional self-regulation",
    "emotional labor",
    "emotional contagion",
    "social support",
    "attentional deployment",
    "cognitive change",
    "providing emotional support",
    "providing informational support",
    "interpersonal influence",
    "social baseline theory",
    "risk distribution",
    "load sharing",
    "capitalization",
    "affect-improving regulation",
    "affect-worsening regulation",
    "dyadic",
    "group",
    "parent and infant",
    "therapist and client",
    "romantic partners",
    "family members",
    "workplace",
    "hospital",
    "law firm",
    "debt collection agency",
    "prison",
    "strangers",
    "support group",
    "leader and followers",
    # 4. strategy classifications
    "Niven's classification of interpersonal affect regulation strategies",
    "affect-improving strategy",
    "affect-worsening strategy",
    "engaging strategy",
    "diverting strategy",
    "underlying-versus-expressed distinction",
    "process model of emotion regulation",
    "venting",
    "reassurance seeking",
    "excessive reassurance seeking",
    "seeking advice",
    "distraction through conversation",
    "soothing",
    "perspective taking",
    "social modeling",
    "enhancing positive affect",
    "relying on safety people",
    "negative feedback seeking",
    "expressed negativity",
    "disengagement from partners",
    "guilt induction",
    "joking",
    "humor",
    "encouraging reappraisal",
    # 5. disorders and therapies
    "anxiety disorder",
    "panic disorder",
    "obsessive-compulsive disorder",
    "generalized anxiety disorder",
    "depression",
    "borderline personality disorder",
    "biosocial theory",
    "Marroquin's account of social support in depression",
    "dialectical behaviour therapy",
    "interpersonal effectiveness",
    "assertiveness training",
    "assertiveness",
    "maintained by",
    "has vulnerability factor",
    "has symptoms associated with",
    # 6. instruments
    "EROS",
    "EROS intrinsic subscale",
    "EROS extrinsic subscale",
    "EROS intrinsic affect-improving factor",
    "EROS intrinsic affect-worsening factor",
    "EROS extrinsic affect-improving factor",
    "EROS extrinsic affect-worsening factor",
    "IERQ",
    "IERQ Enhancing Positive Affect factor",
    "IERQ Perspective Taking factor",
    "IERQ Soothing factor",
    "IERQ Social Modeling factor",
    "IRQ",
    "IRQ negative-tendency subscale",
    "IRQ negative-efficacy subscale",
    "IRQ positive-tendency subscale",
    "IRQ positive-efficacy subscale",
    "DIRE",
    "DIRE accept factor",
    "DIRE avoid factor",
    "DIRE reassurance-seek factor",
    "DIRE vent factor",
    "DIRE task-oriented vignette",
    "DIRE romantic vignette",
    "DIRE social vignette",
]


@pytest.fixture(scope="module")
def released(release) -> Graph:
    out, _ = release
    return Graph().parse(out / "ierkg.nt", format="nt")


@pytest.mark.parametrize("label", DOMAIN_ITEMS)
def test_domain_item_is_in_the_release_with_a_definition_and_a_source(released, label):
    matches = {
        s for prop in (RDFS.label, SKOS.altLabel) for s in released.subjects(prop, Literal(label, lang="en"))
    }
    assert matches, f"nothing in the release is labelled '{label}'"
    for entity in matches:
        assert released.value(entity, SKOS.definition) is not None, entity
        assert released.value(entity, DCTERMS.source) is not None, entity


def test_social_support_acts_through_attentional_deployment_and_cognitive_change(released):
    from ierkg.namespaces import IERKG

    routes = set(released.objects(IERKG.SocialSupport, IERKG.actsThrough))
    assert routes == {IERKG.AttentionalDeployment, IERKG.CognitiveChange}
    assert IERKG.AttentionalDeployment in set(
        released.objects(IERKG.DistractionThroughConversation, SKOS.broader)
    )
    assert IERKG.CognitiveChange in set(released.objects(IERKG.EncouragingReappraisal, SKOS.broader))


def test_the_reference_list_errata_are_applied(released):
    corrected = {"10.1126/science.1110600", "10.1207/s15327965pli0904_1", "10.1207/s15324834basps0502_7"}
    present = {str(doi) for doi in released.objects(None, BIBO.doi)}
    assert corrected <= present
    burleson = REF["Burleson1985"]
    assert "Burlinson" in str(released.value(burleson, SKOS.editorialNote))


def test_instrument_structure_never_carries_item_wording(released):
    """Scales carry counts, keys and constructs, never item text."""
    from ierkg.namespaces import IERKG

    for scale in released.subjects(IERKG.isPartOf, None):
        texts = [
            o
            for o in released.objects(scale)
            if isinstance(o, Literal) and o.language is None and len(str(o)) > 40
        ]
        assert texts == [], f"{scale} carries free text that could be item wording: {texts}"
