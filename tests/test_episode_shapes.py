"""Every constraint of shapes/episodes.ttl, shown failing and passing on real files.

Each case writes a small coded dataset (one clean episode changed in one place) to a file and
validates it as a user would, through ``validate_table`` (or ``validate_rdf`` for the few
constraints no spreadsheet can break). The constraints are read from the shapes file itself,
so a constraint added without a failing and a passing case here fails the suite.

The cases run on the compiled engine, because it is fast; tests/test_engines.py shows that it
gives exactly pySHACL's results, and the gold file (tests/data/gold) holds every defect a
spreadsheet can carry, checked here and under pySHACL there.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from ierkg.datasets.columns import COLUMNS, load_column_map
from ierkg.datasets.compiled import CompiledEngine
from ierkg.datasets.findings import Finding, rule_name
from ierkg.datasets.validation import Engine, Report, validate_rdf, validate_table
from ierkg.namespaces import SH, curie

REPO = Path(__file__).resolve().parents[1]
SHAPES = REPO / "shapes" / "episodes.ttl"
GOLD = Path(__file__).resolve().parent / "data" / "gold"
HEADER = [column.name for column in COLUMNS]
SCALE = (1.0, 7.0)


# --- the constraints, as the shapes file declares them ------------------------------------------


@dataclass(frozen=True)
class Constraint:
    key: str  # a core constraint's rule name ("sh:minCount on dcterms:identifier"); "SPARQL: " + message
    severity: str
    message: str


# Predicates that shape the shapes rather than constrain the data.
_NODE_SHAPE_STRUCTURE = {
    RDF.type,
    SH.targetClass,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.property,
    SH.sparql,
    SH.declare,
    RDFS.comment,
}
_PROPERTY_SHAPE_STRUCTURE = {SH.path, SH.message, SH.severity, SH.name, SH.description, RDFS.comment}


def _local(iri) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _severity(graph: Graph, shape) -> str:
    # SHACL: a shape's own sh:severity, else Violation; property shapes do not inherit it.
    value = graph.value(shape, SH.severity)
    return _local(value) if value is not None else "Violation"


def shape_constraints(path: Path = SHAPES) -> list[Constraint]:
    """Every constraint in the shapes file; anything unfamiliar counts as a constraint too."""
    graph = Graph().parse(path, format="turtle")
    found = []
    for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=str):
        severity = _severity(graph, shape)
        for predicate, _ in graph.predicate_objects(shape):
            if predicate not in _NODE_SHAPE_STRUCTURE:
                found.append(Constraint(f"sh:{_local(predicate)} on {curie(str(shape))}", severity, ""))
        for property_shape in graph.objects(shape, SH.property):
            path = graph.value(property_shape, SH.path)
            message = str(graph.value(property_shape, SH.message))
            for predicate, _ in graph.predicate_objects(property_shape):
                if predicate not in _PROPERTY_SHAPE_STRUCTURE:
                    rule = rule_name(
                        f"sh:{_local(predicate)}", str(path) if isinstance(path, URIRef) else None
                    )
                    found.append(Constraint(rule, _severity(graph, property_shape), message))
        for constraint in graph.objects(shape, SH.sparql):
            message = str(graph.value(constraint, SH.message))
            found.append(Constraint(f"SPARQL: {message}", severity, message))
    return found


def key_of(finding: Finding) -> str:
    """The constraint a finding comes from, named as in shape_constraints."""
    return f"SPARQL: {finding.message}" if finding.rule.startswith("SPARQL") else finding.rule


CONSTRAINTS = {constraint.key: constraint for constraint in shape_constraints()}

# The SPARQL constraints, by message (the message is part of what the cases check).
SELF_ROLE = "SPARQL: Coded as regulating the regulator's own feelings (target role self), but a target is someone else."
OTHER_ROLE = (
    "SPARQL: Coded as regulating someone else's feelings (target role other), "
    "but the regulator is among the targets."
)
NO_RESPONSE = "SPARQL: A response-dependent episode must record how the partner responded (partner_response)."
DUPLICATE = "SPARQL: This episode_id is also used on another row; every episode needs its own id."
OFF_SCALE = "SPARQL: The affect rating lies outside the declared scale."
NO_SCALE = (
    "SPARQL: Affect is rated but the dataset declares no scale for it, so the rating's range cannot be "
    "checked (for a table, give --scale MIN-MAX or a scale in the column map; in RDF, give the episode's ierkg:CodedDataset an ierkg:affectBeforeScale and ierkg:affectAfterScale)."
)
DIRECTION_WITHOUT_GOAL = (
    "SPARQL: A goal direction is coded although the goal is none; without a goal the direction is ignored."
)
NOT_LIVE = (
    "SPARQL: The episode involves a partner but is not coded as a live interaction, so it cannot be "
    "interpersonal regulation; check interaction_mode."
)
OTHER_NOT_ACTED_ON = (
    "SPARQL: Regulating someone else's feelings in a live interaction usually means acting on them; as "
    "coded this is not extrinsic regulation, so check means."
)
FUNCTIONAL_DIMENSIONS = [
    ("targetRole", "target_role", "ierkg:TargetSelf, ierkg:TargetOther"),
    ("means", "means", "ierkg:RecruitsPartner, ierkg:ByOneself"),
    ("goalStatus", "goal", "ierkg:GoalPresent, ierkg:NoGoal"),
    ("goalDirection", "goal", "ierkg:ImproveAffect, ierkg:WorsenAffect"),
    ("interactionMode", "interaction_mode", "ierkg:LiveInteraction, ierkg:NoOthers"),
    ("processType", "process", "ierkg:ResponseIndependent, ierkg:ProcessTypeUnknown"),
    ("socialScale", "social_scale", "ierkg:Dyadic, ierkg:Group"),
    ("partnerResponse", "partner_response", "ierkg:SupportiveResponse, ierkg:NoResponse"),
    ("mechanism", "mechanism", "ierkg:AffectLabeling, ierkg:SafetySignal"),
    ("affectBefore", "affect_before", "3.0, 4.0"),
    ("affectAfter", "affect_after", "3.0, 4.0"),
    (
        "startedAt",
        "started_at",
        '"2024-03-01T18:00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>, "2024-03-01T18:05:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    ),
    (
        "endedAt",
        "ended_at",
        '"2024-03-01T18:25:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>, "2024-03-01T18:30:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    ),
]
MECHANISM_CELL = (
    "SPARQL: The mechanism belongs to a different cell of the 2×2 from the one the other codes place the "
    "episode in; check the mechanism against interaction_mode, goal, target, means and process (the "
    "codebook lists each mechanism's cell)."
)
REGULATOR_AMONG_TARGETS = (
    "SPARQL: The regulator is one of several targets, so it is unclear whose feelings are regulated; add a "
    "target_role column (self or other), or split the episode."
)
ORDER = "SPARQL: The episode ends before it starts: started_at is later than ended_at."
MIXED_ZONES = (
    "SPARQL: Only one of started_at and ended_at gives a time zone (Z or +hh:mm), so whether the "
    "episode ends after it starts cannot be checked; give both a time zone, or neither."
)
MODULATION = "SPARQL: No regulatory goal: this episode is modulation, not regulation."

# A spreadsheet cell holds one id, and the goal column codes status and direction together, so
# these can only be broken in RDF input.
RDF_ONLY = {
    "sh:maxCount on dcterms:identifier",
    "sh:maxCount on ierkg:regulator",
    *(f"sh:maxCount on ierkg:{prop}" for prop, _column, _two in FUNCTIONAL_DIMENSIONS),
    "sh:class on ierkg:goalDirection",
    DIRECTION_WITHOUT_GOAL,
}


# --- the cases ---------------------------------------------------------------------------------

# One clean intrinsic episode; every case changes it in one place.
CLEAN: dict[str, str] = {
    "episode_id": "e1",
    "interaction_id": "i1",
    "regulator_id": "ann",
    "target_ids": "ann",
    "interaction_mode": "live",
    "goal": "improve",
    "means": "recruit_partner",
    "process": "response_dependent",
    "mechanism": "safety_signal",
    "strategy": "venting",
    "partner_response": "supportive",
    "emotion": "worry",
    "affect_before": "3",
    "affect_after": "5",
    "started_at": "2024-03-01T18:00:00",
    "ended_at": "2024-03-01T18:25:00",
    "setting": "",
    "relationship": "friends",
    "coder_id": "c1",
    "target_role": "",
    "social_scale": "",
}
EXTRINSIC = {"regulator_id": "bob", "target_ids": "ann", "means": "act_on_partner"}

# The same clean episode in the episode model, for RDF input: predicate -> Turtle objects.
RDF_CLEAN: dict[str, str] = {
    "a": "ierkg:Episode",
    "dcterms:identifier": '"r1"',
    "ierkg:regulator": ":ann",
    "ierkg:target": ":ann",
    "ierkg:targetRole": "ierkg:TargetSelf",
    "ierkg:interactionMode": "ierkg:LiveInteraction",
    "ierkg:goalStatus": "ierkg:GoalPresent",
    "ierkg:goalDirection": "ierkg:ImproveAffect",
    "ierkg:means": "ierkg:RecruitsPartner",
    "ierkg:processType": "ierkg:ResponseIndependent",
}

Expected = tuple[int | None, str, str]  # row (None for RDF), column, value as shown


@dataclass(frozen=True)
class Case:
    name: str
    key: str  # the constraint it exercises
    rows: tuple[Mapping[str, str], ...] = ({},)  # changes to CLEAN, one episode per row
    expect: tuple[Expected, ...] = ()  # the findings it must give for its constraint; () = none
    scale: tuple[float, float] | None = SCALE
    without: tuple[str, ...] = ()  # columns left out of the header
    chunk_size: int = 20_000
    column_map: Mapping | None = None  # a CSVW column map, as JSON
    turtle: Mapping[str, str] | None = None  # an RDF case: changes to RDF_CLEAN

    @property
    def fails(self) -> bool:
        return bool(self.expect)


def fails(name: str, key: str, *rows: Mapping[str, str], expect: list[Expected], **options) -> Case:
    return Case(name, key, rows or ({},), tuple(expect), **options)


def passes(name: str, key: str, *rows: Mapping[str, str], **options) -> Case:
    return Case(name, key, rows or ({},), (), **options)


def rdf_fails(name: str, key: str, changes: Mapping[str, str], expect: list[Expected]) -> Case:
    return Case(name, key, expect=tuple(expect), turtle=changes)


def rdf_passes(name: str, key: str, changes: Mapping[str, str] | None = None) -> Case:
    return Case(name, key, turtle=changes or {})


def blank(column: str) -> list[Expected]:
    return [(2, column, "")]


CASES: list[Case] = [
    # --- required fields ---
    fails(
        "episode_id blank",
        "sh:minCount on dcterms:identifier",
        {"episode_id": ""},
        expect=blank("episode_id"),
    ),
    passes("episode_id given", "sh:minCount on dcterms:identifier"),
    rdf_fails(
        "two episode ids",
        "sh:maxCount on dcterms:identifier",
        {"dcterms:identifier": '"r1", "r2"'},
        expect=[(None, "episode_id", "")],
    ),
    rdf_passes("one episode id", "sh:maxCount on dcterms:identifier"),
    fails(
        "regulator blank",
        "sh:minCount on ierkg:regulator",
        {"regulator_id": ""},
        expect=blank("regulator_id"),
    ),
    passes("regulator given", "sh:minCount on ierkg:regulator"),
    rdf_fails(
        "two regulators",
        "sh:maxCount on ierkg:regulator",
        {"ierkg:regulator": ":ann, :bob"},
        expect=[(None, "regulator_id", "")],
    ),
    rdf_passes("one regulator", "sh:maxCount on ierkg:regulator"),
    # Every functional dimension holds one value: only RDF can give it two.
    *[
        case
        for prop, column, two in FUNCTIONAL_DIMENSIONS
        for case in (
            rdf_fails(
                f"two values of {prop}",
                f"sh:maxCount on ierkg:{prop}",
                {f"ierkg:{prop}": two},
                expect=[(None, column, "")],
            ),
            rdf_passes(f"one value of {prop}", f"sh:maxCount on ierkg:{prop}"),
        )
    ],
    fails(
        "a mechanism of another cell than the codes give",
        MECHANISM_CELL,
        {"mechanism": "warm_glow"},
        expect=[(2, "mechanism", "warm_glow")],
    ),
    passes("the mechanism of the coded cell", MECHANISM_CELL),
    passes("no mechanism coded", MECHANISM_CELL, {"mechanism": ""}),
    fails(
        "the regulator among several targets, no role coded",
        REGULATOR_AMONG_TARGETS,
        {"target_ids": "ann;bob"},
        expect=[(2, "target_role", "")],
    ),
    passes(
        "the regulator among several targets, role coded",
        REGULATOR_AMONG_TARGETS,
        {"target_ids": "ann;bob", "target_role": "other"},
    ),
    fails("targets blank", "sh:minCount on ierkg:target", {"target_ids": ""}, expect=blank("target_ids")),
    passes(
        "several targets",
        "sh:minCount on ierkg:target",
        {"regulator_id": "carl", "target_ids": "ann; bob", "means": "act_on_partner"},
    ),
    fails(
        "interaction mode blank",
        "sh:minCount on ierkg:interactionMode",
        {"interaction_mode": ""},
        expect=blank("interaction_mode"),
    ),
    passes("interaction mode given", "sh:minCount on ierkg:interactionMode"),
    fails("goal blank", "sh:minCount on ierkg:goalStatus", {"goal": ""}, expect=blank("goal")),
    passes("goal none is a coded goal", "sh:minCount on ierkg:goalStatus", {"goal": "none"}),
    fails("means blank", "sh:minCount on ierkg:means", {"means": ""}, expect=blank("means")),
    passes("means given", "sh:minCount on ierkg:means"),
    fails("process blank", "sh:minCount on ierkg:processType", {"process": ""}, expect=blank("process")),
    passes("process given", "sh:minCount on ierkg:processType"),
    # --- codes name ontology values of the right kind ---
    fails(
        "interaction mode misspelt",
        "sh:class on ierkg:interactionMode",
        {"interaction_mode": "livve"},
        expect=[(2, "interaction_mode", "livve")],
    ),
    fails(
        "interaction mode given a means code",
        "sh:class on ierkg:interactionMode",
        {"interaction_mode": "recruit_partner"},
        expect=[(2, "interaction_mode", "recruit_partner")],
    ),
    passes("interaction mode in capitals", "sh:class on ierkg:interactionMode", {"interaction_mode": "LIVE"}),
    fails("goal unknown", "sh:class on ierkg:goalStatus", {"goal": "better"}, expect=[(2, "goal", "better")]),
    fails(
        "goal given a status name instead of improve, worsen or none",
        "sh:class on ierkg:goalStatus",
        {"goal": "present"},
        expect=[(2, "goal", "present")],
    ),
    passes("goal worsen", "sh:class on ierkg:goalStatus", {"goal": "worsen"}),
    rdf_fails(
        "goal direction of the wrong kind",
        "sh:class on ierkg:goalDirection",
        {"ierkg:goalDirection": "ierkg:LiveInteraction"},
        expect=[(None, "goal", "ierkg:LiveInteraction")],
    ),
    passes("goal improve gives a known direction", "sh:class on ierkg:goalDirection", {"goal": "Improve"}),
    fails(
        "means misspelt",
        "sh:class on ierkg:means",
        {"means": "recruit-partnr"},
        expect=[(2, "means", "recruit-partnr")],
    ),
    rdf_fails(
        "means of the wrong kind",
        "sh:class on ierkg:means",
        {"ierkg:means": "ierkg:LiveInteraction"},
        expect=[(None, "means", "ierkg:LiveInteraction")],
    ),
    passes("means written with spaces", "sh:class on ierkg:means", {"means": "recruit partner"}),
    fails(
        "process misspelt",
        "sh:class on ierkg:processType",
        {"process": "response dependant"},
        expect=[(2, "process", "response dependant")],
    ),
    passes(
        "process with a hyphen and capitals",
        "sh:class on ierkg:processType",
        {"process": "Response-Dependent"},
    ),
    fails(
        "mechanism unknown",
        "sh:class on ierkg:mechanism",
        {"mechanism": "warm glowing"},
        expect=[(2, "mechanism", "warm glowing")],
    ),
    fails(
        "mechanism given a strategy code",
        "sh:class on ierkg:mechanism",
        {"mechanism": "venting"},
        expect=[(2, "mechanism", "venting")],
    ),
    passes("mechanism known", "sh:class on ierkg:mechanism", {"mechanism": "affect_labeling"}),
    fails(
        "one of two strategies unknown",
        "sh:class on ierkg:strategy",
        {"strategy": "venting;sulking"},
        expect=[(2, "strategy", "sulking")],
    ),
    fails(
        "strategy given a mechanism code",
        "sh:class on ierkg:strategy",
        {"strategy": "warm_glow"},
        expect=[(2, "strategy", "warm_glow")],
    ),
    passes("two known strategies", "sh:class on ierkg:strategy", {"strategy": "venting; seeking_advice"}),
    fails(
        "partner response unknown",
        "sh:class on ierkg:partnerResponse",
        {"partner_response": "grateful"},
        expect=[(2, "partner_response", "grateful")],
    ),
    passes(
        "partner response known", "sh:class on ierkg:partnerResponse", {"partner_response": "Enthusiastic"}
    ),
    fails(
        "setting unknown",
        "sh:class on ierkg:setting",
        {"setting": "school"},
        expect=[(2, "setting", "school")],
    ),
    passes("setting known", "sh:class on ierkg:setting", {"setting": "support_group"}),
    fails(
        "relationship unknown",
        "sh:class on ierkg:relationship",
        {"relationship": "neighbours"},
        expect=[(2, "relationship", "neighbours")],
    ),
    passes("relationship known", "sh:class on ierkg:relationship", {"relationship": "romantic"}),
    fails(
        "target role unknown",
        "sh:class on ierkg:targetRole",
        {"target_role": "both"},
        expect=[(2, "target_role", "both")],
    ),
    passes("target role coded", "sh:class on ierkg:targetRole", {"target_role": "Self"}),
    fails(
        "social scale unknown",
        "sh:class on ierkg:socialScale",
        {"social_scale": "crowd"},
        expect=[(2, "social_scale", "crowd")],
    ),
    passes("social scale coded", "sh:class on ierkg:socialScale", {"social_scale": "dyadic"}),
    # --- numbers and times ---
    fails(
        "affect before not a number",
        "sh:datatype on ierkg:affectBefore",
        {"affect_before": "moderate"},
        expect=[(2, "affect_before", "moderate")],
    ),
    fails(
        "affect before NaN",
        "sh:datatype on ierkg:affectBefore",
        {"affect_before": "NaN"},
        expect=[(2, "affect_before", "NaN")],
    ),
    passes(
        "affect before with a decimal comma", "sh:datatype on ierkg:affectBefore", {"affect_before": "6,5"}
    ),
    fails(
        "affect after not a number",
        "sh:datatype on ierkg:affectAfter",
        {"affect_after": "high"},
        expect=[(2, "affect_after", "high")],
    ),
    passes("affect after with a decimal point", "sh:datatype on ierkg:affectAfter", {"affect_after": "7.0"}),
    fails(
        "start not a date",
        "sh:datatype on ierkg:startedAt",
        {"started_at": "yesterday", "ended_at": ""},
        expect=[(2, "started_at", "yesterday")],
    ),
    fails(
        "start is a date without a time",
        "sh:datatype on ierkg:startedAt",
        {"started_at": "2024-03-01", "ended_at": ""},
        expect=[(2, "started_at", "2024-03-01")],
    ),
    passes(
        "start with a space for T and a UTC offset",
        "sh:datatype on ierkg:startedAt",
        {"started_at": "2024-03-01 18:00:00+01:00", "ended_at": ""},
    ),
    fails(
        "end at hour 25",
        "sh:datatype on ierkg:endedAt",
        {"started_at": "", "ended_at": "2024-03-01 25:00"},
        expect=[(2, "ended_at", "2024-03-01 25:00")],
    ),
    fails(
        "end on 30 February",
        "sh:datatype on ierkg:endedAt",
        {"started_at": "", "ended_at": "2024-02-30T10:00:00"},
        expect=[(2, "ended_at", "2024-02-30T10:00:00")],
    ),
    passes("end without seconds", "sh:datatype on ierkg:endedAt", {"ended_at": "2024-03-01T18:25"}),
    fails(
        "ends before it starts",
        ORDER,
        {"started_at": "2024-03-02T10:00:00", "ended_at": "2024-03-02T09:00:00"},
        expect=[(2, "started_at", "2024-03-02T10:00:00")],
    ),
    passes(
        "ends as it starts",
        ORDER,
        {"started_at": "2024-03-01T18:00:00", "ended_at": "2024-03-01T18:00:00"},
    ),
    passes(
        "UTC offsets put the end after the start",
        ORDER,
        {"started_at": "2024-03-01T18:00:00+01:00", "ended_at": "2024-03-01T17:30:00Z"},
    ),
    passes("only a start", ORDER, {"ended_at": ""}),
    # A malformed time is reported as malformed; claiming the episode ends before it starts is false.
    passes(
        "a malformed end is not called out of order",
        ORDER,
        {"ended_at": "2024-03-01 25:00"},
    ),
    # Times with and without a UTC offset cannot be ordered; "ends before it starts" is unfounded.
    passes(
        "a start with an offset and an end without one are not called out of order",
        ORDER,
        {"started_at": "2024-03-01T18:00:00Z", "ended_at": "2024-03-01T18:30:00"},
    ),
    # ... but the pair is not passed in silence: a warning says the order cannot be checked.
    fails(
        "a start with an offset and an end without one cannot be ordered",
        MIXED_ZONES,
        {"started_at": "2024-03-01T18:00:00Z", "ended_at": "2024-03-01T17:00:00"},
        expect=[(2, "ended_at", "2024-03-01T17:00:00")],
    ),
    fails(
        "an end with an offset and a start without one cannot be ordered",
        MIXED_ZONES,
        {"started_at": "2024-03-01T18:00:00", "ended_at": "2024-03-01T19:00:00+01:00"},
        expect=[(2, "ended_at", "2024-03-01T19:00:00+01:00")],
    ),
    passes(
        "both times with an offset can be ordered",
        MIXED_ZONES,
        {"started_at": "2024-03-01T18:00:00+01:00", "ended_at": "2024-03-01T17:30:00Z"},
    ),
    passes("both times without an offset can be ordered", MIXED_ZONES, {}),
    passes("a malformed end is not called unordered", MIXED_ZONES, {"ended_at": "2024-03-01 25:00"}),
    passes(
        "an impossible start is malformed, not unordered",
        MIXED_ZONES,
        {"started_at": "2024-02-30T18:00:00Z", "ended_at": "2024-03-01T18:25:00"},
    ),
    # --- rules across fields ---
    fails(
        "role self but the target is someone else",
        SELF_ROLE,
        {"target_role": "self", "target_ids": "bob"},
        expect=[(2, "target_role", "self")],
    ),
    fails(
        "role self but one of two targets is someone else",
        SELF_ROLE,
        {"target_role": "self", "target_ids": "ann; bob"},
        expect=[(2, "target_role", "self")],
    ),
    passes("role self and the regulator is the target", SELF_ROLE, {"target_role": "self"}),
    passes("role derived from the ids", SELF_ROLE, {**EXTRINSIC}, without=("target_role",)),
    fails(
        "role other but the regulator is the target",
        OTHER_ROLE,
        {"target_role": "other", "means": "act_on_partner"},
        expect=[(2, "target_role", "other")],
    ),
    passes("role other and someone else is the target", OTHER_ROLE, {**EXTRINSIC, "target_role": "other"}),
    fails(
        "response-dependent without a response",
        NO_RESPONSE,
        {"partner_response": ""},
        expect=blank("partner_response"),
    ),
    fails(
        "response-dependent in a file without a partner_response column",
        NO_RESPONSE,
        expect=blank("partner_response"),
        without=("partner_response",),
    ),
    passes("no response is a recorded response", NO_RESPONSE, {"partner_response": "none"}),
    passes(
        "response-independent needs no response",
        NO_RESPONSE,
        {"process": "response_independent", "partner_response": ""},
    ),
    fails(
        "two rows share an episode_id",
        DUPLICATE,
        {"episode_id": "e7"},
        {"episode_id": "e7"},
        expect=[(2, "episode_id", "e7"), (3, "episode_id", "e7")],
    ),
    fails(
        "rows in different chunks share an episode_id",
        DUPLICATE,
        {"episode_id": "e7"},
        {"episode_id": "e8"},
        {"episode_id": "e7"},
        expect=[(2, "episode_id", "e7"), (4, "episode_id", "e7")],
        chunk_size=1,
    ),
    fails(
        "three rows share an episode_id, two in one chunk and one in the next",
        DUPLICATE,
        {"episode_id": "e7"},
        {"episode_id": "e7"},
        {"episode_id": "e8"},
        {"episode_id": "e7"},
        expect=[(2, "episode_id", "e7"), (3, "episode_id", "e7"), (5, "episode_id", "e7")],
        chunk_size=2,
    ),
    passes("every row its own episode_id", DUPLICATE, {"episode_id": "e1"}, {"episode_id": "e2"}),
    fails(
        "rating above the scale",
        OFF_SCALE,
        {"affect_before": "9"},
        expect=[(2, "affect_before", "9")],
    ),
    fails(
        "rating below the scale",
        OFF_SCALE,
        {"affect_after": "0"},
        expect=[(2, "affect_after", "0")],
    ),
    fails(
        "rating off a scale declared in the column map",
        OFF_SCALE,
        {"affect_after": "12"},
        expect=[(2, "affect_after", "12")],
        scale=None,
        column_map={
            "tableSchema": {"columns": [{"name": "affect_after", "datatype": {"minimum": 0, "maximum": 10}}]}
        },
    ),
    passes("ratings on the ends of the scale", OFF_SCALE, {"affect_before": "1", "affect_after": "7"}),
    fails(
        "ratings without a declared scale",
        NO_SCALE,
        {"affect_after": ""},
        expect=[(2, "affect_before", "3")],
        scale=None,
    ),
    passes("no ratings and no scale", NO_SCALE, {"affect_before": "", "affect_after": ""}, scale=None),
    passes("ratings on a declared scale", NO_SCALE),
    rdf_fails(
        "a direction coded with no goal",
        DIRECTION_WITHOUT_GOAL,
        {"ierkg:goalStatus": "ierkg:NoGoal"},
        expect=[(None, "goal", "ierkg:ImproveAffect")],
    ),
    passes("goal none codes no direction", DIRECTION_WITHOUT_GOAL, {"goal": "none"}),
    fails(
        "recruiting a partner who is only imagined",
        NOT_LIVE,
        {"interaction_mode": "imagined"},
        expect=[(2, "interaction_mode", "imagined")],
    ),
    fails(
        "acting on a partner while alone",
        NOT_LIVE,
        {**EXTRINSIC, "interaction_mode": "alone"},
        expect=[(2, "interaction_mode", "alone")],
    ),
    passes(
        "imagined others and regulating alone",
        NOT_LIVE,
        {"interaction_mode": "imagined", "means": "alone", "process": "unknown"},
    ),
    fails(
        "another's feelings, goal pursued by recruiting",
        OTHER_NOT_ACTED_ON,
        {**EXTRINSIC, "means": "recruit_partner"},
        expect=[(2, "means", "recruit_partner")],
    ),
    passes("another's feelings, acting on them", OTHER_NOT_ACTED_ON, {**EXTRINSIC}),
    passes(
        "another's feelings with no goal", OTHER_NOT_ACTED_ON, {**EXTRINSIC, "means": "alone", "goal": "none"}
    ),
    fails("goal none is read as modulation", MODULATION, {"goal": "none"}, expect=[(2, "goal", "none")]),
    passes("a goal makes it regulation", MODULATION, {"goal": "improve"}),
]


# --- running a case ----------------------------------------------------------------------------


def write_csv(path: Path, rows: list[Mapping[str, str]], without: tuple[str, ...] = ()) -> Path:
    header = [name for name in HEADER if name not in without]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number, changes in enumerate(rows, start=1):
            row = {**CLEAN, "episode_id": f"e{number}", **changes}
            writer.writerow([row[name] for name in header])
    return path


def write_turtle(path: Path, changes: Mapping[str, str]) -> Path:
    properties = {**RDF_CLEAN, **changes}
    body = " ;\n    ".join(f"{predicate} {objects}" for predicate, objects in properties.items())
    path.write_text(
        "@prefix ierkg: <https://w3id.org/ierkg/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix : <urn:ierkg:test:> .\n"
        f":episode {body} .\n",
        encoding="utf-8",
    )
    return path


def run_case(case: Case, folder: Path, engine: Engine) -> Report:
    if case.turtle is not None:
        return validate_rdf(write_turtle(folder / "case.ttl", case.turtle), engine)
    path = write_csv(folder / "case.csv", list(case.rows), case.without)
    column_map = None
    if case.column_map is not None:
        map_path = folder / "case-map.json"
        map_path.write_text(json.dumps(case.column_map), encoding="utf-8")
        column_map = load_column_map(map_path)
    return validate_table(path, engine, column_map, scale=case.scale, chunk_size=case.chunk_size)


@pytest.fixture(scope="module")
def engine() -> CompiledEngine:
    return CompiledEngine()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Case, engine: CompiledEngine, tmp_path: Path):
    report = run_case(case, tmp_path, engine)
    constraint = CONSTRAINTS[case.key]
    mine = [f for f in report.findings if key_of(f) == case.key]
    assert sorted((f.row, f.column, f.value) for f in mine) == sorted(case.expect), (
        f"{case.key}: expected {list(case.expect) or 'no finding'}, got "
        f"{[(f.row, f.column, f.value) for f in mine] or 'none'}"
    )
    for finding in mine:
        assert (finding.severity, finding.message) == (constraint.severity, constraint.message)


def test_every_constraint_has_a_failing_and_a_passing_case():
    constraints = shape_constraints()
    keys = [c.key for c in constraints]
    assert len(keys) == len(set(keys)), "two constraints share a key, so a case could not tell them apart"
    failing = {case.key for case in CASES if case.fails}
    passing = {case.key for case in CASES if not case.fails}
    missing = [f"{key}: no failing case" for key in keys if key not in failing]
    missing += [f"{key}: no passing case" for key in keys if key not in passing]
    assert not missing, "constraints in shapes/episodes.ttl without a named case:\n" + "\n".join(missing)
    stale = sorted({case.key for case in CASES} - set(keys))
    assert not stale, f"cases for constraints the shapes no longer have: {stale}"


def test_the_constraint_list_is_read_from_the_shapes():
    # Guards the enumeration itself: it sees all three severities and both kinds of constraint.
    constraints = shape_constraints()
    assert {c.severity for c in constraints} == {"Violation", "Warning", "Info"}
    assert "sh:minCount on dcterms:identifier" in CONSTRAINTS
    assert MODULATION in CONSTRAINTS and CONSTRAINTS[MODULATION].severity == "Info"
    assert CONSTRAINTS[NOT_LIVE].severity == "Warning"
    assert all(c.message for c in constraints), "every constraint has a message in plain words"


def test_an_unfamiliar_constraint_is_counted(tmp_path: Path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        SHAPES.read_text(encoding="utf-8")
        + "\nier:EpisodeShape sh:closed true .\n"
        + 'ier:EpisodeShape sh:property [ sh:path ierkg:emotion ; sh:maxLength 80 ; sh:message "Too long." ] .\n',
        encoding="utf-8",
    )
    added = sorted({c.key for c in shape_constraints(shapes)} - set(CONSTRAINTS))
    assert len(added) == 2
    assert added[0].startswith("sh:closed on ") and added[0].endswith("EpisodeShape")
    assert added[1] == "sh:maxLength on ierkg:emotion"


# --- whole episodes ----------------------------------------------------------------------------


def test_clean_episodes_give_no_findings(engine: CompiledEngine, tmp_path: Path):
    rows = [
        {},
        {**EXTRINSIC, "process": "response_independent", "partner_response": "", "mechanism": "warm_glow"},
        {
            "regulator_id": "carl",
            "target_ids": "ann;bob",
            "means": "act_on_partner",
            "goal": "worsen",
            "mechanism": "",
        },
    ]
    report = validate_table(write_csv(tmp_path / "clean.csv", rows), engine, scale=SCALE)
    assert report.findings == []
    assert (report.rows_read, report.rows_valid, report.conforms) == (3, 3, True)


def test_goal_none_is_valid_and_noted_as_modulation(engine: CompiledEngine, tmp_path: Path):
    path = write_csv(
        tmp_path / "modulation.csv",
        [{"goal": "none", "means": "alone", "process": "unknown", "mechanism": ""}],
    )
    report = validate_table(path, engine, scale=SCALE)
    assert [(f.row, f.column, f.value, f.severity) for f in report.findings] == [(2, "goal", "none", "Info")]
    assert report.conforms and report.rows_valid == 1


def test_warnings_do_not_break_conformance(engine: CompiledEngine, tmp_path: Path):
    path = write_csv(tmp_path / "warning.csv", [{"interaction_mode": "imagined", "mechanism": ""}])
    report = validate_table(path, engine, scale=SCALE)
    assert [f.severity for f in report.findings] == ["Warning"]
    assert report.conforms and report.rows_with_problems == 1


def test_a_clean_rdf_episode_gives_no_findings(engine: CompiledEngine, tmp_path: Path):
    report = validate_rdf(write_turtle(tmp_path / "clean.ttl", {}), engine)
    assert report.rows_read == 1 and report.findings == []


# --- the gold file -----------------------------------------------------------------------------


def gold_report(engine: Engine, chunk_size: int = 20_000) -> Report:
    return validate_table(
        GOLD / "gold.csv", engine, load_column_map(GOLD / "gold-map.json"), chunk_size=chunk_size
    )


def gold_expected() -> set[tuple[int, str, str, str, str]]:
    with (GOLD / "expected.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (int(r["row"]), r["column"], r["value"], r["severity"], r["message"])
            for r in csv.DictReader(handle)
        }


def as_expected(report: Report) -> set[tuple[int | None, str, str, str, str]]:
    return {(f.row, f.column, f.value, f.severity, f.message) for f in report.findings}


def test_gold_gives_exactly_the_expected_findings(engine: CompiledEngine):
    report = gold_report(engine)
    expected, found = gold_expected(), as_expected(report)
    assert not expected - found, f"missed: {sorted(expected - found)}"
    assert not found - expected, f"not expected: {sorted(found - expected)}"
    assert len(report.findings) == len(expected), "a finding is reported twice"
    assert report.rows_read == 40


def test_gold_holds_one_defect_of_each_kind(engine: CompiledEngine):
    kinds = {key_of(f) for f in gold_report(engine).findings}
    assert kinds == set(CONSTRAINTS) - RDF_ONLY


def test_gold_readme_names_every_row_with_a_finding():
    readme = (GOLD / "README.md").read_text(encoding="utf-8")
    cells = [line.split("|") for line in readme.splitlines() if line.startswith("|")]
    listed = {int(row[1]) for row in cells if row[1].strip().isdigit()}
    assert {row for row, *_ in gold_expected()} <= listed
    assert listed == set(range(2, 42))
