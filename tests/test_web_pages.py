"""The concept pages, the JSON API, downloads and the validation page, over real HTTP.

A real `ierkg serve` answers; pages are checked for what a user of the EBI Ontology Lookup
Service would look for (definition and its source, hierarchy, relations both ways with
evidence, citations with DOI links, the 2x2), and every representation is parsed back.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph
import pytest
from rdflib import Graph, URIRef

from ierkg.resources import release_dir

from .test_sparql_endpoint import Reply, loaded_sources, send
from .web_server import running_server

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample.csv"
IERKG = "https://w3id.org/ierkg/"
UPLOAD_LIMIT = 300_000
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def uploads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="module")
def server(uploads: Path) -> str:
    env = {"IERKG_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT), "TMPDIR": str(uploads)}
    with running_server(env=env) as base:
        yield base


def page(server: str, path: str, accept: str = BROWSER) -> Reply:
    return send(server, "GET", path, headers={"Accept": accept})


def text_of(html: str) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


# --- home and the 2x2 --------------------------------------------------------------------------


def test_the_home_page_draws_the_2x2_from_the_ontology(server: str):
    reply = page(server, "/")
    assert reply.status == 200 and reply.media_type == "text/html"
    table = re.search(r'<table class="framework">.*?</table>', reply.text, re.S).group(0)
    cells = re.findall(r'<a class="cell" href="([^"]+)">([^<]+)</a>', table)
    assert [href for href, _ in cells] == [
        "/ierkg/IntrinsicResponseDependentRegulation",
        "/ierkg/IntrinsicResponseIndependentRegulation",
        "/ierkg/ExtrinsicResponseDependentRegulation",
        "/ierkg/ExtrinsicResponseIndependentRegulation",
    ]
    mechanisms = re.findall(r'aria-label="Mechanisms of ([^"]+)">(.*?)</ul>', table, re.S)
    by_cell = {cell: re.findall(r">([^<]+)</a>", items) for cell, items in mechanisms}
    assert by_cell["intrinsic response-dependent regulation"] == ["affiliation", "safety signals"]
    assert by_cell["extrinsic response-independent regulation"] == ["warm glow"]
    for href in (
        "/hierarchy",
        "/strategies",
        "/instruments",
        "/disorders",
        "/therapies",
        "/citations",
        "/sparql",
        "/validate",
        "/downloads",
    ):
        assert f'href="{href}"' in reply.text


# --- an entity's page ---------------------------------------------------------------------------


def test_an_entity_page_shows_what_ols_would(server: str):
    reply = page(server, "/ierkg/ReassuranceSeeking")
    assert reply.status == 200
    text = text_of(reply.text)
    assert "reassurance seeking" in text
    assert "Asking other people for reassurance" in text  # the definition
    assert "Source: Wikipedia: Interpersonal emotion regulation" in text
    assert "ierkg:ReassuranceSeeking" in text and "reassurance_seeking" in text  # CURIE and code
    version = json.loads((release_dir() / "manifest.json").read_text(encoding="utf-8"))["version"]
    assert f'<a class="release" href="/ierkg/ontology/{version}">ierkg release {version}</a>' in reply.text
    assert "interpersonal strategy" in text and "maladaptive strategy" in text  # its types
    assert 'href="/ierkg/ExcessiveReassuranceSeeking"' in reply.text  # a child
    # relations both ways, each with its evidence
    assert re.search(r"has adaptiveness.*?maladaptive.*?Wikipedia", text)
    assert re.search(r"obsessive-compulsive disorder shows pattern Wikipedia", text)
    assert '<svg class="neighbourhood"' in reply.text
    for fmt in ("turtle", "jsonld", "rdfxml", "ntriples"):
        assert f'href="?format={fmt}"' in reply.text


def test_a_page_links_each_citation_to_its_doi(server: str):
    reply = page(server, "/ierkg/IntrinsicResponseDependentRegulation")
    assert "https://doi.org/10.1037/a0033839" in reply.text  # Zaki & Williams (2013)
    assert 'href="/ierkg/ref/ZakiWilliams2013"' in reply.text
    # Its place in the 2x2 is marked, and its definition as an intersection is written out.
    assert 'class="current" aria-current="true"' in reply.text
    assert re.search(r"intrinsic interpersonal regulation</a> and <a[^>]*>response-dependent", reply.text)


def test_a_cell_page_lists_the_axioms_of_others_that_name_it(server: str):
    """The mechanism class points to its cell only inside a restriction (isMechanismOf only
    the cell): the cell's page shows it under "Used by", as OLS shows "used in axioms"."""
    reply = page(server, "/ierkg/IntrinsicResponseDependentRegulation")
    section = re.search(r'<section aria-labelledby="usages">.*?</section>', reply.text, re.S).group(0)
    assert re.search(
        r'<td><a href="/ierkg/IntrinsicResponseDependentMechanism">intrinsic response-dependent mechanism</a></td>'
        r'<td>subclass of <a href="/ierkg/isMechanismOf">[^<]+</a> only <a href="/ierkg/'
        r'IntrinsicResponseDependentRegulation">',
        section,
    ), section
    api = json.loads(page(server, "/api/entity?iri=" + IERKG + "IntrinsicResponseDependentRegulation").body)
    (use,) = api["used_in_axioms"]
    assert use["entity"]["iri"] == IERKG + "IntrinsicResponseDependentMechanism"
    assert use["relation"] == "subclass of" and use["axiom"]["text"].endswith(
        " only intrinsic response-dependent regulation"
    )
    assert use["axiom"]["iris"] == [IERKG + "isMechanismOf", IERKG + "IntrinsicResponseDependentRegulation"]


