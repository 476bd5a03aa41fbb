"""The OpenAPI 3 description of the JSON routes (search, entity, hierarchy, validate, datasets)."""

from __future__ import annotations

MAX_LIMIT = 100  # the most search hits one request returns

_STRING = {"type": "string"}
_LINK = {
    "type": "object",
    "properties": {"iri": _STRING, "label": _STRING, "page": {"type": "string", "nullable": True}},
}
_NULLABLE_LINK = {**_LINK, "nullable": True}
_PLACEMENT = {
    "type": "object",
    "nullable": True,
    "description": "where the entity sits in the 2x2 map; null for an entity the map is not about",
    "properties": {
        "kind": {
            "type": "string",
            "enum": ["cell", "row", "column", "unplaced", "outside"],
            "description": "cell: row and column known; row or column: only that axis is stated (the "
            "other is unknown, not the opposite value); unplaced: neither is stated; outside: an "
            "intrapersonal strategy, not on the map",
        },
        "summary": {"type": "string", "description": "where it sits, in one sentence"},
        "reason": {"type": "string", "description": "why, in words"},
        "row": _NULLABLE_LINK,
        "column": _NULLABLE_LINK,
        "cell": _NULLABLE_LINK,
        "statements": {
            "type": "array",
            "description": "the statements that place it",
            "items": {
                "type": "object",
                "properties": {
                    "subject": _LINK,
                    "property": {"type": "object", "properties": {"iri": _STRING, "label": _STRING}},
                    "value": _LINK,
                    "evidence": {"type": "array", "items": _STRING, "description": "reference IRIs"},
                    "cited_for": {
                        "type": "string",
                        "enum": ["statement", "definition"],
                        "description": "statement: an owl:Axiom on this statement cites the references; "
                        "definition: the statement is part of the subject's definition, which they support",
                    },
                },
            },
        },
    },
}
_ENTITY = {
    "type": "object",
    "properties": {
        "iri": _STRING,
        "curie": _STRING,
        "label": _STRING,
        "kind": {"type": "string", "enum": ["class", "property", "individual", "reference"]},
        "definition": {"type": "string", "nullable": True},
        "cell": {"type": "string", "nullable": True, "description": "the IRI of its 2x2 cell, if known"},
        "placement": _PLACEMENT,
        "page": _STRING,
    },
    "additionalProperties": True,
}
_PROBLEM = {
    "description": "a problem, as RFC 9457 problem details",
    "content": {"application/problem+json": {"schema": {"type": "object"}}},
}
_DATASET = {
    "type": "object",
    "properties": {
        "graph": _STRING,
        "state": {"type": "string", "enum": ["staging", "live", "deleting"]},
        "source": _STRING,
        "episodes": {"type": "integer"},
        "triples": {"type": "integer"},
        "loaded": _STRING,
        "public": {"type": "boolean"},
    },
}
_GRAPH_PARAMETER = {
    "name": "graph",
    "in": "query",
    "required": True,
    "description": "the dataset's named graph, an absolute IRI",
    "schema": _STRING,
}
_WRITE_ERRORS = {
    "401": _PROBLEM,
    "403": {**_PROBLEM, "description": "the service is read-only (no IERKG_WRITE_TOKEN is set)"},
    "502": _PROBLEM,
    "503": _PROBLEM,
    "504": _PROBLEM,
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(server: str, sparql: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ierkg API",
            "version": "1",
            "description": "Search, entities and hierarchy of the ierkg knowledge graph of interpersonal "
            "emotion regulation, validation of coded datasets, and (with the operator's token) the "
            "dataset graphs of the store. SPARQL is at /sparql.",
        },
        "servers": [{"url": server}],
        "components": {"securitySchemes": {"writeToken": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search labels, synonyms and definitions; exact label matches rank first",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "description": "the words to find; without them the results are empty",
                            "schema": _STRING,
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "query": _STRING,
                                    "results": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "iri": _STRING,
                                                "label": _STRING,
                                                "matched": {
                                                    "type": "string",
                                                    "description": "which field matched",
                                                },
                                                "text": _STRING,
                                                "deprecated": {
                                                    "type": "boolean",
                                                    "description": "a retired term (ranked last)",
                                                },
                                                "page": _STRING,
                                            },
                                        },
                                    },
                                },
                            },
                            "the hits, best first",
                        ),
                        "400": _PROBLEM,
                    },
                }
            },
            "/api/entity": {
                "get": {
                    "summary": "One entity: definition, hierarchy, relations both ways, citations",
                    "parameters": [{"name": "iri", "in": "query", "required": True, "schema": _STRING}],
                    "responses": {
                        "200": _json(_ENTITY, "the entity"),
                        "400": _PROBLEM,
                        "404": _PROBLEM,
                    },
                }
            },
            "/api/hierarchy": {
                "get": {
                    "summary": "The children of a class (default: the top classes)",
                    "parameters": [{"name": "root", "in": "query", "schema": _STRING}],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "root": {"type": "string", "nullable": True},
                                    "children": {
                                        "type": "array",
                                        "items": {
                                            **_LINK,
                                            "properties": {
                                                **_LINK["properties"],
                                                "has_children": {"type": "boolean"},
                                            },
                                        },
                                    },
                                },
                            },
                            "the children",
                        ),
                        "404": _PROBLEM,
                    },
                }
            },
            "/api/validate": {
                "post": {
                    "summary": "Validate a coded dataset (CSV, TSV, XLSX, Turtle, N-Triples or JSON-LD)",
                    "requestBody": _upload(),
                    "responses": {
                        "200": {"description": "the report (its findings by row and column) as JSON"},
                        "400": _PROBLEM,
                        "413": _PROBLEM,
                        "415": _PROBLEM,
                        "503": _PROBLEM,
                    },
                }
            },
            "/api/datasets": {
                "get": {
                    "summary": "The dataset graphs in the store",
                    "security": [{"writeToken": []}],
                    "responses": {
                        "200": _json({"type": "array", "items": _DATASET}, "the datasets"),
                        **_WRITE_ERRORS,
                    },
                },
                "post": {
                    "summary": "Validate a coded dataset; if it conforms, load it as a private named graph",
                    "security": [{"writeToken": []}],
                    "parameters": [_GRAPH_PARAMETER],
                    "requestBody": _upload(allow_warnings=True),
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "graph": _STRING,
                                    "episodes": {"type": "integer"},
                                    "triples": {"type": "integer"},
                                    "source": _STRING,
                                },
                            },
                            "loaded and visible",
                        ),
                        "400": _PROBLEM,
                        "409": {**_PROBLEM, "description": "the graph is taken, or being written"},
                        "413": _PROBLEM,
                        "415": _PROBLEM,
                        "422": {**_PROBLEM, "description": "the dataset does not conform; see its report"},
                        **_WRITE_ERRORS,
                    },
                },
                "delete": {
                    "summary": "Delete a dataset graph",
                    "security": [{"writeToken": []}],
                    "parameters": [_GRAPH_PARAMETER],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"deleted": _STRING, "episodes": {"type": "integer"}},
                            },
                            "deleted",
                        ),
                        "404": _PROBLEM,
                        **_WRITE_ERRORS,
                    },
                },
            },
        },
        "externalDocs": {"url": sparql, "description": "the SPARQL endpoint"},
    }


def _upload(allow_warnings: bool = False) -> dict:
    properties: dict = {
        "file": {"type": "string", "format": "binary"},
        "scale": {"type": "string", "example": "1-7"},
    }
    if allow_warnings:
        properties["allow_warnings"] = {"type": "boolean", "description": "load despite warnings"}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": properties, "required": ["file"]}
            }
        },
    }
