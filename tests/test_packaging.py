"""A non-editable wheel carries the data and works outside the source tree, without Java."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Build from a clean copy, so stale setuptools output in the checkout cannot leak in.
    tree = tmp_path_factory.mktemp("tree") / "ierkg"
    shutil.copytree(
        REPO,
        tree,
        ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", ".venv", "__pycache__"),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(tree),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (built,) = out.glob("ierkg-*.whl")
    return built


def test_wheel_ships_sources_shapes_queries_release_and_web(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for ttl in (REPO / "ontology").glob("*.ttl"):
        assert f"ierkg/ontology/{ttl.name}" in names
    for required in (
        "ierkg/ontology/release/ierkg.ttl",
        "ierkg/ontology/release/ierkg.owl",
        "ierkg/ontology/release/ierkg.jsonld",
        "ierkg/ontology/release/ierkg.nt",
        "ierkg/ontology/release/manifest.json",
        "ierkg/shapes/ontology-qc.ttl",
        "ierkg/queries/mechanisms-by-cell.rq",
        "ierkg_web/__init__.py",
        "ierkg_web/templates/entity.html",
        "ierkg_web/static/ierkg.css",
        "ierkg_web/static/vendor/yasgui/yasgui.min.js",
        "ierkg/sparql/pool.py",
        "ierkg/catalog/entities.py",
        "ierkg/cli.py",
    ):
        assert required in names, required
    assert not any(name.startswith("web/") for name in names), "web/ must install as ierkg_web"


def test_installed_wheel_runs_info_outside_the_tree_without_java(wheel, tmp_path):
    site, elsewhere = _installed(wheel, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(site), "PATH": str(elsewhere)}  # no java on PATH
    probe = subprocess.run(
        [sys.executable, "-c", "import ierkg, ierkg_web; print(ierkg.__file__); print(ierkg_web.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(line.startswith(str(site)) for line in probe.stdout.split()), probe.stdout
    info = subprocess.run(
        [sys.executable, "-m", "ierkg", "info", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["release"].startswith(str(site))
    assert summary["entities"]["classes"] > 30


def test_installed_wheel_serves_pages_and_sparql_outside_the_tree(wheel, tmp_path):
    from .web_server import running_server, send_get

    site, elsewhere = _installed(wheel, tmp_path)
    env = {"PYTHONPATH": str(site)}
    with running_server(env=env, cwd=elsewhere) as base:
        for path in ("/", "/ierkg/Venting", "/static/vendor/yasgui/yasgui.min.js", "/sparql?query=ASK%7B%7D"):
            status, _ = send_get(base, path)
            assert status == 200, path


def _installed(wheel: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The wheel installed into a folder of its own, and an empty folder outside the tree."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return site, elsewhere
