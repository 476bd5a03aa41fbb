"""The coder's manual: generated from the packaged release, escaped, and the same in both formats."""

from __future__ import annotations

import dataclasses
import re
import shutil
import xml.etree.ElementTree as ET
from itertools import product

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from ierkg.datasets.codebook import Codebook, CodebookError, build_codebook, column_values, slug
from ierkg.datasets.codebook_render import (
    escape_html,
    escape_markdown,
    render,
    render_html,
    render_markdown,
    safe_url,
)
from ierkg.datasets.columns import BY_NAME, COLUMNS
from ierkg.datasets.vocabulary import load_vocabulary
from ierkg.framework_rules import load_rules
from ierkg.namespaces import BIBO, IERKG
from ierkg.resources import ontology_dir, release_dir

CELLS = (
    "IntrinsicResponseDependentRegulation",
    "IntrinsicResponseIndependentRegulation",
    "ExtrinsicResponseDependentRegulation",
    "ExtrinsicResponseIndependentRegulation",
)


@pytest.fixture(scope="module")
def book() -> Codebook:
    return build_codebook()


@pytest.fixture(scope="module")
def markdown(book) -> str:
    return render_markdown(book)


@pytest.fixture(scope="module")
def page(book) -> str:
    return render_html(book)


@pytest.fixture(scope="module")
def tree(page) -> ET.Element:
    # The page is written to be well-formed XML as well as HTML, so the strict parser reads it.
    return ET.fromstring(page)


def _by_id(tree: ET.Element, ident: str) -> ET.Element:
    found = [e for e in tree.iter() if e.get("id") == ident]
    assert len(found) == 1, f"{len(found)} elements with id {ident!r}"
    return found[0]


def _text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _md_section(markdown: str, anchor: str) -> str:
    """The Markdown from an anchor to the next anchor of the same kind."""
    start = markdown.index(f'<a id="{anchor}"></a>')
    kind = anchor.split("-", 1)[0]
    following = markdown.find(f'<a id="{kind}-', start + 1)
    return markdown[start : following if following != -1 else len(markdown)]


def _labels_in_release() -> dict[str, str]:
    graph = Graph().parse(release_dir() / "ierkg.ttl", format="turtle")
    return {str(s): str(o) for s, o in graph.subject_objects(RDFS.label) if isinstance(s, URIRef)}


# --- content -----------------------------------------------------------------------------------


def test_every_column_appears_in_both_formats(book, markdown, tree):
    assert [c.name for c in book.columns] == [c.name for c in COLUMNS]
    for column in COLUMNS:
        anchor = f"column-{slug(column.name)}"
        assert f"### `{column.name}`" in _md_section(markdown, anchor)
        section = _by_id(tree, anchor)
        assert column.name in _text(section)
        assert ("yes" if column.required else "no") in _text(section)


def test_every_means_value_appears_with_its_definition(book, markdown, tree):
    means = load_vocabulary()["means"].values
    assert {v.notation for v in means} == {"recruit_partner", "act_on_partner", "alone"}
    for value in means:
        anchor = f"value-means-{slug(value.notation)}"
        md = _md_section(markdown, anchor)
        assert f"#### `{value.notation}`: {escape_markdown(value.label)}" in md
        assert escape_markdown(value.definition) in md
        row = _text(_by_id(tree, anchor))
        assert value.notation in row and value.label in row and value.definition in row


def test_every_coded_column_lists_every_allowed_code(book):
    vocabulary = load_vocabulary()
    for entry in book.columns:
        expected = {
            v.notation or v.iri.rsplit("/", 1)[-1] for v in column_values(BY_NAME[entry.name], vocabulary)
        }
        assert {c.code for c in entry.codes} == expected, entry.name
    goal = next(c for c in book.columns if c.name == "goal")
    assert [c.code for c in goal.codes] == ["improve", "none", "worsen"]
    assert not next(c for c in book.columns if c.name == "emotion").codes


def test_examples_synonyms_and_kinds_come_from_the_ontology(book, markdown):
    strategy = {c.code: c for c in next(c for c in book.columns if c.name == "strategy").codes}
    venting = strategy["venting"]
    assert venting.examples and "poor grade" in venting.examples[0]
    assert {"interpersonal strategy", "maladaptive strategy"} <= set(venting.kinds)
    mechanism = {c.code: c for c in next(c for c in book.columns if c.name == "mechanism").codes}
    assert "labeling" in mechanism["affect_labeling"].synonyms
    assert f"**Example:** {escape_markdown(venting.examples[0])}" in _md_section(markdown, venting.anchor)


