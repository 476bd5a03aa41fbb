"""The embedded store on disk (`--store DIR`), the dataset API, and the store's building blocks.

The command line and `ierkg serve` run as real processes on a real store folder; the
registry and the batching are also tested in-process on an in-memory Oxigraph store, where
each state change can be looked at.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest

from ierkg.datasets import synthetic
from ierkg.datasets.compiled import CompiledEngine
from ierkg.errors import IerkgError
from ierkg.stores import ingest, registry
from ierkg.stores.embedded import EmbeddedStore
from ierkg.stores.publish import batches

from .conftest import run_ierkg
from .stalls import pause_before, removal_batch_of
from .test_remote_stores import (
    PER_CELL,
    RELEASE_GRAPH,
    SAMPLE,
    STUDY,
    STUDY_CELLS,
    _upload,
    killed_after_one_batch,
    served_solutions,
)
from .web_server import running_server

GRAPH = "https://lab.example/study-1"
TOKEN = "folder-test-token"


def _environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("IERKG_")}, **extra}


def test_a_store_folder_keeps_its_datasets_across_restarts(tmp_path: Path):
    store = tmp_path / "store"
    loaded = run_ierkg("ingest", str(STUDY), "--graph", GRAPH, "--scale", "1-7", "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr
    environment = _environment(IERKG_PUBLIC_DATASETS=GRAPH)
    for _restart in range(2):
        with running_server("--store", str(store), env=environment) as base:
            status, rows = served_solutions(base, PER_CELL)
            assert status == 200 and {row["cell"]: int(row["n"]) for row in rows} == STUDY_CELLS
    # The release was put into the folder by the first start, once.
    counted = run_ierkg(
        "query",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ ?s ?p ?o }} }}",
        "--store",
        str(store),
    )
    manifest = json.loads((Path(__file__).parents[1] / "ontology/release/manifest.json").read_text())
    assert counted.stdout.splitlines()[1] == str(manifest["triples"])


def test_warnings_stop_an_ingest_unless_allowed(tmp_path: Path):
    # Without --scale every affect rating draws a warning (its range cannot be checked).
    store = tmp_path / "store"
    refused = run_ierkg("ingest", str(STUDY), "--graph", GRAPH, "--store", str(store))
    assert refused.returncode == 1, refused.stderr
    assert "not loaded" in refused.stderr and "--allow-warnings" in refused.stderr, refused.stderr
    listed = run_ierkg("datasets", "list", "--store", str(store))
    assert listed.returncode == 0 and GRAPH not in listed.stdout, listed.stdout
    allowed = run_ierkg("ingest", str(STUDY), "--graph", GRAPH, "--allow-warnings", "--store", str(store))
    assert allowed.returncode == 0, allowed.stderr
    listed = run_ierkg("datasets", "list", "--store", str(store))
    assert GRAPH in listed.stdout, listed.stdout


def test_a_folder_in_use_is_refused_with_a_way_out(tmp_path: Path):
    store = tmp_path / "store"
    with running_server("--store", str(store), env=_environment()):
        busy = run_ierkg("ingest", str(STUDY), "--graph", GRAPH, "--scale", "1-7", "--store", str(store))
    assert busy.returncode == 2 and "is in use by" in busy.stderr and "HTTP API" in busy.stderr
    assert "Traceback" not in busy.stderr


def test_a_killed_ingest_into_a_folder_leaves_nothing(tmp_path: Path):
    store = tmp_path / "store"
    data = synthetic.write_csv(tmp_path / "big.csv", 40_000, seed=5, slip_rate=0.0)
    process = subprocess.Popen(
        [sys.executable, "-m", "ierkg", "ingest", str(data), "--graph", GRAPH, "--scale", "1-7",
         "--allow-warnings", "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        for line in process.stderr:
            if line.startswith("staging"):
                break
        assert process.poll() is None, process.stderr.read()
        process.send_signal(signal.SIGKILL)  # while its graph is being loaded
        process.wait(10)
    finally:
        process.kill()
    # Looked at raw, the folder holds the half-done ingest: there is something to clean up.
    raw = pyoxigraph.Store.read_only(str(store))
    left = raw.quads_for_pattern(
        pyoxigraph.NamedNode(GRAPH), None, None, pyoxigraph.NamedNode(registry.REGISTRY_GRAPH)
    )
    assert any(q.predicate.value == registry.NS + "state" and q.object.value == "staging" for q in left)
    del raw
    listing = run_ierkg("datasets", "list", "--all", "--json", "--store", str(store))
    assert listing.returncode == 0 and json.loads(listing.stdout) == []
    asked = run_ierkg("query", f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}", "--store", str(store))
    assert json.loads(asked.stdout)["boolean"] is False


def test_the_dataset_api_says_what_went_wrong(tmp_path: Path):
    store = tmp_path / "store"
    environment = _environment(IERKG_WRITE_TOKEN=TOKEN, IERKG_MAX_UPLOAD_BYTES="20000")
    with running_server("--store", str(store), env=environment) as base:
        assert _upload(base, GRAPH, STUDY, "wrong")[0] == 401
        status, body = _upload(base, "not an iri", STUDY, TOKEN)
        assert status == 400 and "not an absolute IRI" in body["detail"]
        status, body = _upload(base, GRAPH, SAMPLE, TOKEN)
        assert status == 422 and "5 violation(s)" in body["detail"] and "sample.csv" in body["detail"]
        assert {r["row"] for r in body["report"]["results"] if r["severity"] == "Violation"} == {10, 11}
        assert "ierkg-upload" not in json.dumps(body)  # the temporary folder is never named
        big = tmp_path / "big.csv"
        synthetic.write_csv(big, 200)
        assert _upload(base, GRAPH, big, TOKEN)[0] == 413
        status, body = _upload(base, GRAPH, STUDY, TOKEN)
        assert status == 201 and body["episodes"] == 8
        status, body = _upload(base, GRAPH, STUDY, TOKEN)
        assert status == 409 and "already holds a dataset" in body["detail"]
        listing = _request(base, "GET", "/api/datasets", TOKEN)
        assert listing[0] == 200 and [(d["graph"], d["public"]) for d in listing[1]] == [(GRAPH, False)]
        # Private: the service does not show it, though it holds it.
        status, rows = served_solutions(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert rows == [{"g": RELEASE_GRAPH}]
        assert _request(base, "DELETE", "/api/datasets?graph=https://lab.example/none", TOKEN)[0] == 404
        assert _request(base, "DELETE", f"/api/datasets?graph={urllib.parse.quote(GRAPH)}", TOKEN)[0] == 200
        assert _request(base, "GET", "/api/datasets", TOKEN)[1] == []


def test_without_a_token_the_service_is_read_only_and_in_memory_it_cannot_keep_datasets(tmp_path: Path):
    with running_server(env=_environment()) as base:
        status, body = _upload(base, GRAPH, STUDY, TOKEN)
        assert status == 403 and "read-only" in body["detail"]
    with running_server(env=_environment(IERKG_WRITE_TOKEN=TOKEN)) as base:
        status, body = _upload(base, GRAPH, STUDY, TOKEN)
        assert status == 409 and "--store DIR" in body["detail"]


def _request(base: str, method: str, path: str, token: str) -> tuple[int, object]:
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- the query command ---------------------------------------------------------------------------


def test_query_runs_named_queries_and_refuses_what_the_service_refuses(tmp_path: Path):
    named = run_ierkg("query", "mechanisms-by-cell", "--format", "tsv")
    assert named.returncode == 0 and named.stdout.startswith("?cell\t")
    assert "<https://w3id.org/ierkg/WarmGlow>" in named.stdout
    service = run_ierkg("query", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert service.returncode == 2 and "SERVICE is not allowed" in service.stderr
    unknown = run_ierkg(
        "query", "ASK {}", "--dataset", "https://lab.example/none", "--store", str(tmp_path / "s")
    )
    assert unknown.returncode == 2 and "no such dataset" in unknown.stderr
    wrong = run_ierkg("query", "ASK {}", "--format", "turtle")
    assert wrong.returncode == 2 and "can be written as" in wrong.stderr


# --- the registry, in-process --------------------------------------------------------------------


def _ntriples(subject: str, count: int) -> bytes:
    return "".join(f'<{subject}> <urn:p> "{i}" .\n' for i in range(count)).encode()


def test_a_staged_graph_is_invisible_until_it_goes_live():
    store = EmbeddedStore()
    with registry.staging(store, GRAPH, source="a.csv") as lease:
        store.add_ntriples(GRAPH, _ntriples("urn:s", 3))
        assert registry.live_graphs(store) == []
        assert [(e.graph, e.state) for e in registry.entries(store)] == [(GRAPH, "staging")]
        lease.go_live(episodes=1, triples=3)
    assert registry.live_graphs(store) == [GRAPH]
    assert registry.entries(store)[0].episodes == 1


def test_a_failure_while_staging_removes_the_graph_and_its_claim():
    store = EmbeddedStore()
    with pytest.raises(RuntimeError), registry.staging(store, GRAPH, source="a.csv"):
        store.add_ntriples(GRAPH, _ntriples("urn:s", 3))
        raise RuntimeError("the load broke")
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_cleanup_removes_only_staging_graphs_whose_lease_ran_out():
    import datetime as dt

    store = EmbeddedStore()
    with registry.staging(store, GRAPH, source="a.csv", lease=dt.timedelta(seconds=-1)):
        store.add_ntriples(GRAPH, _ntriples("urn:s", 2))
        alive = "https://lab.example/alive"
        with registry.staging(store, alive, source="b.csv", lease=dt.timedelta(minutes=5)):
            store.add_ntriples(alive, _ntriples("urn:t", 2))
            assert registry.cleanup(store) == [GRAPH]  # expired: a dead ingest's
            assert store.count(GRAPH) == 0 and store.count(alive) == 2
            with (
                pytest.raises(registry.GraphTaken, match="staging"),
                registry.staging(store, alive, source="c"),
            ):
                pass
            assert registry.cleanup(store, everything_staged=True) == [alive]


def test_an_ingest_that_stalled_past_its_lease_stops_before_writing_into_the_next_owners_graph():
    import datetime as dt

    store, short = EmbeddedStore(), dt.timedelta(seconds=0.4)
    with (
        pytest.raises(registry.LostClaim, match="taken from this ingest while it was stalled") as lost,
        registry.staging(store, GRAPH, source="a.csv", lease=short) as stalled,
    ):
        stalled.keep()
        store.add_ntriples(GRAPH, _ntriples("urn:a", 2))
        stalled.wrote()
        time.sleep(0.5)  # stalled past its lease (a stopped process, a machine asleep) ...
        assert registry.cleanup(store) == [GRAPH]  # ... and cleaned up by another command,
        with registry.staging(store, GRAPH, source="c.csv") as other:  # then claimed again
            other.keep()
            store.add_ntriples(GRAPH, _ntriples("urn:c", 3))
            other.go_live(episodes=3, triples=3)
        stalled.keep()  # it resumes, and stops here
        store.add_ntriples(GRAPH, _ntriples("urn:a-again", 2))
    assert "may have reached" not in str(lost.value)  # its last write ended before the lease did
    assert [(e.graph, e.state, e.source) for e in registry.entries(store)] == [(GRAPH, "live", "c.csv")]
    assert store.count(GRAPH) == 3  # the other's triples only: nothing written, nothing undone


def test_an_ingest_that_lost_its_claim_neither_goes_live_nor_undoes_the_next_owners_graph():
    import datetime as dt

    store = EmbeddedStore()
    with (
        pytest.raises(registry.LostClaim, match="may have reached") as late,
        registry.staging(store, GRAPH, source="a.csv", lease=dt.timedelta(seconds=0.2)) as stalled,
    ):
        stalled.keep()
        store.add_ntriples(GRAPH, _ntriples("urn:a", 2))
        time.sleep(0.3)
        stalled.wrote()  # a write that was under way when the lease ran out
        assert registry.cleanup(store) == [GRAPH]
        other = registry.staging(store, GRAPH, source="c.csv")  # claimed again, not live yet
        other.__enter__()
        store.add_ntriples(GRAPH, _ntriples("urn:c", 3))
        stalled.go_live(episodes=1, triples=2)
    assert [(e.state, e.source) for e in registry.entries(store)] == [("staging", "c.csv")]
    assert store.count(GRAPH) == 3  # not undone: the graph is the other ingest's now
    assert "delete it and ingest that again" in str(late.value)
    other.__exit__(None, None, None)  # the other ingest ends without going live: it undoes its own
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_lease_renewed_just_before_a_cleanup_keeps_its_graph():
    import datetime as dt

    store = EmbeddedStore()
    with registry.staging(store, GRAPH, source="a.csv", lease=dt.timedelta(seconds=0.4)) as lease:
        store.add_ntriples(GRAPH, _ntriples("urn:a", 2))
        time.sleep(0.5)  # the lease ran out, but no cleanup came before the load went on:
        lease.keep()  # renewed, and still its own
        assert registry.cleanup(store) == []
        lease.go_live(episodes=1, triples=2)
    assert registry.live_graphs(store) == [GRAPH] and store.count(GRAPH) == 2


def test_a_cleanup_just_before_a_slow_release_loads_move_leaves_it_to_finish(monkeypatch):
    """Its one write outlasted the lease; a cleanup comes just before the MOVE. The lease was
    renewed since, so the cleanup leaves the staging graph and the MOVE lands whole."""
    import datetime as dt

    from ierkg.resources import release_dir
    from ierkg.stores.publish import held_release, publish_release

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.3))
    store = EmbeddedStore()
    write = store.add_ntriples

    def slow_write(graph: str, data: bytes) -> None:
        time.sleep(0.35)  # one write, longer than the lease
        write(graph, data)

    store.add_ntriples = slow_write
    cleaned = []
    pause_before(store, lambda text: text.startswith("MOVE"), lambda: cleaned.append(registry.cleanup(store)))
    published = publish_release(store, release_dir(), batch=100_000)
    assert cleaned == [[]]
    assert held_release(store) == (published.version, published.triples)


def _live_dataset(store, graph: str, source: str, triples: int) -> None:
    with registry.staging(store, graph, source=source) as lease:
        store.add_ntriples(graph, _ntriples(f"urn:{source}", triples))
        lease.go_live(episodes=1, triples=triples)


def test_an_undo_that_stalls_and_is_overtaken_removes_nothing_of_the_next_owners_graph():
    """The undo of a failed ingest pauses just before its first batch of deletes, past its lease;
    a cleanup finishes the removal and another ingest puts its dataset under the IRI. The undo
    resumes: its delete runs only while the entry carries its claim, so it removes nothing."""
    import datetime as dt

    store, short = EmbeddedStore(), dt.timedelta(seconds=0.3)

    def overtaken() -> None:
        time.sleep(0.4)
        assert registry.cleanup(store) == [GRAPH]
        _live_dataset(store, GRAPH, "next.csv", 3)

    paused = pause_before(store, removal_batch_of(GRAPH), overtaken)
    with pytest.raises(RuntimeError), registry.staging(store, GRAPH, source="failed.csv", lease=short):
        store.add_ntriples(GRAPH, _ntriples("urn:failed", 5))
        raise RuntimeError("the load broke")
    assert paused, "the undo never reached its removal"
    assert [(e.state, e.source) for e in registry.entries(store)] == [("live", "next.csv")]
    assert store.count(GRAPH) == 3


def test_a_delete_that_stalls_and_is_overtaken_removes_nothing_of_the_next_owners_graph(monkeypatch):
    import datetime as dt

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.3))
    store = EmbeddedStore()
    _live_dataset(store, GRAPH, "old.csv", 4)

    def overtaken() -> None:
        # The deletion's entry is hidden and claimed: nobody may ingest here until it is done.
        with pytest.raises(registry.GraphTaken, match="deleting"), registry.staging(store, GRAPH, "early"):
            pass
        time.sleep(0.4)
        assert registry.cleanup(store) == [GRAPH]  # its lease ran out: taken over and finished
        _live_dataset(store, GRAPH, "next.csv", 3)

    paused = pause_before(store, removal_batch_of(GRAPH), overtaken)
    assert registry.delete(store, GRAPH).source == "old.csv"
    assert paused
    assert [(e.state, e.source) for e in registry.entries(store)] == [("live", "next.csv")]
    assert store.count(GRAPH) == 3


def test_a_cleanup_leaves_a_running_deletion_to_its_command():
    store = EmbeddedStore()
    _live_dataset(store, GRAPH, "old.csv", 4)
    seen = []

    def meanwhile() -> None:
        seen.append(registry.cleanup(store))  # another command opens the store meanwhile
        seen.append([(e.state, store.count(GRAPH)) for e in registry.entries(store)])

    pause_before(store, removal_batch_of(GRAPH), meanwhile)
    registry.delete(store, GRAPH)
    assert seen == [[], [("deleting", 4)]]
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_large_graph_is_removed_batch_by_batch_and_a_late_write_goes_too():
    """Several batches; a write that lands between the last batch and the entry's removal (a
    stalled ingest's, in flight) is removed too before the IRI is free again."""
    store = EmbeddedStore()
    store.removal_batch_triples = 10
    _live_dataset(store, GRAPH, "big.csv", 35)
    send, sent = store.update, []

    def update(text: str) -> None:
        if removal_batch_of(GRAPH)(text):
            sent.append(store.count(GRAPH))
            if len(sent) == 4:  # the last batch: a late write lands just after it
                send(text)
                store.add_ntriples(GRAPH, _ntriples("urn:late", 2))
                return
        send(text)

    store.update = update
    registry.delete(store, GRAPH)
    assert sent == [35, 25, 15, 5, 2]
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_delete_that_stalls_after_reading_the_entry_leaves_the_next_dataset_alone():
    """It read old.csv's entry, then paused; meanwhile old.csv was deleted and next.csv ingested
    under the IRI. Its update is tied to the claim it read, so it takes nothing."""
    store = EmbeddedStore()
    _live_dataset(store, GRAPH, "old.csv", 4)

    def replaced() -> None:
        registry.delete(store, GRAPH)
        _live_dataset(store, GRAPH, "next.csv", 3)

    hide = f'DELETE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.STATE} "live"'
    paused = pause_before(store, lambda text: text.startswith(hide), replaced)
    with pytest.raises(registry.UnknownDataset, match="deleted by another command just now"):
        registry.delete(store, GRAPH)
    assert paused
    assert [(e.state, e.source) for e in registry.entries(store)] == [("live", "next.csv")]
    assert store.count(GRAPH) == 3


