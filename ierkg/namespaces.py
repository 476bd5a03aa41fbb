"""The IRIs ierkg mints and the vocabularies it reuses, in one place.

Entity IRIs are ``https://w3id.org/ierkg/<LocalName>``; bibliographic records live under
``https://w3id.org/ierkg/ref/``. See docs/iris.md for the policy.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

IERKG = Namespace("https://w3id.org/ierkg/")
REF = Namespace("https://w3id.org/ierkg/ref/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_IRI = IERKG["ontology"]

# Prefixes written into every release file and shown by `ierkg info`.
PREFIXES: dict[str, Namespace] = {
    "ierkg": IERKG,
    "ref": REF,
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "bibo": BIBO,
    "fabio": FABIO,
    "prism": PRISM,
    "schema": SCHEMA,
    "vann": VANN,
    "obo": Namespace("http://purl.obolibrary.org/obo/"),
}


def version_iri(version: str) -> str:
    """The owl:versionIRI of a release: the ontology IRI followed by the version."""
    return f"{ONTOLOGY_IRI}/{version}"


def is_ierkg_entity(iri: str) -> bool:
    """True for IRIs of ontology entities (classes, properties, individuals) that ierkg mints.

    Bibliographic records and the ontology IRI itself are not entities.
    """
    return (
        iri.startswith(str(IERKG))
        and not iri.startswith(str(REF))
        and iri != str(ONTOLOGY_IRI)
        and not iri.startswith(str(ONTOLOGY_IRI) + "/")
    )


def curie(iri: str) -> str:
    """Shorten ``iri`` with the project's prefixes (longest namespace first), else ``<iri>``."""
    for prefix, namespace in _PREFIXES_LONGEST_FIRST:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


_PREFIXES_LONGEST_FIRST = sorted(
    ((prefix, str(ns)) for prefix, ns in PREFIXES.items()), key=lambda item: -len(item[1])
)