def test_a_property_page_shows_its_super_and_sub_properties_and_its_characteristics(server: str):
    shows = json.loads(page(server, "/api/entity?iri=" + IERKG + "showsPattern").body)
    assert [p["iri"] for p in shows["parents"]] == [IERKG + "linkedToPattern"]
    assert IERKG + "linkedToPattern" not in [r["value"].get("iri") for r in shows["relations"]]
    linked = json.loads(page(server, "/api/entity?iri=" + IERKG + "linkedToPattern").body)
    assert IERKG + "showsPattern" in [c["iri"] for c in linked["children"]]
    regulator = json.loads(page(server, "/api/entity?iri=" + IERKG + "regulator").body)
    assert regulator["characteristics"] == ["functional"] and shows["characteristics"] == []
    html = page(server, "/ierkg/regulator").text
    assert '<p class="characteristics">Characteristics: functional</p>' in html


def _release_with_a_retired_term(folder: Path) -> Path:
    """The packaged release plus one deprecated class, replaced by Venting."""
    import hashlib
    import shutil

    from ierkg.resources import release_dir

    shutil.copytree(release_dir(), folder)
    retired, owl, dcterms = (
        f"<{IERKG}TestRetiredVenting>",
        "http://www.w3.org/2002/07/owl#",
        "http://purl.org/dc/terms/",
    )
    added = [
        f"{retired} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{owl}Class> .",
        f'{retired} <http://www.w3.org/2000/01/rdf-schema#label> "retired venting"@en .',
        f'{retired} <{owl}deprecated> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .',
        f"{retired} <{dcterms}isReplacedBy> <{IERKG}Venting> .",
    ]
    with (folder / "ierkg.nt").open("a") as release:
        release.write("\n".join(added) + "\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["triples"] += len(added)
    manifest["files"]["ierkg.nt"]["sha256"] = hashlib.sha256((folder / "ierkg.nt").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_deprecated_term_is_marked_everywhere_and_points_to_its_replacement(tmp_path: Path):
    release = _release_with_a_retired_term(tmp_path / "release")
    with running_server("--release", str(release)) as base:
        html = page(base, "/ierkg/TestRetiredVenting").text
        banner = re.search(r'<p class="deprecated" role="note">.*?</p>', html, re.S).group(0)
        assert "Deprecated." in banner and '<a href="/ierkg/Venting">venting</a>' in banner
        assert "Deprecated." not in page(base, "/ierkg/Venting").text
        api = json.loads(page(base, "/api/entity?iri=" + IERKG + "TestRetiredVenting").body)
        assert api["deprecated"] is True and [r["iri"] for r in api["replaced_by"]] == [IERKG + "Venting"]
        hits = json.loads(page(base, "/api/search?q=venting").body)["results"]
        ranked = [(hit["iri"], hit["deprecated"]) for hit in hits]
        assert ranked[0] == (IERKG + "Venting", False) and ranked[-1] == (IERKG + "TestRetiredVenting", True)
        a_to_z = page(base, "/a-z").text
        assert re.search(r'TestRetiredVenting">retired venting</a> <span class="kind">class</span> '
                         r'<span class="deprecated-mark">deprecated</span>', a_to_z)  # fmt: skip
        assert a_to_z.count("deprecated-mark") == 1
        found = page(base, "/search?q=venting").text
        assert re.search(r'TestRetiredVenting">retired venting</a> <span class="deprecated-mark">', found)


def test_a_mechanism_page_says_which_cell_it_belongs_to(server: str):
    text = text_of(page(server, "/ierkg/SafetySignal").text)
    assert "It belongs to intrinsic response-dependent regulation" in text


def placement_of(html: str) -> tuple[str, list[str], list[str]]:
    """The 2x2 section's text, and the cells it marks as the place and as a possible place."""
    section = re.search(r'<section class="placement[^"]*".*?</section>', html, re.S).group(0)
    marked = re.findall(r'<td class="(current|possible)"[^>]*>\s*<a class="cell"[^>]*>([^<]+)</a>', section)
    here = [label for mark, label in marked if mark == "current"]
    possible = [label for mark, label in marked if mark == "possible"]
    return text_of(section), here, possible


def test_a_strategy_page_marks_its_cell_with_the_statements_and_sources(server: str):
    text, here, possible = placement_of(page(server, "/ierkg/SharingGoodNews").text)
    assert here == ["intrinsic response-dependent regulation"] and possible == []
    assert "It belongs to intrinsic response-dependent regulation." in text
    assert "It sits here." in text  # in words, not by colour alone
    assert re.search(
        r"requires partner response enthusiastic response \(evidence: Gable & Reis 2010 ?; Zaki", text
    )


def test_a_strategy_page_without_a_stated_column_marks_its_whole_row(server: str):
    html = page(server, "/ierkg/Venting").text
    text, here, possible = placement_of(html)
    assert here == []
    assert possible == [
        "intrinsic response-dependent regulation",
        "intrinsic response-independent regulation",
    ]
    assert "the sources do not place it in a column" in text
    assert text.count("Its row; the column is not stated.") == 2
    assert "does not make it response-independent interpersonal regulation" in text
    assert re.search(r"regulates the feelings of self-targeted \(evidence: Wikipedia", text)
    assert 'aria-current="true"' not in html  # no single cell is claimed


def test_an_intrapersonal_strategy_page_says_it_is_outside_the_2x2(server: str):
    html = page(server, "/ierkg/CognitiveReappraisal").text
    text, here, possible = placement_of(html)
    assert "It lies outside the 2×2." in text and "intrapersonal strategy" in text
    assert here == possible == [] and '<table class="framework' not in html


def test_a_reference_page_lists_what_it_supports(server: str):
    reply = page(server, "/ierkg/ref/ZakiWilliams2013")
    text = text_of(reply.text)
    assert "Zaki, J., & Williams, W. C. (2013). Interpersonal emotion regulation." in text
    supports = re.search(r'<ul class="supports">(.*?)</ul>', reply.text, re.S).group(1)
    assert supports.count("<li>") >= 20
    assert "/ierkg/IntrinsicResponseDependentRegulation" in supports


@pytest.mark.parametrize(
    ("accept", "query", "media_type", "rdflib_format"),
    [
        ("text/turtle", "", "text/turtle", "turtle"),
        ("application/ld+json", "", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "", "application/rdf+xml", "xml"),
        ("application/n-triples", "", "application/n-triples", "nt"),
        (BROWSER, "?format=turtle", "text/turtle", "turtle"),
        ("text/turtle", "?format=jsonld", "application/ld+json", "json-ld"),
    ],
)
def test_an_entity_in_each_rdf_format(
    server: str, accept: str, query: str, media_type: str, rdflib_format: str
):
    reply = page(server, "/ierkg/Venting" + query, accept=accept)
    assert reply.status == 200 and reply.media_type == media_type
    assert "Accept" in reply.headers.get("Vary", "")
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    venting = URIRef(IERKG + "Venting")
    assert (venting, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None) in graph
    # The evidence comes along: the owl:Axiom annotations whose source is the entity.
    axioms = set(graph.subjects(URIRef("http://www.w3.org/2002/07/owl#annotatedSource"), venting))
    assert axioms and all((a, URIRef("http://purl.org/dc/terms/source"), None) in graph for a in axioms)


def test_an_entity_representation_nobody_offers_gets_406(server: str):
    for reply in (
        page(server, "/ierkg/Venting", accept="image/png"),
        page(server, "/ierkg/Venting?format=pdf"),
    ):
        assert reply.status == 406 and reply.media_type == "text/plain"
    assert "text/turtle" in page(server, "/ierkg/Venting", accept="image/png").text
    assert "choose html, turtle" in page(server, "/ierkg/Venting?format=pdf").text


def test_an_unknown_entity_gets_404_with_suggestions(server: str):
    reply = page(server, "/ierkg/Ventng")
    assert reply.status == 404 and reply.media_type == "text/html"
    assert "Nothing at /ierkg/Ventng" in text_of(reply.text)
    # An RDF tool gets a short plain answer, not a page meant for people.
    tool = page(server, "/ierkg/Ventng", accept="text/turtle")
    assert (tool.status, tool.media_type) == (404, "text/plain")
    assert tool.text == "nothing is at /ierkg/Ventng\n"


def test_browser_tools_elsewhere_may_send_a_token_to_the_datasets_api(server: str):
    preflight = send(
        server,
        "OPTIONS",
        "/api/datasets",
        headers={
            "Origin": "https://tools.example.org",
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "DELETE" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()


# --- hierarchy, A-Z, sections, citations ---------------------------------------------------------


def test_the_hierarchy_is_an_aria_tree(server: str):
    html = page(server, "/hierarchy").text
    assert 'role="tree"' in html
    items = re.findall(r'role="treeitem"', html)
    assert len(items) > 100
    assert 'aria-expanded="true"' in html and 'aria-expanded="false"' in html
    # Episode's subclasses sit inside its group.
    episode = html.index('data-iri="https://w3id.org/ierkg/Episode"')
    assert html.index('data-iri="https://w3id.org/ierkg/LiveInteractionEpisode"', episode) > episode
    # Without JavaScript every link is a tab stop and no branch is hidden: tree.js takes the
    # links out of the tab order and hides closed branches only once it runs.
    tree = html[html.index('role="tree"') :]
    assert 'tabindex="-1"' not in tree
    css = send(server, "GET", "/static/ierkg.css").text
    assert '.tree.enhanced [role=treeitem][aria-expanded="false"] > ul { display: none; }' in css
    assert 'aria-expanded="false"] > ul' not in css.replace(
        ".tree.enhanced [role=treeitem][aria-expanded", ""
    )


def test_the_hierarchy_opens_at_a_class_a_page_links_to(server: str):
    cell = IERKG + "IntrinsicResponseDependentRegulation"
    entity_page = page(server, "/ierkg/IntrinsicResponseDependentRegulation").text
    assert f'href="/hierarchy?focus={cell}#focus"' in entity_page
    html = page(server, "/hierarchy?focus=" + cell).text
    item = re.search(rf'<li role="treeitem" data-iri="{cell}"[^>]*>', html).group(0)
    assert 'aria-selected="true"' in item and 'id="focus"' in item
    # The class sits under several parents, but the tree has one selected item and one anchor.
    assert html.count(f'data-iri="{cell}"') > 1
    assert html.count('id="focus"') == 1 and html.count('aria-selected="true"') == 1
    for ancestor in ("IntrinsicInterpersonalRegulation", "InterpersonalRegulation", "Episode"):
        opening = re.search(rf'<li role="treeitem" data-iri="{IERKG}{ancestor}"[^>]*>', html).group(0)
        assert 'aria-expanded="true"' in opening, ancestor
    assert page(server, "/hierarchy?focus=" + IERKG + "Nothing").status == 404


def test_a_to_z_lists_every_entity_once(server: str):
    html = page(server, "/a-z").text
    links = re.findall(r'<ul class="az">(.*?)</ul>', html, re.S)
    entries = [href for block in links for href in re.findall(r'href="([^"]+)"', block)]
    assert len(entries) == len(set(entries)) > 300


@pytest.mark.parametrize(
    ("section", "member"),
    [
        ("strategies", "venting"),
        ("instruments", "Interpersonal Regulation Questionnaire"),
        ("disorders", "depression"),
        ("therapies", "dialectical behaviour therapy"),
        ("mechanisms", "warm glow"),
    ],
)
def test_each_section_lists_its_members(server: str, section: str, member: str):
    reply = page(server, f"/{section}")
    assert reply.status == 200
    assert member.lower() in text_of(reply.text).lower()


def test_the_citations_page_lists_every_reference_with_its_doi(server: str):
    html = page(server, "/citations").text
    items = re.findall(r"<li>", re.search(r'<ol class="citations">(.*?)</ol>', html, re.S).group(1))
    assert len(items) == 87
    assert html.count("https://doi.org/") >= 60


# --- search ---------------------------------------------------------------------------------------


def test_search_ranks_an_exact_label_first(server: str):
    hits = json.loads(page(server, "/api/search?q=venting", accept="application/json").body)["results"]
    assert hits[0]["label"] == "venting" and hits[0]["matched"] == "label"
    later = hits[1:]  # the entities whose definitions (or synonyms) mention it come after
    assert later and "definition" in {h["matched"] for h in later}
    assert all(h["label"] != "venting" for h in later)
    irq = json.loads(page(server, "/api/search?q=irq&limit=3").body)["results"]
    assert irq[0]["matched"] == "synonym" and "Interpersonal Regulation Questionnaire" in irq[0]["label"]
    assert len(irq) == 3
    html = page(server, "/search?q=Venting").text
    assert re.search(r'<ol class="hits">\s*<li><a href="/ierkg/Venting">venting</a>', html)


def test_a_report_no_longer_kept_is_a_plain_404_that_says_so(server: str):
    reply = page(server, "/validate/report/" + "0" * 32 + ".csv")
    assert reply.status == 404 and reply.media_type == "text/plain"
    assert "no longer kept" in reply.text and "upload the file again" in reply.text


def test_search_rejects_a_bad_limit(server: str):
    reply = page(server, "/api/search?q=a&limit=lots", accept="application/json")
    assert reply.status == 400 and reply.media_type == "application/problem+json"


# --- the JSON API -----------------------------------------------------------------------------------


def test_the_entity_api(server: str):
    reply = page(server, "/api/entity?iri=" + IERKG + "ReassuranceSeeking", accept="application/json")
    entity = json.loads(reply.body)
    assert entity["label"] == "reassurance seeking" and entity["kind"] == "individual"
    assert entity["definition"].startswith("Asking other people")
    assert {u["value"]["label"] for u in entity["used_by"]} >= {"obsessive-compulsive disorder"}
    assert all(r["evidence"] for r in entity["relations"])
    assert entity["placement"]["kind"] == "row" and entity["placement"]["column"] is None
    assert entity["placement"]["row"]["iri"] == IERKG + "IntrinsicInterpersonalRegulation"
    assert entity["cell"] is None
    placed = json.loads(page(server, "/api/entity?iri=" + IERKG + "SharingGoodNews").body)["placement"]
    assert (
        placed["kind"] == "cell" and placed["cell"]["iri"] == IERKG + "IntrinsicResponseDependentRegulation"
    )
    statement = next(s for s in placed["statements"] if s["property"]["iri"] == IERKG + "requiresResponse")
    assert statement["evidence"] == [IERKG + "ref/GableReis2010", IERKG + "ref/ZakiWilliams2013"]
    outside = json.loads(page(server, "/api/entity?iri=" + IERKG + "Distraction").body)["placement"]
    assert outside["kind"] == "outside" and outside["cell"] is None
    missing = page(server, "/api/entity?iri=" + IERKG + "Nothing", accept="application/json")
    assert missing.status == 404 and json.loads(missing.body)["status"] == 404


def test_the_hierarchy_api(server: str):
    top = json.loads(page(server, "/api/hierarchy").body)["children"]
    assert any(node["iri"] == IERKG + "Episode" and node["has_children"] for node in top)
    below = json.loads(page(server, "/api/hierarchy?root=" + IERKG + "Episode").body)["children"]
    assert IERKG + "LiveInteractionEpisode" in {node["iri"] for node in below}


def test_the_openapi_description_covers_every_route(server: str):
    for path in ("/openapi.json", "/api/openapi.json"):
        document = json.loads(page(server, path, accept="application/json").body)
        assert document["openapi"].startswith("3.")
        described = {
            (path, method.upper()) for path, operations in document["paths"].items() for method in operations
        }
        assert described == api_routes()
        entity = document["paths"]["/api/entity"]["get"]["responses"]["200"]["content"]["application/json"]
        placement = entity["schema"]["properties"]["placement"]
        assert placement["properties"]["kind"]["enum"] == ["cell", "row", "column", "unplaced", "outside"]


def api_routes() -> set[tuple[str, str]]:
    """Every JSON route the app really has, from Flask's own map (the description is not one)."""
    from ierkg_web import create_app

    app = create_app()
    try:
        return {
            (rule.rule, method)
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
            for method in rule.methods - {"HEAD", "OPTIONS"}
        }
    finally:
        app.extensions["ierkg.endpoint"].close()  # its query workers are processes


# --- downloads -------------------------------------------------------------------------------------


def test_downloads_serve_the_release_with_its_version(server: str):
    manifest = json.loads((release_dir() / "manifest.json").read_text(encoding="utf-8"))
    html = page(server, "/downloads").text
    assert manifest["version"] in html and manifest["version_iri"] in html
    for name, info in manifest["files"].items():
        reply = send(server, "GET", f"/downloads/{name}")
        assert reply.status == 200 and reply.media_type == info["media_type"]
        assert hashlib.sha256(reply.body).hexdigest() == info["sha256"]
        stem, suffix = name.split(".", 1)
        saved_as = f"{stem}-{manifest['version']}.{suffix}"
        assert reply.headers["Content-Disposition"] == f"attachment; filename={saved_as}"
    store = pyoxigraph.Store()
    store.load(send(server, "GET", "/downloads/ierkg.nt").body, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert len(store) == manifest["triples"]


def test_the_ontology_iri_and_its_version_iri_resolve_with_content_negotiation(server: str):
    manifest = json.loads((release_dir() / "manifest.json").read_text(encoding="utf-8"))
    for path in ("/ierkg/ontology", f"/ierkg/ontology/{manifest['version']}"):
        html = page(server, path)
        assert html.status == 200 and html.media_type == "text/html"
        assert manifest["version_iri"] in html.text and "/downloads/ierkg.ttl" in html.text
        for accept, name in (("text/turtle", "ierkg.ttl"), ("application/rdf+xml", "ierkg.owl")):
            reply = page(server, path, accept=accept)
            assert (reply.status, reply.media_type) == (200, accept)
            assert hashlib.sha256(reply.body).hexdigest() == manifest["files"][name]["sha256"]
            assert "Accept" in reply.headers["Vary"]
        reply = page(server, path + "?format=ntriples")
        assert hashlib.sha256(reply.body).hexdigest() == manifest["files"]["ierkg.nt"]["sha256"]
    old = page(server, "/ierkg/ontology/0.0.1")
    assert old.status == 404 and f"this server serves ierkg {manifest['version']}, not 0.0.1" in old.text


# --- the validation page ---------------------------------------------------------------------------


BOUNDARY = "ierkgboundary7d93"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(name: str, data: bytes, fields: dict | None = None) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in (fields or {}).items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def upload(server: str, path: str, name: str, data: bytes, fields: dict | None = None) -> Reply:
    body = multipart(name, data, fields)
    return send(server, "POST", path, body, {"Content-Type": MULTIPART, "Accept": BROWSER})


def send_chunked(server: str, path: str, body: bytes, content_type: str) -> tuple[int, str]:
    """POST ``body`` with Transfer-Encoding: chunked (no length), as curl does from a pipe.

    The response is read while the body is still going out, as curl reads it: a server that
    refuses early answers at once and stops reading.
    """
    host, port = urlsplit(server).hostname, urlsplit(server).port
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Accept: {BROWSER}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
        )

        def write() -> None:
            with suppress(OSError):  # the server may close once it has refused the body
                for start in range(0, len(body), 65_536):
                    piece = body[start : start + 65_536]
                    connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                connection.sendall(b"0\r\n\r\n")

        writer = threading.Thread(target=write)
        writer.start()
        received = bytearray()
        with suppress(ConnectionResetError):
            while chunk := connection.recv(65_536):
                received += chunk
        writer.join(30)
    head, _, text = bytes(received).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, text.decode("utf-8", "replace")


def leftovers(folder: Path) -> list[Path]:
    """Upload folders left in the server's temporary folder (its worker pool keeps its own)."""
    return [p for p in folder.iterdir() if p.name.startswith("ierkg-upload-")]


def test_an_uploaded_dataset_gets_its_report_and_is_deleted(server: str, uploads: Path):
    reply = upload(server, "/validate", "sample.csv", SAMPLE.read_bytes(), {"scale": "1-7"})
    assert reply.status == 200
    text = text_of(reply.text)
    assert "Report for sample.csv" in text
    assert re.search(r"10 rows read = \d+ valid \+ \d+ with problems", text)
    assert '<section class="rule violation"' in reply.text
    assert not leftovers(uploads), "the uploaded file must not outlive its report"
    for fmt, check in (("csv", "row"), ("json", '"rows_read": 10'), ("ttl", "sh:ValidationReport")):
        link = re.search(rf'href="(/validate/report/[^"]+\.{fmt})"', reply.text).group(1)
        download = send(server, "GET", link)
        assert download.status == 200 and check in download.text
        assert "ierkg-upload" not in download.text  # findings name the user's file, not ours
    api = upload(server, "/api/validate", "sample.csv", SAMPLE.read_bytes(), {"scale": "1-7"})
    assert api.media_type == "application/json" and json.loads(api.body)["summary"]["rows_read"] == 10


def test_an_unusable_upload_says_why(server: str, uploads: Path):
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    ragged = lines[0] + lines[1] + lines[2].rstrip(b"\n") + b",one too many\n"
    reply = upload(server, "/validate", "ragged.csv", ragged)
    assert reply.status == 400 and "ragged.csv:3" in text_of(reply.text)
    assert upload(server, "/validate", "notes.docx", b"x").status == 415
    assert upload(server, "/validate", "", b"").status == 400
    big = upload(server, "/validate", "big.csv", b"a" * (UPLOAD_LIMIT + 10_000))
    assert big.status == 413 and f"{UPLOAD_LIMIT:,} bytes" in text_of(big.text)
    rdf = (REPO / "examples" / "sample.ttl").read_bytes()
    scaled_rdf = upload(server, "/validate", "sample.ttl", rdf, {"scale": "1-7"})
    assert scaled_rdf.status == 400 and "an RDF dataset" in text_of(scaled_rdf.text)  # not ignored
    assert upload(server, "/validate", "sample.ttl", rdf).status == 200
    problem = upload(server, "/api/validate", "ragged.csv", ragged)
    assert problem.status == 400 and problem.media_type == "application/problem+json"
    assert not leftovers(uploads)


def test_a_chunked_upload_is_held_to_the_same_cap(server: str, uploads: Path):
    # No Content-Length: the server learns the size only while reading. Just over the upload cap,
    # the service's own 413 says the cap; far over, the WSGI server stops reading with a 413.
    over = send_chunked(server, "/validate", multipart("big.csv", b"a" * (UPLOAD_LIMIT + 10_000)), MULTIPART)
    assert over[0] == 413 and f"{UPLOAD_LIMIT:,} bytes" in text_of(over[1])
    far_over = send_chunked(server, "/validate", multipart("huge.csv", b"a" * 20 * UPLOAD_LIMIT), MULTIPART)
    assert far_over[0] == 413 and "Request Entity Too Large" in far_over[1]
    sparql = send_chunked(
        server, "/sparql", b"ASK {} #" + b"x" * 20 * UPLOAD_LIMIT, "application/sparql-query"
    )
    assert sparql[0] == 413
    fits = send_chunked(
        server, "/validate", multipart("sample.csv", SAMPLE.read_bytes(), {"scale": "1-7"}), MULTIPART
    )
    assert fits[0] == 200 and "Report for sample.csv" in text_of(fits[1])
    assert not leftovers(uploads)
    assert page(server, "/").status == 200  # and it goes on serving


def test_large_uploads_validate_a_few_at_a_time_and_pages_stay_quick(tmp_path: Path):
    from ierkg.datasets.synthetic import write_csv

    # Large enough that its validation outlasts many small requests on a fast machine too.
    big = write_csv(tmp_path / "big.csv", 50_000, seed=11, slip_rate=0.0).read_bytes()
    env = {"IERKG_CONCURRENT_VALIDATIONS": "1", "IERKG_MAX_UPLOAD_BYTES": str(len(big) + 1)}
    with running_server(env=env) as base:
        first: list[Reply] = []
        worker = threading.Thread(target=lambda: first.append(upload(base, "/validate", "big.csv", big)))
        worker.start()
        refused = []
        while worker.is_alive() and not refused:
            reply = upload(base, "/api/validate", "sample.csv", SAMPLE.read_bytes(), {"scale": "1-7"})
            if reply.status == 503:
                refused.append(reply)
                # The slot is taken, yet pages are answered meanwhile.
                assert page(base, "/ierkg/Venting").status == 200
        worker.join()
        assert refused, "the second upload was never refused while the first was validated"
        assert refused[0].media_type == "application/problem+json"
        assert "validating 1 other dataset at the moment" in json.loads(refused[0].body)["detail"]
        assert first[0].status == 200 and "50000 rows read" in text_of(first[0].text).replace(",", "")
        after = upload(base, "/api/validate", "sample.csv", SAMPLE.read_bytes(), {"scale": "1-7"})
        assert after.status == 200, "the slot must be free again once the first report is made"


# --- no page reaches outside ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/ierkg/Venting",
        "/ierkg/ref/ZakiWilliams2013",
        "/hierarchy",
        "/a-z",
        "/strategies",
        "/citations",
        "/search?q=a",
        "/downloads",
        "/validate",
        "/sparql",
    ],
)
def test_pages_load_nothing_from_other_servers(server: str, path: str):
    reply = page(server, path)
    assert reply.status == 200
    sources = loaded_sources(reply.text)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]


def test_an_entity_in_rdf_says_503_when_no_query_worker_is_free():
    # A page that asks the store gets the store's refusal, as /sparql does, never a 500.
    from ierkg_web import create_app
    from ierkg_web.config import Settings

    app = create_app(Settings(query_timeout=0.5, query_workers=1, overflow_workers=0, answer_cache_bytes=0))
    endpoint = app.extensions["ierkg.endpoint"]
    try:
        endpoint.pool.close()  # every worker gone, as if each were held by a runaway query
        reply = app.test_client().get("/ierkg/Venting", headers={"Accept": "text/turtle"})
        assert reply.status_code == 503 and "query workers stayed busy" in reply.get_data(as_text=True)
        assert app.test_client().get("/ierkg/Venting", headers={"Accept": BROWSER}).status_code == 200
    finally:
        endpoint.close()