def test_a_removal_that_stalls_before_forgetting_leaves_the_next_claim_alone(monkeypatch):
    """Paused with the graph empty, just before the entry goes; overtaken, and the IRI claimed
    again by an ingest that has written nothing yet. Its forget is tied to its claim."""
    import datetime as dt

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.3))
    store = EmbeddedStore()
    _live_dataset(store, GRAPH, "old.csv", 4)
    claimed = []

    def overtaken() -> None:
        time.sleep(0.4)
        assert registry.cleanup(store) == [GRAPH]
        claimed.append(registry.staging(store, GRAPH, source="next.csv", lease=dt.timedelta(minutes=5)))
        claimed.append(claimed[0].__enter__())

    forget = f"DELETE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> ?p ?o }} }}"
    paused = pause_before(store, lambda text: text.startswith(forget), overtaken)
    registry.delete(store, GRAPH)
    assert paused
    assert [(e.state, e.source) for e in registry.entries(store)] == [("staging", "next.csv")]
    context, lease = claimed
    store.add_ntriples(GRAPH, _ntriples("urn:next", 3))
    lease.go_live(episodes=1, triples=3)
    context.__exit__(None, None, None)
    assert registry.live_graphs(store) == [GRAPH] and store.count(GRAPH) == 3


def test_a_slow_removal_renews_its_lease_so_a_cleanup_meanwhile_leaves_it_be(monkeypatch):
    import datetime as dt

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.4))
    store = EmbeddedStore()
    store.removal_batch_triples = 10
    _live_dataset(store, GRAPH, "big.csv", 60)
    send, batches, cleanups = store.update, [], []

    def slow_update(text: str) -> None:
        if removal_batch_of(GRAPH)(text):
            batches.append(text)
            time.sleep(0.15)  # six batches: longer than the lease, twice over
            cleanups.append(registry.cleanup(store))
        send(text)

    store.update = slow_update
    registry.delete(store, GRAPH)
    assert len(batches) == 6 and cleanups == [[]] * 6
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


