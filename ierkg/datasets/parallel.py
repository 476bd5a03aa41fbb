"""Run a per-chunk job on several cores, in order, with only a few chunks in memory at once.

Worker processes are forked after the job is built, so they inherit the loaded shapes,
ontology and vocabulary instead of loading them again; where fork is unavailable (or one
worker is asked for) the chunks run in this process. At most ``2 x workers`` chunks are in
flight, which keeps memory flat however long the file is.

Python's cyclic garbage collector is paused meanwhile. A chunk allocates millions of small
dicts and lists, none of them in a reference cycle, so reference counting frees them all; the
collector's passes over them freed nothing and took a quarter of the run (benchmarks/run.py).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

_FORKED: dict[str, Callable] = {}  # the job forked workers run; set just before the pool starts


def default_workers() -> int:
    """One worker per core this process may use, at most 4 (the reader feeds no more)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def map_in_order(job: Callable[[In], Out], chunks: Iterable[In], workers: int) -> Iterator[Out]:
    with collector_paused():
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            yield from map(job, chunks)
            return
        _FORKED["job"] = job
        gc.freeze()  # what the workers inherit stays shared: no collector pass writes to it
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                pending: deque[Future] = deque()
                for chunk in chunks:
                    pending.append(pool.submit(_run, chunk))
                    if len(pending) >= 2 * workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
        finally:
            _FORKED.clear()
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (see the module's docstring), restoring it after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(chunk):
    gc.disable()  # a forked worker inherits the paused collector; say so rather than rely on it
    return _FORKED["job"](chunk)
