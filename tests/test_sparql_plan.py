"""The SPARQL planner (ierkg.datasets.sparql_plan) against rdflib and Oxigraph.

pySHACL answers a SPARQL constraint by running it in rdflib with $this bound to each focus
node; the compiled engine's other mode runs it on Oxigraph. Every query here runs all three
ways over the same triples (split for the planner between a "data" part and an "ontology"
part, as the compiled engine splits them), and the distinct answers must be equal; where
rdflib departs from the SPARQL standard, the planner follows the standard, as Oxigraph does.
The queries reach past what the shapes use today (paths, OPTIONAL, errors inside filters), so
that a new shape cannot silently meet a planner bug; what the planner refuses must raise
Unsupported, and the engine then sends that constraint to Oxigraph instead.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, URIRef

from ierkg.datasets.compiled import CompiledEngine
from ierkg.datasets.episodes import subjects_of
from ierkg.datasets.reference_engine import PyShaclEngine
from ierkg.datasets.sparql_plan import TripleIndex, Unsupported, plan
from ierkg.datasets.terms import NUMERIC, XSD, datetime_or_none, literal
from ierkg.datasets.validation import validate_rdf

from .test_episode_shapes import SHAPES, write_turtle

PREFIXES = """\
PREFIX ex: <urn:ex:>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

DATA = """\
@prefix ex: <urn:ex:> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:Special ; ex:id "1" ; ex:knows ex:b , ex:c ; ex:score 3.5 , "4"^^xsd:integer ;
    ex:start "2024-01-01T10:00:00Z"^^xsd:dateTime ; ex:end "2024-01-01T09:00:00Z"^^xsd:dateTime ;
    ex:name "Ann"@en , "ann" ; ex:next ex:b ; ex:kind ex:Shared .
ex:b a ex:Plain ; ex:id "1" ; ex:knows ex:a ; ex:score "abc"^^xsd:decimal , "1e1"^^xsd:double ;
    ex:start "2024-01-01T10:00:00"^^xsd:dateTime ; ex:end "2024-01-01T09:00:00Z"^^xsd:dateTime ;
    ex:name "BOB" ; ex:next ex:c .
ex:c a ex:Special ; ex:id "2" ; ex:score 7 ; ex:next ex:a ; ex:tag _:t .
_:t ex:label "blank" .
ex:d ex:id "3" ; ex:score "7.0"^^xsd:decimal ; ex:name "" .
"""

# The "ontology": classes, and a node (ex:Shared) that the data describes too.
ONTOLOGY = """\
@prefix ex: <urn:ex:> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Special rdfs:subClassOf ex:Thing .
ex:Thing rdfs:subClassOf ex:Top .
ex:Plain rdfs:subClassOf ex:Top .
ex:Shared ex:weight 2 .
ex:a ex:fromOntology "yes" .
"""

FOCUS = ["<urn:ex:a>", "<urn:ex:b>", "<urn:ex:c>", "<urn:ex:d>", "<urn:ex:absent>"]

