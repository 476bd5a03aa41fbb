"""Which representation of a resource a request wants: one function every page route uses."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request, abort


@dataclass(frozen=True)
class RdfDownload:
    media_type: str
    name: str  # the ``format`` parameter's value
    file: str  # the release file in this format
    title: str


RDF_DOWNLOADS = (
    RdfDownload("text/turtle", "turtle", "ierkg.ttl", "Turtle"),
    RdfDownload("application/ld+json", "jsonld", "ierkg.jsonld", "JSON-LD"),
    RdfDownload("application/rdf+xml", "rdfxml", "ierkg.owl", "RDF/XML (OWL)"),
    RdfDownload("application/n-triples", "ntriples", "ierkg.nt", "N-Triples"),
)
_BY_NAME = {d.name: d.media_type for d in RDF_DOWNLOADS} | {
    "html": "text/html",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "owl": "application/rdf+xml",
    "xml": "application/rdf+xml",
}


_TEXT_TYPES = ("text/", "application/n-triples")


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type: text formats say they are UTF-8."""
    return f"{media_type}; charset=utf-8" if media_type.startswith(_TEXT_TYPES) else media_type


def choose_representation(request: Request) -> str:
    """text/html or an RDF media type: ``?format=`` first, then Accept; 406 if none fits."""
    requested = request.args.get("format")
    if requested:
        media_type = _BY_NAME.get(requested) or (requested if requested in _BY_NAME.values() else None)
        if media_type is None:
            abort(
                406,
                f"format={requested} is not offered; choose html, {', '.join(d.name for d in RDF_DOWNLOADS)}",
            )
        return media_type
    offers = ["text/html", *(d.media_type for d in RDF_DOWNLOADS)]
    if not request.accept_mimetypes:
        return "text/html"
    best = request.accept_mimetypes.best_match(offers)
    if best is None:
        abort(406, f"this page is offered as {', '.join(offers)}")
    return best
