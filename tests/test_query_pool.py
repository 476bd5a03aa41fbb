"""The query pool's workers: a worker that dies is replaced, a replacement that cannot start is
logged and tried again rather than leaving the pool one worker short for good, and extra
workers answer while runaway queries hold every worker, within their cap, stopping when idle."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from ierkg.resources import release_dir
from ierkg.sparql import pool as pool_module
from ierkg.sparql.engine import Job, StoreSpec
from ierkg.sparql.pool import QueryPool
from ierkg.stores.publish import RELEASE_GRAPH

ASK = Job("ASK { ?s ?p ?o }", "ASK", "application/sparql-results+json", (), (), 10)
RUNAWAY = Job(
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",  # billions of rows
    "SELECT",
    "application/sparql-results+json",
    (RELEASE_GRAPH,),
    (),
    10,
)


def test_a_replacement_that_cannot_start_is_logged_and_tried_again(tmp_path: Path, caplog):
    release = tmp_path / "release"
    shutil.copytree(release_dir(), release)
    with QueryPool(StoreSpec(release), workers=1, timeout=20) as pool:
        assert pool.run(ASK).status == 200
        hidden = release / "ierkg.nt.away"
        (release / "ierkg.nt").rename(hidden)  # a new worker cannot load the release now
        caplog.set_level(logging.WARNING, logger="ierkg.sparql.pool")
        (worker,) = pool._live
        worker.process.kill()  # dies while idle: the next job's checkout replaces it
        worker.process.join(5)
        answers = []
        waiting = threading.Thread(target=lambda: answers.append(pool.run(ASK)))
        waiting.start()
        deadline = time.monotonic() + 15
        while "trying again" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "a query worker did not start" in caplog.text and "trying again" in caplog.text
        hidden.rename(release / "ierkg.nt")
        waiting.join(30)
        assert [answer.status for answer in answers] == [200]  # the retry brought it back


def _in_background(pool: QueryPool, job: Job, outcomes: list) -> threading.Thread:
    def run() -> None:
        try:
            outcomes.append(pool.run(job).status)
        except Exception as error:  # noqa: BLE001 - the test reads what came back
            outcomes.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_extra_worker_answers_while_runaways_hold_every_worker_and_stops_when_idle(monkeypatch):
    monkeypatch.setattr(pool_module, "EXTRA_IDLE_SECONDS", 1.0)
    with QueryPool(StoreSpec(release_dir()), workers=1, timeout=4, overflow=1) as pool:
        runaways: list = []
        first = _in_background(pool, RUNAWAY, runaways)
        time.sleep(0.5)  # the one worker is now held by the runaway
        started = time.monotonic()
        assert pool.run(ASK).status == 200
        waited = time.monotonic() - started
        assert waited < 2.0, f"the quick query waited {waited:.2f} s for a worker"
        assert len(pool._live) == 2 and pool._extras == 1
        threads = threading.active_count()
        for _ in range(200):  # all answered by the extra: no thread per job may pile up
            assert pool.run(ASK).status == 200
        assert threading.active_count() <= threads + 2

        # A second runaway takes the extra; the cap holds: no third process starts for the next query.
        second = _in_background(pool, RUNAWAY, runaways)
        time.sleep(0.5)
        waiting: list = []
        third = _in_background(pool, ASK, waiting)
        time.sleep(1.0)
        assert len(pool._live) == 2 and waiting == []  # it waits for a worker to free up
        for thread in (first, second, third):
            thread.join(15)
        assert [getattr(r, "status", None) for r in runaways] == [400, 400]  # both stopped at the timeout
        assert waiting == [200]  # answered by the replacement of the stopped worker

        # The extra that timed out is gone, not replaced; an idle extra stops after EXTRA_IDLE_SECONDS.
        deadline = time.monotonic() + 10
        while (pool._extras or len(pool._live) != 1) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool._extras == 0 and len(pool._live) == 1
        assert pool.run(ASK).status == 200


def test_without_overflow_a_query_waits_for_the_runaway_to_be_stopped():
    with QueryPool(StoreSpec(release_dir()), workers=1, timeout=2, overflow=0) as pool:
        runaways: list = []
        first = _in_background(pool, RUNAWAY, runaways)
        time.sleep(0.5)
        started = time.monotonic()
        reply = None
        try:
            reply = pool.run(ASK)
        except Exception as error:  # noqa: BLE001
            reply = error
        waited = time.monotonic() - started
        first.join(10)
        assert len(pool._live) == 1
        # No extra: it waited for the only worker until the runaway was stopped (then took its
        # replacement, or ran out of time itself).
        assert getattr(reply, "status", None) in (200, 503) and waited >= 1.4


def test_a_job_that_arrives_during_a_write_waits_for_the_new_workers():
    with QueryPool(StoreSpec(release_dir()), workers=1, timeout=10) as pool:
        old_workers = set(pool._live)
        entered = threading.Event()

        def write() -> None:
            with pool.paused():
                entered.set()
                time.sleep(1.0)  # the write; no worker may hold the store meanwhile

        writer = threading.Thread(target=write)
        writer.start()
        entered.wait(10)
        started = time.monotonic()
        assert pool.run(ASK).status == 200
        waited = time.monotonic() - started
        writer.join(10)
        assert waited >= 0.8, f"answered after {waited:.2f} s, during the write"
        assert not (set(pool._live) & old_workers)  # by a worker of the new generation


def test_extras_stop_under_light_load_since_the_pools_own_workers_are_offered_first(monkeypatch):
    monkeypatch.setattr(pool_module, "EXTRA_IDLE_SECONDS", 1.0)
    with QueryPool(StoreSpec(release_dir()), workers=1, timeout=2, overflow=1) as pool:
        outcomes: list = []
        runaway = _in_background(pool, RUNAWAY, outcomes)
        time.sleep(0.5)
        assert pool.run(ASK).status == 200 and pool._extras == 1  # answered by an extra
        runaway.join(10)  # stopped at the timeout; its worker is replaced
        deadline = time.monotonic() + 10
        while pool._extras and time.monotonic() < deadline:
            assert pool.run(ASK).status == 200  # a few queries a second keep arriving
            time.sleep(0.3)
        assert pool._extras == 0, "the extra stayed on, though the pool's own worker was free"


def test_a_query_stopped_by_a_write_that_could_wait_no_longer_is_told_so(monkeypatch):
    with QueryPool(StoreSpec(release_dir()), workers=1, timeout=8, overflow=0) as pool:
        outcomes: list = []
        runaway = _in_background(pool, RUNAWAY, outcomes)
        time.sleep(0.5)
        monkeypatch.setattr(pool._gate, "wait_for", lambda *_args, **_kwargs: False)  # the drain gives up
        with pool.paused():
            pass
        runaway.join(10)
        (refusal,) = outcomes
        assert getattr(refusal, "status", None) == 503 and "written to while the query ran" in str(refusal)


def test_a_job_that_arrives_while_a_write_drains_the_workers_takes_no_old_one():
    with QueryPool(StoreSpec(release_dir()), workers=2, timeout=3, overflow=0) as pool:
        outcomes: list = []
        runaway = _in_background(pool, RUNAWAY, outcomes)
        time.sleep(0.5)  # one worker holds the runaway; the other is idle

        def write() -> None:
            with pool.paused():  # drains first: waits for the runaway to be stopped
                pass

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.3)
        started = time.monotonic()
        reply = None
        try:
            reply = pool.run(ASK)
        except Exception as error:  # noqa: BLE001 - the test reads what came back
            reply = error
        waited = time.monotonic() - started
        runaway.join(10)
        writer.join(10)
        # The idle worker saw the store before the write: it must not answer during the drain,
        # so the job waits for the write and is answered by a new worker (or, if late, a 503).
        assert waited >= 1.5, f"answered after {waited:.2f} s, by a worker the write was draining"
        assert getattr(reply, "status", None) in (200, 503)
