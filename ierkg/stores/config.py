"""Which store to use, and how to reach it: one picklable description, from options or env.

Query workers run in other processes, so they get this description and open the store
themselves. Secrets (a password, a token) come from the environment only, never from the
command line, where other users of the machine could read them.
"""

from __future__ import annotations

import math
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import IerkgError
from .base import Store

DEFAULT_ENDPOINT_TIMEOUT = 30.0
DEFAULT_BATCH_TRIPLES = 1_000
DEFAULT_GRAPH_STORE_BATCH_TRIPLES = 100_000
# Answers are held in memory while they are parsed, so one the size of a whole store is refused.
DEFAULT_MAX_ANSWER_MB = 256


@dataclass(frozen=True)
class RemoteConfig:
    """A SPARQL 1.1 server: its query address, where updates go, and how to log in."""

    query_url: str
    update_url: str | None = None  # default: beside the query address (see update_url_for)
    graph_store_url: str | None = None  # Graph Store Protocol, used for bulk loads if given
    user: str | None = None
    password: str | None = None
    token: str | None = None
    auth: str = "basic"  # basic | digest (Virtuoso's /sparql-auth asks for digest)
    timeout: float = DEFAULT_ENDPOINT_TIMEOUT  # seconds for any one call
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_MB * 1_000_000
    # Triples per write. Virtuoso's SPARQL compiler runs out of memory near 5,000 lines of
    # INSERT DATA; a Graph Store Protocol request takes many more.
    batch_triples: int = DEFAULT_BATCH_TRIPLES

    def __repr__(self) -> str:  # never print a secret
        return f"RemoteConfig(query_url={self.query_url!r}, user={self.user!r})"


@dataclass(frozen=True)
class StoreConfig:
    """The embedded store (in memory, or in ``directory``), or a remote server."""

    directory: Path | None = None
    remote: RemoteConfig | None = None

    def __post_init__(self):
        if self.directory is not None and self.remote is not None:
            raise IerkgError("choose one store: --store DIR or --endpoint URL, not both")

    @property
    def kind(self) -> str:
        return "remote" if self.remote else "directory" if self.directory else "memory"

    @property
    def persistent(self) -> bool:
        return self.kind != "memory"

    def describe(self) -> str:
        if self.remote:
            return f"the SPARQL server at {self.remote.query_url}"
        return f"the store in {self.directory}" if self.directory else "the in-memory store"

    def open(self, read_only: bool = False) -> Store:
        if self.remote:
            from .remote import RemoteStore

            return RemoteStore(self.remote)
        from .embedded import EmbeddedStore

        return EmbeddedStore(self.directory, read_only=read_only)


def update_url_for(query_url: str) -> str:
    """Oxigraph and Fuseki answer updates at .../update beside .../query; others at one address."""
    parts = urllib.parse.urlsplit(query_url)
    if parts.path.endswith("/query"):
        return urllib.parse.urlunsplit(parts._replace(path=parts.path[: -len("query")] + "update"))
    return query_url


