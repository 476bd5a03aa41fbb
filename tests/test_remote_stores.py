"""The store commands and the service against real SPARQL servers on loopback.

Two servers, each a real process started here from a folder of the test's own: Oxigraph's
server (`oxigraph serve`, PyPI oxigraph) and Debian's Virtuoso (`virtuoso-t` with a config
file written into a temporary folder; updates need a user who logs in with HTTP digest).
Every case runs the real `ierkg` command line or a running `ierkg serve`, and checks what
the server holds with plain SPARQL requests of its own, not through ierkg.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ierkg.datasets import synthetic
from ierkg.sparql.engine import Job, answer
from ierkg.stores.base import StoreError, StoreTimeout
from ierkg.stores.config import store_config

from .conftest import run_ierkg
from .sparql_servers import (
    VIRTUOSO_PASSWORD,
    VIRTUOSO_USER,
    AuthProxy,
    OxigraphServer,
    Recorder,
    Redirect,
    Silent,
    Stall,
    Trickle,
    VirtuosoServer,
)
from .web_server import free_port, running_server

REPO = Path(__file__).resolve().parents[1]
STUDY = REPO / "examples" / "study.csv"
SAMPLE = REPO / "examples" / "sample.csv"
SAMPLE_RDF = REPO / "examples" / "sample.ttl"
RELEASE_GRAPH = "https://w3id.org/ierkg/ontology"
RELEASE_TRIPLES = json.loads((REPO / "ontology" / "release" / "manifest.json").read_text())["triples"]
PER_CELL = """PREFIX ierkg: <https://w3id.org/ierkg/>
SELECT ?cell (COUNT(?episode) AS ?n) WHERE {
  VALUES ?cell { ierkg:IntrinsicResponseDependentRegulation ierkg:IntrinsicResponseIndependentRegulation
                 ierkg:ExtrinsicResponseDependentRegulation ierkg:ExtrinsicResponseIndependentRegulation }
  ?episode a ?cell } GROUP BY ?cell ORDER BY ?cell"""
# examples/study.csv, placed by hand: s01, s03, s07 intrinsic response-dependent; s02, s05
# extrinsic response-independent; s04 extrinsic response-dependent.
STUDY_CELLS = {
    "https://w3id.org/ierkg/ExtrinsicResponseDependentRegulation": 1,
    "https://w3id.org/ierkg/ExtrinsicResponseIndependentRegulation": 2,
    "https://w3id.org/ierkg/IntrinsicResponseDependentRegulation": 3,
}


@dataclass
class Target:
    """A running server, and how the ierkg commands are told about it."""

    name: str
    server: OxigraphServer | VirtuosoServer
    options: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def ierkg(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_ierkg(*args, *self.options, env={**os.environ, **self.env, **(env or {})})

    def direct(self, query: str) -> list[dict[str, str]]:
        """A SELECT sent straight to the server (not through ierkg), as {variable: value}."""
        request = urllib.request.Request(
            self.server.query_url,
            data=urllib.parse.urlencode({"query": query}).encode(),
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            bindings = json.loads(response.read())["results"]["bindings"]
        return [{k: v["value"] for k, v in row.items()} for row in bindings]

    def triples_in(self, graph: str) -> int:
        return int(self.direct(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"])


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "data").start()
    yield Target("oxigraph", server, ["--endpoint", server.query_url])
    server.stop()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    options = [
        "--endpoint", server.query_url, "--update-endpoint", server.update_url,
        "--user", VIRTUOSO_USER, "--auth", "digest",
    ]  # fmt: skip
    yield Target("virtuoso", server, options, {"IERKG_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD})
    server.stop()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def target(request) -> Target:
    return request.getfixturevalue(request.param)


def graph_for(test: str, target: Target) -> str:
    return f"https://lab.example/{target.name}/{test}"


def served_solutions(base: str, query: str, **params: str) -> tuple[int, list[dict[str, str]] | str]:
    data = urllib.parse.urlencode({"query": query, **params}).encode()
    request = urllib.request.Request(
        base + "/sparql", data=data, headers={"Accept": "application/sparql-results+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            rows = json.loads(response.read())["results"]["bindings"]
            return response.status, [{k: v["value"] for k, v in row.items()} for row in rows]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --- the release ---------------------------------------------------------------------------------


def test_load_twice_holds_the_release_once(target: Target):
    first = target.ierkg("load")
    assert first.returncode == 0, first.stderr
    again = target.ierkg("load")
    assert again.returncode == 0, again.stderr
    assert "already held; nothing written" in again.stdout
    assert target.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES
    # A release graph that differs (here: one triple gone) is replaced whole, blank nodes and all.
    drop_one = f"DELETE WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ <{RELEASE_GRAPH}> <http://purl.org/dc/terms/title> ?t }} }}"
    assert target.ierkg("query", "ASK {}").returncode == 0
    _update(target, drop_one)
    assert target.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES - 1
    repaired = target.ierkg("load")
    assert repaired.returncode == 0 and "loaded" in repaired.stdout, repaired.stderr
    assert target.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES
    assert not any(row["g"].startswith("urn:ierkg:staging:") for row in target.direct(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    ))  # fmt: skip


def test_a_rebuilt_release_of_the_same_version_replaces_the_one_held(target: Target, tmp_path: Path):
    """Same version, same number of triples, one definition reworded: a load writes it, and
    `serve` of the packaged release refuses the server's other build until it is loaded back."""
    from .test_store_folder import _rebuilt_release

    assert target.ierkg("load", "-q").returncode == 0
    rebuilt = _rebuilt_release(tmp_path / "rebuilt")
    loaded = target.ierkg("load", "--release", str(rebuilt))
    assert loaded.returncode == 0 and "already held" not in loaded.stdout, loaded.stdout + loaded.stderr
    reworded = f"""SELECT ?d WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ ?s ?p ?d
        FILTER(ISLITERAL(?d) && STRSTARTS(STR(?d), "Reworded: ")) }} }}"""
    assert len(target.direct(reworded)) == 1 and target.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES
    served = target.ierkg("serve", "--port", str(free_port()))
    assert served.returncode == 2 and "another build of ierkg release" in served.stderr, served.stderr
    back = target.ierkg("load")
    assert back.returncode == 0 and "already held" not in back.stdout
    assert target.direct(reworded) == [] and "already held" in target.ierkg("load").stdout


