"""/sparql against a running `ierkg serve`: the SPARQL 1.1 Protocol, its errors and its limits.

Every case is a real HTTP request to a real server on loopback, sent with plain HTTP or with
SPARQLWrapper, the client most Python tools use. Answers are parsed back with Oxigraph's and
rdflib's own parsers, so a malformed answer fails here and not in a user's tool.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph
import pytest
from markupsafe import escape
from rdflib import Graph
from SPARQLWrapper import GET, JSON, JSONLD, N3, POST, RDFXML, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from ierkg.queries import named_queries

from .web_server import running_server

RELEASE_GRAPH = "https://w3id.org/ierkg/ontology"
TIMEOUT = 2  # seconds; the server below is started with --timeout 2
MAX_RESULTS = 1000
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 4,711^3 rows
LABELS = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s LIMIT 5"
)
DESCRIBE = "DESCRIBE <https://w3id.org/ierkg/Episode>"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {"IERKG_MAX_RESULTS": str(MAX_RESULTS)}
    with running_server("--timeout", str(TIMEOUT), "--workers", "2", env=env, log=log) as base:
        yield base


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()


def send(
    base: str, method: str, target: str, body: bytes | None = None, headers: dict | None = None
) -> Reply:
    """One raw HTTP request: nothing rewrites the target, the body or the headers."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def get(base: str, params: dict | list, accept: str | None = None) -> Reply:
    return send(base, "GET", "/sparql?" + urlencode(params), headers={"Accept": accept} if accept else {})


def post_form(base: str, params: dict | list, accept: str | None = None, target: str = "/sparql") -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return send(base, "POST", target, urlencode(params).encode(), headers)


def post_query(base: str, query: str, accept: str | None = None, target: str = "/sparql") -> Reply:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return send(base, "POST", target, query.encode(), headers)


def solutions(reply: Reply) -> list[dict[str, str]]:
    """A SELECT answer parsed by Oxigraph, whatever its format."""
    fmt = pyoxigraph.QueryResultsFormat.from_media_type(reply.media_type)
    parsed = pyoxigraph.parse_query_results(io.BytesIO(reply.body), format=fmt)
    names = [v.value for v in parsed.variables]
    return [{n: str(row[n]) for n in names if row[n] is not None} for row in parsed]


def count(reply: Reply) -> int:
    assert reply.status == 200, reply.text
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


# --- requests ----------------------------------------------------------------------------------


def test_the_three_ways_of_sending_a_query_give_the_same_answer(server: str):
    by_get = get(server, {"query": LABELS})
    by_form = post_form(server, {"query": LABELS})
    by_body = post_query(server, LABELS)
    for reply in (by_get, by_form, by_body):
        assert reply.status == 200, reply.text
        assert reply.media_type == "application/sparql-results+json"
    assert solutions(by_get) == solutions(by_form) == solutions(by_body)
    assert len(solutions(by_get)) == 5


def test_sparqlwrapper_select_construct_and_ask(server: str):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(LABELS)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [row["s"]["value"] for row in rows] == sorted(row["s"]["value"] for row in rows)
    client.setMethod(POST)
    client.setQuery(DESCRIBE)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert len(graph) > 3
    client.setQuery("ASK { <https://w3id.org/ierkg/Episode> a <http://www.w3.org/2002/07/owl#Class> }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize(
    ("returned", "parsed_as"),
    [
        (XML, "xml"),
        (RDFXML, "xml"),
        (JSON, "json-ld"),
        (JSONLD, "json-ld"),
        (N3, "turtle"),
        (TURTLE, "turtle"),
    ],
)
def test_sparqlwrapper_gets_a_graph_in_each_of_its_formats(
    server: str, method: str, returned: str, parsed_as: str
):
    # SPARQLWrapper names the format in format=, output= and results=, in its own words.
    client = SPARQLWrapper(f"{server}/sparql")
    client.setMethod(method)
    client.setQuery(DESCRIBE)
    client.setReturnFormat(returned)
    response = client.query()
    body = response.response.read()
    graph = Graph().parse(data=body, format=parsed_as)
    assert len(graph) > 3


