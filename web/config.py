"""The service's settings: each from an environment variable, with a documented default.

docs/web.md lists them; ``ierkg serve`` options set the same fields.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ierkg.errors import IerkgError
from ierkg.resources import release_dir
from ierkg.sparql.guard import DEFAULT_MAX_NESTING, DEFAULT_MAX_QUERY_BYTES
from ierkg.sparql.pool import DEFAULT_OVERFLOW, DEFAULT_TIMEOUT
from ierkg.sparql.service import REMOTE_REFRESH_SECONDS
from ierkg.stores.config import StoreConfig, count_setting, positive_setting, store_config


@dataclass(frozen=True)
class Settings:
    release: Path = field(default_factory=release_dir)
    query_timeout: float = DEFAULT_TIMEOUT  # seconds a query may run before it is stopped
    query_workers: int = 2  # processes answering SPARQL queries
    # Extra workers started while all of those are busy (runaway queries), stopped when idle.
    overflow_workers: int = DEFAULT_OVERFLOW
    max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES
    max_nesting: int = DEFAULT_MAX_NESTING
    max_results: int = 100_000  # rows (or triples) one answer may hold
    max_upload_bytes: int = 50_000_000  # a coded dataset sent to /validate
    # Uploads validated at once; the other HTTP threads stay free for pages and queries.
    concurrent_validations: int = 2
    answer_cache_bytes: int = 64 * 2**20  # answers kept for identical queries; 0 turns it off
    # On a server, others may change the data: seconds between reading its registry again
    # (and forgetting the cached answers); 0 reads it before every query.
    refresh_seconds: int = int(REMOTE_REFRESH_SECONDS)
    # Coded datasets loaded as named graphs: (graph IRI, file). Private unless listed in
    # public_datasets, so /sparql never shows participants' data by accident.
    datasets: tuple[tuple[str, Path], ...] = ()
    public_datasets: tuple[str, ...] = ()
    # Where the graph lives: in memory (the default), a store folder, or a SPARQL server.
    store: StoreConfig = field(default_factory=StoreConfig)
    # Writing datasets over HTTP (the /api/datasets routes) needs this bearer token; without
    # one, the service is read-only.
    write_token: str | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            release=Path(env["IERKG_RELEASE"]) if env.get("IERKG_RELEASE") else defaults.release,
            query_timeout=positive_setting(env, "IERKG_QUERY_TIMEOUT", defaults.query_timeout),
            query_workers=count_setting(env, "IERKG_QUERY_WORKERS", defaults.query_workers),
            overflow_workers=count_setting(env, "IERKG_OVERFLOW_WORKERS", defaults.overflow_workers, 0),
            max_query_bytes=count_setting(env, "IERKG_MAX_QUERY_BYTES", defaults.max_query_bytes),
            max_nesting=count_setting(env, "IERKG_MAX_NESTING", defaults.max_nesting),
            max_results=count_setting(env, "IERKG_MAX_RESULTS", defaults.max_results),
            max_upload_bytes=count_setting(env, "IERKG_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            concurrent_validations=count_setting(
                env, "IERKG_CONCURRENT_VALIDATIONS", defaults.concurrent_validations
            ),
            answer_cache_bytes=count_setting(env, "IERKG_ANSWER_CACHE_BYTES", defaults.answer_cache_bytes, 0),
            refresh_seconds=count_setting(env, "IERKG_REFRESH_SECONDS", defaults.refresh_seconds, 0),
            datasets=_datasets(env.get("IERKG_DATASETS", "")),
            public_datasets=tuple(env.get("IERKG_PUBLIC_DATASETS", "").split()),
            store=store_config(environ=env),
            write_token=env.get("IERKG_WRITE_TOKEN") or None,
        )


def _datasets(text: str) -> tuple[tuple[str, Path], ...]:
    """``GRAPH_IRI=FILE`` pairs, separated by spaces."""
    pairs = []
    for item in text.split():
        graph, sep, path = item.partition("=")
        if not sep or not graph or not path:
            raise IerkgError(f"IERKG_DATASETS: '{item}' is not GRAPH_IRI=FILE")
        pairs.append((graph, Path(path)))
    return tuple(pairs)
