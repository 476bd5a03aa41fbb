"""Run queries in worker processes that a timeout can kill, so one query cannot stall the rest.

Oxigraph cannot cancel a running query, and a deeply nested one can overflow its stack and end
the process. So each query runs in a worker process holding its own copy of the store: past the
timeout the worker is killed (the work really stops) and replaced, and a crash takes down only
that worker. Workers start from a fork server, never by forking the threaded web server.

A few runaway queries could still hold every worker until their timeout. So when no worker
frees up within OVERFLOW_AFTER seconds, an extra worker is started for the waiting query (up
to ``overflow`` of them; one costs about 30 MB and starts in well under a second), and each
extra stops again once it has been idle for EXTRA_IDLE_SECONDS.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from .engine import Answer, Job, StoreSpec, answer, open_store
from .guard import Refused

_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_OVERFLOW = 4
OVERFLOW_AFTER = 0.25  # seconds a query waits for a worker before an extra one is started
EXTRA_IDLE_SECONDS = 30.0


@dataclass(eq=False)  # identity: each worker is one process
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    generation: int  # workers of an older generation saw the store before a write: retired
    extra: bool = False  # started because every worker was busy; stops again when idle
    busy: bool = False
    idle_since: float = 0.0  # time.monotonic() of its last check-in
    retired: bool = False  # taken out of use; the checkout skips it
    stopped: bool = False


class QueryPool:
    """``workers`` processes answering jobs, each for at most ``timeout`` seconds, and up to
    ``overflow`` extra ones while all of those are busy."""

    def __init__(
        self,
        spec: StoreSpec,
        workers: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
        overflow: int = DEFAULT_OVERFLOW,
    ):
        if workers < 1:
            raise ValueError("a query pool needs at least one worker")
        if overflow < 0:
            raise ValueError("a query pool's overflow cannot be negative")
        self.spec = spec
        self.timeout = timeout
        self.size = workers
        self.overflow = overflow
        self._extras = 0  # extra workers running or starting
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["ierkg.sparql.pool"])
        # Idle workers, the pool's own before any extra, so that under light load the
        # extras go unused and stop; (is extra, arrival, worker).
        self._idle: queue.PriorityQueue[tuple[bool, int, _Worker]] = queue.PriorityQueue()
        self._arrivals = itertools.count()
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self._generation = 0
        self._paused = False
        self._busy = 0
        self._gate = threading.Condition()
        self._closing = threading.Event()
        self._reaper: threading.Thread | None = None  # stops idle extras; started with the first
        self._start_generation()

    def _start_generation(self) -> None:
        starting = [self._start() for _ in range(self.size)]
        for worker in starting:
            if worker is not None:  # None: the pool was closed meanwhile
                self._ready(worker)

    def run(self, job: Job) -> Answer:
        """The job's answer; Refused(503) if no worker frees up in time, or on a timeout."""
        deadline = time.monotonic() + self.timeout  # for the gate and the checkout together
        with self._gate:
            # While a writer drains the workers, a new job must not take one of the old ones.
            if not self._gate.wait_for(lambda: not self._paused, timeout=self.timeout):
                raise Refused(503, "the store is being written to; try again shortly")
            self._busy += 1
        try:
            return self._run(job, deadline)
        finally:
            with self._gate:
                self._busy -= 1
                self._gate.notify_all()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No worker holds the store in the block, so another process-free writer may change it.

        Jobs under way finish first (each within the timeout); jobs that arrive meanwhile wait
        for the new workers, which open the store as the block left it.
        """
        with self._gate:
            self._paused = True
            self._gate.wait_for(lambda: self._busy == 0, timeout=self.timeout + 10)
        with self._lock:
            self._generation += 1
            retired = list(self._live)
            self._live.clear()
            self._extras = 0
        for worker in retired:
            worker.process.kill()
            worker.process.join(5)
            worker.connection.close()
        try:
            yield
        finally:
            try:
                if not self._closed:
                    self._start_generation()
            finally:
                with self._gate:
                    self._paused = False
                    self._gate.notify_all()

    def _run(self, job: Job, deadline: float) -> Answer:
        worker = self._checkout(deadline)
        try:
            worker.connection.send(job)
            if worker.connection.poll(self.timeout):
                result = worker.connection.recv()
                self._checkin(worker)
                return result
        except (EOFError, OSError, BrokenPipeError):
            if worker.generation != self._generation:  # stopped by a write that waited long enough
                raise Refused(503, "the store was written to while the query ran; try again") from None
            self._replace(worker)
            raise Refused(
                400, "the query stopped the query engine (it may nest too deeply); simplify it"
            ) from None
        self._replace(worker)
        raise Refused(
            400,
            f"the query ran longer than {self.timeout:g} s and was stopped; add LIMIT, or make "
            "its patterns more specific",
        )

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            workers = list(self._live)
        for worker in workers:
            worker.process.kill()
            worker.process.join(5)
            worker.connection.close()

    @property
    def _closed(self) -> bool:
        return self._closing.is_set()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- workers ------------------------------------------------------------------------------

    def _checkout(self, deadline: float) -> _Worker:
        asked_for_extra = False
        while True:
            wait = max(0.0, deadline - time.monotonic())
            try:
                *_, worker = self._idle.get(timeout=wait if asked_for_extra else min(wait, OVERFLOW_AFTER))
            except queue.Empty:
                if not asked_for_extra and time.monotonic() < deadline and not self._paused:
                    asked_for_extra = True  # one extra per waiting query at most
                    self._start_extra()
                    continue
                if self._paused:
                    raise Refused(503, "the store is being written to; try again shortly") from None
                raise Refused(
                    503,
                    f"all {self.size + self._extras} query workers stayed busy for {self.timeout:g} s; "
                    "try again shortly",
                ) from None
            with self._lock:
                usable = not worker.retired and worker.generation == self._generation
                if usable:
                    worker.busy = True
            if not usable:
                continue  # retired by a write, or an extra that was idle too long; already stopped
            if worker.process.is_alive():
                return worker
            self._replace(worker)  # died while idle: start another, and keep waiting

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            worker.busy = False
            worker.idle_since = time.monotonic()
        self._offer(worker)

    def _start_extra(self) -> None:
        """Start one more worker in the background, if the overflow allows."""
        with self._lock:
            if self._closed or self._extras >= self.overflow:
                return
            self._extras += 1
            generation = self._generation
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._stop_idle_extras, daemon=True)
                self._reaper.start()

        def get_ready() -> None:
            try:
                worker = self._start(extra=True, generation=generation)
            except Exception as error:  # noqa: BLE001 - no process or pipe to be had: free the slot
                _log.warning("an extra query worker could not start: %s", error)
                with self._lock:
                    if generation == self._generation:
                        self._extras -= 1
                return
            if worker is None:
                return  # a write began meanwhile, and forgot the slot
            try:
                self._ready(worker)
            except (RuntimeError, OSError, EOFError) as error:
                _log.warning("%s (an extra one, started while all were busy)", error)
                self._stop(worker)
                return
            if self._closed:
                self._stop(worker)

        threading.Thread(target=get_ready, daemon=True).start()

    def _stop_idle_extras(self) -> None:
        """One thread for the pool: every few seconds, stop the extras idle for EXTRA_IDLE_SECONDS."""
        while not self._closing.wait(min(EXTRA_IDLE_SECONDS / 4, 5.0)):
            now = time.monotonic()
            with self._lock:
                idle = [
                    w
                    for w in self._live
                    if w.extra and not w.busy and not w.retired and now - w.idle_since >= EXTRA_IDLE_SECONDS
                ]
                for worker in idle:
                    worker.retired = True  # the checkout skips it from now on
            for worker in idle:
                self._stop(worker)

    def _stop(self, worker: _Worker) -> None:
        """End an extra worker for good: it is not replaced."""
        with self._lock:
            if worker.stopped:
                return
            worker.stopped = worker.retired = True
            if worker.generation == self._generation:  # a write's restart already forgot older ones
                self._extras -= 1
            self._live.discard(worker)
        worker.process.kill()
        worker.process.join(5)
        worker.connection.close()

    def _start(self, extra: bool = False, generation: int | None = None) -> _Worker | None:
        """A new worker process; None if ``generation`` has been retired by a write meanwhile."""
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.spec), daemon=True)
        # Started under the lock: a write that bumps the generation then sees it in _live and
        # stops it, or it sees the new generation here and never opens the store.
        with self._lock:
            if self._closed or (generation is not None and generation != self._generation):
                parent.close()
                child.close()
                return None
            try:
                process.start()
            except BaseException:
                parent.close()
                child.close()
                raise
            worker = _Worker(process, parent, self._generation, extra=extra, idle_since=time.monotonic())
            self._live.add(worker)
        child.close()
        return worker

    def _ready(self, worker: _Worker) -> None:
        """Wait for a new worker's store, then offer it to jobs."""
        if not worker.connection.poll(60):
            raise RuntimeError("a query worker did not start")
        message = worker.connection.recv()
        if message != "ready":
            raise RuntimeError(f"a query worker did not start: {message}")
        self._offer(worker)

    def _offer(self, worker: _Worker) -> None:
        self._idle.put((worker.extra, next(self._arrivals), worker))

    def _replace(self, worker: _Worker) -> None:
        if worker.extra:  # an extra that timed out or died is simply gone: the pool needs no more
            self._stop(worker)
            return
        worker.process.kill()
        with self._lock:
            self._live.discard(worker)
        if self._closed:
            return

        def restart() -> None:  # in the background, so the request that timed out returns now
            worker.process.join(5)
            worker.connection.close()
            wait = 1.0
            while not self._closed and not self._paused and worker.generation == self._generation:
                replacement = self._start(generation=worker.generation)
                if replacement is None:
                    return  # a write began: it starts the new generation itself
                try:
                    self._ready(replacement)
                    return
                except (RuntimeError, OSError, EOFError) as error:
                    # A pool that quietly shrank would end in 503s with no word why: say so, retry.
                    replacement.process.kill()
                    with self._lock:
                        self._live.discard(replacement)
                    _log.warning("%s; trying again in %g s", error, wait)
                    time.sleep(wait)
                    wait = min(wait * 2, 60.0)

        threading.Thread(target=restart, daemon=True).start()


def _serve(connection: Connection, spec: StoreSpec) -> None:
    try:
        store = open_store(spec)
    except Exception as exc:  # noqa: BLE001 - said to the pool, which says it to the operator
        connection.send(str(exc))
        return
    connection.send("ready")
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return  # the pool closed
        connection.send(answer(store, job))