def _update(target: Target, text: str) -> None:
    """An update sent with ierkg's own store client (Virtuoso wants its digest user)."""
    script = (
        "import sys; from ierkg.stores.config import store_config; "
        "store_config(endpoint=sys.argv[1], update_endpoint=sys.argv[2], user=sys.argv[3] or None, "
        "auth=sys.argv[4]).open().update(sys.argv[5])"
    )
    server = target.server
    update_url = getattr(server, "update_url", server.query_url.replace("/query", "/update"))
    user = VIRTUOSO_USER if target.name == "virtuoso" else ""
    auth = "digest" if target.name == "virtuoso" else "basic"
    subprocess.run(
        [sys.executable, "-c", script, server.query_url, update_url, user, auth, text],
        env={**os.environ, **target.env},
        check=True,
        timeout=60,
    )


def test_the_graph_store_protocol_carries_the_writes_when_configured(oxigraph: Target):
    """The deploy.md recipe for Oxigraph: bulk writes go to /store, not through SPARQL Update."""
    proxy = AuthProxy(oxigraph.server.port)  # in front of /store only, to see what goes there
    graph = graph_for("graph-store", oxigraph)
    store_options = [*oxigraph.options, "--graph-store", proxy.url("/store")]
    try:
        _update(oxigraph, f"DROP SILENT GRAPH <{RELEASE_GRAPH}>")
        loaded = run_ierkg("load", *store_options, env={**os.environ, **oxigraph.env})
        assert loaded.returncode == 0, loaded.stderr
        assert oxigraph.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES
        ingested = run_ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", *store_options)
        assert ingested.returncode == 0, ingested.stderr
        sent = [line.removeprefix("POST /store?graph=") for line in proxy.requests]
        # The release goes to a staging graph, then moves; the dataset goes to its own graph,
        # which the registry keeps hidden until it is live.
        staged = [line for line in sent if line.startswith("urn%3Aierkg%3Astaging%3A")]
        assert staged and sent == [*staged, urllib.parse.quote(graph, safe="")], proxy.requests
        listed = oxigraph.ierkg("datasets", "list")
        assert graph in listed.stdout, listed.stdout
        rows = oxigraph.direct(
            PER_CELL.replace("?episode a ?cell", f"GRAPH <{graph}> {{ ?episode a ?cell }}")
        )
        assert {row["cell"]: int(row["n"]) for row in rows} == STUDY_CELLS
    finally:
        proxy.close()
        oxigraph.ierkg("datasets", "delete", graph, "-q")


# --- coded datasets ----------------------------------------------------------------------------


def test_ingest_list_query_and_delete(target: Target):
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("ingest", target)
    target.ierkg("datasets", "delete", graph, "-q")  # left over from an earlier run, if any
    loaded = target.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7")
    assert loaded.returncode == 0, loaded.stderr
    assert "8 episodes" in loaded.stdout
    listed = json.loads(target.ierkg("datasets", "list", "--json").stdout)
    assert [(d["graph"], d["episodes"], d["source"]) for d in listed if d["graph"] == graph] == [
        (graph, 8, "study.csv")
    ]
    # Each episode carries its framework classes, so a plain query counts episodes per cell.
    rows = target.direct(PER_CELL.replace("?episode a ?cell", f"GRAPH <{graph}> {{ ?episode a ?cell }}"))
    assert {row["cell"]: int(row["n"]) for row in rows} == STUDY_CELLS
    # A dataset with violations is not loaded at all.
    refused = target.ierkg("ingest", str(SAMPLE), "--graph", graph + "-bad", "--scale", "1-7")
    assert refused.returncode == 1 and "not loaded" in refused.stderr
    assert target.triples_in(graph + "-bad") == 0
    # Ingesting over a live dataset is refused, and says how to replace it.
    again = target.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7")
    assert again.returncode == 2 and "already holds a dataset" in again.stderr
    deleted = target.ierkg("datasets", "delete", graph)
    assert deleted.returncode == 0, deleted.stderr
    assert target.triples_in(graph) == 0
    assert graph not in target.ierkg("datasets", "list").stdout


def test_two_ingests_of_one_graph_at_once_never_both_win(target: Target, tmp_path: Path):
    """Two real processes race for one graph IRI: at most one goes live, the other exits 2
    with the reason, and the registry keeps one entry with one claim (or, on a tie, none)."""
    import shutil

    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("race", target)
    target.ierkg("datasets", "delete", graph, "-q")
    sources = [shutil.copy(STUDY, tmp_path / name) for name in ("first.csv", "second.csv")]
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ierkg",
                "ingest",
                str(source),
                "--graph",
                graph,
                "--scale",
                "1-7",
                "-q",
                *target.options,
            ],
            env={**os.environ, **target.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for source in sources
    ]
    outcomes = [(racer.wait(120), racer.stderr.read()) for racer in racers]
    assert all(code in (0, 2) for code, _ in outcomes), outcomes
    assert not any("Traceback" in said for _, said in outcomes)
    winners = [Path(source).name for source, (code, _) in zip(sources, outcomes, strict=True) if code == 0]
    assert len(winners) <= 1, outcomes
    registry = "https://w3id.org/ierkg/store#"
    claims = target.direct(
        f"SELECT ?c WHERE {{ GRAPH <{registry}registry> {{ <{graph}> <{registry}claim> ?c }} }}"
    )
    listed = [
        d
        for d in json.loads(target.ierkg("datasets", "list", "--all", "--json").stdout)
        if d["graph"] == graph
    ]
    if winners:
        assert [(d["state"], d["source"]) for d in listed] == [("live", winners[0])] and len(claims) == 1
        assert listed[0]["triples"] == target.triples_in(graph) > 0
    else:  # a tie: both stepped back before writing anything
        assert listed == [] and claims == [] and target.triples_in(graph) == 0
    for code, said in outcomes:
        if code == 2:
            assert (
                "already holds a dataset" in said or "by another ingest" in said or "same moment" in said
            ), said
    target.ierkg("datasets", "delete", graph, "-q")


