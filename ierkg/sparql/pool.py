"""Run queries in worker processes that a timeout can kill, so one query cannot stall the rest.

Oxigraph cannot cancel a running query, and a deeply nested one can overflow its stack and end
the process. So each query runs in a worker process holding its own copy of the store: past the
timeout the worker is killed (the work really stops) and replaced, and a crash takes down only
that worker. Workers start from a fork server, never by forking the threaded web server.
"""

from __future__ import annotations

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


@dataclass(eq=False)  # identity: each worker is one process
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    generation: int  # workers of an older generation saw the store before a write: retired


class QueryPool:
    """``workers`` processes answering jobs, each for at most ``timeout`` seconds."""

    def __init__(self, spec: StoreSpec, workers: int = 2, timeout: float = DEFAULT_TIMEOUT):
        if workers < 1:
            raise ValueError("a query pool needs at least one worker")
        self.spec = spec
        self.timeout = timeout
        self.size = workers
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["ierkg.sparql.pool"])
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self._generation = 0
        self._paused = False
        self._busy = 0
        self._gate = threading.Condition()
        self._start_generation()

    def _start_generation(self) -> None:
        starting = [self._start() for _ in range(self.size)]
        for worker in starting:
            self._ready(worker)

    def run(self, job: Job) -> Answer:
        """The job's answer; Refused(503) if no worker frees up in time, or on a timeout."""
        with self._gate:
            self._busy += 1
        try:
            return self._run(job)
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
        for worker in retired:
            worker.process.kill()
            worker.process.join(5)
            worker.connection.close()
        try:
            yield
        finally:
            with self._gate:
                self._paused = False
            if not self._closed:
                self._start_generation()

    def _run(self, job: Job) -> Answer:
        worker = self._checkout()
        try:
            worker.connection.send(job)
            if worker.connection.poll(self.timeout):
                result = worker.connection.recv()
                self._idle.put(worker)
                return result
        except (EOFError, OSError, BrokenPipeError):
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
        self._closed = True
        with self._lock:
            workers = list(self._live)
        for worker in workers:
            worker.process.kill()
            worker.process.join(5)
            worker.connection.close()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- workers ------------------------------------------------------------------------------

    def _checkout(self) -> _Worker:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                if self._paused:
                    raise Refused(503, "the store is being written to; try again shortly") from None
                raise Refused(
                    503,
                    f"all {self.size} query workers stayed busy for {self.timeout:g} s; try again shortly",
                ) from None
            if worker.generation != self._generation:
                continue  # retired by a write; already stopped
            if worker.process.is_alive():
                return worker
            self._replace(worker)  # died while idle: start another, and keep waiting

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.spec), daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent, self._generation)
        with self._lock:
            self._live.add(worker)
        return worker

    def _ready(self, worker: _Worker) -> None:
        """Wait for a new worker's store, then offer it to jobs."""
        if not worker.connection.poll(60):
            raise RuntimeError("a query worker did not start")
        message = worker.connection.recv()
        if message != "ready":
            raise RuntimeError(f"a query worker did not start: {message}")
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
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
                replacement = self._start()
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
