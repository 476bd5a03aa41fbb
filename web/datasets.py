"""/api/datasets: coded datasets in the store, listed, ingested and deleted over HTTP.

Every route needs the bearer token the operator set (IERKG_WRITE_TOKEN); without one the
service is read-only and these routes say so. An upload is validated as `ierkg ingest`
validates it, before the store is touched, and its file is deleted once the request ends.
"""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, Response, current_app, jsonify, request

from ierkg.datasets.reports import as_json
from ierkg.errors import IerkgError
from ierkg.sparql.guard import Refused
from ierkg.sparql.service import Endpoint
from ierkg.stores import registry
from ierkg.stores.base import StoreError
from ierkg.stores.ingest import NotLoaded, load, prepared

from .api import problem
from .validate import Refusal, in_user_terms, named_as_sent, requested_scale, saved_upload

blueprint = Blueprint("datasets", __name__, url_prefix="/api/datasets")


@blueprint.before_request
def require_token() -> Response | None:
    if request.method == "OPTIONS":
        return None  # a CORS preflight carries no token, by the Fetch standard
    expected = current_app.config["IERKG"].write_token
    if not expected:
        return problem(
            403,
            "this service is read-only: its operator has set no IERKG_WRITE_TOKEN, so datasets "
            "cannot be listed or changed over HTTP",
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        response = problem(401, "send the service's write token as 'Authorization: Bearer TOKEN'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="ierkg datasets"'
        return response
    return None


@blueprint.route("", methods=["GET"])
def listing() -> Response:
    try:
        entries = _endpoint().datasets()
    except IerkgError as error:
        return _failure(error)
    public = set(_endpoint().public_graphs)
    return jsonify([{**entry.as_dict(), "public": entry.graph in public} for entry in entries])


@blueprint.route("", methods=["POST"])
def ingest() -> Response:
    graph = request.args.get("graph", "").strip()
    try:
        registry.check_graph_name(graph)
        with saved_upload() as (path, name):
            options = {"scale": requested_scale(), "allow_warnings": _flag("allow_warnings")}
            engine = current_app.extensions["ierkg.engine"]
            try:
                with (
                    prepared(path, graph, engine, source=name, **options) as dataset,
                    _endpoint().writing() as store,
                ):
                    done = load(store, dataset)
            except NotLoaded as refusal:
                report = named_as_sent(refusal.report, name)
                detail = in_user_terms(str(refusal), path)
                return problem(422, detail, report=json.loads(as_json(report, {})))
            except IerkgError as error:
                return _failure(error, path)
    except (Refusal, Refused, IerkgError) as error:
        return _failure(error)
    response = jsonify(graph=done.graph, episodes=done.episodes, triples=done.triples, source=name)
    response.status_code = 201
    return response


@blueprint.route("", methods=["DELETE"])
def delete() -> Response:
    graph = request.args.get("graph", "").strip()
    try:
        with _endpoint().writing() as store:
            entry = registry.delete(store, graph)
    except (Refused, IerkgError) as error:
        return _failure(error)
    return jsonify(deleted=entry.graph, episodes=entry.episodes)


def _failure(error: Exception, upload=None) -> Response:
    """The problem response for an error, with the status that says whose it is."""
    if isinstance(error, (Refusal, Refused)):
        return problem(error.status, error.message)
    message = in_user_terms(str(error), upload) if upload else str(error)
    if isinstance(error, StoreError):
        return problem(error.status if error.status >= 500 else 502, message)
    if isinstance(error, registry.UnknownDataset):
        return problem(404, message)
    if isinstance(error, registry.GraphTaken):
        return problem(409, message)
    return problem(400, message)


def _flag(name: str) -> bool:
    return request.form.get(name, request.args.get(name, "")).lower() in ("1", "true", "yes", "on")


def _endpoint() -> Endpoint:
    return current_app.extensions["ierkg.endpoint"]
