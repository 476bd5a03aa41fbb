"""The query pool's workers: a worker that dies is replaced, and a replacement that cannot
start is logged and tried again rather than leaving the pool one worker short for good."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from ierkg.resources import release_dir
from ierkg.sparql.engine import Job, StoreSpec
from ierkg.sparql.pool import QueryPool

ASK = Job("ASK { ?s ?p ?o }", "ASK", "application/sparql-results+json", (), (), 10)


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
