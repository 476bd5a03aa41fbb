"""Summarise a release: version, namespaces and how many entities of each kind it holds."""

from __future__ import annotations

from pathlib import Path

from .namespaces import IERKG, PREFIXES, REF
from .release import read_manifest
from .stores.embedded import EmbeddedStore

# Each count is over ierkg's own namespace, so reused vocabulary is not counted.
_COUNTS = {
    "classes": "owl:Class",
    "object properties": "owl:ObjectProperty",
    "datatype properties": "owl:DatatypeProperty",
    "annotation properties": "owl:AnnotationProperty",
    "named individuals": "owl:NamedIndividual",
}

_COUNT_QUERY = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX bibo: <http://purl.org/ontology/bibo/>
SELECT ?kind (COUNT(DISTINCT ?entity) AS ?n) WHERE {{
    VALUES ?kind {{ {kinds} }}
    ?entity a ?kind .
    FILTER (STRSTARTS(STR(?entity), "{entities}") && !STRSTARTS(STR(?entity), "{records}"))
}} GROUP BY ?kind
"""

_RECORD_QUERY = f"""
SELECT (COUNT(DISTINCT ?record) AS ?n) WHERE {{
    ?record a ?type . FILTER (STRSTARTS(STR(?record), "{REF}"))
}}
"""


def summarise(release_dir: Path) -> dict:
    """Load ``release_dir`` into the embedded store and describe it."""
    manifest = read_manifest(release_dir)
    store = EmbeddedStore()
    store.load_file(release_dir / "ierkg.nt")
    query = _COUNT_QUERY.format(kinds=" ".join(_COUNTS.values()), entities=IERKG, records=REF)
    by_kind = {row["kind"]: int(row["n"]) for row in store.select(query)}
    owl = "http://www.w3.org/2002/07/owl#"
    counts = {label: by_kind.get(owl + curie.split(":", 1)[1], 0) for label, curie in _COUNTS.items()}
    counts["bibliographic records"] = int(store.select(_RECORD_QUERY)[0]["n"])
    return {
        "version": manifest["version"],
        "ontology_iri": manifest["ontology_iri"],
        "version_iri": manifest["version_iri"],
        "release": str(release_dir),
        "namespaces": {prefix: str(ns) for prefix, ns in PREFIXES.items()},
        "entities": counts,
        "triples": len(store),
        "files": {name: entry["bytes"] for name, entry in manifest["files"].items()},
    }