@pytest.mark.parametrize("paused_at", ["a batch", "the forget"])
def test_a_cleanup_overtaken_mid_removal_reports_only_what_it_removed(monkeypatch, paused_at: str):
    import datetime as dt

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.3))
    store = EmbeddedStore()
    with registry.staging(store, GRAPH, source="dead.csv", lease=dt.timedelta(seconds=-1)):
        store.add_ntriples(GRAPH, _ntriples("urn:dead", 5))
        finished = []

        def overtaken() -> None:
            time.sleep(0.4)
            finished.append(registry.cleanup(store))

        forget = f"DELETE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> ?p ?o }} }}"
        matches = removal_batch_of(GRAPH) if paused_at == "a batch" else (lambda t: t.startswith(forget))
        pause_before(store, matches, overtaken)
        assert registry.cleanup(store) == []  # the one that paused, then found its claim gone
        assert finished == [[GRAPH]]
        assert registry.entries(store) == [] and store.count(GRAPH) == 0


def _notes_left(store) -> bool:
    return store.ask(f"ASK {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ ?g {registry.REMOVED_BY} ?by }} }}")


def test_the_removers_note_is_taken_back_and_a_stray_one_is_cleaned_up():
    store = EmbeddedStore()
    _live_dataset(store, GRAPH, "a.csv", 3)
    registry.delete(store, GRAPH)
    assert not _notes_left(store)
    store.update(
        f'INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.REMOVED_BY} "cut off" }} }}'
    )
    assert _notes_left(store) and registry.entries(store) == []  # a note alone is no entry
    with registry.staging(store, GRAPH, source="b.csv") as lease:  # and blocks nothing
        lease.go_live(episodes=0, triples=0)
    registry.delete(store, GRAPH)  # its forget takes the old note with the entry
    assert not _notes_left(store)
    store.update(
        f'INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.REMOVED_BY} "cut off" }} }}'
    )
    assert registry.cleanup(store) == [] and not _notes_left(store)  # and a cleanup takes a stray one


