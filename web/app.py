"""The app factory: the store, the catalogue, the engines and the blueprints, wired once.

Each blueprint serves one concern; this module only puts them together.
"""

from __future__ import annotations

import atexit
import json
import threading

from flask import Flask, Response

from ierkg.catalog.entities import Catalog
from ierkg.catalog.graph import ReleaseGraph
from ierkg.catalog.search import SearchIndex
from ierkg.datasets.classify import Placer
from ierkg.datasets.compiled import CompiledEngine
from ierkg.sparql.engine import StoreSpec
from ierkg.sparql.service import Endpoint, Limits

from .config import Settings
from .validate import FORM_OVERHEAD

# No page loads anything from another server: every asset is vendored under static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_environment()
    app = Flask(__name__)
    app.config["IERKG"] = settings
    # Werkzeug refuses bodies above this before reading them; uploads (a file and its form) are
    # the largest.
    app.config["MAX_CONTENT_LENGTH"] = max(
        settings.max_upload_bytes + FORM_OVERHEAD, 3 * settings.max_query_bytes + 10_000
    )
    endpoint = Endpoint(
        StoreSpec(settings.release, settings.datasets, settings.store),
        Limits(settings.query_timeout, settings.max_query_bytes, settings.max_nesting, settings.max_results),
        workers=settings.query_workers,
        overflow_workers=settings.overflow_workers,
        public_datasets=settings.public_datasets,
        cache_bytes=settings.answer_cache_bytes,
        refresh_seconds=settings.refresh_seconds,
    )
    app.extensions["ierkg.endpoint"] = endpoint
    atexit.register(endpoint.close)
    # The concept pages are drawn from the release, read once through the store.
    catalog = Catalog(ReleaseGraph(endpoint.release_triples()))
    app.extensions["ierkg.catalog"] = catalog
    app.extensions["ierkg.search"] = SearchIndex(catalog.graph, catalog.iris)
    app.extensions["ierkg.manifest"] = json.loads(
        (settings.release / "manifest.json").read_text(encoding="utf-8")
    )
    app.extensions["ierkg.engine"] = CompiledEngine(release=settings.release)
    app.extensions["ierkg.placer"] = Placer()
    app.extensions["ierkg.validation_slots"] = threading.BoundedSemaphore(settings.concurrent_validations)

    from . import api, browse, datasets, sparql, validate

    for module in (sparql, browse, api, validate, datasets):
        app.register_blueprint(module.blueprint)
    app.add_url_rule("/openapi.json", endpoint="openapi", view_func=api.openapi)
    app.add_template_global(lambda iri: catalog.link(iri).label if iri in catalog else iri, "label_of")
    app.add_template_global(catalog.framework, "framework")
    app.after_request(_common_headers)
    return app


def _common_headers(response: Response) -> Response:
    # Any origin may query: the data are public and nothing is done with credentials.
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
    # A bearer token is sent by the client on purpose, never by the browser on its own, so a
    # page elsewhere may send one to /api/datasets; there are no cookies to misuse.
    response.headers.setdefault("Access-Control-Allow-Headers", "Accept, Content-Type, Authorization")
    response.headers.setdefault("Access-Control-Max-Age", "86400")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