def test_a_value_with_a_doi_source_shows_the_doi_link(book, markdown, tree):
    recruit = next(c for c in book.columns if c.name == "means").codes
    code = next(c for c in recruit if c.code == "recruit_partner")
    zaki = next(s for s in code.sources if s.label == "Zaki & Williams 2013")
    assert zaki.doi == "10.1037/a0033839" and zaki.url == "https://doi.org/10.1037/a0033839"
    assert "[doi:10.1037/a0033839](https://doi.org/10.1037/a0033839)" in _md_section(markdown, code.anchor)
    links = {a.get("href"): _text(a) for a in _by_id(tree, code.anchor).iter("a")}
    assert links["https://doi.org/10.1037/a0033839"] == "doi:10.1037/a0033839"
    assert links["#ref-zakiwilliams2013"] == "Zaki & Williams 2013"


def test_a_source_without_a_doi_gets_no_doi_link(book, tree):
    glow = next(
        c for c in next(c for c in book.columns if c.name == "mechanism").codes if c.code == "warm_glow"
    )
    harbaugh = next(s for s in glow.sources if s.label == "Harbaugh 1998")
    assert harbaugh.doi is None and harbaugh.url is None
    entry = _by_id(tree, harbaugh.anchor)
    assert "Harbaugh, W. T. (1998)" in _text(entry)
    assert not [a for a in entry.iter("a") if "doi.org" in (a.get("href") or "")]


def test_every_doi_link_is_a_doi_the_references_record(page):
    recorded = {str(d) for d in Graph().parse(ontology_dir() / "references.ttl").objects(None, BIBO.doi)}
    linked = set(re.findall(r'href="https://doi\.org/([^"]+)"', page))
    assert linked and linked <= {
        safe_url(f"https://doi.org/{d}")[len("https://doi.org/") :] for d in recorded
    }


def test_every_cited_source_is_in_the_reference_list(book, tree):
    listed = {s.anchor for s in book.references}
    for column in book.columns:
        for code in column.codes:
            assert {s.anchor for s in code.sources} <= listed
    for source in book.references:
        assert source.citation.split(" (")[0] in _text(_by_id(tree, source.anchor))


# --- decision rules ------------------------------------------------------------------------


def test_decision_rules_name_the_four_cells_by_their_ontology_labels(book, markdown, tree):
    labels = _labels_in_release()
    cells = next(q for q in book.questions if q.derived_column == "ierkg_cell")
    rules_md = markdown[
        markdown.index('<a id="decision-rules"></a>') : markdown.index('<a id="references"></a>')
    ]
    rules_html = _text(_by_id(tree, "decision-rules"))
    for local in CELLS:
        label = labels[str(IERKG[local])]
        assert label in [r.label for r in cells.rules]
        assert f"#### {escape_markdown(label)}" in rules_md
        assert label in rules_html


def test_cells_are_decided_by_the_codes_that_define_them(book):
    rules = {r.iri: r for q in book.questions for r in q.rules}
    expected = {
        "IntrinsicResponseDependentRegulation": ("response_dependent", "self", "recruit_partner"),
        "IntrinsicResponseIndependentRegulation": ("response_independent", "self", "recruit_partner"),
        "ExtrinsicResponseDependentRegulation": ("response_dependent", "other", "act_on_partner"),
        "ExtrinsicResponseIndependentRegulation": ("response_independent", "other", "act_on_partner"),
    }
    for local, (process, role, means) in expected.items():
        text = rules[str(IERKG[local])].condition.text()
        assert text == (
            f"interaction_mode = live AND goal = improve or worsen AND means = {means} "
            f"AND process = {process} AND target_role = {role}"
        )
    assert rules[str(IERKG.Modulation)].condition.text() == "goal = none"
    assert rules[str(IERKG.EmotionRegulation)].condition.text() == "goal = improve or worsen"
    assert (
        rules[str(IERKG.NonInterpersonalEpisode)].condition.text() == "interaction_mode = alone or imagined"
    )