def test_sparqlwrapper_sees_a_malformed_query_as_bad_formed(server: str):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery("SELECT * WHERE { ?s ?p }")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="not valid SPARQL"):
        client.query()


def test_every_named_query_answers(server: str):
    queries = named_queries()
    assert len(queries) >= 10
    for named in queries:
        reply = post_query(server, named.sparql)
        assert reply.status == 200, f"{named.name}: {reply.text}"


def test_default_graph_and_named_graph_parameters_are_honoured(server: str):
    everything = count(get(server, {"query": COUNT}))
    assert everything > 4000
    assert count(get(server, [("query", COUNT), ("default-graph-uri", RELEASE_GRAPH)])) == everything
    # With only named graphs given, the default graph is empty (SPARQL 1.1 Protocol, 2.1.4).
    assert count(get(server, [("query", COUNT), ("named-graph-uri", RELEASE_GRAPH)])) == 0
    in_graphs = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(post_form(server, [("query", in_graphs), ("named-graph-uri", RELEASE_GRAPH)])) == everything
    assert count(post_form(server, [("query", in_graphs), ("default-graph-uri", RELEASE_GRAPH)])) == 0
    # The protocol's parameters override the query's own FROM.
    target = "/sparql?" + urlencode({"named-graph-uri": RELEASE_GRAPH})
    assert (
        count(
            post_query(
                server, f"SELECT (COUNT(*) AS ?n) FROM <{RELEASE_GRAPH}> WHERE {{ ?s ?p ?o }}", target=target
            )
        )
        == 0
    )
    unknown = get(server, [("query", COUNT), ("default-graph-uri", "https://example.org/elsewhere")])
    assert unknown.status == 400 and "no graph <https://example.org/elsewhere>" in unknown.text


# --- answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "media_type",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_select_answers_in_each_format_hold_the_same_solutions(server: str, media_type: str):
    query = (
        "SELECT ?s ?label ?n WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label . "
        "BIND (STRLEN(?label) AS ?n) } ORDER BY ?s LIMIT 20"
    )
    expected = solutions(get(server, {"query": query}))
    reply = get(server, {"query": query}, accept=media_type)
    assert reply.status == 200 and reply.media_type == media_type
    if media_type == "text/csv":  # CSV carries values, not terms, and Oxigraph will not read it
        assert reply.body.endswith(b"\r\n")
        found = [dict(row) for row in csv.DictReader(io.StringIO(reply.text, newline=""))]
        expected = [{k: _plain(v) for k, v in row.items()} for row in expected]
    else:
        found = solutions(reply)
    assert found == expected and len(found) == 20


def _plain(term: str) -> str:
    return term.split('"')[1] if term.startswith('"') else term.strip("<>")