def test_blank_nodes_stay_whole_when_an_ingest_is_sent_in_batches(target: Target, tmp_path: Path):
    """People written as blank nodes, in batches far smaller than the file: each request scopes
    blank node labels afresh, so a person cut across two requests would become two nodes."""
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("blank-people", target)
    target.ierkg("datasets", "delete", graph, "-q")
    head, _, episodes = SAMPLE_RDF.read_text().partition("study:ep01 a")
    episodes = "study:ep01 a" + episodes
    text = head.replace("study:alex", "_:alex").replace("study:sam", "_:sam") + "".join(
        episodes.replace("study:alex", "_:alex").replace("study:sam", "_:sam")
        .replace("study:ep0", f"study:ep{copy}-").replace('"ep0', f'"ep{copy}-')
        for copy in range(40)
    )  # fmt: skip
    data = tmp_path / "blank-people.ttl"
    data.write_text(text)
    loaded = target.ierkg("ingest", str(data), "--graph", graph, env={"IERKG_ENDPOINT_BATCH_TRIPLES": "25"})
    assert loaded.returncode == 0, loaded.stderr
    people = target.direct(
        f"""PREFIX ierkg: <https://w3id.org/ierkg/> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?name (COUNT(DISTINCT ?person) AS ?nodes) (COUNT(DISTINCT ?episode) AS ?episodes)
        WHERE {{ GRAPH <{graph}> {{ ?episode ierkg:regulator ?person .
                 OPTIONAL {{ ?person dcterms:identifier ?name }} }} }} GROUP BY ?name ORDER BY ?name"""
    )
    assert [(row.get("name"), int(row["nodes"]), int(row["episodes"])) for row in people] == [
        ("alex", 1, 40),
        ("sam", 1, 40),
    ]
    assert target.ierkg("datasets", "delete", graph, "-q").returncode == 0


def test_a_release_is_never_loaded_over_a_dataset(target: Target):
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("not-a-release", target)
    target.ierkg("datasets", "delete", graph, "-q")
    assert target.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", "-q").returncode == 0
    held = target.triples_in(graph)
    refused = target.ierkg("load", "--graph", graph)
    assert refused.returncode == 2 and "holds the coded dataset study.csv" in refused.stderr, refused.stderr
    assert target.triples_in(graph) == held
    assert target.ierkg("datasets", "delete", graph, "-q").returncode == 0


