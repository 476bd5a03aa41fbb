"""The named queries: documented, valid SPARQL, and giving DOMAIN.md's gold answers."""

from __future__ import annotations

import pyoxigraph
import pytest

from ierkg.errors import IerkgError
from ierkg.queries import named_queries, read_named_query
from ierkg.store import EmbeddedStore


@pytest.fixture(scope="module")
def store(release) -> EmbeddedStore:
    out, _ = release
    loaded = EmbeddedStore()
    loaded.load_file(out / "ierkg.nt")
    return loaded


def test_every_query_has_a_title_and_description_and_parses():
    queries = named_queries()
    assert queries, "queries/ holds no .rq files"
    for query in queries:
        assert len(query.title) > 5 and len(query.description) > 20, query.name
        pyoxigraph.Store().query(query.sparql)  # raises SyntaxError if the SPARQL is invalid


def test_a_query_without_a_header_is_rejected_with_its_file(tmp_path):
    path = tmp_path / "bare.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(IerkgError, match=r"bare\.rq:1: .*title"):
        read_named_query(path)


def answer(store: EmbeddedStore, name: str) -> list[dict[str, str]]:
    query = next(q for q in named_queries() if q.name == name)
    return list(store.select(query.sparql))


def test_mechanisms_by_cell_gives_the_gold_answer(store):
    rows = answer(store, "mechanisms-by-cell")
    by_cell: dict[str, set[str]] = {}
    for row in rows:
        by_cell.setdefault(row["cellLabel"], set()).add(row["mechanismLabel"])
    assert by_cell == {
        "intrinsic response-independent regulation": {"affect labeling"},
        "intrinsic response-dependent regulation": {"safety signals", "affiliation"},
        "extrinsic response-independent regulation": {"warm glow"},
        "extrinsic response-dependent regulation": {"vicarious affect"},
    }