@pytest.mark.parametrize(
    "media_type",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_ask_answers_in_each_format(server: str, media_type: str):
    yes = get(server, {"query": "ASK { ?s ?p ?o }"}, accept=media_type)
    no = get(server, {"query": "ASK { <urn:nothing> ?p ?o }"}, accept=media_type)
    assert yes.status == no.status == 200 and yes.media_type == media_type
    if media_type in ("text/csv", "text/tab-separated-values"):
        assert yes.text.split()[-1] == "true" and no.text.split()[-1] == "false"
    else:
        fmt = pyoxigraph.QueryResultsFormat.from_media_type(media_type)
        assert bool(pyoxigraph.parse_query_results(io.BytesIO(yes.body), format=fmt)) is True
        assert bool(pyoxigraph.parse_query_results(io.BytesIO(no.body), format=fmt)) is False


@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_construct_and_describe_answers_in_each_format(server: str, media_type: str, rdflib_format: str):
    reference = Graph().parse(
        data=post_query(server, DESCRIBE, accept="application/n-triples").text, format="nt"
    )
    assert len(reference) > 3
    for query in (DESCRIBE, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 50"):
        reply = post_query(server, query, accept=media_type)
        assert reply.status == 200 and reply.media_type == media_type
        graph = Graph().parse(data=reply.body, format=rdflib_format)
        assert len(graph) == (len(reference) if query == DESCRIBE else 50)


def test_accept_q_values_choose_and_format_overrides(server: str):
    query = {"query": LABELS}
    prefers_csv = "application/sparql-results+xml;q=0.5, text/csv;q=0.9, */*;q=0.1"
    assert get(server, query, accept=prefers_csv).media_type == "text/csv"
    prefers_xml = "application/sparql-results+xml;q=0.8, text/csv;q=0.2"
    assert get(server, query, accept=prefers_xml).media_type == "application/sparql-results+xml"
    assert get(server, query, accept="application/json").media_type == "application/sparql-results+json"
    assert get(server, query).media_type == "application/sparql-results+json"  # no Accept at all
    overridden = get(server, {**query, "format": "tsv"}, accept="application/sparql-results+xml")
    assert overridden.media_type == "text/tab-separated-values"
    construct = get(server, {"query": DESCRIBE, "format": "application/rdf+xml"}, accept="text/turtle")
    assert construct.media_type == "application/rdf+xml"


# --- errors --------------------------------------------------------------------------------------


def test_a_malformed_query_gets_400_with_the_parsers_message(server: str):
    reply = post_query(server, "SELECT * WHERE { ?s ?p }")
    assert reply.status == 400
    assert reply.media_type == "text/plain"
    assert "not valid SPARQL 1.1" in reply.text and "line 1" in reply.text


def test_a_function_the_engine_lacks_gets_400_and_the_next_query_is_answered(server: str):
    reply = post_query(server, 'SELECT (<urn:lab:score>("x") AS ?x) WHERE {}')
    assert reply.status == 400 and "<urn:lab:score> is not supported" in reply.text
    assert count(get(server, {"query": COUNT})) > 4000


def test_an_unsupported_request_media_type_gets_415(server: str):
    for content_type in ("text/plain", "application/json", "multipart/form-data; boundary=x"):
        reply = send(server, "POST", "/sparql", LABELS.encode(), {"Content-Type": content_type})
        assert reply.status == 415, content_type
        assert "application/sparql-query" in reply.text
    assert send(server, "POST", "/sparql", LABELS.encode()).status == 415  # no Content-Type
    latin = send(
        server,
        "POST",
        "/sparql",
        LABELS.encode(),
        {"Content-Type": "application/sparql-query; charset=latin-1"},
    )
    assert latin.status == 415


def test_an_accept_that_cannot_be_met_gets_406(server: str):
    reply = get(server, {"query": LABELS}, accept="image/png")
    assert reply.status == 406 and "text/csv" in reply.text
    assert get(server, {"query": DESCRIBE}, accept="text/csv").status == 406  # no CSV for a graph
    assert get(server, {"query": LABELS, "format": "turtle"}).status == 406  # no Turtle for solutions
    assert get(server, {"query": LABELS, "format": "nonsense"}).status == 406


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_405(server: str, method: str):
    reply = send(server, method, "/sparql", LABELS.encode(), {"Content-Type": "application/sparql-query"})
    assert reply.status == 405
    assert set(reply.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert reply.headers["Content-Type"].startswith("text/plain")  # like every other refusal
    assert f"{method} is not allowed at /sparql; use " in reply.body.decode()


def test_updates_get_403_by_get_and_by_post(server: str):
    insert = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    replies = [
        get(server, {"update": insert}),
        get(server, {"query": insert}),
        post_form(server, {"update": insert}),
        post_form(server, {"query": "DELETE WHERE { ?s ?p ?o }"}),
        send(server, "POST", "/sparql", insert.encode(), {"Content-Type": "application/sparql-update"}),
    ]
    for reply in replies:
        assert reply.status == 403 and "read-only" in reply.text
    assert count(get(server, {"query": COUNT})) > 4000  # and nothing changed


def test_service_load_and_remote_from_are_refused_with_400(server: str):
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    nested = "SELECT * WHERE { { ?s ?p ?o } UNION { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } } }"
    for reply in (post_query(server, service), get(server, {"query": nested})):
        assert reply.status == 400 and "SERVICE is not allowed" in reply.text
    for load in (
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "LOAD SILENT <http://127.0.0.1:9/x> INTO GRAPH <urn:g>",
    ):
        reply = post_form(server, {"update": load})
        assert reply.status == 400 and "LOAD is not allowed" in reply.text
    for clause in ("FROM", "FROM NAMED"):
        reply = post_query(server, f"SELECT * {clause} <http://127.0.0.1:9/g> WHERE {{ ?s ?p ?o }}")
        assert reply.status == 400 and "never fetches from the web" in reply.text


def test_the_server_never_connects_to_an_address_a_query_names(server: str):
    """A listener on the address SERVICE, LOAD and FROM name: no connection ever reaches it."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1.0)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}"
        replies = [
            post_query(server, f"SELECT * WHERE {{ SERVICE <{target}/sparql> {{ ?s ?p ?o }} }}"),
            post_query(server, f"SELECT * WHERE {{ SERVICE SILENT <{target}/sparql> {{ ?s ?p ?o }} }}"),
            post_form(server, {"update": f"LOAD <{target}/data.ttl>"}),
            post_query(server, f"SELECT * FROM <{target}/g> WHERE {{ ?s ?p ?o }}"),
            get(server, {"query": "ASK { ?s ?p ?o }", "default-graph-uri": f"{target}/g"}),
        ]
        assert [reply.status for reply in replies] == [400] * 5, [r.text for r in replies]
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody came


def test_a_10_mb_query_is_refused(server: str):
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 10_000_000
    reply = post_query(server, huge)
    assert reply.status == 413 and "100,000 bytes" in reply.text
    assert post_form(server, {"query": huge}).status == 413
    long_url = get(server, {"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000})
    assert long_url.status in (413, 414)


def test_a_deeply_nested_query_is_refused(server: str):
    deep = "SELECT * WHERE " + "{ " * 40 + "?s ?p ?o " + "} " * 40
    reply = post_query(server, deep)
    assert reply.status == 400 and "nests brackets 40 deep" in reply.text


def test_invalid_utf8_is_refused_not_replaced(server: str):
    assert send(server, "GET", "/sparql?query=SELECT%20%FF").status == 400
    form = send(
        server,
        "POST",
        "/sparql",
        b"query=ASK%7B%7D%C3%28",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status == 400 and "UTF-8" in form.text
    body = send(server, "POST", "/sparql", b"ASK { \xff }", {"Content-Type": "application/sparql-query"})
    assert body.status == 400 and "UTF-8" in body.text


def test_requests_without_one_query_are_refused(server: str):
    assert post_form(server, {"format": "json"}).status == 400
    two = get(server, [("query", LABELS), ("query", LABELS)])
    assert two.status == 400 and "more than one" in two.text


def test_more_results_than_the_cap_is_refused_not_cut_short(server: str):
    reply = get(server, {"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert reply.status == 400 and f"more than {MAX_RESULTS:,} results" in reply.text
    assert post_query(server, "CONSTRUCT WHERE { ?s ?p ?o }").status == 400
    assert get(server, {"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}"}).status == 200


# --- limits that keep the service up ---------------------------------------------------------------


def test_a_runaway_query_is_stopped_while_another_client_is_answered(server: str):
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["reply"] = post_query(server, RUNAWAY)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway is now running in a worker
    started = time.monotonic()
    quick = get(server, {"query": f"{LABELS}\n# the second client"})  # new text: not from the cache
    quick_seconds = time.monotonic() - started
    thread.join(30)
    assert quick.status == 200 and quick_seconds < 1.0, f"the second client waited {quick_seconds:.2f} s"
    reply = outcome["reply"]
    assert isinstance(reply, Reply) and reply.status == 400
    assert f"longer than {TIMEOUT} s and was stopped" in reply.text
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 3
    # The stopped worker is replaced: both workers answer again.
    time.sleep(1.5)
    replies = []
    threads = [
        threading.Thread(target=lambda n=n: replies.append(get(server, {"query": f"{LABELS}\n# after {n}"})))
        for n in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert [r.status for r in replies] == [200] * 4


def test_runaways_on_every_worker_do_not_hold_up_a_third_client(server: str):
    # The server has 2 workers: two runaways hold both, and an extra worker answers the third.
    replies: list[Reply] = []
    runaways = [
        threading.Thread(target=lambda n=n: replies.append(post_query(server, f"{RUNAWAY}\n# runaway {n}")))
        for n in range(2)
    ]
    for thread in runaways:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = get(server, {"query": f"{LABELS}\n# while both workers are held"})
    quick_seconds = time.monotonic() - started
    for thread in runaways:
        thread.join(30)
    assert quick.status == 200 and quick_seconds < 1.2, f"the third client waited {quick_seconds:.2f} s"
    assert [r.status for r in replies] == [400, 400]
    assert all(f"longer than {TIMEOUT} s and was stopped" in r.text for r in replies)


def test_many_clients_with_new_queries_at_once(server: str):
    # Every query is new (the named queries, each made unique), so each is parsed while the
    # others are: nothing may interfere.
    queries = named_queries()
    start = threading.Barrier(8)
    statuses: list[int] = []

    def client(number: int) -> None:
        start.wait()
        for round_ in range(8):
            named = queries[(number + round_) % len(queries)]
            statuses.append(post_query(server, f"{named.sparql}\n# client {number}, round {round_}").status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [200] * 64


# --- description, editor and CORS ----------------------------------------------------------------


def test_a_get_without_a_query_describes_the_service(server: str):
    reply = send(server, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = {str(o) for s, p, o in graph if str(p) == f"{sd}endpoint"}
    assert endpoints == {f"{server}/sparql"}
    names = {str(o) for s, p, o in graph if str(p) == f"{sd}name"}
    assert names == {RELEASE_GRAPH}
    formats = {str(o).rsplit("/", 1)[-1] for s, p, o in graph if str(p) == f"{sd}resultFormat"}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_CSV", "Turtle", "JSON-LD"} <= formats
    for media_type in ("application/ld+json", "application/rdf+xml", "application/n-triples"):
        assert send(server, "GET", "/sparql", headers={"Accept": media_type}).media_type == media_type


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        ("*/*", "", "text/turtle"),  # curl, and most libraries
        (None, "", "text/turtle"),
        ("text/turtle;q=0, */*", "", "application/n-triples"),
        ("text/html,*/*;q=0.8", "?format=jsonld", "application/ld+json"),  # format= wins over Accept
        ("text/html,*/*;q=0.8", "?format=rdf+xml", "application/rdf+xml"),  # "+" typed in a URL
    ],
)
def test_a_tool_gets_the_service_description(server: str, accept: str | None, query: str, media_type: str):
    reply = send(server, "GET", f"/sparql{query}", headers={"Accept": accept} if accept else {})
    assert reply.status == 200 and reply.media_type == media_type, reply.text[:200]


def test_a_browser_gets_the_query_editor_with_the_named_queries(server: str):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reply = send(server, "GET", "/sparql", headers={"Accept": browser})
    assert reply.status == 200 and reply.media_type == "text/html"
    assert "vendor/yasgui/yasgui.min.js" in reply.text
    for named in named_queries():
        assert str(escape(named.title)) in reply.text
    sources = loaded_sources(reply.text)
    assert len(sources) >= 3 and all(source.startswith("/static/") for source in sources), sources
    script = send(server, "GET", "/static/vendor/yasgui/yasgui.min.js")
    assert script.status == 200 and len(script.body) > 500_000


def loaded_sources(html: str) -> list[str]:
    """Where a page loads scripts, styles and images from (links to follow are not loads)."""
    return re.findall(r'<(?:script|img)[^>]*\ssrc="([^"]+)"', html) + re.findall(
        r'<link[^>]*\shref="([^"]+)"', html
    )


def test_the_service_description_in_a_format_nobody_offers_gets_406(server: str):
    reply = send(server, "GET", "/sparql", headers={"Accept": "image/png"})
    assert reply.status == 406 and "text/turtle" in reply.text
    assert send(server, "GET", "/sparql?format=csv").status == 406  # a description is a graph


def test_format_in_a_posted_form_overrides_accept(server: str):
    reply = post_form(server, {"query": LABELS, "format": "csv"}, accept="application/sparql-results+json")
    assert reply.status == 200 and reply.media_type == "text/csv"
    assert reply.text.splitlines()[0] == "s,label" and len(reply.text.splitlines()) == 6


def test_a_browser_following_a_query_link_gets_the_editor_and_a_tool_the_answer(server: str):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    link = "/sparql?" + urlencode({"query": LABELS})
    opened = send(server, "GET", link, headers={"Accept": browser})
    assert opened.status == 200 and opened.media_type == "text/html" and "yasgui" in opened.text
    answered = send(server, "GET", link + "&format=json", headers={"Accept": browser})
    assert answered.status == 200 and answered.media_type == "application/sparql-results+json"
    assert solutions(answered) == solutions(get(server, {"query": LABELS})) != []


def test_cors_lets_browser_tools_on_other_origins_query(server: str):
    reply = get(server, {"query": LABELS})
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    preflight = send(
        server,
        "OPTIONS",
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


# --- privacy -------------------------------------------------------------------------------------

PRIVATE = "urn:ierkg:dataset:study-a"
PARTICIPANT = '<urn:ierkg:dataset:study-a/person/p1> <http://purl.org/dc/terms/identifier> "p1" .\n'


def test_coded_datasets_stay_private_unless_the_operator_says_so(tmp_path: Path):
    data = tmp_path / "study-a.nt"
    data.write_text(PARTICIPANT, encoding="utf-8")
    who = 'SELECT ?s WHERE { ?s <http://purl.org/dc/terms/identifier> "p1" }'
    in_any_graph = 'SELECT ?g WHERE { GRAPH ?g { ?s <http://purl.org/dc/terms/identifier> "p1" } }'
    with running_server(env={"IERKG_DATASETS": f"{PRIVATE}={data}"}) as base:
        assert solutions(get(base, {"query": who})) == []
        assert solutions(get(base, {"query": in_any_graph})) == []
        assert post_query(base, f"SELECT * FROM <{PRIVATE}> WHERE {{ ?s ?p ?o }}").status == 400
        assert get(base, [("query", who), ("default-graph-uri", PRIVATE)]).status == 400
        assert get(base, [("query", in_any_graph), ("named-graph-uri", PRIVATE)]).status == 400
        description = send(base, "GET", "/sparql", headers={"Accept": "application/n-triples"}).text
        assert PRIVATE not in description
    with running_server(
        env={"IERKG_DATASETS": f"{PRIVATE}={data}", "IERKG_PUBLIC_DATASETS": PRIVATE}
    ) as base:
        assert solutions(get(base, {"query": who})) == [{"s": "<urn:ierkg:dataset:study-a/person/p1>"}]
        assert solutions(get(base, {"query": in_any_graph})) == [{"g": f"<{PRIVATE}>"}]
