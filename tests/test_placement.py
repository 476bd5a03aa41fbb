"""Where an entity sits in the 2x2: ierkg.catalog.placement over the packaged release.

The open world is the point: a strategy whose column no source states is placed on its row
only, and is never said to be response-independent.
"""

from __future__ import annotations

import pyoxigraph
import pytest

from ierkg.catalog.entities import Catalog
from ierkg.catalog.graph import ReleaseGraph
from ierkg.catalog.placement import CELL, OUTSIDE, ROW, UNPLACED
from ierkg.resources import release_dir

IERKG = "https://w3id.org/ierkg/"
REF = IERKG + "ref/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def release_triples() -> list[pyoxigraph.Triple]:
    return list(pyoxigraph.parse(path=str(release_dir() / "ierkg.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(ReleaseGraph(release_triples()))


def test_a_strategy_that_requires_a_response_lands_in_its_cell(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "SharingGoodNews")
    assert placement.kind == CELL
    assert placement.row == IERKG + "IntrinsicInterpersonalRegulation"
    assert placement.column == IERKG + "ResponseDependentRegulation"
    assert placement.cell == IERKG + "IntrinsicResponseDependentRegulation"
    by_predicate = {s.predicate: s for s in placement.statements}
    response = by_predicate[IERKG + "requiresResponse"]
    assert response.value == IERKG + "EnthusiasticResponse"
    assert set(response.sources) == {REF + "GableReis2010", REF + "ZakiWilliams2013"}  # its owl:Axiom
    assert by_predicate[IERKG + "regulatesFeelingsOf"].value == IERKG + "TargetSelf"
    assert "enthusiastic response" in placement.reason
    entity = catalog.entity(IERKG + "SharingGoodNews")
    assert entity.cell == placement.cell
    assert REF + "GableReis2010" in {c.iri for c in entity.citations}


def test_a_strategy_without_a_stated_response_sits_on_its_row_only(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "Venting")
    assert placement.kind == ROW
    assert placement.row == IERKG + "IntrinsicInterpersonalRegulation"
    assert placement.column is None and placement.cell is None
    assert "column is not stated" in placement.reason
    assert "does not make it response-independent" in placement.reason
    assert [s.predicate for s in placement.statements] == [RDF_TYPE, IERKG + "regulatesFeelingsOf"]
    assert set(placement.sources) == {REF + "WikipediaIER", REF + "ZakiWilliams2013"}
    assert catalog.entity(IERKG + "Venting").cell is None


def test_a_strategy_used_on_others_sits_on_the_extrinsic_row(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "GuiltInduction")
    assert (placement.kind, placement.row) == (ROW, IERKG + "ExtrinsicInterpersonalRegulation")


def test_an_intrapersonal_strategy_is_outside_the_2x2(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "CognitiveReappraisal")
    assert placement.kind == OUTSIDE
    assert placement.row is None and placement.column is None and placement.cell is None
    assert placement.summary == "It lies outside the 2×2."
    assert placement.statements[0].value == IERKG + "IntrapersonalStrategy"


def test_an_interpersonal_strategy_with_no_axis_stated_is_unplaced(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "NegativeFeedbackSeeking")
    assert placement.kind == UNPLACED and placement.row is None and placement.column is None


def test_a_strategy_of_unstated_kind_is_not_called_either(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "AttentionalDeployment")
    assert placement.kind == UNPLACED
    assert (
        "do not say whether it is an interpersonal strategy or an intrapersonal strategy" in placement.reason
    )


def test_no_strategy_is_put_in_the_response_independent_column(catalog: Catalog):
    """Nothing in the ontology says a strategy works whatever the reply, so none may land there."""
    graph = catalog.graph
    for iri in catalog.iris:
        node = pyoxigraph.NamedNode(iri)
        if not graph.is_a(node, IERKG + "RegulationStrategy"):
            continue
        placement = catalog.placer.place(iri)
        stated = bool(graph.values(node, IERKG + "requiresResponse"))
        interpersonal = graph.is_a(node, IERKG + "InterpersonalStrategy")
        assert placement.column == (
            IERKG + "ResponseDependentRegulation" if stated and interpersonal else None
        )


def test_the_row_comes_from_the_role_in_the_rows_definition():
    """A new strategy needs only its statements: no strategy is named in the placing code."""
    triples = release_triples()
    made_up = pyoxigraph.NamedNode(IERKG + "TestOnlyStrategy")
    for predicate, value in (
        (RDF_TYPE, IERKG + "InterpersonalStrategy"),
        (IERKG + "regulatesFeelingsOf", IERKG + "TargetOther"),
        (IERKG + "requiresResponse", IERKG + "SupportiveResponse"),
    ):
        triples.append(
            pyoxigraph.Triple(made_up, pyoxigraph.NamedNode(predicate), pyoxigraph.NamedNode(value))
        )
    placement = Catalog(ReleaseGraph(triples)).placer.place(made_up.value)
    assert placement.kind == CELL
    assert placement.cell == IERKG + "ExtrinsicResponseDependentRegulation"
    # No owl:Axiom names a source for these statements, and the placement does not make one up.
    assert placement.sources == []


def test_a_mechanism_still_sits_in_its_cell(catalog: Catalog):
    placement = catalog.placer.place(IERKG + "SafetySignal")
    assert (placement.kind, placement.cell) == (CELL, IERKG + "IntrinsicResponseDependentRegulation")
    typed, restricted = placement.statements
    assert (typed.predicate, typed.value) == (RDF_TYPE, IERKG + "IntrinsicResponseDependentMechanism")
    assert typed.sources == (REF + "ZakiWilliams2013",) and typed.cited_for == "statement"
    assert restricted.wording == "is mechanism of only" and restricted.cited_for == "definition"
    assert catalog.entity(IERKG + "WarmGlow").cell == IERKG + "ExtrinsicResponseIndependentRegulation"


def test_a_cell_sits_in_itself(catalog: Catalog):
    cell = IERKG + "IntrinsicResponseDependentRegulation"
    placement = catalog.placer.place(cell)
    assert (placement.kind, placement.cell, placement.summary) == (CELL, cell, "This is a cell of the map.")
    assert {s.value for s in placement.statements} == {
        IERKG + "IntrinsicInterpersonalRegulation",
        IERKG + "ResponseDependentRegulation",
    }


def test_an_entity_the_map_is_not_about_has_no_placement(catalog: Catalog):
    assert catalog.placer.place(IERKG + "IntrinsicInterpersonalRegulation") is None  # a row, not a cell
    assert catalog.entity(IERKG + "ref/ZakiWilliams2013").placement is None