def test_a_delete_of_an_entry_without_a_claim_never_takes_a_newer_one():
    """An entry from an ierkg older than claims is matched by having none; one ingested since
    under the IRI has a claim, so a delete that read the old entry and stalled leaves it."""
    store = EmbeddedStore()
    store.add_ntriples(GRAPH, _ntriples("urn:old", 2))
    store.update(
        f'INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.STATE} "live" }} }}'
    )

    def replaced() -> None:
        registry.delete(store, GRAPH)
        _live_dataset(store, GRAPH, "next.csv", 3)

    hide = f'DELETE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.STATE} "live"'
    pause_before(store, lambda text: text.startswith(hide), replaced)
    with pytest.raises(registry.UnknownDataset, match="deleted by another command just now"):
        registry.delete(store, GRAPH)
    assert [(e.state, e.source) for e in registry.entries(store)] == [("live", "next.csv")]
    assert store.count(GRAPH) == 3


def test_an_entry_left_both_live_and_deleting_is_hidden_and_removed():
    """Virtuoso may apply a stalled ingest's go-live beside a cleanup's takeover: the entry then
    says both. It is not shown, and a cleanup removes it."""
    store = EmbeddedStore()
    _live_dataset(store, GRAPH, "both.csv", 3)
    store.update(
        f'INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.STATE} "deleting" }} }}'
    )
    assert [e.state for e in registry.entries(store)] == ["deleting"] and registry.live_graphs(store) == []
    assert registry.cleanup(store) == [GRAPH]
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_removal_the_store_does_not_carry_out_stops_with_a_message_instead_of_looping(caplog):
    from ierkg.stores.base import StoreError

    store = EmbeddedStore()
    store.removal_batch_triples = 10
    _live_dataset(store, GRAPH, "stuck.csv", 25)
    send = store.update
    store.update = lambda text: None if removal_batch_of(GRAPH)(text) else send(text)
    with pytest.raises(StoreError, match="deletes nothing of .* 25 triples"):
        registry.delete(store, GRAPH)
    assert [e.state for e in registry.entries(store)] == ["deleting"]  # hidden, and kept
    assert registry.cleanup(store, everything_staged=True) == []  # tried again: warned, not raised
    assert "could not finish removing" in caplog.text
    store.update = send
    assert registry.cleanup(store, everything_staged=True) == [GRAPH]
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_removal_that_times_out_goes_on_in_smaller_batches():
    from ierkg.stores.base import StoreTimeout

    store = EmbeddedStore()
    store.removal_batch_triples = 40_000
    _live_dataset(store, GRAPH, "big.csv", 25)
    send, limits = store.update, []

    def update(text: str) -> None:
        if removal_batch_of(GRAPH)(text):
            limits.append(int(text.rsplit("LIMIT", 1)[1].split()[0]))
            if limits[-1] > 10_000:
                raise StoreTimeout("the server did not answer in time")
        send(text)

    store.update = update
    registry.delete(store, GRAPH)
    assert limits == [40_000, 10_000]
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_cut_short_deletion_without_a_claim_is_finished_by_a_cleanup():
    """A deleting entry with no claim or lease (written by an older ierkg) counts as dead."""
    store = EmbeddedStore()
    store.add_ntriples(GRAPH, _ntriples("urn:old", 3))
    store.update(
        f'INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.STATE} "deleting" }} }}'
    )
    assert registry.live_graphs(store) == []
    assert registry.cleanup(store) == [GRAPH]
    assert registry.entries(store) == [] and store.count(GRAPH) == 0


