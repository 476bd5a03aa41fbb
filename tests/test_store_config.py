"""How the store options and IERKG_* variables become a store description, and what a bad
one says; and what the HTTP statuses of a SPARQL server mean to a user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ierkg.errors import IerkgError
from ierkg.stores.base import StoreTimeout, StoreUnavailable
from ierkg.stores.config import DEFAULT_MAX_ANSWER_MB, store_config
from ierkg.stores.http import Response, status_error

from .conftest import run_ierkg

ENDPOINT = "http://127.0.0.1:7878/query"
STUDY = Path(__file__).resolve().parents[1] / "examples" / "study.csv"  # conforms
GRAPH = "https://lab.example/lease"


def test_the_answer_cap_defaults_and_can_be_set():
    remote = store_config(endpoint=ENDPOINT, environ={}).remote
    assert remote is not None and remote.max_answer_bytes == DEFAULT_MAX_ANSWER_MB * 1_000_000
    remote = store_config(endpoint=ENDPOINT, environ={"IERKG_ENDPOINT_MAX_ANSWER_MB": "2.5"}).remote
    assert remote is not None and remote.max_answer_bytes == 2_500_000


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("IERKG_ENDPOINT_MAX_ANSWER_MB", "lots", "IERKG_ENDPOINT_MAX_ANSWER_MB=lots: not a number"),
        ("IERKG_ENDPOINT_MAX_ANSWER_MB", "0", "IERKG_ENDPOINT_MAX_ANSWER_MB must be a finite number more"),
        ("IERKG_ENDPOINT_MAX_ANSWER_MB", "inf", "IERKG_ENDPOINT_MAX_ANSWER_MB must be a finite number"),
        ("IERKG_ENDPOINT_TIMEOUT", "nan", "IERKG_ENDPOINT_TIMEOUT must be a finite number"),
        ("IERKG_ENDPOINT_BATCH_TRIPLES", "nan", "IERKG_ENDPOINT_BATCH_TRIPLES must be a finite number"),
        ("IERKG_ENDPOINT_TIMEOUT", "soon", "IERKG_ENDPOINT_TIMEOUT=soon: not a number"),
        ("IERKG_ENDPOINT_TIMEOUT", "-1", "IERKG_ENDPOINT_TIMEOUT must be a finite number more than 0"),
        ("IERKG_ENDPOINT_BATCH_TRIPLES", "1.5", "IERKG_ENDPOINT_BATCH_TRIPLES must be a whole number"),
        ("IERKG_ENDPOINT_BATCH_TRIPLES", "many", "IERKG_ENDPOINT_BATCH_TRIPLES=many: not a number"),
        ("IERKG_ENDPOINT_TIMEOUT", "1e300", "IERKG_ENDPOINT_TIMEOUT must be at most 1,000,000,000"),
    ],
)
def test_a_bad_setting_is_named(variable: str, value: str, said: str):
    with pytest.raises(IerkgError, match=said):
        store_config(endpoint=ENDPOINT, environ={variable: value})


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://[::1/query", "not a valid address (Invalid IPv6 URL)"),
        ("http://127.0.0.1:99999/query", "not a valid address (Port out of range"),
        ("http://127.0.0.1:port/query", "not a valid address (Port could not be cast"),
        ("ftp://127.0.0.1/query", "not an http:// or https:// address"),
    ],
)
def test_an_address_that_cannot_be_one_exits_2_with_the_reason(url: str, said: str):
    result = run_ierkg("datasets", "list", "--endpoint", url)
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert "internal error" not in result.stderr


def test_a_release_whose_manifest_lacks_its_version_is_refused_by_name(tmp_path: Path):
    import json
    import shutil

    from ierkg.resources import release_dir

    release = tmp_path / "release"
    shutil.copytree(release_dir(), release)
    manifest = json.loads((release / "manifest.json").read_text())
    del manifest["version"]
    (release / "manifest.json").write_text(json.dumps(manifest))
    result = run_ierkg("load", "--release", str(release), "--store", str(tmp_path / "store"))
    assert result.returncode == 2 and "does not give the release's version" in result.stderr, result.stderr


def test_a_zero_timeout_option_is_refused():
    with pytest.raises(IerkgError, match="--endpoint-timeout must be more than 0 seconds"):
        store_config(endpoint=ENDPOINT, timeout=0, environ={})


def test_virtuosos_own_time_limit_is_a_timeout_not_a_failure():
    said = b"Virtuoso S1T00 Error SR171: Transaction timed out"
    error = status_error("the server", "answer the query", Response(500, "text/plain", said))
    assert isinstance(error, StoreTimeout) and "time limit" in str(error) and "SR171" in str(error)
    anytime = b"Virtuoso S1TAT Error SR171: ANYTIME timeout"  # newer Virtuoso, at MaxQueryExecutionTime
    assert isinstance(status_error("s", "query", Response(500, "text/plain", anytime)), StoreTimeout)


def test_a_query_that_merely_mentions_a_timeout_code_is_not_a_timeout():
    said = b"Virtuoso 37000 Error SP030: syntax error\n\nSPARQL query:\nSELECT * { ?s ?p 'SR171' ."
    error = status_error("s", "query", Response(400, "text/plain", said))
    assert not isinstance(error, StoreTimeout) and "HTTP 400" in str(error)


def test_a_gateway_error_means_unavailable_and_a_redirect_names_its_target():
    assert isinstance(status_error("s", "query", Response(503, "", b"")), StoreUnavailable)
    redirect = status_error("s", "query", Response(301, "", b"", "https://elsewhere/sparql"))
    assert "redirect (HTTP 301) to https://elsewhere/sparql" in str(redirect)


@pytest.mark.parametrize("value", ["abc", "0", "inf", "1e12"])
def test_a_bad_ingest_lease_is_named_and_nothing_is_loaded(value: str, tmp_path):
    store = tmp_path / "store"
    env = {**os.environ, "IERKG_INGEST_LEASE_SECONDS": value}
    result = run_ierkg(
        "ingest", str(STUDY), "--graph", GRAPH, "--scale", "1-7", "--store", str(store), env=env
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "IERKG_INGEST_LEASE_SECONDS" in result.stderr, result.stderr
    listed = run_ierkg("datasets", "list", "--store", str(store))
    assert listed.returncode == 0 and GRAPH not in listed.stdout, listed.stdout
