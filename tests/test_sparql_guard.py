"""The guard reads a query token by token: what it refuses, what it lets through, and why."""

from __future__ import annotations

import time

import pytest

from ierkg.sparql.guard import Refused, check_query, nesting_depth, refuse_update
from ierkg.sparql.lexer import tokens, unescape_codepoints
from ierkg.stores.base import QueryRejected
from ierkg.stores.embedded import check_syntax

PUBLIC = ("https://w3id.org/ierkg/graph/release",)
RELEASE = PUBLIC[0]


def refusal(text: str, **limits) -> Refused:
    with pytest.raises(Refused) as caught:
        check_query(text, PUBLIC, **limits)
    return caught.value


@pytest.mark.parametrize(
    "text, form",
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("prefix ex: <http://example.org/> ask { ex:a ?p ?o }", "ASK"),
        ("BASE <http://example.org/> CONSTRUCT WHERE { <a> ?p ?o }", "CONSTRUCT"),
        ("# a comment first\nDESCRIBE <http://example.org/a>", "DESCRIBE"),
    ],
)
def test_the_query_form_is_read_after_the_prologue(text: str, form: str):
    assert check_query(text, PUBLIC).form == form


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent ?endpoint { ?s ?p ?o } }",
        # SPARQL undoes codepoint escapes before parsing, and so does the guard.
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        # A less-than sign followed by '>' further on looks like an IRI to a lexer, but an
        # engine reading the expression finds SERVICE in between: both readings are checked.
        "SELECT * WHERE { ?a ?b ?c FILTER(?c<1)SERVICE?x#>\n{ ?s ?p ?o } }",
    ],
)
def test_service_is_refused_however_it_is_written(text: str):
    refused = refusal(text)
    assert refused.status == 400 and "SERVICE is not allowed" in refused.message


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * WHERE { ?service ?p "customer service"@en . ?s <http://schema.org/Service> ?o }',
        'PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:x ?o ; ?p "x"@service }',
        "SELECT * WHERE { ?s <http://en.wikipedia.org/wiki/Service_(economics)> ?o } # SERVICE",
    ],
)
def test_the_word_service_elsewhere_is_not_a_service_call(text: str):
    assert check_query(text, PUBLIC).form == "SELECT"


@pytest.mark.parametrize(
    "text, default, named",
    [
        (f"SELECT * FROM <{RELEASE}> WHERE {{}}", (RELEASE,), ()),
        ("PREFIX g: <https://w3id.org/ierkg/graph/> SELECT * FROM NAMED g:release {}", (), (RELEASE,)),
        ("BASE <https://w3id.org/ierkg/graph/> SELECT * FROM <release> {}", (RELEASE,), ()),
    ],
)
def test_from_clauses_are_resolved_against_prefix_and_base(text: str, default: tuple, named: tuple):
    checked = check_query(text, PUBLIC)
    assert (checked.from_graphs, checked.from_named) == (default, named)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <http://example.org/private> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <https://w3id.org/ierkg/dataset/x> WHERE { ?s ?p ?o }",
        "SELECT ((?a<1)AS?x)FROM#>\n<http://example.org/private> WHERE {}",
    ],
)
def test_a_graph_that_is_not_public_is_refused(text: str):
    refused = refusal(text)
    assert refused.status == 400 and "this service reads only its own graphs" in refused.message


@pytest.mark.parametrize(
    "text, status, words",
    [
        ("INSERT DATA { <a> <b> <c> }", 403, "read-only"),
        ("PREFIX ex: <http://example.org/> DELETE WHERE { ?s ex:p ?o }", 403, "read-only"),
        ("LOAD <http://example.org/data.ttl>", 400, "LOAD is not allowed"),
        ("CLEAR ALL ; LOAD <http://example.org/data.ttl>", 400, "LOAD is not allowed"),
    ],
)
def test_updates_are_refused_as_queries_and_as_updates(text: str, status: int, words: str):
    refused = refusal(text)
    assert (refused.status, words in refused.message) == (status, True)
    with pytest.raises(Refused) as caught:
        refuse_update(text)
    assert caught.value.status == status


def test_text_that_is_no_query_says_where_it_goes_wrong():
    refused = refusal("PREFIX ex: <http://example.org/>\nSELEC * WHERE {}")
    assert refused.status == 400
    assert "line 2, column 1" in refused.message and "'SELEC'" in refused.message
    assert "no SELECT, ASK, CONSTRUCT or DESCRIBE" in refusal("# nothing but a comment").message


def test_size_and_nesting_are_capped_before_reading():
    assert refusal("SELECT * { }" + " " * 200, max_bytes=100).status == 413
    deep = "SELECT * WHERE " + "{ " * 30 + "?s ?p ?o" + " }" * 30
    assert nesting_depth(deep) == 30
    assert "nests brackets 30 deep" in refusal(deep).message
    # Brackets in strings, IRIs and comments do not count.
    assert nesting_depth('SELECT * { ?s ?p "{{{{" . ?s <http://x/(a)> ?o } # (((') == 1


def test_large_flat_queries_are_read_whatever_their_length():
    # rdflib's parser ran out of stack past ~85 triple patterns and took seconds on long IN lists.
    patterns = " ".join(f"?s{i} <http://example.org/p> ?o{i} ." for i in range(2_000))
    assert check_query(f"SELECT * WHERE {{ {patterns} }}", PUBLIC, max_bytes=10**6).form == "SELECT"
    values = ", ".join(f'"v{i}"' for i in range(5_000))
    assert check_query(f"ASK {{ ?s ?p ?o FILTER(?o IN ({values})) }}", PUBLIC).form == "ASK"


def test_queries_built_to_make_the_guard_slow_are_read_in_one_pass_each():
    """Each '<' once tried its IRI to the next '>', and each nested ambiguous span cost another
    full read: a 100 KB query of either kind held a web thread for many minutes."""
    opened_by_less_than = "SELECT * WHERE { FILTER(" + "<" * 99_000 + ">) }"
    started = time.monotonic()
    assert check_query(opened_by_less_than, PUBLIC).form == "SELECT"
    nested = "SELECT * WHERE { ?a ?b ?c FILTER(" + "<')>'" * 19_900 + ") }"
    refused = refusal(nested)
    assert time.monotonic() - started < 10  # a hang guard: the old reading took about 25 minutes
    assert refused.status == 400 and "more than 8 nested ways" in refused.message
    assert "put a space after each '<' that means less-than" in refused.message
    # Two nested readings are still read both ways, and what hides in them is found.
    hidden = "SELECT * WHERE { ?a ?b ?c FILTER(?c<')>'<1)SERVICE?x#>\n{ ?s ?p ?o } }"
    assert "SERVICE is not allowed" in refusal(hidden).message


def test_the_lexer_skips_strings_with_escapes_and_long_strings():
    found = tokens('SELECT * { ?s ?p "a \\" SERVICE" , """multi\nline SERVICE""" , \'x\' } LIMIT 1')
    assert [t.text for t in found if t.kind == "keyword"] == ["SELECT", "LIMIT"]
    assert unescape_codepoints("\\u0041\\U0001F600\\uD800") == "A\U0001f600\\uD800"


def test_the_engine_reports_bad_grammar_with_line_and_column():
    with pytest.raises(QueryRejected) as caught:
        check_syntax("SELECT * WHERE {\n  ?s ?p\n}")
    message = str(caught.value)
    assert message.startswith("the query is not valid SPARQL 1.1: line 3, column")
    assert "near '}'" in message
    check_syntax("SELECT * WHERE { ?s ?p ?o }")  # a valid query passes
