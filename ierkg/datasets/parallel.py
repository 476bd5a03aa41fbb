"""Run a per-chunk job on several cores, in order, with only a few chunks in memory at once.

Worker processes are forked after the job is built, so they inherit the loaded shapes,
ontology and vocabulary instead of loading them again; where fork is unavailable (or one
worker is asked for) the chunks run in this process. At most ``2 x workers`` chunks are in
flight, which keeps memory flat however long the file is.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
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
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(job, chunks)
        return
    _FORKED["job"] = job
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


def _run(chunk):
    return _FORKED["job"](chunk)