def test_a_release_load_whose_staging_graph_was_cleaned_up_while_it_stalled_moves_nothing(monkeypatch):
    """Stalled past its lease mid-load and cleaned up, the load writes its remaining batches into a
    graph that lost its first ones; it must not move that over the release."""
    import datetime as dt

    from ierkg.resources import release_dir
    from ierkg.stores.publish import held_release, publish_release

    store = EmbeddedStore()
    first = publish_release(store, release_dir())
    store.update(
        f"DELETE WHERE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ ?g {registry.RELEASE_DIGEST} ?d }} }}"
    )
    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.3))
    write, written = store.add_ntriples, []

    def stalling_write(graph: str, data: bytes) -> None:
        write(graph, data)
        written.append(graph)
        if len(written) == 2:
            time.sleep(0.4)
            assert registry.cleanup(store) == [graph]

    store.add_ntriples = stalling_write
    with pytest.raises(IerkgError, match="cleaned up while it was loading"):
        publish_release(store, release_dir(), batch=500)
    assert held_release(store) == (first.version, first.triples)
    assert [g for g in store.graphs() if g.startswith("urn:ierkg:staging:")] == []


def test_foreign_triples_and_reserved_graphs_are_never_taken():
    store = EmbeddedStore()
    store.add_ntriples(GRAPH, _ntriples("urn:someone-else", 1))
    with (
        pytest.raises(registry.GraphTaken, match="did not ingest"),
        registry.staging(store, GRAPH, source="a"),
    ):
        pass
    assert store.count(GRAPH) == 1  # left as it was
    for bad in (RELEASE_GRAPH, registry.REGISTRY_GRAPH, "no-scheme", "https://x.example/a b", "https://x/>"):
        with pytest.raises(IerkgError):
            registry.check_graph_name(bad)