QUERIES = {
    "constant object and !=": "SELECT $this ?value WHERE { $this a ex:Special ; ex:knows ?value . FILTER (?value != ex:b) }",
    "the same variable twice": "SELECT $this WHERE { $this ex:knows ?x . ?x ex:knows $this }",
    "merged subject": "SELECT $this ?value WHERE { $this ex:fromOntology ?value ; ex:kind/ex:weight ?w }",
    "subclass path": "SELECT $this ?class WHERE { $this rdf:type/rdfs:subClassOf* ?class }",
    "one or more, with a cycle": "SELECT $this ?value WHERE { $this ex:next+ ?value }",
    "zero or one": "SELECT $this ?value WHERE { $this ex:next? ?value }",
    "inverse path": "SELECT $this ?value WHERE { $this ^ex:knows ?value }",
    "inverse of a sequence": "SELECT $this ?value WHERE { $this ^(ex:next/ex:next) ?value }",
    "alternative path": "SELECT $this ?value WHERE { $this (ex:knows|ex:next) ?value }",
    "sequence ending in a star": "SELECT $this ?value WHERE { $this ex:knows/ex:next* ?value }",
    "others with my id": """SELECT $this ?value WHERE {
        $this ex:id ?value . ?other ex:id ?value . FILTER (?other != $this) }""",
    "not exists": "SELECT $this WHERE { $this ex:id ?id . FILTER NOT EXISTS { $this ex:knows ?anyone } }",
    "exists with an inner variable": """SELECT $this WHERE {
        $this ex:id ?id . FILTER EXISTS { ?other ex:knows $this . ?other ex:score ?s } }""",
    "optional with bound": """SELECT $this ?k WHERE {
        $this ex:id ?id OPTIONAL { $this ex:knows ?k . FILTER (?k != ex:c) } FILTER (!BOUND(?k) || ?k = ex:b) }""",
    "optional whose filter reads the left side": """SELECT $this ?other WHERE {
        $this ex:id ?id OPTIONAL { ?other ex:id ?same . FILTER (?same = ?id && ?other != $this) } }""",
    "union and bind": """SELECT $this ?path ?value WHERE {
        { $this ex:start ?value . BIND (ex:start AS ?path) } UNION { $this ex:end ?value . BIND (ex:end AS ?path) } }""",
    "numbers of several types": """SELECT $this ?value WHERE {
        $this ex:score ?value . FILTER (?value > 3 && ?value <= 7.0e0) }""",
    "a cast to xsd:dateTime, well-formed times only": """SELECT $this ?value WHERE {
        $this ex:start ?value . FILTER (xsd:dateTime(STR(?value)) = ?value) }""",
    "a cast of a string that is no time is an error": """SELECT $this ?n WHERE {
        $this ex:name ?n . FILTER (xsd:dateTime(?n) = ?n || ?n = "BOB") }""",
    "IN over STR": 'SELECT $this ?n WHERE { $this ex:name ?n . FILTER (STR(?n) IN ("Ann", "BOB")) }',
    "numeric equality across types": "SELECT $this ?value WHERE { $this ex:score ?value . FILTER (?value = 7) }",
    "ill-typed numbers are errors": "SELECT $this ?value WHERE { $this ex:score ?value . FILTER (!(?value < 5)) }",
    "an error or true": 'SELECT $this ?value WHERE { $this ex:score ?value . FILTER (?value < "x" || ?value > 1) }',
    "date times and time zones": """SELECT $this WHERE {
        $this ex:start ?s ; ex:end ?e . FILTER (?s > ?e) }""",
    "in and not in": """SELECT $this ?value WHERE {
        $this ex:knows|ex:score ?value . FILTER (?value IN (ex:b, 4, "x") && ?value NOT IN (ex:c)) }""",
    "strings, languages and regex": """SELECT $this ?value WHERE {
        $this ex:name ?value .
        FILTER (REGEX(STR(?value), "^[ab]", "i") && (LANG(?value) = "en" || DATATYPE(?value) = xsd:string)) }""",
    "string order and emptiness": 'SELECT $this ?value WHERE { $this ex:name ?value . FILTER (?value && ?value < "b") }',
    "term kinds": """SELECT $this ?value WHERE {
        $this ex:tag|ex:knows|ex:id ?value . FILTER (isBLANK(?value) || (isLITERAL(?value) && !isIRI(?value))) }""",
    "same term": "SELECT $this WHERE { $this ex:score ?s . FILTER (sameTerm(?s, 7)) }",
    "a sub-select, joined": """SELECT $this ?class WHERE {
        { SELECT DISTINCT ?class WHERE { ?class rdfs:subClassOf ?super . ?super rdfs:subClassOf ex:Top } }
        $this a ?class }""",
    "distinct": "SELECT DISTINCT $this ?kind WHERE { $this ex:score ?s . BIND (DATATYPE(?s) AS ?kind) }",
}


