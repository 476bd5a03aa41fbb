"""``ierkg query``: one query, checked and run as the service runs it, with the owner's view.

The command line belongs to whoever holds the store, so every live dataset graph is in the
query's dataset (or those named with --dataset); everything else is as on /sparql: the same
checks (no SERVICE, no updates, no foreign FROM), a worker that the timeout stops, the same
result formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import IerkgError
from ..queries import named_queries
from ..resources import release_dir
from ..sparql.engine import StoreSpec
from ..sparql.guard import DEFAULT_MAX_NESTING, Refused
from ..sparql.results import formats_for
from ..sparql.service import Endpoint, Limits
from .config import StoreConfig

_DEFAULT_FORMAT = {"SELECT": "csv", "ASK": "json", "CONSTRUCT": "turtle", "DESCRIBE": "turtle"}


def query_text(given: str) -> str:
    """The query itself: a .rq file, a named query of queries/, or SPARQL text."""
    path = Path(given)
    if given.endswith(".rq") or (len(given) < 255 and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise IerkgError(f"{given}: cannot read the query: {exc}") from None
    named = {query.name: query for query in named_queries()}
    if given in named:
        return named[given].sparql
    if not any(word in given.upper() for word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        raise IerkgError(
            f"'{given}' is neither SPARQL, a .rq file, nor a named query ({', '.join(sorted(named))})"
        )
    return given


def run_cli_query(
    config: StoreConfig, given: str, datasets: Sequence[str], format_name: str | None, timeout: float
) -> bytes:
    text = query_text(given)
    limits = Limits(timeout, max_query_bytes=10_000_000, max_nesting=DEFAULT_MAX_NESTING, max_results=10**9)
    endpoint = Endpoint(StoreSpec(release_dir(), (), config), limits, workers=1, cache_bytes=0)
    try:
        unknown = [graph for graph in datasets if graph not in endpoint.live_datasets]
        if unknown:
            known = ", ".join(f"<{g}>" for g in endpoint.live_datasets) or "none"
            raise IerkgError(
                f"--dataset {unknown[0]}: no such dataset in {config.describe()} (datasets: {known})"
            )
        endpoint.public_datasets = tuple(datasets or endpoint.live_datasets)
        try:
            checked = endpoint.check(text)
            media_type = _media_type(checked.form, format_name)
            answer = endpoint.run(checked, media_type)
        except Refused as refusal:
            raise IerkgError(refusal.message) from None
        if answer.status != 200:
            raise IerkgError(answer.body.decode("utf-8", "replace"))
        return answer.body
    finally:
        endpoint.close()


def _media_type(form: str, format_name: str | None) -> str:
    formats = {f.name: f.media_type for f in formats_for(form)}
    name = format_name or _DEFAULT_FORMAT[form]
    if name not in formats:
        raise IerkgError(f"--format {name}: a {form} query can be written as {', '.join(formats)}")
    return formats[name]