def test_batches_keep_triples_that_share_blank_nodes_together():
    lines = [b"<urn:a> <urn:p> <urn:b> .\n"] * 5
    lines += [
        b"<urn:c> <urn:p> _:x .\n",
        b"_:x <urn:q> _:y .\n",
        b"<urn:d> <urn:p> <urn:e> .\n",
        b'_:y <urn:r> "_: not a node" .\n',
        b"_:z <urn:p> <urn:f> .\n",
    ]
    parts = list(batches(lines, size=2, linked_size=1))
    # Every line is somewhere, once.
    assert sorted(line for part in parts for line in part.splitlines(keepends=True)) == sorted(lines)
    # _:x and _:y are linked (one line holds both), so one batch holds all three of their lines.
    holding = [part for part in parts if b"_:x" in part or b"_:y" in part]
    assert len(holding) == 1 and holding[0].count(b"_:x") == 2 and holding[0].count(b"_:y") == 2
    assert all(len(part.splitlines()) <= 3 for part in parts)  # the linked group, else size 2


def test_a_table_is_converted_without_blank_nodes_so_its_ingest_streams(tmp_path: Path):
    # batches() holds lines with blank nodes until the end; a table's episodes must have none.
    data = synthetic.write_csv(tmp_path / "episodes.csv", 500, slip_rate=0)
    with ingest.prepared(data, GRAPH, CompiledEngine(), scale=(1, 7), allow_warnings=True) as ready:
        triples = ready.rdf_path.read_bytes()
    assert triples.count(b"\n") > 500 * 10
    assert b"_:" not in triples