def test_the_grid_holds_each_cell_with_its_mechanisms(book):
    grid = book.grid
    assert grid is not None
    placed = {
        (row, col): (rule.iri, {m.code for m in rule.mechanisms})
        for row, rules in zip(grid.rows, grid.cells, strict=True)
        for col, rule in zip(grid.cols, rules, strict=True)
    }
    assert placed == {
        ("response_dependent", "self"): (
            str(IERKG.IntrinsicResponseDependentRegulation),
            {"safety_signal", "affiliation"},
        ),
        ("response_independent", "self"): (
            str(IERKG.IntrinsicResponseIndependentRegulation),
            {"affect_labeling"},
        ),
        ("response_dependent", "other"): (
            str(IERKG.ExtrinsicResponseDependentRegulation),
            {"vicarious_affect"},
        ),
        ("response_independent", "other"): (str(IERKG.ExtrinsicResponseIndependentRegulation), {"warm_glow"}),
    }


def test_every_condition_matches_the_rules_on_every_combination_of_codes(book):
    """The printed OR of ANDs says exactly which coded episodes `ierkg classify` puts in each class."""
    vocabulary, rules = load_vocabulary(), load_rules()
    sets = {
        "interaction_mode": "interaction_mode",
        "means": "means",
        "process": "process",
        "target_role": "target_role",
    }
    space = {name: vocabulary[value_set].values for name, value_set in sets.items()}
    goals = {
        "improve": {
            str(IERKG.goalStatus): str(IERKG.GoalPresent),
            str(IERKG.goalDirection): str(IERKG.ImproveAffect),
        },
        "worsen": {
            str(IERKG.goalStatus): str(IERKG.GoalPresent),
            str(IERKG.goalDirection): str(IERKG.WorsenAffect),
        },
        "none": {str(IERKG.goalStatus): str(IERKG.NoGoal)},
    }
    all_rules = [r for q in book.questions for r in q.rules]
    assert {r.iri for r in all_rules} == set(rules.definitions)
    for goal, *values in product(goals, *space.values()):
        codes = {"goal": goal, **{name: v.notation for name, v in zip(space, values, strict=True)}}
        facts = {BY_NAME[name].prop: v.iri for name, v in zip(space, values, strict=True)} | goals[goal]
        members = rules.classify(facts)
        for rule in all_rules:
            said = any(
                all(codes[column] in allowed for column, allowed in term) for term in rule.condition.terms
            )
            assert said == (rule.iri in members), f"{rule.label} on {codes}"


def test_rules_show_the_owl_definition_and_what_classify_writes(book, markdown):
    rules = {r.iri: r for q in book.questions for r in q.rules}
    cell = rules[str(IERKG.IntrinsicResponseIndependentRegulation)]
    labels = _labels_in_release()
    assert cell.owl_definition == (
        f"{labels[str(IERKG.IntrinsicInterpersonalRegulation)]} AND {labels[str(IERKG.ResponseIndependentRegulation)]}"
    )
    assert cell.derived == ("ierkg_cell", "intrinsic_response_independent")
    assert "**`ierkg classify` writes:** `ierkg_cell = intrinsic_response_independent`" in markdown
    assert rules[str(IERKG.NotInterpersonalRegulation)].owl_definition.endswith(
        f"NOT ({labels[str(IERKG.InterpersonalRegulation)]})"
    )


# --- both formats, escaping, determinism -----------------------------------------------------


def test_markdown_and_html_carry_the_same_values(book, markdown, tree):
    html_text = _text(tree)
    pieces = []
    for column in book.columns:
        for code in column.codes:
            pieces += [(code.code, code.code), (code.label, escape_markdown(code.label))]
            pieces += [(code.definition, escape_markdown(code.definition))]
            pieces += [(s.label, escape_markdown(s.label)) for s in code.sources]
    for question in book.questions:
        for rule in question.rules:
            pieces += [
                (rule.label, escape_markdown(rule.label)),
                (rule.condition.text(), rule.condition.text()),
            ]
    for source in book.references:
        pieces.append((source.label, escape_markdown(source.label)))
    for plain, in_markdown in pieces:
        assert " ".join(plain.split()) in html_text, plain
        assert in_markdown in markdown, plain
    md_dois = set(re.findall(r"\]\((https://doi\.org/[^)]+)\)", markdown))
    html_dois = {a.get("href") for a in tree.iter("a") if a.get("href", "").startswith("https://doi.org/")}
    assert md_dois == html_dois and md_dois


