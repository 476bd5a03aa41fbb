"""/sparql: the SPARQL 1.1 Protocol, read-only, for tools and for people (YASGUI).

Requests are read from the raw bytes, never from Werkzeug's parsed forms, because those
replace invalid UTF-8 silently where the protocol demands a 400. Every refusal is plain text
saying what to change.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

import pyoxigraph
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from ierkg.queries import named_queries
from ierkg.sparql import description
from ierkg.sparql.guard import Refused, refuse_update
from ierkg.sparql.results import ALIASES, GRAPH_FORMAT_NAMES, GRAPH_FORMATS, Format, formats_for
from ierkg.sparql.service import Endpoint

from .negotiation import content_type

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
_RDF_FORMATS = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
}


def endpoint() -> Endpoint:
    return current_app.extensions["ierkg.endpoint"]


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    params = _request_params()
    if "update" in params:
        refuse_update(params["update"])
    queries = params.getlist("query")
    if not queries:
        if request.method == "GET":
            return _without_query()
        raise Refused(400, "the request has no query: send it as the 'query' parameter or as the body")
    if len(queries) > 1:
        raise Refused(400, "the request has more than one 'query' parameter; send one query at a time")
    if request.method == "GET" and "format" not in params and _prefers_html():
        # A person following a shared link: open the query in the editor rather than run it.
        return Response(render_template("sparql.html", queries=named_queries()))
    checked = endpoint().check(queries[0])
    media_type = negotiate(formats_for(checked.form), params.get("format"))
    answer = endpoint().run(
        checked, media_type, params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    )
    if answer.status != 200:
        raise Refused(answer.status, answer.body.decode("utf-8", "replace"))
    response = Response(answer.body, content_type=content_type(answer.media_type))
    response.vary.add("Accept")
    return response


def _request_params() -> MultiDict:
    """The protocol's parameters from the URL and, for POST, the body, strictly as UTF-8."""
    params = MultiDict(_strict_pairs(request.query_string, "the URL's query string"))
    if request.method != "POST":
        return params
    mimetype = request.mimetype
    limit = 3 * endpoint().limits.max_query_bytes + 10_000  # room for percent-encoding
    if request.content_length is not None and request.content_length > limit:
        raise Refused(
            413,
            f"the request body is {request.content_length:,} bytes long; this service accepts "
            f"queries of up to {endpoint().limits.max_query_bytes:,} bytes",
        )
    body = request.get_data(cache=False)
    if len(body) > limit:
        raise Refused(413, f"the request body is longer than {limit:,} bytes")
    if mimetype == FORM:
        for key, value in _strict_pairs(body, "the form"):
            params.add(key, value)
    elif mimetype == QUERY_BODY:
        params.add("query", _strict_text(body))
    elif mimetype == UPDATE_BODY:
        params.add("update", _strict_text(body))
    else:
        raise Refused(
            415,
            f"a SPARQL query is POSTed as {QUERY_BODY} or as {FORM} (query=...), "
            f"not as {mimetype or 'a body without a Content-Type'}",
        )
    return params


def _strict_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        pairs = parse_qsl(raw, keep_blank_values=True)
        return [(key.decode("utf-8"), value.decode("utf-8")) for key, value in pairs]
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, f"{where} is not valid UTF-8 once percent-decoded") from None


def _strict_text(body: bytes) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Refused(415, f"the query must be sent as UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, f"the query is not valid UTF-8 (byte {exc.start + 1})") from None


def negotiate(offers: tuple[Format, ...], requested: str | None) -> str:
    """The media type to answer in: ``format`` if given, else the best the Accept header allows."""
    offered = {fmt.media_type for fmt in offers}
    if requested:
        for fmt in offers:
            if requested in (fmt.name, fmt.media_type, fmt.extension):
                return fmt.media_type
        if ALIASES.get(requested) in offered:
            return ALIASES[requested]
        if offers == GRAPH_FORMATS and requested.lower() in GRAPH_FORMAT_NAMES:
            return GRAPH_FORMAT_NAMES[requested.lower()]
        raise Refused(406, f"format={requested} is not available here; choose one of {_names(offers)}")
    if not request.accept_mimetypes:
        return offers[0].media_type
    candidates = [fmt.media_type for fmt in offers] + [a for a, t in ALIASES.items() if t in offered]
    best = request.accept_mimetypes.best_match(candidates)
    if best is None:
        raise Refused(
            406,
            f"none of the media types in the Accept header ({request.headers.get('Accept')}) can "
            f"be sent for this request; this one can be answered as {_names(offers)}",
        )
    return ALIASES.get(best, best)


def _names(offers: tuple[Format, ...]) -> str:
    return ", ".join(f"{fmt.media_type} (format={fmt.name})" for fmt in offers)


@blueprint.app_template_global()
def editor_link(sparql: str, title: str) -> str:
    """A shareable link that opens a query in the editor. Every reserved character is escaped:
    YASGUI splits its URL parameters on ';' as well as '&'."""
    return "/sparql?" + urlencode({"query": sparql, "tabTitle": title}, quote_via=quote)


def _prefers_html() -> bool:
    """Whether the client ranks HTML above every answer format (a browser navigating here)."""
    accept = request.accept_mimetypes
    answers = [fmt.media_type for fmt in (*formats_for("SELECT"), *GRAPH_FORMATS)]
    return accept["text/html"] > max(accept[media_type] for media_type in answers)


def _names_html() -> bool:
    """A browser names text/html; curl's or a library's */* means a tool, which gets RDF."""
    accept = request.accept_mimetypes
    named = {value: quality for value, quality in accept}
    graph = max(accept[f.media_type] for f in GRAPH_FORMATS)
    return named.get("text/html", 0) > 0 and named["text/html"] >= graph


def _without_query() -> Response:
    """A browser gets the query editor; a tool gets the service description."""
    if request.args.get("format") is None and _names_html():
        return Response(render_template("sparql.html", queries=named_queries()))
    media_type = negotiate(GRAPH_FORMATS, request.args.get("format"))
    triples = description.describe(request.base_url, endpoint().graph_sizes)
    response = Response(
        description.serialize(triples, _RDF_FORMATS[media_type]), content_type=content_type(media_type)
    )
    response.vary.add("Accept")
    return response


@blueprint.app_errorhandler(Refused)  # pages that ask the store (an entity in RDF) too
def refused(refusal: Refused) -> Response:
    return Response(refusal.message + "\n", status=refusal.status, content_type="text/plain; charset=utf-8")