def test_a_first_release_load_killed_halfway_is_cleaned_up_when_the_folder_is_next_opened(tmp_path: Path):
    store = tmp_path / "store"
    env = {**os.environ, "IERKG_STORE": str(store)}
    assert killed_after_one_batch("embedded", "EmbeddedStore", "datasets", "list", env=env) == 9
    raw = pyoxigraph.Store.read_only(str(store))
    graphs = {g.value for g in raw.named_graphs()}
    del raw
    assert any(g.startswith("urn:ierkg:staging:") for g in graphs) and RELEASE_GRAPH not in graphs
    listing = run_ierkg("datasets", "list", "--json", "--store", str(store))
    assert listing.returncode == 0 and json.loads(listing.stdout) == []
    raw = pyoxigraph.Store.read_only(str(store))
    graphs = {g.value for g in raw.named_graphs()}
    noted = list(raw.quads_for_pattern(None, pyoxigraph.NamedNode(registry.NS + "releaseStagingUntil"), None))
    del raw
    assert not any(g.startswith("urn:ierkg:staging:") for g in graphs) and RELEASE_GRAPH in graphs
    assert noted == []


def test_an_ingest_killed_after_its_data_is_on_disk_still_leaves_nothing_visible(tmp_path: Path):
    # The worst moment: every triple written and flushed, but the graph not yet registered live.
    store = tmp_path / "store"
    env = {**os.environ, "IERKG_STORE": str(store)}
    ingest_args = ("ingest", str(STUDY), "--graph", GRAPH, "--scale", "1-7")
    died = killed_after_one_batch(
        "embedded", "EmbeddedStore", *ingest_args, env=env, method="add_ntriples_file"
    )
    assert died == 9
    raw = pyoxigraph.Store.read_only(str(store))
    written = len(list(raw.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(GRAPH))))
    del raw
    assert written > 0  # the whole dataset is in the folder, only hidden
    listing = run_ierkg("datasets", "list", "--all", "--json", "--store", str(store))
    assert listing.returncode == 0 and json.loads(listing.stdout) == []
    asked = run_ierkg(
        "query", f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}", "--store", str(store), "--format", "json"
    )
    assert asked.returncode == 0 and json.loads(asked.stdout)["boolean"] is False
    again = run_ierkg("ingest", *ingest_args[1:], "--store", str(store), "-q")
    assert again.returncode == 0, again.stderr  # the graph is free again


def test_two_ingests_that_claim_a_graph_at_once_both_step_back_and_leave_it_free():
    store = EmbeddedStore()
    update = store.update

    def claimed_at_the_same_moment(text: str) -> None:
        update(text)
        if "FILTER NOT EXISTS" in text and '"staging"' in text:  # the other ingest's claim lands too
            other = f'INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.CLAIM} "other" }} }}'
            update(other)

    store.update = claimed_at_the_same_moment
    with (
        pytest.raises(registry.GraphTaken, match="at the same moment"),
        registry.staging(store, GRAPH, "a.csv"),
    ):
        pass
    store.update = update
    assert [e.state for e in registry.entries(store)] == ["staging"]  # the other's claim, still held
    registry._withdraw(store, GRAPH, "other")  # which steps back the same way
    assert registry.entries(store) == []
    with registry.staging(store, GRAPH, source="a.csv") as lease:  # the graph is free again
        lease.go_live(episodes=0, triples=0)
    assert registry.live_graphs(store) == [GRAPH]


def test_a_losing_claim_that_lands_after_the_winner_read_its_own_back_leaves_no_trace(monkeypatch):
    """Virtuoso runs two claims side by side: the loser's condition was checked before the
    winner's insert committed, so its insert lands too, after the winner has read back only its
    own claim. The loser steps back; the winner's entry keeps one claim and one source."""
    store = EmbeddedStore()
    update = store.update
    with registry.staging(store, GRAPH, source="winner.csv") as winner:

        def checked_too_early(text: str) -> None:  # the loser's claim, applied unconditionally
            update(
                text.split("WHERE")[0].replace("INSERT {", "INSERT DATA {")
                if text.startswith("INSERT") and "NOT EXISTS" in text
                else text
            )

        store.update = checked_too_early
        read = registry.entries
        monkeypatch.setattr(registry, "entries", lambda _store: [])  # it looked before the winner claimed
        with (
            pytest.raises(registry.GraphTaken, match="at the same moment"),
            registry.staging(store, GRAPH, "loser.csv"),
        ):
            pass
        store.update = update
        monkeypatch.setattr(registry, "entries", read)
        store.add_ntriples(GRAPH, _ntriples("urn:winner", 2))
        winner.keep()
        winner.go_live(episodes=1, triples=2)
    assert [(e.state, e.source) for e in registry.entries(store)] == [("live", "winner.csv")]
    claims = store.select(
        f"SELECT ?c WHERE {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{GRAPH}> {registry.CLAIM} ?c }} }}"
    )
    assert [row["c"] for row in claims] == [winner.claim] and store.count(GRAPH) == 2


