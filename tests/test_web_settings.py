"""The service's settings from IERKG_* variables: each read by name, and a bad value refused
with its name and what it must be, before anything starts."""

from __future__ import annotations

import os

import pytest

from ierkg.errors import IerkgError
from ierkg_web.config import Settings

from .conftest import run_ierkg


def test_the_defaults_and_values_that_are_given():
    assert Settings.from_environment({}) == Settings()
    settings = Settings.from_environment(
        {
            "IERKG_QUERY_TIMEOUT": "2.5",
            "IERKG_QUERY_WORKERS": "3",
            "IERKG_OVERFLOW_WORKERS": "0",
            "IERKG_ANSWER_CACHE_BYTES": "0",
            "IERKG_MAX_RESULTS": " 500 ",
            "IERKG_REFRESH_SECONDS": "0",
        }
    )
    assert (settings.query_timeout, settings.query_workers, settings.overflow_workers) == (2.5, 3, 0)
    assert (settings.answer_cache_bytes, settings.max_results, settings.refresh_seconds) == (0, 500, 0)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("IERKG_QUERY_WORKERS", "two", "IERKG_QUERY_WORKERS=two: not a whole number"),
        ("IERKG_QUERY_WORKERS", "0", "IERKG_QUERY_WORKERS must be at least 1"),
        ("IERKG_OVERFLOW_WORKERS", "-1", "IERKG_OVERFLOW_WORKERS must be at least 0"),
        ("IERKG_REFRESH_SECONDS", "-5", "IERKG_REFRESH_SECONDS must be at least 0"),
        ("IERKG_MAX_RESULTS", "1.5", "IERKG_MAX_RESULTS=1.5: not a whole number"),
        ("IERKG_MAX_UPLOAD_BYTES", "99999999999", "IERKG_MAX_UPLOAD_BYTES must be at most"),
        ("IERKG_QUERY_TIMEOUT", "0", "IERKG_QUERY_TIMEOUT must be a finite number more than 0"),
        ("IERKG_QUERY_TIMEOUT", "soon", "IERKG_QUERY_TIMEOUT=soon: not a number"),
        ("IERKG_DATASETS", "urn:x:a", "is not GRAPH_IRI=FILE"),
    ],
)
def test_a_bad_value_is_refused_by_name(name, value, says):
    with pytest.raises(IerkgError) as refused:
        Settings.from_environment({name: value})
    assert says in str(refused.value)


def test_serve_with_a_bad_setting_exits_2_with_its_name():
    result = run_ierkg("serve", env={**os.environ, "IERKG_OVERFLOW_WORKERS": "many"})
    assert result.returncode == 2 and "IERKG_OVERFLOW_WORKERS=many: not a whole number" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
