"""The JSON API: search, entity, hierarchy and validate, described at /openapi.json."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from ierkg.catalog.entities import Entity, Link, Relation
from ierkg.catalog.placement import Placement, PlacingStatement
from ierkg.datasets.reports import as_json

from .browse import catalog, entity_path, search_index
from .openapi import MAX_LIMIT, openapi_document
from .validate import Refusal, validate_upload

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.route("/search")
def search() -> Response:
    query = request.args.get("q", "").strip()
    try:
        limit = min(MAX_LIMIT, max(1, int(request.args.get("limit", "20"))))
    except ValueError:
        return problem(400, "limit must be a whole number")
    hits = search_index().search(query, limit) if query else []
    return jsonify(
        query=query,
        results=[
            {
                "iri": hit.iri,
                "label": hit.label,
                "matched": hit.matched,
                "text": hit.text,
                "deprecated": hit.deprecated,
                "page": entity_path(hit.iri),
            }
            for hit in hits
        ],
    )


@blueprint.route("/entity")
def entity() -> Response:
    iri = request.args.get("iri", "")
    if not iri:
        return problem(400, "give the entity's IRI: /api/entity?iri=https://w3id.org/ierkg/...")
    if iri not in catalog():
        return problem(404, f"there is no entity <{iri}> in ierkg")
    return jsonify(_entity_json(catalog().entity(iri)))


@blueprint.route("/hierarchy")
def hierarchy() -> Response:
    """The children of ``root`` (default: the top classes), each saying whether it has any."""
    root = request.args.get("root")
    if root and root not in catalog():
        return problem(404, f"there is no entity <{root}> in ierkg")
    graph = catalog().graph
    if root:
        iris = [c for c in graph.children(root) if c in catalog()]
    else:
        iris = [
            iri
            for iri in catalog().iris
            if catalog().kind(iri) == "class" and not any(p in catalog() for p in graph.parents(iri))
        ]
    nodes = sorted(catalog().link(iri) for iri in iris)
    return jsonify(
        root=root,
        children=[
            {**_link(n), "has_children": any(c in catalog() for c in graph.children(n.iri))} for n in nodes
        ],
    )


@blueprint.route("/validate", methods=["POST"])
def validate() -> Response:
    try:
        report, cells = validate_upload()
    except Refusal as refusal:
        return problem(refusal.status, refusal.message)
    return Response(as_json(report, cells), content_type="application/json")


@blueprint.route("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(request.host_url.rstrip("/"), url_for("sparql.sparql", _external=True)))


def _entity_json(entity: Entity) -> dict:
    def relation(r: Relation) -> dict:
        value = _link(r.value) if isinstance(r.value, Link) else {"literal": r.value}
        return {"property": _link(r.property), "value": value, "evidence": [c.iri for c in r.evidence]}

    return {
        "iri": entity.iri,
        "curie": entity.curie,
        "label": entity.label,
        "kind": entity.kind,
        "types": [_link(t) for t in entity.types],
        "definition": entity.definition,
        "definition_sources": [c.iri for c in entity.sources],
        "synonyms": entity.synonyms,
        "examples": entity.examples,
        "notes": [{"kind": kind, "text": text} for kind, text in entity.notes],
        "notation": entity.notation,
        "deprecated": entity.deprecated,
        "replaced_by": [_link(r) for r in entity.replaced_by],
        "characteristics": entity.characteristics,
        "parents": [_link(p) for p in entity.parents],
        "children": [_link(c) for c in entity.children],
        "members": [_link(m) for m in entity.members],
        "equivalent_to": [_expression_json(e) for e in entity.equivalents],
        "subclass_of_restrictions": [_expression_json(r) for r in entity.restrictions],
        "supports": [
            {
                "entity": _link(subject),
                "property": _link(prop),
                "value": _link(v) if isinstance(v, Link) else {"literal": v},
            }
            for subject, prop, v in entity.supports
        ],
        "relations": [relation(r) for r in entity.relations],
        "used_by": [relation(r) for r in entity.usages],
        "used_in_axioms": [
            {"entity": _link(use.owner), "relation": use.relation, "axiom": _expression_json(use.expression)}
            for use in entity.axiom_usages
        ],
        "cell": entity.cell,
        "placement": _placement_json(entity.placement) if entity.placement else None,
        "citations": [
            {"iri": c.iri, "label": c.label, "reference": c.text, "doi": c.doi, "doi_url": c.doi_url}
            for c in entity.citations
        ],
        "page": entity_path(entity.iri),
    }


def _placement_json(placement: Placement) -> dict:
    def axis(iri: str | None) -> dict | None:
        return _link(catalog().link(iri)) if iri else None

    return {
        "kind": placement.kind,
        "summary": placement.summary,
        "reason": placement.reason,
        "row": axis(placement.row),
        "column": axis(placement.column),
        "cell": axis(placement.cell),
        "statements": [_statement_json(s) for s in placement.statements],
    }


def _statement_json(statement: PlacingStatement) -> dict:
    return {
        "subject": _link(catalog().link(statement.subject)),
        "property": {"iri": statement.predicate, "label": statement.wording},
        "value": _link(catalog().link(statement.value)),
        "evidence": list(statement.sources),
        "cited_for": statement.cited_for,
    }


def _expression_json(parts: list) -> dict:
    """A class expression as text in labels, with the IRIs it names, in order."""
    iris = [part[1] for part in parts if not isinstance(part, str)]
    text = "".join(part if isinstance(part, str) else _label(part[1]) for part in parts)
    return {"text": text, "iris": iris}


def _label(iri: str) -> str:
    return catalog().link(iri).label if iri in catalog() else iri


def _link(link: Link) -> dict:
    return {
        "iri": link.iri,
        "label": link.label,
        "page": entity_path(link.iri) if link.iri in catalog() else None,
    }


def problem(status: int, detail: str, **extra) -> Response:
    """An error as RFC 9457 problem details (``extra`` members add what the client needs)."""
    response = jsonify(title=_TITLES.get(status, "error"), status=status, detail=detail, **extra)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


_TITLES = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    409: "conflict",
    413: "too large",
    415: "unsupported media type",
    422: "not loaded",
    502: "bad gateway",
    503: "unavailable",
    504: "gateway timeout",
}