def _subjects(turtle: str):
    quads = pyoxigraph.parse(turtle.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    return subjects_of((str(q.subject), str(q.predicate), str(q.object)) for q in quads)


# Where one of the two departs from the SPARQL standard, the planner follows the standard.
DEPARTS = {
    # rdflib orders an ill-typed number ("abc"^^xsd:decimal) as if it were a value; SPARQL
    # makes that comparison an error.
    "an error or true": "rdflib",
    # A zero-length path from a constant reaches the constant even where the graph does not
    # mention it (SPARQL 1.1, 18.5, ZeroLengthPath); Oxigraph answers nothing for ex:absent.
    "zero or one": "oxigraph",
}


@pytest.fixture(scope="module")
def graphs() -> tuple[TripleIndex, Graph, pyoxigraph.Store]:
    rdflib_graph = Graph().parse(data=DATA, format="turtle").parse(data=ONTOLOGY, format="turtle")
    store = pyoxigraph.Store()
    for part in (DATA, ONTOLOGY):
        store.load(part.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    return TripleIndex(_subjects(DATA), _subjects(ONTOLOGY)), rdflib_graph, store


def _rdflib(query: str, graph: Graph) -> set[tuple]:
    answers = set()
    for node in FOCUS:
        for row in graph.query(query, initBindings={"this": URIRef(node[1:-1])}):
            answers.add(tuple(_normal(term.n3() if term is not None else None) for term in row))
    return answers


def _oxigraph(query: str, store: pyoxigraph.Store) -> set[tuple]:
    """Each focus node substituted for $this, as SHACL pre-binding is defined."""
    answers = set()
    for node in FOCUS:
        substituted = query.replace("SELECT DISTINCT $this", "SELECT DISTINCT ($this AS ?this)")
        substituted = substituted.replace("SELECT $this", "SELECT ($this AS ?this)").replace("$this", node)
        solutions = store.query(substituted)
        for solution in solutions:
            row = [solution[v] for v in solutions.variables]
            answers.add(tuple(_normal(str(term) if term is not None else None) for term in row))
    return answers


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_planner_answers_as_rdflib_and_oxigraph_do(name: str, graphs):
    index, rdflib_graph, store = graphs
    query = PREFIXES + QUERIES[name]
    planned = {tuple(_normal(term) for term in row) for row in plan(query).run(FOCUS, index)}
    if DEPARTS.get(name) != "oxigraph":
        assert planned == _oxigraph(query, store)
    if DEPARTS.get(name) != "rdflib":
        assert planned == _rdflib(query, rdflib_graph)
    assert planned or name == "same term", "a query that finds nothing shows little"


def _normal(term: str | None) -> str | None:
    """Blank nodes are named differently by each parser, and each writes numbers and times its
    own way: compare blank nodes by kind, and numbers and times by value."""
    if term is None:
        return None
    if term.startswith("_:"):
        return "_:blank"
    parsed = literal(term)
    if parsed is not None and parsed[1] in NUMERIC:
        try:
            return f"number {float(parsed[0])}"
        except ValueError:
            return term
    if parsed is not None and parsed[1] == f"{XSD}dateTime":
        moment = datetime_or_none(parsed[0])
        return f"time {moment.isoformat()}" if moment else term
    return term


@pytest.mark.parametrize(
    ("query", "shared"),
    [
        ("SELECT $this ?k WHERE { $this ex:knows ?k . ?k ex:id ?id }", ("<urn:ex:knows>",)),
        ("SELECT $this WHERE { ?k ^ex:knows $this ; ex:id ?id }", ("<urn:ex:knows>",)),
        (
            "SELECT $this WHERE { $this ex:knows ?k FILTER NOT EXISTS { $this ex:kind ?n } }",
            ("<urn:ex:kind>", "<urn:ex:knows>"),
        ),
        # $this named in a FILTER, as an object, or at the end of a `*` path: never shared
        ("SELECT $this ?o WHERE { ?o ex:knows ?k FILTER (?o != $this) }", None),
        ("SELECT $this ?o WHERE { ?o ex:knows $this }", None),
        ("SELECT $this ?o WHERE { $this ex:next* ?o }", None),
    ],
)
def test_focus_nodes_with_equal_values_share_one_evaluation(query: str, shared):
    """Nodes alike in what the query reads of them are answered once, with the same answers
    as one evaluation per node; anything else that names $this turns sharing off."""
    planned = plan(PREFIXES + query)
    assert planned.reads == shared
    twins = TripleIndex(
        {
            f"<urn:ex:{name}>": {"<urn:ex:knows>": ["<urn:ex:x>"], "<urn:ex:next>": ["<urn:ex:x>"]}
            for name in ("p", "q", "r")
        }
        | {"<urn:ex:x>": {"<urn:ex:id>": ['"x"'], "<urn:ex:knows>": ["<urn:ex:p>"]}},
        {},
    )
    focus = ["<urn:ex:p>", "<urn:ex:q>", "<urn:ex:r>", "<urn:ex:x>"]
    evaluated: list[int] = []

    def counting(solutions, graph):
        evaluated.append(len(solutions))
        return planned.step(solutions, graph)

    one_by_one = {row for node in focus for row in plan(PREFIXES + query).run([node], twins)}
    answers = replace(planned, step=counting).run(focus, twins)
    assert one_by_one and set(answers) == one_by_one and len(answers) == len(set(answers))
    assert evaluated == [2 if shared else 4]  # p, q and r read alike; x differs


@pytest.mark.parametrize(
    "query",
    [
        "SELECT $this WHERE { $this ?p ?o }",  # a variable predicate
        "SELECT $this WHERE { $this ex:id ?id MINUS { $this ex:knows ?k } }",
        "SELECT $this WHERE { VALUES ?x { 1 } $this ex:id ?id }",
        "SELECT $this (COUNT(?k) AS ?n) WHERE { $this ex:knows ?k } GROUP BY $this",
        "SELECT $this WHERE { $this ex:id ?id } ORDER BY ?id LIMIT 1",
        "SELECT $this WHERE { GRAPH ?g { $this ex:id ?id } }",
        "SELECT $this WHERE { $this ex:id ?id . FILTER (STRLEN(?id) > 0) }",  # a function not planned
        "SELECT $this WHERE { $this !ex:id ?x }",  # a negated property set
        "SELECT $this WHERE { { SELECT ?x WHERE { $this ex:knows ?x } } }",  # a sub-select using $this
        # a FILTER that would see a variable bound outside its group
        "SELECT $this WHERE { $this ex:id ?id { ?o ex:id ?other FILTER (?other = ?id) } }",
        "SELECT $this WHERE { ?s ex:knows+ ?o }",  # a path with neither end known
        # a FILTER inside OPTIONAL that would see a variable bound outside the OPTIONAL's group
        "SELECT $this WHERE { $this ex:id ?id { ?o ex:score ?s OPTIONAL { ?o ex:knows ?k FILTER (?k != ?id) } } }",
    ],
)
def test_what_the_planner_refuses_raises_unsupported(query: str):
    with pytest.raises(Unsupported):
        plan(PREFIXES + query)


def test_a_constraint_the_planner_refuses_runs_on_the_store(tmp_path: Path):
    # STRLEN is beyond the planner; the engine must still give pySHACL's answer for it.
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        SHAPES.read_text(encoding="utf-8")
        + """
ier:WarningShape sh:sparql [
    a sh:SPARQLConstraint ;
    sh:message "Name the emotion in fewer than eight letters." ;
    sh:prefixes ier: ;
    sh:select \"\"\"SELECT $this (ierkg:regulatedEmotion AS ?path) ?value WHERE {
        $this ierkg:regulatedEmotion ?value . FILTER (STRLEN(STR(?value)) >= 8) }\"\"\" ] .
""",
        encoding="utf-8",
    )
    data = write_turtle(tmp_path / "emotions.ttl", {"ierkg:regulatedEmotion": '"anger", "frustration"'})
    engine = CompiledEngine(shapes=shapes)
    assert [check.message for check in engine.sparql] == ["Name the emotion in fewer than eight letters."]
    found = {(f.message, f.value) for f in validate_rdf(data, engine).findings}
    expected = {(f.message, f.value) for f in validate_rdf(data, PyShaclEngine(shapes=shapes)).findings}
    assert ("Name the emotion in fewer than eight letters.", "frustration") in expected
    assert ("Name the emotion in fewer than eight letters.", "anger") not in expected
    assert found == expected, sorted(found)


def test_a_plan_the_data_takes_beyond_the_planner_runs_on_the_store(tmp_path: Path):
    # For an episode with no emotion, the OPTIONAL leaves ?value unbound and the path then has
    # neither end known: the planner can only find that out while running, and must hand over.
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        SHAPES.read_text(encoding="utf-8")
        + """
ier:WarningShape sh:sparql [
    a sh:SPARQLConstraint ;
    sh:message "Another episode names this emotion." ;
    sh:prefixes ier: ;
    sh:select \"\"\"SELECT $this (ierkg:regulatedEmotion AS ?path) ?value WHERE {
        OPTIONAL { $this ierkg:regulatedEmotion ?value }
        ?value ^(ierkg:regulatedEmotion|ierkg:setting) ?other . FILTER (?other != $this) }\"\"\" ] .
""",
        encoding="utf-8",
    )
    data = write_turtle(tmp_path / "emotions.ttl", {"ierkg:regulatedEmotion": '"anger"'})
    with data.open("a", encoding="utf-8") as turtle:
        turtle.write(':second a ierkg:Episode ; ierkg:regulatedEmotion "anger", "fear" .\n')
        turtle.write(":third a ierkg:Episode .\n")
    engine = CompiledEngine(shapes=shapes)
    assert [check.message for check in engine.planned if "emotion" in check.message] == [
        "Another episode names this emotion."
    ]
    found = {(f.node, f.message, f.value) for f in validate_rdf(data, engine).findings}
    assert [check.message for check in engine.refused_at_run] == ["Another episode names this emotion."]
    expected = {
        (f.node, f.message, f.value) for f in validate_rdf(data, PyShaclEngine(shapes=shapes)).findings
    }
    third = "urn:ierkg:test:third"
    assert (third, "Another episode names this emotion.", "fear") in expected
    assert found == expected, sorted(found)
