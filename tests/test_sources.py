"""Parsing the Turtle sources, and pointing at the exact place when a file is broken."""

from __future__ import annotations

import pytest

from ierkg.errors import IerkgError, SourceSyntaxError
from ierkg.sources import load_sources, parse_turtle_file

from .conftest import ONTOLOGY


def test_every_source_file_parses_and_none_is_empty():
    files = sorted(ONTOLOGY.glob("*.ttl"))
    assert {f.name for f in files} >= {
        "ierkg.ttl",
        "framework.ttl",
        "episode-model.ttl",
        "mechanisms.ttl",
        "references.ttl",
    }
    for path in files:
        assert len(parse_turtle_file(path)) > 0, path


def test_the_release_folder_is_not_read_as_a_source(source_copy):
    (source_copy / "release").mkdir()
    (source_copy / "release" / "broken.ttl").write_text("not turtle at all", encoding="utf-8")
    assert len(load_sources(source_copy).graph) > 0


def test_syntax_error_names_file_line_and_column(source_copy):
    path = source_copy / "framework.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(20, 'ierkg:Broken rdfs:label "unterminated ;')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceSyntaxError) as caught:
        load_sources(source_copy)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 21
    assert error.column is not None and error.column > 1
    assert str(error).startswith(f"{path}:21:")
    assert "string" in error.reason  # the parser's own message about the open string


def test_unbound_prefix_is_reported_with_the_parser_message(source_copy):
    path = source_copy / "mechanisms.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\nnope:Thing a owl:Class .\n", encoding="utf-8")
    with pytest.raises(SourceSyntaxError) as caught:
        load_sources(source_copy)
    assert caught.value.line == len(path.read_text(encoding="utf-8").splitlines())
    assert caught.value.column == 1
    assert "prefix nope: has not been declared" in str(caught.value)


@pytest.mark.parametrize(
    "statement, fault, message",
    [
        ("ierkg:AffectLabeling skos:example <http://a b> .", "<http", "Invalid IRI"),
        ('ierkg:AffectLabeling skos:example "bad \\uZZZZ escape" .', "ZZZZ", "not a valid hexadecimal"),
        ('ierkg:AffectLabeling skos:example "a"^^<http://a b> .', "<http", "Invalid IRI"),
    ],
)
def test_malformed_terms_rdflib_would_accept_are_rejected_with_their_position(
    source_copy, statement, fault, message
):
    column = statement.index(fault) + 1
    path = source_copy / "mechanisms.ttl"
    path.write_text(path.read_text(encoding="utf-8") + statement + "\n", encoding="utf-8")
    with pytest.raises(SourceSyntaxError) as caught:
        load_sources(source_copy)
    assert (caught.value.line, caught.value.column) == (
        len(path.read_text(encoding="utf-8").splitlines()),
        column,
    )
    assert message in caught.value.reason


def test_file_that_is_not_utf8_is_reported_where_the_bad_byte_is(source_copy):
    path = source_copy / "episode-model.ttl"
    data = path.read_bytes().replace(b"person", b"pers\xe9n", 1)
    path.write_bytes(data)
    expected_line = data[: data.index(b"\xe9")].count(b"\n") + 1
    with pytest.raises(SourceSyntaxError) as caught:
        load_sources(source_copy)
    assert caught.value.line == expected_line
    assert "not valid UTF-8" in str(caught.value)


def test_missing_or_empty_source_folder_is_a_clear_error(tmp_path):
    with pytest.raises(IerkgError, match="does not exist"):
        load_sources(tmp_path / "absent")
    with pytest.raises(IerkgError, match="no Turtle"):
        load_sources(tmp_path)