def test_the_service_serves_a_remote_store_and_keeps_datasets_private(target: Target, tmp_path: Path):
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("served", target)
    target.ierkg("datasets", "delete", graph, "-q")
    assert target.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", "-q").returncode == 0
    environment = {**target.env, "IERKG_ANSWER_CACHE_BYTES": "0"}
    with running_server(*target.options, env=environment, log=tmp_path / "private.log") as base:
        status, rows = served_solutions(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert status == 200 and rows == [{"g": RELEASE_GRAPH}]  # the dataset is private
        status, rows = served_solutions(base, PER_CELL)
        assert status == 200 and rows == []
        status, text = served_solutions(base, "ASK {}", **{"default-graph-uri": graph})
        assert status == 400 and "there is no graph" in text
        # Naming the private graph in the query itself reaches nothing either.
        status, rows = served_solutions(base, f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} LIMIT 1")
        assert status == 200 and rows == [], rows
        for clause in (f"FROM <{graph}>", f"FROM NAMED <{graph}>"):
            status, text = served_solutions(base, f"SELECT * {clause} WHERE {{ ?s ?p ?o }} LIMIT 1")
            assert status == 400 and "reads only its own graphs" in text, (clause, status, text)
        # The concept pages come from the server's copy of the release.
        with urllib.request.urlopen(base + "/ierkg/Venting", timeout=30) as page:
            assert page.status == 200 and b"venting" in page.read().lower()
    public = {**environment, "IERKG_PUBLIC_DATASETS": graph}
    with running_server(*target.options, env=public, log=tmp_path / "public.log") as base:
        status, rows = served_solutions(base, PER_CELL)
        assert status == 200 and {row["cell"]: int(row["n"]) for row in rows} == STUDY_CELLS
        status, rows = served_solutions(
            base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": graph}
        )
        assert status == 200 and int(rows[0]["n"]) == target.triples_in(graph)
    target.ierkg("datasets", "delete", graph, "-q")


def test_the_service_sees_datasets_other_processes_ingest_and_delete_within_its_refresh(
    oxigraph: Target, tmp_path: Path
):
    """Another process's ingest shows within IERKG_REFRESH_SECONDS, and after its delete no
    cached answer brings the data back."""
    assert oxigraph.ierkg("load", "-q").returncode == 0
    graph = graph_for("refreshed", oxigraph)
    oxigraph.ierkg("datasets", "delete", graph, "-q")
    environment = {"IERKG_PUBLIC_DATASETS": graph, "IERKG_REFRESH_SECONDS": "1"}
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def served() -> tuple[int, list | str]:
        return served_solutions(base, count, **{"default-graph-uri": graph})

    def within(seconds: float, wanted) -> tuple[int, list | str]:
        deadline = time.monotonic() + seconds
        while not wanted(found := served()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return found

    with running_server(*oxigraph.options, env=environment, log=tmp_path / "serve.log") as base:
        assert served()[0] == 400  # not there yet
        ingested = oxigraph.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", "-q")
        assert ingested.returncode == 0, ingested.stderr
        status, rows = within(5, lambda found: found[0] == 200)
        assert status == 200 and int(rows[0]["n"]) == oxigraph.triples_in(graph) > 0
        assert served()[0] == 200  # now in the answer cache too
        assert oxigraph.ierkg("datasets", "delete", graph, "-q").returncode == 0
        status, text = within(5, lambda found: found[0] == 400)
        assert status == 400 and "there is no graph" in text


def test_the_data_survive_a_restart_of_the_server(target: Target):
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("restart", target)
    target.ierkg("datasets", "delete", graph, "-q")
    assert target.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", "-q").returncode == 0
    before = target.triples_in(graph)
    target.server.stop()
    target.server.start()
    assert target.triples_in(graph) == before > 0
    assert target.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES
    listed = json.loads(target.ierkg("datasets", "list", "--json").stdout)
    assert graph in [d["graph"] for d in listed]
    target.ierkg("datasets", "delete", graph, "-q")


def test_an_ingest_killed_halfway_leaves_no_visible_graph(target: Target, tmp_path: Path):
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("killed", target)
    data = synthetic.write_csv(tmp_path / "big.csv", 20_000, seed=3, slip_rate=0.0)
    lease = {"IERKG_INGEST_LEASE_SECONDS": "4"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ierkg", "ingest", str(data), "--graph", graph, "--scale", "1-7",
         "--allow-warnings", *target.options],
        env={**os.environ, **target.env, **lease},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        for line in process.stderr:
            if line.startswith("staging"):
                break
        # Kill it once part of the data has arrived, so there really is a partial graph.
        deadline = time.monotonic() + 60
        while target.triples_in(graph) == 0 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, f"the ingest ended before it could be killed: {process.stderr.read()}"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
    # A batch sent just before the kill may still be landing: wait until the count settles.
    partial, settled = target.triples_in(graph), time.monotonic() + 2
    while time.monotonic() < settled:
        time.sleep(0.3)
        partial, previous = target.triples_in(graph), partial
        if partial == previous:
            break
    assert partial > 0  # on the server, but nowhere visible:
    # While its lease still runs, a cleanup (every command runs one) leaves it be.
    listing = target.ierkg("datasets", "list", "--all", "--json", env=lease)
    assert [d["state"] for d in json.loads(listing.stdout) if d["graph"] == graph] == ["staging"]
    assert target.triples_in(graph) == partial
    assert graph not in [d["graph"] for d in json.loads(target.ierkg("datasets", "list", "--json").stdout)]
    with running_server(*target.options, env={**target.env, "IERKG_PUBLIC_DATASETS": graph}) as base:
        status, text = served_solutions(base, "ASK {}", **{"default-graph-uri": graph})
        assert status == 400 and "there is no graph" in text
        status, rows = served_solutions(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert rows == [{"g": RELEASE_GRAPH}]
    # Once its lease has run out, the next command that opens the store removes it.
    time.sleep(4.5)
    listing = target.ierkg("datasets", "list", "--all", "--json", env=lease)
    assert listing.returncode == 0 and graph not in listing.stdout
    assert target.triples_in(graph) == 0


# A process that dies for good once it has written its first batch: no cleanup code runs.
DIE_AFTER_ONE_BATCH = """
import os, sys
from ierkg.cli import main
from ierkg.stores.{module} import {store}
write = {store}.{method}
def write_then_die(self, *args, **kwargs):
    write(self, *args, **kwargs)
    os._exit(9)
{store}.{method} = write_then_die
sys.exit(main(sys.argv[1:]))
"""


def killed_after_one_batch(
    module: str, store: str, *args: str, env: dict, method: str = "add_ntriples"
) -> int:
    """Run an ierkg command that is killed (exit 9) right after the store's first ``method`` call."""
    script = DIE_AFTER_ONE_BATCH.format(module=module, store=store, method=method)
    command = [sys.executable, "-c", script, *args]
    return subprocess.run(command, check=False, env=env, capture_output=True, timeout=120).returncode


def test_a_release_load_killed_halfway_is_cleaned_up(target: Target):
    graph = graph_for("killed-release-load", target)
    lease = {"IERKG_INGEST_LEASE_SECONDS": "3"}
    env = {**os.environ, **target.env, **lease}
    assert (
        killed_after_one_batch("remote", "RemoteStore", "load", "--graph", graph, *target.options, env=env)
        == 9
    )
    staging = (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'urn:ierkg:staging:')) }"
    )
    left = [row["g"] for row in target.direct(staging)]
    assert left and target.triples_in(graph) == 0  # a part of the release, under a staging name
    time.sleep(3.5)  # its lease runs out; the next command that opens the store removes it
    assert target.ierkg("datasets", "list", "--json", env=lease).returncode == 0
    assert [row["g"] for row in target.direct(staging)] == []
    assert target.ierkg("load", "--graph", graph, "-q").returncode == 0  # and a new load goes through
    assert target.triples_in(graph) == RELEASE_TRIPLES


STOP_AFTER_ONE_BATCH = """
import os, signal, sys
from ierkg.cli import main
from ierkg.stores.remote import RemoteStore
write, stopped = RemoteStore.add_ntriples, []
def write_then_stop(self, *args, **kwargs):
    write(self, *args, **kwargs)
    if not stopped:
        stopped.append(True)
        os.kill(os.getpid(), signal.SIGSTOP)
RemoteStore.add_ntriples = write_then_stop
sys.exit(main(sys.argv[1:]))
"""


