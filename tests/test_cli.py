"""The `ierkg` command as a user runs it: build and info, and every way a build can fail."""

from __future__ import annotations

import json
import os
import socket

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from ierkg import __version__
from ierkg.namespaces import IERKG, is_ierkg_entity

from .conftest import ONTOLOGY, run_ierkg


def test_version():
    result = run_ierkg("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ierkg {__version__}"


def test_build_then_info_on_the_built_release(tmp_path):
    built = run_ierkg("build", "--docs", str(tmp_path / "docs"), "--out", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    assert "HermiT: consistent, no unsatisfiable classes" in built.stdout
    assert "quality checks pass" in built.stdout
    assert (tmp_path / "docs" / "coverage.md").read_text().startswith("# Coverage of the ierkg release")
    info = run_ierkg("info", "--release", str(tmp_path / "out"), "--json")
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["version"] == __version__
    assert summary["namespaces"]["ierkg"] == str(IERKG)
    graph = Graph().parse(tmp_path / "out" / "ierkg.nt", format="nt")
    classes = {s for s in graph.subjects(RDF.type, OWL.Class) if is_ierkg_entity(str(s))}
    individuals = {s for s in graph.subjects(RDF.type, OWL.NamedIndividual) if is_ierkg_entity(str(s))}
    assert summary["entities"]["classes"] == len(classes) > 30
    assert summary["entities"]["named individuals"] == len(individuals) > 20
    assert summary["triples"] == len(graph)


def test_info_text_output_defaults_to_the_packaged_release():
    result = run_ierkg("info")
    assert result.returncode == 0, result.stderr
    assert f"ierkg {__version__}" in result.stdout
    assert "classes" in result.stdout and "ierkg    https://w3id.org/ierkg/" in result.stdout
    assert str(ONTOLOGY / "release") in result.stdout


def test_info_on_a_folder_without_a_release_exits_2(tmp_path):
    result = run_ierkg("info", "--release", str(tmp_path))
    assert result.returncode == 2
    assert "no release here" in result.stderr and "Traceback" not in result.stderr


def test_build_with_a_syntax_error_exits_2_naming_file_line_and_column(source_copy, tmp_path):
    path = source_copy / "mechanisms.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[30] = lines[30] + " ]]"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert f"{path}:31:" in result.stderr and "syntax error" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "a failed build must not write a release"


def test_build_with_qc_failures_lists_every_offender(source_copy, tmp_path):
    for file, label in (
        ("framework.ttl", 'rdfs:label "modulation"@en ;'),
        ("mechanisms.ttl", 'rdfs:label "warm glow"@en ;'),
    ):
        path = source_copy / file
        path.write_text(path.read_text(encoding="utf-8").replace(label, ""), encoding="utf-8")
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "2 quality-check problem(s)" in result.stderr
    assert "ierkg:Modulation [rdfs:label]" in result.stderr
    assert "ierkg:WarmGlow [rdfs:label]" in result.stderr


QC_COMPLETE = 'rdfs:label "{label}"@en ; skos:definition "{label}, for a test."@en ; dcterms:source ref:ZakiWilliams2013'


def test_build_with_an_unsatisfiable_class_exits_2_naming_it(source_copy, tmp_path):
    path = source_copy / "framework.ttl"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\nierkg:GoalAndNoGoal a owl:Class ; "
        + QC_COMPLETE.format(label="goal and no goal")
        + " ;\n    owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( ierkg:EmotionRegulation ierkg:Modulation ) ] .\n",
        encoding="utf-8",
    )
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "unsatisfiable" in result.stderr and "ierkg:GoalAndNoGoal" in result.stderr


def test_build_with_an_inconsistent_ontology_exits_2(source_copy, tmp_path):
    path = source_copy / "episode-model.ttl"
    path.write_text(
        path.read_text(encoding="utf-8")
        # Regulation and modulation are disjoint, so nothing can be both.
        + "\nierkg:ImpossibleEpisode a owl:NamedIndividual , ierkg:EmotionRegulation , ierkg:Modulation ; "
        + QC_COMPLETE.format(label="impossible episode")
        + " .\n",
        encoding="utf-8",
    )
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "inconsistent" in result.stderr


def test_build_without_java_exits_2_and_says_what_to_install(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH with no java on it
    result = run_ierkg("build", "--docs", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 2
    assert "needs Java" in result.stderr and "default-jre-headless" in result.stderr


def test_build_from_a_missing_folder_exits_2(tmp_path):
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(tmp_path / "nowhere"),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_store_commands_ask_which_store_when_none_is_named(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IERKG_")}
    for command in (
        ["load"],
        ["ingest", "data.csv", "--graph", "https://lab.example/s"],
        ["datasets", "list"],
    ):
        result = run_ierkg(*command, env=environment, cwd=tmp_path)
        assert result.returncode == 2, command
        assert "which store?" in result.stderr and "Traceback" not in result.stderr


def test_serve_says_why_it_cannot_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_ierkg("serve", "--port", str(taken.getsockname()[1]))
    assert result.returncode == 2 and "cannot listen on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_ierkg("serve", "--release", str(tmp_path))
    assert result.returncode == 2 and "is not an ierkg release" in result.stderr
    result = run_ierkg("serve", "--workers", "0")
    assert result.returncode == 2 and "at least 1" in result.stderr
    for bad in ("0", "-5", "nan"):
        result = run_ierkg("serve", "--timeout", bad)
        assert result.returncode == 2 and "--timeout must be more than 0" in result.stderr, result.stderr
    for bad in ("-1", "65"):
        result = run_ierkg("serve", "--overflow-workers", bad)
        assert result.returncode == 2 and "between 0 (no overflow) and 64" in result.stderr


def test_build_refuses_a_header_whose_version_differs_from_the_package(source_copy, tmp_path):
    path = source_copy / "ierkg.ttl"
    path.write_text(
        path.read_text(encoding="utf-8").replace('owl:versionInfo "0.1.0"', 'owl:versionInfo "0.0.9"'),
        encoding="utf-8",
    )
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "owl:versionInfo 0.0.9, but the package version is" in result.stderr


def test_build_refuses_to_drop_a_released_term(source_copy, tmp_path):
    path = source_copy / "contexts.ttl"
    text = path.read_text(encoding="utf-8")
    start = text.index("ierkg:Strangers a owl:NamedIndividual")
    path.write_text(text[:start], encoding="utf-8")  # Strangers was the file's last entity
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert "released in 0.1.0 are gone from the sources: ierkg:Strangers" in result.stderr
    assert "owl:deprecated" in result.stderr


def test_a_released_term_can_be_deprecated_in_favour_of_another(source_copy, tmp_path):
    path = source_copy / "contexts.ttl"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'rdfs:label "strangers"@en ;',
            'rdfs:label "strangers"@en ; owl:deprecated true ; dcterms:isReplacedBy ierkg:Friends ;',
        ),
        encoding="utf-8",
    )
    result = run_ierkg(
        "build",
        "--docs",
        str(tmp_path / "docs"),
        "--sources",
        str(source_copy),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr


def test_unknown_subcommand_is_a_usage_error():
    result = run_ierkg("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
