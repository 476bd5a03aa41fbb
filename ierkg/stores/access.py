"""Open the configured store for a command: lock a store folder, tidy up what died ingests left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..resources import release_dir
from . import registry
from .base import Store
from .config import StoreConfig
from .lock import StoreLock
from .publish import publish_release


@contextmanager
def opened(config: StoreConfig, with_release: bool = True) -> Iterator[Store]:
    """The store, held for this process (a folder) and cleaned of orphaned staging graphs.

    A store folder is locked first, so no other process can be writing it; then every staging
    graph in it is an orphan. On a server, only staging graphs whose lease ran out are. A store
    folder is ierkg's own, so it is given the packaged release (a server gets it from ``ierkg
    load``), unless ``with_release`` is False: for ``ierkg load``, which puts one there itself.
    """
    lock = StoreLock(config.directory).acquire() if config.directory else None
    try:
        store = config.open()
        try:
            if config.kind == "directory" and with_release:
                publish_release(store, release_dir())
            registry.cleanup(store, everything_staged=config.kind != "remote")
            yield store
        finally:
            store.close()
    finally:
        if lock:
            lock.release()