def check_url(url: str, option: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - read for its check: a port that is not a number is refused here
    except ValueError as error:  # an unclosed [IPv6] bracket, a port out of range
        raise IerkgError(f"{option} {url}: not a valid address ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise IerkgError(f"{option} {url}: not an http:// or https:// address")
    return url


def store_config(
    store: Path | None = None,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
    graph_store: str | None = None,
    user: str | None = None,
    auth: str | None = None,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> StoreConfig:
    """The store the options name, each option falling back to its IERKG_* variable."""
    env = os.environ if environ is None else environ
    directory = store or (Path(env["IERKG_STORE"]) if env.get("IERKG_STORE") else None)
    url = endpoint or env.get("IERKG_ENDPOINT") or None
    if url is None:
        for option, value in (("--update-endpoint", update_endpoint), ("--graph-store", graph_store)):
            if value:
                raise IerkgError(f"{option} needs --endpoint URL")
        return StoreConfig(directory=directory)
    if store is not None:
        raise IerkgError("choose one store: --store DIR or --endpoint URL, not both")
    check_url(url, "--endpoint")
    update = update_endpoint or env.get("IERKG_UPDATE_ENDPOINT") or update_url_for(url)
    graph_store_url = graph_store or env.get("IERKG_GRAPH_STORE") or None
    scheme = auth or env.get("IERKG_ENDPOINT_AUTH") or "basic"
    if scheme not in ("basic", "digest"):
        raise IerkgError(f"--auth {scheme}: choose basic or digest")
    token = env.get("IERKG_ENDPOINT_TOKEN") or None
    user = user or env.get("IERKG_ENDPOINT_USER") or None
    if token and user:
        raise IerkgError(
            "give either a user (with IERKG_ENDPOINT_PASSWORD) or IERKG_ENDPOINT_TOKEN, not both"
        )
    if timeout is not None and timeout <= 0:
        raise IerkgError("--endpoint-timeout must be more than 0 seconds")
    seconds = (
        timeout
        if timeout is not None
        else positive_setting(env, "IERKG_ENDPOINT_TIMEOUT", DEFAULT_ENDPOINT_TIMEOUT)
    )
    default_batch = DEFAULT_GRAPH_STORE_BATCH_TRIPLES if graph_store_url else DEFAULT_BATCH_TRIPLES
    batch = positive_setting(env, "IERKG_ENDPOINT_BATCH_TRIPLES", default_batch)
    if batch != int(batch):
        raise IerkgError("IERKG_ENDPOINT_BATCH_TRIPLES must be a whole number of triples")
    max_answer_mb = positive_setting(env, "IERKG_ENDPOINT_MAX_ANSWER_MB", DEFAULT_MAX_ANSWER_MB)
    return StoreConfig(
        remote=RemoteConfig(
            query_url=url,
            update_url=check_url(update, "--update-endpoint"),
            graph_store_url=check_url(graph_store_url, "--graph-store") if graph_store_url else None,
            user=user,
            password=env.get("IERKG_ENDPOINT_PASSWORD") if user else None,
            token=token,
            auth=scheme,
            timeout=seconds,
            batch_triples=int(batch),
            max_answer_bytes=int(max_answer_mb * 1_000_000),
        )
    )


_LARGEST_SETTING = 1_000_000_000


def positive_setting(env: Mapping[str, str], name: str, default: float) -> float:
    """A setting from the environment that must be a finite number above 0, refused by name."""
    text = env.get(name) or ""
    try:
        value = float(text) if text else default
    except ValueError:
        raise IerkgError(f"{name}={text}: not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise IerkgError(f"{name} must be a finite number more than 0")
    if value > _LARGEST_SETTING:  # beyond this, clocks and socket timeouts overflow
        raise IerkgError(f"{name} must be at most {_LARGEST_SETTING:,}")
    return value


def count_setting(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    """A setting from the environment that must be a whole number of at least ``minimum``."""
    text = (env.get(name) or "").strip()
    try:
        value = int(text) if text else default
    except ValueError:
        raise IerkgError(f"{name}={text}: not a whole number") from None
    if value < minimum:
        raise IerkgError(f"{name} must be at least {minimum}")
    if value > _LARGEST_SETTING:
        raise IerkgError(f"{name} must be at most {_LARGEST_SETTING:,}")
    return value


def add_store_options(parser) -> None:
    """The options every store-using command takes (the same names everywhere)."""
    group = parser.add_argument_group(
        "store", "where the graph lives (default: in memory; IERKG_STORE or IERKG_ENDPOINT set one too)"
    )
    group.add_argument(
        "--store", type=Path, metavar="DIR", help="the embedded Oxigraph store in DIR (on disk)"
    )
    group.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 server's query address")
    group.add_argument(
        "--update-endpoint",
        metavar="URL",
        help="where SPARQL updates go (default: .../update beside a .../query address, else --endpoint)",
    )
    group.add_argument(
        "--graph-store", metavar="URL", help="a Graph Store Protocol address, used for bulk loads if given"
    )
    group.add_argument(
        "--user",
        metavar="NAME",
        help="log in as NAME, with the password in IERKG_ENDPOINT_PASSWORD "
        "(for a bearer token, set IERKG_ENDPOINT_TOKEN instead)",
    )
    group.add_argument("--auth", choices=("basic", "digest"), help="how --user logs in (default: basic)")
    group.add_argument(
        "--endpoint-timeout",
        type=float,
        metavar="SECONDS",
        help=f"the longest any call to the server may take (default: {DEFAULT_ENDPOINT_TIMEOUT:g})",
    )


def config_from_args(args) -> StoreConfig:
    return store_config(
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=args.update_endpoint,
        graph_store=args.graph_store,
        user=args.user,
        auth=args.auth,
        timeout=args.endpoint_timeout,
    )
