"""The SPARQL 1.1 Service Description of the endpoint, as RDF triples."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph

from .results import GRAPH_FORMATS, SOLUTION_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
FORMATS = "http://www.w3.org/ns/formats/"
# The W3C's IRIs for the result and RDF formats the endpoint writes.
_FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
}


def describe(endpoint: str, graphs: dict[str, int]) -> list[pyoxigraph.Triple]:
    """The service at ``endpoint``, whose default graph merges ``graphs`` (IRI -> triples)."""

    def iri(value: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(value)

    service, dataset, default = (pyoxigraph.BlankNode() for _ in range(3))
    triples: list[tuple] = [
        (service, iri(RDF_TYPE), iri(f"{SD}Service")),
        (service, iri(f"{SD}endpoint"), iri(endpoint)),
        (service, iri(DCTERMS_TITLE), pyoxigraph.Literal("ierkg: interpersonal emotion regulation")),
        (service, iri(f"{SD}supportedLanguage"), iri(f"{SD}SPARQL11Query")),
        # The default graph is the merge of the public named graphs.
        (service, iri(f"{SD}feature"), iri(f"{SD}UnionDefaultGraph")),
        (service, iri(f"{SD}defaultDataset"), dataset),
        (dataset, iri(RDF_TYPE), iri(f"{SD}Dataset")),
        (dataset, iri(f"{SD}defaultGraph"), default),
        (default, iri(RDF_TYPE), iri(f"{SD}Graph")),
        (default, iri(f"{VOID}triples"), _count(sum(graphs.values()))),
    ]
    triples += [
        (service, iri(f"{SD}resultFormat"), iri(FORMATS + _FORMAT_IRIS[fmt.media_type]))
        for fmt in (*SOLUTION_FORMATS, *GRAPH_FORMATS)
    ]
    for name, size in sorted(graphs.items()):
        named, graph = pyoxigraph.BlankNode(), pyoxigraph.BlankNode()
        triples += [
            (dataset, iri(f"{SD}namedGraph"), named),
            (named, iri(RDF_TYPE), iri(f"{SD}NamedGraph")),
            (named, iri(f"{SD}name"), iri(name)),
            (named, iri(f"{SD}graph"), graph),
            (graph, iri(RDF_TYPE), iri(f"{SD}Graph")),
            (graph, iri(f"{VOID}triples"), _count(size)),
        ]
    return [pyoxigraph.Triple(*triple) for triple in triples]


def _count(number: int) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(
        str(number), datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )


def serialize(triples: Iterable[pyoxigraph.Triple], fmt: pyoxigraph.RdfFormat) -> bytes:
    prefixes = {"sd": SD, "void": VOID, "formats": FORMATS}
    supports_prefixes = fmt in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.RDF_XML)
    return pyoxigraph.serialize(list(triples), format=fmt, prefixes=prefixes if supports_prefixes else None)