def test_an_ingest_stopped_past_its_lease_resumes_to_exit_2_and_leaves_the_next_owner_alone(
    target: Target, tmp_path: Path
):
    """An ingest stopped (SIGSTOP) after its first batch, cleaned up once its lease ran out, and
    the graph then ingested by another command: continued, it stops before its next write."""
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("stalled", target)
    target.ierkg("datasets", "delete", graph, "-q")
    data = synthetic.write_csv(tmp_path / "big.csv", 2_000, seed=5, slip_rate=0.0)
    lease = {"IERKG_INGEST_LEASE_SECONDS": "3"}
    command = [sys.executable, "-c", STOP_AFTER_ONE_BATCH, "ingest", str(data), "--graph", graph,
               "--scale", "1-7", "--allow-warnings", "-q", *target.options]  # fmt: skip
    stalled = subprocess.Popen(
        command,
        env={**os.environ, **target.env, **lease},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _process_state(stalled.pid) != "T" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _process_state(stalled.pid) == "T", "the ingest never reached its first batch"
        time.sleep(3.5)  # its lease runs out; the next command that opens the store cleans it up
        listing = target.ierkg("datasets", "list", "--all", "--json", env=lease)
        assert listing.returncode == 0 and graph not in listing.stdout
        other = target.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", "-q")
        assert other.returncode == 0, other.stderr
        held = target.triples_in(graph)
        stalled.send_signal(signal.SIGCONT)
        _out, err = stalled.communicate(timeout=60)
    finally:
        stalled.kill()
    assert stalled.returncode == 2 and "was taken from this ingest while it was stalled" in err, err
    assert "Traceback" not in err
    assert target.triples_in(graph) == held  # not one more triple, and nothing removed
    (entry,) = [
        d for d in json.loads(target.ierkg("datasets", "list", "--json").stdout) if d["graph"] == graph
    ]
    assert entry["source"] == STUDY.name and entry["triples"] == held
    target.ierkg("datasets", "delete", graph, "-q")


def _open_store(target: Target):
    """ierkg's own client for the server, in this process."""
    options = {"endpoint": target.server.query_url, "environ": {**os.environ, **target.env}}
    if target.name == "virtuoso":
        options.update(update_endpoint=target.server.update_url, user=VIRTUOSO_USER, auth="digest")
    return store_config(**options).open()


def test_a_deletion_overtaken_while_stalled_removes_nothing_of_the_next_owners_graph(
    target: Target, monkeypatch
):
    """On the server: a deletion pauses before its first batch past its lease; a cleanup takes it
    over and finishes it in batches; another ingest puts a dataset under the IRI. The paused
    deletion resumes, and its conditional deletes, evaluated by the server, remove nothing."""
    import datetime as dt

    from ierkg.stores import registry

    from .stalls import pause_before, removal_batch_of

    monkeypatch.setattr(registry, "lease_length", lambda: dt.timedelta(seconds=1))
    store, graph = _open_store(target), graph_for("overtaken-deletion", target)
    store.removal_batch_triples = 10  # several batches, each its own conditional update

    def live_dataset(source: str, triples: int) -> None:
        with registry.staging(store, graph, source=source) as lease:
            body = "".join(f'<urn:{source}> <urn:p> "{i}" .\n' for i in range(triples))
            store.add_ntriples(graph, body.encode())
            lease.go_live(episodes=1, triples=triples)

    def overtaken() -> None:
        time.sleep(1.5)
        assert graph in registry.cleanup(store)
        assert target.triples_in(graph) == 0
        live_dataset("next.csv", 3)

    live_dataset("old.csv", 25)
    paused = pause_before(store, removal_batch_of(graph), overtaken)
    assert registry.delete(store, graph).source == "old.csv" and paused
    assert [(e.state, e.source) for e in registry.entries(store) if e.graph == graph] == [
        ("live", "next.csv")
    ]
    assert target.triples_in(graph) == 3
    registry.delete(store, graph)
    assert target.triples_in(graph) == 0 and graph not in [e.graph for e in registry.entries(store)]


def test_a_cleanup_takes_over_only_entries_with_no_lease_running(target: Target):
    """On the server: a deleting entry with no claim or lease (an older ierkg's) is finished; a
    staging entry left by a tie, with two claims and two leases, is taken only once both ran out."""
    import datetime as dt

    from ierkg.stores import registry

    store = _open_store(target)
    old, tied = graph_for("claimless", target), graph_for("tied", target)
    at = {
        "past": registry._time(
            (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        "future": registry._time(
            (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
    }
    state, claim, lease = registry.STATE, registry.CLAIM, registry.LEASE

    def entry(graph: str, body: str) -> None:
        store.add_ntriples(graph, b'<urn:left> <urn:p> "1" .\n<urn:left> <urn:p> "2" .\n')
        store.update(f"INSERT DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{graph}> {body} }} }}")

    entry(old, f'{state} "deleting"')
    entry(tied, f'{state} "staging" ; {claim} "a", "b" ; {lease} {at["past"]}, {at["future"]}')
    removed = registry.cleanup(store)
    assert old in removed and tied not in removed
    assert target.triples_in(old) == 0 and target.triples_in(tied) == 2
    store.update(f"DELETE DATA {{ GRAPH <{registry.REGISTRY_GRAPH}> {{ <{tied}> {lease} {at['future']} }} }}")
    assert tied in registry.cleanup(store)
    assert target.triples_in(tied) == 0
    assert not [e for e in registry.entries(store) if e.graph in (old, tied)]


def _process_state(pid: int) -> str:
    """R, S, T (stopped), ... from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def test_an_account_that_may_only_read_starts_beside_an_orphaned_ingest(virtuoso: Target):
    """Virtuoso's anonymous SPARQL user may not DROP: the service and the commands it may run
    start anyway, keep the orphan hidden, and leave its removal to a command that can write."""
    assert virtuoso.ierkg("load", "-q").returncode == 0
    orphan = graph_for("orphan", virtuoso)
    store = "https://w3id.org/ierkg/store#"
    _update(
        virtuoso,
        f"""INSERT DATA {{ GRAPH <{orphan}> {{ <urn:x:s> <urn:x:p> "partial" }}
        GRAPH <{store}registry> {{ <{orphan}> <{store}state> "staging" ;
            <{store}leaseUntil> "2000-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> }} }}""",
    )
    reader = ["--endpoint", virtuoso.server.query_url]
    listed = run_ierkg("datasets", "list", "--json", *reader)
    assert listed.returncode == 0, listed.stderr
    assert orphan not in listed.stdout and virtuoso.triples_in(orphan) == 1
    with running_server(*reader) as base:
        status, rows = served_solutions(base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert status == 200 and {"g": orphan} not in rows
    cleaned = virtuoso.ierkg("datasets", "list", "--all", "--json")
    assert cleaned.returncode == 0 and orphan not in cleaned.stdout
    assert virtuoso.triples_in(orphan) == 0


# --- faults: a server down, silent, slow; credentials ------------------------------------------


def test_a_server_that_is_down_is_reported_within_the_timeout():
    closed = f"http://127.0.0.1:{free_port()}/query"
    started = time.monotonic()
    result = run_ierkg("load", "--endpoint", closed, "--endpoint-timeout", "3")
    assert result.returncode == 2 and "cannot be reached" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and time.monotonic() - started < 10
    result = run_ierkg("serve", "--port", str(free_port()), "--endpoint", closed, "--endpoint-timeout", "3")
    assert result.returncode == 2 and "cannot be reached" in result.stderr, result.stderr
    result, elapsed = _listing_from(Silent())
    assert result.returncode == 2 and "did not answer within 2 s" in result.stderr, result.stderr
    assert elapsed < 8  # about 2 s of waiting, plus starting Python


def test_a_real_server_frozen_or_stopped_gives_exit_2_within_the_timeout(target: Target):
    """Frozen (SIGSTOP): the kernel still accepts connections, but nothing answers. Stopped:
    the port refuses. Each command exits 2 with the reason, within the timeout it was given."""
    options = [*target.options, "--endpoint-timeout", "2"]
    env = {**os.environ, **target.env}
    assert target.ierkg("load", "-q").returncode == 0
    target.server.process.send_signal(signal.SIGSTOP)
    try:
        for command in (["datasets", "list"], ["load"], ["query", "ASK {}"]):
            started = time.monotonic()
            result = run_ierkg(*command, *options, env=env)
            elapsed = time.monotonic() - started
            assert result.returncode == 2 and "did not answer within 2 s" in result.stderr, result.stderr
            assert "Traceback" not in result.stderr and elapsed < 8, (command, elapsed)
    finally:
        target.server.process.send_signal(signal.SIGCONT)
    assert run_ierkg("query", "ASK {}", *options, env=env).returncode == 0  # thawed, it answers again
    target.server.stop()
    try:
        for command in (
            ["datasets", "list"],
            ["load"],
            ["ingest", str(STUDY), "--graph", "https://lab.example/x", "--scale", "1-7"],
        ):
            result = run_ierkg(*command, *options, env=env)
            assert result.returncode == 2 and "cannot be reached" in result.stderr, (command, result.stderr)
            assert "Traceback" not in result.stderr
    finally:
        target.server.start()


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_timeout():
    result, elapsed = _listing_from(Trickle())
    assert result.returncode == 2 and "did not finish its answer within 2 s" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and elapsed < 8


def test_an_error_message_that_stalls_halfway_is_cut_off_at_the_deadline():
    # Read the old way, the wait after the first byte would get a whole timeout of its own.
    server = Stall(pause=1.2)
    store = store_config(endpoint=server.url, timeout=2).open()
    try:
        started = time.monotonic()
        with pytest.raises(StoreTimeout, match="did not finish its answer within 2 s"):
            store.select("SELECT * WHERE { ?s ?p ?o }")
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert 1.9 < elapsed < 2.6, elapsed


def _listing_from(server: Silent | Trickle) -> tuple[subprocess.CompletedProcess, float]:
    """`ierkg datasets list` against a misbehaving server with a 2 s timeout, and how long it took."""
    try:
        started = time.monotonic()
        result = run_ierkg("datasets", "list", "--endpoint", server.url, "--endpoint-timeout", "2")
        return result, time.monotonic() - started
    finally:
        server.close()


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_the_service_says_503_while_its_server_is_down_and_recovers(kind: str, tmp_path: Path):
    if kind == "oxigraph":
        server: OxigraphServer | VirtuosoServer = OxigraphServer(tmp_path / "data").start()
        options, env = ["--endpoint", server.query_url], {}
    else:
        server = VirtuosoServer(tmp_path / "virtuoso").start()
        options = [
            "--endpoint", server.query_url, "--update-endpoint", server.update_url,
            "--user", VIRTUOSO_USER, "--auth", "digest",
        ]  # fmt: skip
        env = {"IERKG_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD}
    try:
        loaded = run_ierkg("load", "-q", *options, env={**os.environ, **env})
        assert loaded.returncode == 0, loaded.stderr
        with running_server(*options, env={"IERKG_ANSWER_CACHE_BYTES": "0", **env}) as base:
            assert served_solutions(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")[0] == 200
            server.stop()
            started = time.monotonic()
            status, text = served_solutions(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
            assert status == 503 and "cannot be reached" in text
            assert time.monotonic() - started < 5
            with urllib.request.urlopen(base + "/ierkg/Venting", timeout=30) as page:
                assert page.status == 200  # pages are drawn from the release read at start
            # Its RDF comes from the store, so a tool asking for it learns the store is down.
            turtle = urllib.request.Request(base + "/ierkg/Venting", headers={"Accept": "text/turtle"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(turtle, timeout=30)
            assert refused.value.code == 503 and b"cannot be reached" in refused.value.read()
            server.start()
            assert served_solutions(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")[0] == 200
    finally:
        server.stop()


def test_a_slow_server_meets_our_timeout(target: Target):
    assert target.ierkg("load", "-q").returncode == 0
    address = urllib.parse.urlsplit(target.server.query_url)
    proxy = AuthProxy(address.port)
    try:
        with running_server(
            "--endpoint", proxy.url(address.path), "--timeout", "1", env={"IERKG_ANSWER_CACHE_BYTES": "0"}
        ) as base:
            proxy.delay = 4
            started = time.monotonic()
            status, text = served_solutions(base, "ASK { ?s ?p ?o }")
            elapsed = time.monotonic() - started
        assert status == 504 and "did not answer within 1 s" in text, text
        assert elapsed < 3.5
        started = time.monotonic()
        result = run_ierkg(
            "datasets", "list", "--endpoint", proxy.url(address.path), "--endpoint-timeout", "1"
        )
        assert result.returncode == 2 and "did not answer within 1 s" in result.stderr, result.stderr
        assert time.monotonic() - started < 8
    finally:
        proxy.close()


def test_a_slow_virtuoso_meets_our_timeout_digest_login_included(virtuoso: Target):
    """Digest takes two requests (the challenge, then the answer); both fit in one timeout."""
    env = {**os.environ, "IERKG_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD}
    proxy = AuthProxy(virtuoso.server.http_port, delay=0.1)
    login = ["--endpoint", proxy.url("/sparql-auth"), "--user", VIRTUOSO_USER, "--auth", "digest"]
    try:
        quick = run_ierkg("datasets", "list", *login, "--endpoint-timeout", "3", env=env)
        assert quick.returncode == 0, quick.stderr  # digest through the proxy works
        proxy.delay = 2  # each of the two requests alone fits in 3 s; both do not
        started = time.monotonic()
        slow = run_ierkg("datasets", "list", *login, "--endpoint-timeout", "3", env=env)
        elapsed = time.monotonic() - started
        assert slow.returncode == 2 and "did not answer within 3 s" in slow.stderr, slow.stderr
        assert "Traceback" not in slow.stderr and elapsed < 9
    finally:
        proxy.close()


def test_a_redirect_is_refused_and_the_credentials_stay_home():
    recorder = Recorder()
    redirect = Redirect(recorder.url)
    env = {**os.environ, "IERKG_ENDPOINT_PASSWORD": "s3cret"}
    try:
        for command in (["datasets", "list"], ["load"]):
            result = run_ierkg(*command, "--endpoint", redirect.url, "--user", "lab", env=env)
            assert result.returncode == 2, result.stderr
            assert "redirect (HTTP 307)" in result.stderr and recorder.url in result.stderr, result.stderr
        assert recorder.received == []  # nothing, and so no password, reached the other address
    finally:
        redirect.close()
        recorder.close()


def test_a_redirected_write_is_an_error_not_a_silent_success(oxigraph: Target):
    """Queries answered, updates redirected: a delete must not say 'deleted' when nothing was."""
    assert oxigraph.ierkg("load", "-q").returncode == 0
    graph = graph_for("redirected", oxigraph)
    assert oxigraph.ierkg("ingest", str(STUDY), "--graph", graph, "--scale", "1-7", "-q").returncode == 0
    recorder = Recorder()
    redirect = Redirect(recorder.url)
    options = ["--endpoint", oxigraph.server.query_url, "--update-endpoint", redirect.url]
    try:
        deleted = run_ierkg("datasets", "delete", graph, *options)
        assert deleted.returncode == 2 and "redirect (HTTP 307)" in deleted.stderr, deleted.stderr
        assert oxigraph.triples_in(graph) > 0 and recorder.received == []
    finally:
        redirect.close()
        recorder.close()
        oxigraph.ierkg("datasets", "delete", graph, "-q")


def test_basic_and_bearer_credentials(oxigraph: Target):
    proxy = AuthProxy(oxigraph.server.port, user="lab", password="s3cret", token="t0ken")
    options = ["--endpoint", proxy.url("/query"), "--update-endpoint", proxy.url("/update")]
    try:
        plain = run_ierkg("load", *options)
        assert plain.returncode == 2 and "HTTP 401" in plain.stderr, plain.stderr
        basic = run_ierkg(
            "load", *options, "--user", "lab", env={**os.environ, "IERKG_ENDPOINT_PASSWORD": "s3cret"}
        )
        assert basic.returncode == 0, basic.stderr
        assert oxigraph.triples_in(RELEASE_GRAPH) == RELEASE_TRIPLES
        bearer = run_ierkg(
            "datasets", "list", "--json", *options, env={**os.environ, "IERKG_ENDPOINT_TOKEN": "t0ken"}
        )
        assert bearer.returncode == 0, bearer.stderr
        direct = oxigraph.ierkg("datasets", "list", "--json")  # the same server, not through the proxy
        assert json.loads(bearer.stdout) == json.loads(direct.stdout)
        bearer_load = run_ierkg("load", *options, env={**os.environ, "IERKG_ENDPOINT_TOKEN": "t0ken"})
        assert bearer_load.returncode == 0 and "already held" in bearer_load.stdout, bearer_load.stderr
        wrong = run_ierkg("datasets", "list", *options, env={**os.environ, "IERKG_ENDPOINT_TOKEN": "nope"})
        assert wrong.returncode == 2 and "refused" in wrong.stderr and "nope" not in wrong.stderr
    finally:
        proxy.close()


def test_virtuoso_refuses_updates_without_its_user(virtuoso: Target):
    anonymous = run_ierkg(
        "load", "--endpoint", virtuoso.server.query_url, "--graph", "https://lab.example/no"
    )
    assert anonymous.returncode == 2 and "Traceback" not in anonymous.stderr
    assert "permission" in anonymous.stderr.lower() or "refused" in anonymous.stderr


# --- writing over HTTP ---------------------------------------------------------------------------


def test_datasets_written_through_the_service_land_on_the_server(target: Target):
    assert target.ierkg("load", "-q").returncode == 0
    graph = graph_for("http", target)
    target.ierkg("datasets", "delete", graph, "-q")
    token = "write-token-for-tests"
    environment = {**target.env, "IERKG_WRITE_TOKEN": token, "IERKG_PUBLIC_DATASETS": graph}
    with running_server(*target.options, env=environment) as base:
        status, body = _upload(base, graph, STUDY, token)
        assert status == 201, body
        assert body["episodes"] == 8
        assert target.triples_in(graph) == body["triples"] > 0
        status, rows = served_solutions(base, PER_CELL)  # visible at once: it is public here
        assert {row["cell"]: int(row["n"]) for row in rows} == STUDY_CELLS
        request = urllib.request.Request(
            f"{base}/api/datasets?graph={urllib.parse.quote(graph)}",
            method="DELETE",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
        assert target.triples_in(graph) == 0


def test_a_dataset_written_through_the_service_gets_the_endpoint_timeout_not_the_query_timeout(
    oxigraph: Target,
):
    assert oxigraph.ierkg("load", "-q").returncode == 0
    graph = graph_for("slow-write", oxigraph)
    oxigraph.ierkg("datasets", "delete", graph, "-q")
    proxy = AuthProxy(oxigraph.server.port)
    token = "write-token-for-tests"
    options = ["--endpoint", proxy.url("/query"), "--update-endpoint", proxy.url("/update")]
    try:
        with running_server(
            *options, "--timeout", "1", "--endpoint-timeout", "20", env={"IERKG_WRITE_TOKEN": token}
        ) as base:
            proxy.delay = 1.5  # every call the upload makes outlasts the 1 s query timeout
            status, body = _upload(base, graph, STUDY, token)
        assert status == 201, body
        assert oxigraph.triples_in(graph) == body["triples"] > 0
    finally:
        proxy.close()
        oxigraph.ierkg("datasets", "delete", graph, "-q")


def _upload(base: str, graph: str, path: Path, token: str, **fields: str) -> tuple[int, dict]:
    boundary = "ierkg-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in {"scale": "1-7", **fields}.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + path.read_bytes()
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/api/datasets?graph={urllib.parse.quote(graph)}",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_answer_beyond_the_configured_size_is_refused(oxigraph: Target):
    assert oxigraph.ierkg("load", "-q").returncode == 0
    config = store_config(
        endpoint=oxigraph.server.query_url, environ={"IERKG_ENDPOINT_MAX_ANSWER_MB": "0.01"}
    )
    assert config.remote is not None and config.remote.max_answer_bytes == 10_000
    store = config.open()
    assert len(store.select("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5")) == 5  # small answers pass
    with pytest.raises(StoreError, match="larger than 10,000 bytes"):
        store.select("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")


def test_a_fractional_timeout_is_kept_not_cut_to_whole_seconds(oxigraph: Target):
    # SPARQLWrapper's setTimeout made 0.5 s into 0, and every query then failed at once.
    listed = oxigraph.ierkg("datasets", "list", "--endpoint-timeout", "0.5")
    assert listed.returncode == 0, listed.stderr


# --- answers a server cut short ------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped_virtuoso(tmp_path_factory):
    """A Virtuoso whose ResultSetMaxRows is 50: it sends at most 50 rows, with HTTP 200."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-capped"), result_rows=50).start()
    options = [
        "--endpoint", server.query_url, "--update-endpoint", server.update_url,
        "--user", VIRTUOSO_USER, "--auth", "digest",
    ]  # fmt: skip
    target = Target("virtuoso-capped", server, options, {"IERKG_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD})
    assert target.ierkg("load", "-q").returncode == 0
    yield target
    server.stop()


def test_an_answer_cut_at_virtuosos_row_limit_is_refused_not_passed_on(capped_virtuoso: Target):
    few = capped_virtuoso.ierkg("query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 7")
    assert few.returncode == 0, few.stderr
    assert len(few.stdout.splitlines()) == 1 + 7  # the header and every row: under the limit
    cut = capped_virtuoso.ierkg("query", "SELECT ?s WHERE { ?s ?p ?o }")
    assert cut.returncode == 2, cut.stdout[:300]
    assert "limit of 50 rows" in cut.stderr and "ResultSetMaxRows" in cut.stderr, cut.stderr
    assert cut.stdout == "" and "Traceback" not in cut.stderr
    # A CONSTRUCT is cut at the limit without a mark; ierkg finds the cap with a marked SELECT.
    graph = capped_virtuoso.ierkg("query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "ntriples")
    assert graph.returncode == 2 and "limit of 50 rows" in graph.stderr, graph.stderr[:300]
    assert graph.stdout == "" and "Traceback" not in graph.stderr
    small = capped_virtuoso.ierkg(
        "query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 20", "--format", "ntriples"
    )
    assert small.returncode == 0 and len(small.stdout.splitlines()) == 20, small.stderr
    # So the service does not start on a release it could read only in part.
    refused = run_ierkg("serve", "--endpoint", capped_virtuoso.server.query_url, "--port", str(free_port()))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "the release could not be read" in refused.stderr and "limit of 50 rows" in refused.stderr


def test_a_row_limit_above_the_callers_own_is_no_loss(capped_virtuoso: Target):
    # The service reads at most IERKG_MAX_RESULTS rows and calls more "too many", so Virtuoso
    # cutting at 50 rows matters only to a caller who would read 50 or more.
    store = store_config(endpoint=capped_virtuoso.server.query_url).open()
    everything = "SELECT ?s WHERE { ?s ?p ?o }"
    graphs = ([RELEASE_GRAPH], [RELEASE_GRAPH])
    job = Job(everything, "SELECT", "application/sparql-results+json", *map(tuple, graphs), 10)
    too_many = answer(store, job)
    assert too_many.status == 400 and b"more than 10 results" in too_many.body, too_many.body
    cut = answer(store, dataclasses.replace(job, limit=50))
    assert cut.status == 502 and b"limit of 50 rows" in cut.body, cut.body
    # The same for a graph, which Virtuoso cuts without a mark.
    graph = Job("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", "application/n-triples", *map(tuple, graphs), 10)
    assert answer(store, graph).status == 400  # over the caller's 10: "too many", as before
    cut_graph = answer(store, dataclasses.replace(graph, limit=1000))
    assert cut_graph.status == 502 and b"limit of 50 rows" in cut_graph.body, cut_graph.body


def test_a_virtuoso_anytime_answer_is_refused_as_a_timeout(capped_virtuoso: Target):
    # Virtuoso's timeout parameter (ms) makes an "anytime" query: when the time is up it sends
    # what it has found so far with HTTP 200, and says so only in X-SQL-State.
    anytime = capped_virtuoso.server.query_url + "?timeout=1000"
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    result = run_ierkg("query", runaway, "--endpoint", anytime, "--endpoint-timeout", "20")
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stdout[:300]
    assert "sent only part of the answer" in result.stderr, result.stderr
    assert result.stdout == "" and elapsed < 15


def test_a_server_time_limit_reported_with_http_400_is_a_timeout_not_a_bad_query():
    server = Recorder("400 Bad Request", b"Virtuoso S1T00 Error SR171: Transaction timed out", "text/plain")
    try:
        result = run_ierkg("query", "ASK { ?s ?p ?o }", "--endpoint", server.url)
    finally:
        server.close()
    assert result.returncode == 2
    assert "stopped the work at its own time limit" in result.stderr, result.stderr
