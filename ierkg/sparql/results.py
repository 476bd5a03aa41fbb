"""Answers in the formats of the SPARQL 1.1 Protocol, with a cap on how many rows are sent.

SELECT and ASK answers are written here (JSON, XML, CSV, TSV), row by row, so that a query
over the cap is refused with a message instead of being cut short silently. CONSTRUCT and
DESCRIBE graphs are collected up to the cap and written by Oxigraph (Turtle, N-Triples,
RDF/XML, JSON-LD).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph

from ..namespaces import PREFIXES
from .guard import Refused

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    media_type: str
    name: str  # the short name the ``format`` parameter takes
    extension: str


SOLUTION_FORMATS = (
    Format("application/sparql-results+json", "json", "srj"),
    Format("application/sparql-results+xml", "xml", "srx"),
    Format("text/csv", "csv", "csv"),
    Format("text/tab-separated-values", "tsv", "tsv"),
)
GRAPH_FORMATS = (
    Format("text/turtle", "turtle", "ttl"),
    Format("application/n-triples", "ntriples", "nt"),
    Format("application/rdf+xml", "rdfxml", "rdf"),
    Format("application/ld+json", "jsonld", "jsonld"),
)
# The other names clients give a graph format in ``format=``: SPARQLWrapper asks for "xml" (its
# default), "json", "json-ld", "rdf+xml" and "n3"; a "+" typed into a URL arrives as a space.
GRAPH_FORMAT_NAMES = {
    "xml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "rdf xml": "application/rdf+xml",
    "json": "application/ld+json",
    "json-ld": "application/ld+json",
    "n3": "text/turtle",  # Turtle is a subset of N3, so an N3 reader takes it
    "nt": "application/n-triples",
    "n-triples": "application/n-triples",
}
# Media types tools also send for the same formats.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json+ld": "application/ld+json",
}
_RDF_FORMATS = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
}
_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def formats_for(form: str) -> tuple[Format, ...]:
    return GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else SOLUTION_FORMATS


def too_many(limit: int) -> Refused:
    return Refused(
        400,
        f"the answer has more than {limit:,} results, the most this service sends at once; "
        "add LIMIT (and OFFSET to page through them) or narrow the query",
    )


# --- SELECT and ASK -------------------------------------------------------------------------------


def write_boolean(answer: bool, media_type: str) -> bytes:
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": answer}).encode()
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>\n"
        ).encode()
    # CSV and TSV have no boolean form in the standard; tools read a single value.
    return ("_askResult\r\n" if media_type == "text/csv" else "?_askResult\n").encode() + (
        b"true\n" if answer else b"false\n"
    )


def write_solutions(variables: list[str], rows: Iterable, media_type: str, limit: int) -> bytes:
    """Serialise solutions (pyoxigraph QuerySolution objects); Refused past ``limit`` rows."""
    writer = _WRITERS[media_type]
    return writer(variables, _capped(rows, limit))


def _capped(rows: Iterable, limit: int) -> Iterable:
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise too_many(limit)
        yield row


def _json(variables: list[str], rows: Iterable) -> bytes:
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            term = row[name]
            if term is not None:
                binding[name] = _json_term(term)
        bindings.append(binding)
    return json.dumps(
        {"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode("utf-8")


def _json_term(term) -> dict:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        found = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            found["datatype"] = term.datatype.value
        return found
    return {"type": "triple", "value": str(term)}  # RDF-star, written as N-Triples


def _xml(variables: list[str], rows: Iterable) -> bytes:
    parts = [
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>',
        *(f"<variable name={quoteattr(name)}/>" for name in variables),
        "</head><results>",
    ]
    for row in rows:
        parts.append("<result>")
        for name in variables:
            term = row[name]
            if term is not None:
                parts.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode("utf-8")


def _xml_term(term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, pyoxigraph.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv(variables: list[str], rows: Iterable) -> bytes:
    # SPARQL 1.1 CSV: plain values, RFC 4180 quoting, CRLF line ends.
    lines = [",".join(_csv_field(name) for name in variables)]
    for row in rows:
        lines.append(",".join(_csv_field(_plain(row[name])) for name in variables))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _plain(term) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (pyoxigraph.NamedNode, pyoxigraph.Literal)):
        return term.value
    return str(term)


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv(variables: list[str], rows: Iterable) -> bytes:
    # SPARQL 1.1 TSV: terms in Turtle syntax; tabs and newlines inside literals are escaped.
    lines = ["\t".join(f"?{name}" for name in variables)]
    for row in rows:
        lines.append("\t".join("" if row[name] is None else _tsv_term(row[name]) for name in variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_term(term) -> str:
    return str(term).replace("\t", "\\t")


_WRITERS = {
    "application/sparql-results+json": _json,
    "application/sparql-results+xml": _xml,
    "text/csv": _csv,
    "text/tab-separated-values": _tsv,
}


# --- CONSTRUCT and DESCRIBE -------------------------------------------------------------------


def write_graph(triples: Iterable, media_type: str, limit: int) -> bytes:
    """Serialise triples with Oxigraph; Refused past ``limit`` triples."""
    collected = list(_capped(triples, limit))
    fmt = _RDF_FORMATS[media_type]
    prefixes = _PREFIXES if fmt in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.RDF_XML) else None
    return pyoxigraph.serialize(collected, format=fmt, prefixes=prefixes)
