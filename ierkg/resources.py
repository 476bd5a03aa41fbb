"""Where the packaged data folders are, installed or in a source checkout.

In a wheel the folders sit inside the package (``ierkg/ontology`` ...). In an editable
install or a plain checkout they sit at the repository root, beside ``ierkg/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"ierkg's '{name}' folder is missing from {_PACKAGE_DIR}; the installation is incomplete"
    )


def ontology_dir() -> Path:
    """The Turtle sources of the ontology and knowledge base."""
    return _data_dir("ontology")


def release_dir() -> Path:
    """The built release that ships with the package (no Java needed to use it)."""
    return ontology_dir() / "release"


def shapes_dir() -> Path:
    return _data_dir("shapes")


def queries_dir() -> Path:
    return _data_dir("queries")


def ontology_qc_shapes() -> Path:
    return shapes_dir() / "ontology-qc.ttl"
