"""Turn the checked, reasoned graph into versioned release files, and read them back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .errors import IerkgError
from .namespaces import ONTOLOGY_IRI, PREFIXES, is_ierkg_entity, version_iri
from .reasoning import Inferences

# File name -> media type. All four carry exactly the same triples.
RELEASE_FILES: dict[str, str] = {
    "ierkg.ttl": "text/turtle",
    "ierkg.owl": "application/rdf+xml",
    "ierkg.jsonld": "application/ld+json",
    "ierkg.nt": "application/n-triples",
}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Materialised:
    """How many inferred axioms the build added to the release."""

    subclass_axioms: int
    equivalence_axioms: int
    type_assertions: int


def check_version(graph: Graph, version: str) -> None:
    """The header's owl:versionIRI and owl:versionInfo must name the package version.

    The release files carry them from the header, so they are stamped with the version, and
    a release can never say one version in its IRI and another in its package.
    """
    if (ONTOLOGY_IRI, RDF.type, OWL.Ontology) not in graph:
        raise IerkgError(f"the sources declare no ontology header <{ONTOLOGY_IRI}> a owl:Ontology")
    expected = {
        "owl:versionIRI": {URIRef(version_iri(version))},
        "owl:versionInfo": {Literal(version)},
    }
    found = {
        "owl:versionIRI": set(graph.objects(ONTOLOGY_IRI, OWL.versionIRI)),
        "owl:versionInfo": set(graph.objects(ONTOLOGY_IRI, OWL.versionInfo)),
    }
    for prop, wanted in expected.items():
        if found[prop] != wanted:
            have = ", ".join(sorted(str(v) for v in found[prop])) or "nothing"
            raise IerkgError(
                f"the ontology header gives {prop} {have}, but the package version is {version}: "
                f"set {prop} to {next(iter(wanted)).n3()} in ontology/ierkg.ttl"
            )


def materialise(graph: Graph, inferences: Inferences) -> Materialised:
    """Add HermiT's class hierarchy and individual types for ierkg's own entities.

    Only the direct (most specific) links are added, so the release stays a clean hierarchy
    that browsers and plain SPARQL (rdfs:subClassOf*) can walk without a reasoner.
    """
    subclass = equivalence = types = 0
    for cls in inferences.superclasses:
        if not is_ierkg_entity(cls):
            continue
        node = URIRef(cls)
        for parent in inferences.direct_superclasses(cls):
            if _add(graph, (node, RDFS.subClassOf, URIRef(parent))):
                subclass += 1
        for same in inferences.equivalents(cls):
            if (URIRef(same), OWL.equivalentClass, node) not in graph and _add(
                graph, (node, OWL.equivalentClass, URIRef(same))
            ):
                equivalence += 1
    for individual in inferences.types:
        if not is_ierkg_entity(individual):
            continue
        for cls in inferences.direct_types(individual):
            if _add(graph, (URIRef(individual), RDF.type, URIRef(cls))):
                types += 1
    return Materialised(subclass, equivalence, types)


def write_release(graph: Graph, out_dir: Path, version: str, materialised: Materialised) -> list[Path]:
    """Write the four release files and a manifest describing them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files: dict[str, dict] = {}
    for name, data in serialise(graph).items():
        media_type = RELEASE_FILES[name]
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
        files[name] = {
            "media_type": media_type,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    manifest = {
        "name": "ierkg",
        "version": version,
        "ontology_iri": str(ONTOLOGY_IRI),
        "version_iri": version_iri(version),
        "triples": len(graph),
        "inferred": {
            "subclass_axioms": materialised.subclass_axioms,
            "equivalence_axioms": materialised.equivalence_axioms,
            "type_assertions": materialised.type_assertions,
        },
        "files": files,
        # Every term of this release: later builds refuse to drop any of them.
        "terms": entity_iris(graph),
    }
    manifest_path = out_dir / MANIFEST
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    written.append(manifest_path)
    return written


def entity_iris(graph: Graph) -> list[str]:
    """The IRIs of ierkg's own declared entities, sorted."""
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
    return sorted(
        {
            str(entity)
            for kind in kinds
            for entity in graph.subjects(RDF.type, kind)
            if isinstance(entity, URIRef) and is_ierkg_entity(str(entity))
        }
    )


def read_manifest(release_dir: Path) -> dict:
    path = release_dir / MANIFEST
    if not path.is_file():
        raise IerkgError(
            f"{release_dir}: no release here ({MANIFEST} is missing); run `ierkg build --out {release_dir}`"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IerkgError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None


def serialise(graph: Graph) -> dict[str, bytes]:
    """The release files' bytes: identical content always gives identical bytes.

    Blank nodes get content-derived labels and triples are written in sorted order, so that
    rebuilding an unchanged ontology leaves the committed release untouched. rdflib writes
    the Turtle (it sorts, and nests lists readably); pyoxigraph writes the other formats in
    the order it is given, which rdflib's set-backed store cannot promise.
    """
    triples = _canonical_triples(graph)
    ntriples = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
    canonical = Graph()  # rdflib's own parsers would relabel the blank nodes at random
    for prefix, namespace in PREFIXES.items():
        canonical.bind(prefix, namespace, override=True)
    for s, p, o in triples:
        canonical.add((_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)))
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    return {
        "ierkg.ttl": canonical.serialize(format="turtle", encoding="utf-8"),
        "ierkg.owl": pyoxigraph.serialize(
            [pyoxigraph.Triple(*triple) for triple in triples],
            format=pyoxigraph.RdfFormat.RDF_XML,
            prefixes=prefixes,
        ),
        "ierkg.jsonld": _compact_jsonld(canonical, prefixes),
        "ierkg.nt": ntriples.encode("utf-8"),
    }


def _canonical_triples(graph: Graph) -> list[tuple]:
    """The triples, in N-Triples order, with blank nodes labelled by W3C RDF Dataset
    Canonicalization (RDFC-1.0): Oxigraph does this in milliseconds, rdflib in seconds."""
    dataset = pyoxigraph.Dataset(
        pyoxigraph.parse(graph.serialize(format="nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    )
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    triples = [(quad.subject, quad.predicate, quad.object) for quad in dataset]
    return sorted(triples, key=lambda triple: " ".join(str(term) for term in triple))


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _rdflib_term(term):
    """The same RDF term for rdflib, keeping blank-node labels; plain strings stay plain."""
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype in (_XSD_STRING, _RDF_LANG_STRING):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def _compact_jsonld(graph: Graph, context: dict[str, str]) -> bytes:
    """Compact JSON-LD with the project's prefixes, with every unordered array sorted."""
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    text = json.dumps(_stable(document), indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _stable(node):
    if isinstance(node, dict):
        # An @list is an RDF list: its order is data. Any other array is a set of values.
        return {
            key: [_stable(item) for item in value] if key == "@list" else _stable(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return sorted((_stable(item) for item in node), key=lambda item: json.dumps(item, sort_keys=True))
    return node


def _add(graph: Graph, triple) -> bool:
    if triple in graph:
        return False
    graph.add(triple)
    return True