def test_html_is_self_contained_with_contents_and_working_anchors(page, tree):
    assert page.startswith("<!DOCTYPE html>")
    assert _by_id(tree, "contents").find(".//ol") is not None
    for forbidden in ("<script", "<link", "<img", "<iframe", "src=", "@import", "url("):
        assert forbidden not in page
    ids = {e.get("id") for e in tree.iter() if e.get("id")}
    internal = {a.get("href")[1:] for a in tree.iter("a") if a.get("href", "").startswith("#")}
    assert internal and internal <= ids
    external = {a.get("href") for a in tree.iter("a") if not a.get("href", "").startswith("#")}
    assert all(h.startswith(("https://", "http://")) for h in external)


def test_markdown_anchors_all_resolve(markdown):
    ids = set(re.findall(r'<a id="([^"]+)"></a>', markdown))
    targets = set(re.findall(r"\]\(#([^)]+)\)", markdown))
    assert targets and targets <= ids


def test_escaping_functions_inject_nothing():
    attack = "<script>alert('x')</script> & \"quoted\""
    assert escape_html(attack) == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;"
    escaped = escape_markdown("<script>*bold* [link](javascript:alert(1)) | cell &amp;")
    assert "<" not in escaped.replace("\\<", "") and "[" not in escaped.replace("\\[", "")
    assert "\\*bold\\*" in escaped and "\\|" in escaped and "\\&amp;" in escaped
    assert escape_markdown("line one\n# not a heading") == "line one \\# not a heading"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://doi.org/10.1002/(SICI)1099") == "https://doi.org/10.1002/%28SICI%291099"


def test_hostile_text_in_the_codebook_is_shown_not_run(book):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    columns = list(book.columns)
    means = columns[[c.name for c in columns].index("means")]
    first = means.codes[0]
    bad_source = dataclasses.replace(
        first.sources[0], label=hostile, citation=hostile, url="javascript:alert(3)"
    )
    bad_code = dataclasses.replace(
        first, label=hostile, definition=hostile, examples=(hostile,), sources=(bad_source,)
    )
    columns[columns.index(means)] = dataclasses.replace(means, codes=(bad_code, *means.codes[1:]))
    tampered = dataclasses.replace(book, columns=tuple(columns), references=(*book.references, bad_source))
    page = render_html(tampered)
    assert "<script" not in page and "<img" not in page and "javascript:" not in page
    assert hostile in _text(_by_id(ET.fromstring(page), first.anchor))
    markdown = render_markdown(tampered)
    # Every '<' from the data is backslash-escaped, which Markdown shows as a plain '<'.
    assert not re.search(r"(?<!\\)<(script|img)", markdown) and "javascript:" not in markdown
    assert "\\<script\\>alert(1)\\</script\\>" in markdown


def test_output_is_deterministic(book, markdown, page):
    again = build_codebook()
    assert render_markdown(again) == markdown and render_html(again) == page
    assert render(again, "md") == markdown and render(again, "html") == page


def test_a_release_edit_shows_up_escaped(tmp_path):
    """The codebook reads whatever release it is given: an example added there appears, escaped."""
    for name in ("ierkg.nt", "ierkg.ttl", "manifest.json"):
        shutil.copy(release_dir() / name, tmp_path / name)
    example = "<b>Two</b> friends & a call"
    triple = (URIRef(str(IERKG.LiveInteraction)), URIRef("http://www.w3.org/2004/02/skos/core#example"))
    with (tmp_path / "ierkg.nt").open("a", encoding="utf-8") as nt:
        nt.write(f"<{triple[0]}> <{triple[1]}> {Literal(example, lang='en').n3()} .\n")
    book = build_codebook(tmp_path)
    live = next(
        c for c in next(c for c in book.columns if c.name == "interaction_mode").codes if c.code == "live"
    )
    assert example in live.examples and len(live.examples) == 2  # the release's own, and the added one
    assert "&lt;b&gt;Two&lt;/b&gt; friends &amp; a call" in render_html(book)
    assert "\\<b\\>Two\\</b\\> friends & a call" in render_markdown(book)


def test_a_folder_that_is_not_a_release_is_a_clear_error(tmp_path):
    with pytest.raises(CodebookError, match=re.escape(str(tmp_path)) + ".*ierkg.nt.*ierkg build"):
        build_codebook(tmp_path)


def test_an_unknown_format_is_a_clear_error(book):
    with pytest.raises(CodebookError, match="unknown codebook format 'pdf'.*md, html"):
        render(book, "pdf")
