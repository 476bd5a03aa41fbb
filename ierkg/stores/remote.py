"""A remote SPARQL 1.1 server as the store: SPARQLWrapper for queries, HTTP for writes.

Queries go to the query endpoint with the dataset in the protocol's ``default-graph-uri`` and
``named-graph-uri`` parameters; answers are read back into Oxigraph's result objects, so the
service writes them with its own writers and its own result cap, whatever the server is.
Writes use SPARQL 1.1 Update (every server has it), or the Graph Store Protocol when a graph
store address is configured (faster for bulk loads on servers that offer it).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from http.client import HTTPException

import pyoxigraph
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper

from .base import QueryRejected, QueryResult, Store, StoreError, StoreTimeout, StoreUnavailable
from .config import RemoteConfig
from .http import (
    Credentials,
    Response,
    authorization,
    opener,
    read_within,
    send,
    server_timed_out,
    status_error,
)

_SOLUTIONS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_RESULT_FORMATS = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "application/xml": pyoxigraph.QueryResultsFormat.XML,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "text/plain": pyoxigraph.RdfFormat.N_TRIPLES,
    "text/ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/x-turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
}
# Virtuoso answers ASK as a one-row SELECT of this variable (1 or 0).
_VIRTUOSO_ASK = "__ASK_RETVAL"
_log = logging.getLogger(__name__)
_PROBE_SECONDS = 5.0  # the row-cap probe's own limit: it reads a few bytes a row


class RemoteStore(Store):
    """A SPARQL 1.1 server; every call ends within ``config.timeout`` seconds."""

    def __init__(self, config: RemoteConfig):
        self.config = config
        self.name = f"the SPARQL server at {config.query_url}"
        self.credentials = Credentials(config.user, config.password, config.token, config.auth)
        self.batch_triples = config.batch_triples
        self._row_cap: int | None = None  # the server's own cap on answer rows, once learnt
        self._no_cap_up_to = 0  # answers of this many rows are known not to reach a cap

    # --- reading ----------------------------------------------------------------------------

    def query(
        self,
        text: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        form: str | None = None,
        rows_wanted: int | None = None,
    ) -> QueryResult:
        client = self._client(text, default_graphs, named_graphs, self.config.timeout)
        form = form or client.queryType
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        headers, body, media_type = self._ask(
            client, _GRAPH_ACCEPT if graph_form else _SOLUTIONS_ACCEPT, rows_wanted
        )
        result = self._parse(body, media_type, form)
        if graph_form and (headers.get("Server") or "").startswith("Virtuoso"):
            self._refuse_a_cut_graph(len(result), rows_wanted)
        return result

    def _ask(self, client: _Client, accept: str, rows_wanted: int | None) -> tuple:
        """Send the query; the answer's headers, body and media type, or a StoreError that says why."""
        timeout = self.config.timeout
        client.addCustomHttpHeader("Accept", accept)
        try:
            response = client.open()
        except urllib.error.HTTPError as error:
            said = read_within(error, client.deadline, 1 << 16, self.name, timeout, truncate=True)
            if error.code == 400 and not server_timed_out(_words(said)):
                raise QueryRejected(f"{self.name} could not run the query: {_words(said)}") from None
            raise status_error(
                self.name,
                "answer the query",
                Response(error.code, "", said, error.headers.get("Location") or ""),
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise StoreTimeout(f"{self.name} did not answer within {timeout:g} s") from None
            reason = getattr(error.reason, "strerror", None) or error.reason
            raise StoreUnavailable(f"{self.name} cannot be reached: {reason}") from None
        except TimeoutError:
            raise StoreTimeout(f"{self.name} did not answer within {timeout:g} s") from None
        except (OSError, HTTPException) as error:
            raise StoreUnavailable(f"{self.name} cannot be reached: {error}") from None
        with response:
            _refuse_a_partial_answer(response.headers, self.name, rows_wanted)
            body = read_within(response, client.deadline, self.config.max_answer_bytes, self.name, timeout)
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return response.headers, body, media_type

    def _refuse_a_cut_graph(self, triples: int, rows_wanted: int | None) -> None:
        """Virtuoso cuts a CONSTRUCT or DESCRIBE at ResultSetMaxRows triples and does not say so.

        A SELECT over the cap is marked (X-SPARQL-MaxRows), so one of ``triples + 1`` rows,
        each with nothing bound (a few bytes a row), tells whether the cap is at or below
        ``triples``: then the graph may be cut. What the probes learn is kept.
        """
        if triples == 0 or triples <= self._no_cap_up_to:
            return
        if self._row_cap is None:
            probe = f"SELECT ?nothing WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {triples + 1}"
            # Short, and failing open: the answer has arrived already, and a probe the server
            # will not run (a cost limit, say) must not turn it into an error.
            client = self._client(probe, None, None, min(self.config.timeout, _PROBE_SECONDS))
            try:
                self._ask(client, _SOLUTIONS_ACCEPT, None)
            except _CutShort as cut:
                self._row_cap = int(cut.cap) if cut.cap.isdigit() else 1
            except StoreError as error:
                _log.warning(
                    "%s: could not learn its row cap, so a graph answer is passed unchecked: %s",
                    self.name,
                    error,
                )
                return
            else:
                self._no_cap_up_to = triples
                return
        if triples < self._row_cap or (rows_wanted is not None and self._row_cap > rows_wanted):
            return  # under the cap; or past what the caller reads, who calls that "too many"
        raise _cut_at(self.name, str(self._row_cap))

    def _client(self, text, default_graphs, named_graphs, timeout: float) -> _Client:
        client = _Client(self.config.query_url, opener(self.config.query_url, self.credentials))
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)  # Accept only: no format= or output= parameters
        client.timeout = timeout  # setTimeout would cut it to whole seconds (0.5 s to none)
        client.setQuery(text)
        for graph in default_graphs or ():
            client.addDefaultGraph(graph)
        for graph in named_graphs or ():
            client.addNamedGraph(graph)
        # Basic and bearer credentials go in a header; digest is the opener's to answer.
        for key, value in authorization(self.credentials).items():
            client.addCustomHttpHeader(key, value)
        return client

    def _parse(self, body: bytes, media_type: str, form: str) -> QueryResult:
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                rdf_format = _GRAPH_FORMATS.get(media_type)
                if rdf_format is None:
                    raise StoreError(f"{self.name} answered in {media_type or 'an unnamed format'}, not RDF")
                return [
                    pyoxigraph.Triple(quad.subject, quad.predicate, quad.object)
                    for quad in pyoxigraph.parse(body, format=rdf_format)
                ]
            results_format = _RESULT_FORMATS.get(media_type)
            if results_format is None:
                raise StoreError(
                    f"{self.name} answered in {media_type or 'an unnamed format'}, not SPARQL results"
                )
            result = pyoxigraph.parse_query_results(body, format=results_format)
        except SyntaxError as exc:
            raise StoreError(f"{self.name} sent an answer that cannot be read: {exc}") from None
        if form == "ASK" and isinstance(result, pyoxigraph.QuerySolutions):
            return _boolean_from_select(result, self.name)
        return result

    # --- writing ----------------------------------------------------------------------------

    def update(self, text: str) -> None:
        body = urllib.parse.urlencode({"update": text}).encode("utf-8")
        self._write(
            self.config.update_url or self.config.query_url,
            "run an update",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def add_ntriples(self, graph: str, data: bytes) -> None:
        if self.config.graph_store_url:
            url = _with_query(self.config.graph_store_url, {"graph": graph})
            self._write(url, f"add triples to <{graph}>", data, {"Content-Type": "application/n-triples"})
            return
        # N-Triples is a subset of SPARQL's triple syntax, so a batch goes in as it is. Blank
        # nodes go through a template (INSERT ... WHERE {}), where one label is one new node:
        # Virtuoso refuses blank nodes in INSERT DATA.
        triples = data.decode("utf-8")
        if "_:" in triples:
            self.update(f"INSERT {{ GRAPH <{graph}> {{\n{triples}\n}} }} WHERE {{}}")
        else:
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{triples}\n}} }}")

    def drop(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def graphs(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(row["g"] for row in rows)

    def _write(self, url: str, action: str, body: bytes, headers: dict[str, str]) -> None:
        response = send(
            url,
            server=self.name,
            credentials=self.credentials,
            timeout=self.config.timeout,
            method="POST",
            body=body,
            headers=headers,
            max_bytes=1 << 16,
            truncate=True,  # the answer to a write matters only for its status (and any error)
        )
        if response.status >= 300:  # a redirect was not followed, so nothing was written
            raise status_error(self.name, action, response)


def _boolean_from_select(solutions: pyoxigraph.QuerySolutions, server: str) -> pyoxigraph.QueryBoolean:
    names = [variable.value for variable in solutions.variables]
    rows = list(solutions)
    if names != [_VIRTUOSO_ASK] or len(rows) > 1:
        raise StoreError(f"{server} answered an ASK query with a table")
    value = rows[0][_VIRTUOSO_ASK].value if rows else "0"
    truth = value in ("1", "true")
    return pyoxigraph.parse_query_results(
        json.dumps({"head": {}, "boolean": truth}).encode(), format=pyoxigraph.QueryResultsFormat.JSON
    )


def _refuse_a_partial_answer(headers, server: str, rows_wanted: int | None) -> None:
    """Virtuoso sends a cut-short answer with HTTP 200 and says so only in its headers."""
    state = headers.get("X-SQL-State")
    if state:
        said = " ".join((headers.get("X-SQL-Message") or "").split())[:200]
        if state == "S1TAT":  # an "anytime" query: what was found before the server's time ran out
            raise StoreTimeout(
                f"{server} ran out of time and sent only part of the answer ({said}); ierkg refuses "
                "partial answers: simplify the query, or raise the server's time limit"
            )
        raise StoreError(f"{server} flagged its answer with SQL state {state} ({said}); refused")
    cap = headers.get("X-SPARQL-MaxRows")
    if cap and rows_wanted is not None and cap.isdigit() and int(cap) > rows_wanted:
        return  # the caller stops reading before the cap, and reports the rest as too many
    if cap:  # sent when the answer reached Virtuoso's ResultSetMaxRows, so rows may be missing
        raise _cut_at(server, cap)


class _CutShort(StoreError):
    """The server stopped its answer at its own row cap, ``cap``."""

    def __init__(self, message: str, cap: str):
        super().__init__(message)
        self.cap = cap


def _cut_at(server: str, cap: str) -> _CutShort:
    return _CutShort(
        f"{server} cut its answer at its own limit of {cap} rows, so it may be incomplete; "
        f"add a LIMIT below {cap} to the query, or raise ResultSetMaxRows in the server's "
        "virtuoso.ini above IERKG_MAX_RESULTS",
        cap,
    )


def _words(said: bytes) -> str:
    return " ".join(said.decode("utf-8", "replace").split())[:500]


class _Client(SPARQLWrapper):
    """SPARQLWrapper builds the protocol request; ierkg's opener sends it.

    SPARQLWrapper's own sending follows redirects with the credentials and, for digest,
    installs a process-wide opener; this one does neither and keeps one deadline per call.
    """

    def __init__(self, url: str, sender: urllib.request.OpenerDirector):
        super().__init__(url, agent="ierkg")
        self._sender = sender
        self.deadline = 0.0

    def open(self):
        request = self._createRequest()
        self.deadline = request.deadline = time.monotonic() + self.timeout
        return self._sender.open(request, timeout=self.timeout)


def _with_query(url: str, params: dict[str, str]) -> str:
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + separator + urllib.parse.urlencode(params)
