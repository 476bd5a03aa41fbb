"""Where the graph lives: one small interface, an embedded and a remote implementation.

Everything else in ierkg (the service, the CLI, ingest) sees only :class:`Store`. The
embedded store is Oxigraph, in memory or on disk; the remote store is any SPARQL 1.1 server,
queried with SPARQLWrapper and written with SPARQL Update or the Graph Store Protocol.
"""

from .base import Store, StoreError, StoreTimeout, StoreUnavailable
from .config import RemoteConfig, StoreConfig

__all__ = ["RemoteConfig", "Store", "StoreConfig", "StoreError", "StoreTimeout", "StoreUnavailable"]
