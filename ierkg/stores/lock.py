"""One process at a time writes an on-disk store: a lock file says which one, and since when.

Oxigraph opens a folder for writing in one process only, and reading it while another process
writes is undefined behaviour, so every ierkg command that opens a store folder holds this
lock for as long as it has the folder open. The lock is the operating system's (flock), so it
goes away with the process, however the process ends.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from .base import StoreUnavailable

LOCK_NAME = "ierkg.lock"


class StoreLock:
    """Held while a command uses the store folder; StoreUnavailable if another process has it."""

    def __init__(self, directory: Path):
        self.path = directory / LOCK_NAME
        self._handle = None

    def acquire(self) -> StoreLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreUnavailable(
                f"the store in {self.path.parent} is in use by {holder}; stop it first, or, if it is "
                "'ierkg serve', send the change through its HTTP API (docs/deploy.md)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"ierkg {' '.join(sys.argv[1:2]) or 'command'} (pid {os.getpid()})\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(self, *_exc) -> None:
        self.release()