def test_an_rdf_ingest_with_a_scale_is_refused_before_anything_is_written(tmp_path: Path):
    store = tmp_path / "store"
    result = run_ierkg(
        "ingest", str(SAMPLE.with_suffix(".ttl")), "--graph", GRAPH, "--scale", "1-7", "--store", str(store)
    )
    assert result.returncode == 2 and "a rating scale (--scale) applies only to tables" in result.stderr
    assert "Traceback" not in result.stderr
    listing = run_ierkg("datasets", "list", "--all", "--json", "--store", str(store))
    assert listing.returncode == 0 and json.loads(listing.stdout) == []


def test_a_slow_release_load_renews_its_lease_so_a_cleanup_meanwhile_leaves_it_be(monkeypatch):
    import datetime as dt

    from ierkg.resources import release_dir
    from ierkg.stores.publish import held_release, publish_release

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=0.4))
    store = EmbeddedStore()
    write, written = store.add_ntriples, []

    def slow_write(graph: str, data: bytes) -> None:  # a slow server, and other commands meanwhile
        write(graph, data)
        written.append(graph)
        time.sleep(0.1)
        if len(written) % 4 == 0:
            assert registry.cleanup(store) == []  # the lease is still running: nothing to remove

    store.add_ntriples = slow_write
    published = publish_release(store, release_dir(), batch=500)
    assert len(written) > 8  # longer than the lease, several times over
    assert held_release(store) == (published.version, published.triples)
    assert [g for g in store.graphs() if g.startswith("urn:ierkg:staging:")] == []


def _rebuilt_release(folder: Path) -> Path:
    """The packaged release with one definition reworded: same version, same size, other content."""
    import hashlib
    import shutil

    from ierkg.resources import release_dir

    shutil.copytree(release_dir(), folder)
    lines = (folder / "ierkg.nt").read_bytes().splitlines(keepends=True)
    marker = b'<http://www.w3.org/2004/02/skos/core#definition> "'
    index = next(i for i, line in enumerate(lines) if marker in line)
    lines[index] = lines[index].replace(marker, marker + b"Reworded: ", 1)
    (folder / "ierkg.nt").write_bytes(b"".join(lines))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["ierkg.nt"]["sha256"] = hashlib.sha256((folder / "ierkg.nt").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_rebuilt_release_of_the_same_version_and_size_is_loaded_not_taken_as_held(tmp_path: Path):
    from ierkg.resources import release_dir
    from ierkg.stores.publish import RELEASE_GRAPH, publish_release

    def reworded() -> int:
        return len(
            store.select(
                f"SELECT ?d WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ ?s ?p ?d "
                'FILTER(ISLITERAL(?d) && STRSTARTS(STR(?d), "Reworded: ")) } }'
            )
        )

    store = EmbeddedStore()
    packaged = publish_release(store, release_dir())
    assert packaged.written
    assert not publish_release(store, release_dir()).written  # the very same build: nothing to do
    rebuilt = publish_release(store, _rebuilt_release(tmp_path / "rebuilt"))
    assert rebuilt.written and (rebuilt.version, rebuilt.triples) == (packaged.version, packaged.triples)
    assert reworded() == 1
    assert publish_release(store, release_dir()).written  # and back again, whole
    assert reworded() == 0


def test_load_into_a_fresh_folder_says_it_loaded_and_again_that_it_held_it(tmp_path: Path):
    folder = str(tmp_path / "store")
    first = run_ierkg("load", "--store", folder)
    assert first.returncode == 0 and first.stdout.rstrip().endswith(": loaded"), first.stdout + first.stderr
    again = run_ierkg("load", "--store", folder)
    assert again.returncode == 0 and "already held; nothing written" in again.stdout


def test_a_release_load_cut_off_after_its_move_is_not_taken_for_the_build_before(tmp_path: Path, monkeypatch):
    from ierkg.resources import release_dir
    from ierkg.stores.publish import publish_release

    store = EmbeddedStore()
    assert publish_release(store, release_dir()).written
    rebuilt = _rebuilt_release(tmp_path / "rebuilt")

    def cut_off(*_args) -> None:
        raise KeyboardInterrupt  # the process ends between the move and noting the new digest

    monkeypatch.setattr(registry, "note_release_digest", cut_off)
    with pytest.raises(KeyboardInterrupt):
        publish_release(store, rebuilt)
    monkeypatch.undo()
    assert registry.release_digest(store, RELEASE_GRAPH) is None  # the old build's is gone too
    assert publish_release(store, release_dir()).written  # so the packaged build is written back
