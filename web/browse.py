"""The pages people browse: home with the 2x2 map, a page per entity, hierarchy, A-Z, sections,
citations, search and downloads.

An entity's page is served at its IRI's own path (``https://w3id.org/ierkg/Venting`` is
``/ierkg/Venting`` here), directly, with content negotiation: browsers get HTML, tools get the
RDF format their Accept header names, and ``?format=`` overrides both. No 303 redirect: the
IRIs name concepts, but one URL serving every representation is simpler for the tools users
have, and docs/web.md says so.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from werkzeug.exceptions import NotFound

from ierkg.catalog.entities import SECTIONS, Catalog
from ierkg.catalog.neighbourhood import HEIGHT, WIDTH, neighbourhood
from ierkg.catalog.search import SearchIndex
from ierkg.namespaces import IERKG
from ierkg.stores.base import StoreError

from .negotiation import RDF_DOWNLOADS, choose_representation, content_type

blueprint = Blueprint("browse", __name__)


def catalog() -> Catalog:
    return current_app.extensions["ierkg.catalog"]


def search_index() -> SearchIndex:
    return current_app.extensions["ierkg.search"]


def entity_path(iri: str) -> str:
    """The path of an entity's page: its IRI's path."""
    return "/ierkg/" + iri.removeprefix(str(IERKG))


@blueprint.app_template_global()
def page_of(iri: str) -> str:
    """Where a link to an entity goes: its page here, or the IRI itself for other vocabularies."""
    return entity_path(iri) if iri in catalog() else iri


@blueprint.route("/")
def home() -> str:
    return render_template("home.html", framework=catalog().framework, sections=_sections())


@blueprint.route("/ierkg/<path:name>")
def entity(name: str) -> Response | str:
    iri = str(IERKG) + name
    if iri not in catalog():
        abort(404)
    media_type = choose_representation(request)
    if media_type != "text/html":
        try:
            body = current_app.extensions["ierkg.endpoint"].describe(iri, media_type)
        except StoreError as error:  # the store behind the service is down or slow
            return Response(f"{error}\n", error.status, content_type="text/plain; charset=utf-8")
        response = Response(body, content_type=content_type(media_type))
    else:
        found = catalog().entity(iri)
        response = Response(
            render_template(
                "entity.html",
                entity=found,
                neighbours=neighbourhood(found),
                picture=(WIDTH, HEIGHT),
                downloads=RDF_DOWNLOADS,
            )
        )
    response.vary.add("Accept")
    return response


@blueprint.route("/hierarchy")
def hierarchy() -> str:
    """The class tree; ``?focus=IRI`` opens the branches down to that class and marks it."""
    focus = request.args.get("focus")
    if focus and focus not in catalog():
        abort(404)
    opened = catalog().graph.ancestors(focus) if focus else set()
    return render_template(
        "hierarchy.html", roots=_roots(), children=_children_of, focus=focus, opened=opened
    )


@blueprint.route("/a-z")
def a_to_z() -> str:
    groups: dict[str, list] = {}
    for iri in catalog().iris:
        link = catalog().link(iri)
        letter = link.label[:1].upper() if link.label[:1].isalpha() else "#"
        groups.setdefault(letter, []).append((link, catalog().kind(iri)))
    deprecated = {iri for iri in catalog().iris if catalog().is_deprecated(iri)}
    return render_template("a_z.html", groups=sorted(groups.items()), deprecated=deprecated)


@blueprint.route("/<any(strategies, mechanisms, instruments, disorders, therapies, theories):section>")
def section(section: str) -> str:
    slug, title, cls = next(s for s in SECTIONS if s[0] == section)
    kinds = [catalog().link(child) for child in sorted(catalog().graph.children(cls))]
    return render_template(
        "section.html",
        title=title,
        cls=catalog().entity(cls),
        members=catalog().members_of(cls),
        kinds=sorted(kinds),
    )


@blueprint.route("/citations")
def citations() -> str:
    return render_template("citations.html", references=catalog().references())


@blueprint.route("/search")
def search() -> str:
    query = request.args.get("q", "").strip()
    hits = search_index().search(query, limit=100) if query else []
    return render_template("search.html", query=query, hits=hits)


@blueprint.route("/downloads")
def downloads() -> str:
    manifest = current_app.extensions["ierkg.manifest"]
    return render_template("downloads.html", manifest=manifest, files=RDF_DOWNLOADS)


@blueprint.route("/downloads/<any('ierkg.ttl', 'ierkg.owl', 'ierkg.jsonld', 'ierkg.nt'):name>")
def download(name: str) -> Response:
    media_type = next(f.media_type for f in RDF_DOWNLOADS if f.file == name)
    path = current_app.config["IERKG"].release / name
    stem, suffix = name.split(".", 1)
    version = current_app.extensions["ierkg.manifest"]["version"]
    # Saved files carry their version, so two releases side by side can be told apart.
    saved_as = f"{stem}-{version}.{suffix}"
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=saved_as)


@blueprint.route("/ierkg/ontology")
@blueprint.route("/ierkg/ontology/<version>")
def ontology(version: str | None = None) -> Response | str:
    """The ontology IRI and its version IRI resolve here: the whole release, negotiated."""
    manifest = current_app.extensions["ierkg.manifest"]
    if version is not None and version != manifest["version"]:
        abort(404, f"this server serves ierkg {manifest['version']}, not {version}")
    media_type = choose_representation(request)
    if media_type == "text/html":
        response = Response(render_template("downloads.html", manifest=manifest, files=RDF_DOWNLOADS))
    else:
        name = next(f.file for f in RDF_DOWNLOADS if f.media_type == media_type)
        response = send_file(current_app.config["IERKG"].release / name, mimetype=content_type(media_type))
    response.vary.add("Accept")
    return response


@blueprint.app_errorhandler(404)
def not_found(error) -> tuple[str, int]:
    if request.path.startswith(("/api/", "/sparql")) or not _wants_html():
        reason = error.description if error.description != NotFound.description else None
        return (
            f"{reason or 'nothing is at ' + request.path}\n",
            404,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    query = request.path.rstrip("/").rsplit("/", 1)[-1]
    hits = search_index().search(query, limit=5) if query else []
    # Werkzeug's stock description is for developers; only a reason given with abort() is shown.
    reason = error.description if error.description != NotFound.description else None
    return render_template("not_found.html", hits=hits, path=request.path, reason=reason), 404


@blueprint.app_errorhandler(406)
def not_acceptable(error) -> tuple[str, int, dict]:
    # The client asked for a type it cannot get: say, in plain text, which ones it can.
    return f"{error.description}\n", 406, {"Content-Type": "text/plain; charset=utf-8"}


@blueprint.app_errorhandler(405)
def method_not_allowed(error) -> tuple[str, int, dict]:
    allowed = ", ".join(sorted(error.valid_methods or ()))
    return (
        f"{request.method} is not allowed at {request.path}; use {allowed}\n",
        405,
        {"Content-Type": "text/plain; charset=utf-8", "Allow": allowed},
    )


def _wants_html() -> bool:
    """A browser (or a client that says nothing) gets the HTML page; an RDF tool, plain text."""
    accept = request.accept_mimetypes
    return not accept or accept.quality("text/html") > 0 or request.args.get("format") == "html"


def _sections() -> list[tuple[str, str, int]]:
    return [(slug, title, len(catalog().members_of(cls))) for slug, title, cls in SECTIONS] + [
        ("citations", "Citations", len(catalog().references()))
    ]


def _roots() -> list:
    """Top classes of the hierarchy: classes of ierkg with no ierkg superclass."""
    graph = catalog().graph
    classes = [iri for iri in catalog().iris if catalog().kind(iri) == "class"]
    return sorted(
        catalog().link(iri) for iri in classes if not any(p in catalog() for p in graph.parents(iri))
    )


def _children_of(iri: str) -> list:
    return sorted(catalog().link(child) for child in catalog().graph.children(iri) if child in catalog())


@blueprint.app_context_processor
def _navigation() -> dict:
    # The release on every page, as OLS names the ontology version a term comes from.
    return {
        "entity_path": entity_path,
        "url_for": url_for,
        "release_version": current_app.extensions["ierkg.manifest"]["version"],
    }
