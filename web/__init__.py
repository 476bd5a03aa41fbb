"""ierkg's Flask front end, installed under the import name ``ierkg_web``.

A top-level module named ``web`` would clash with an unrelated PyPI package, so the folder
``web/`` is mapped to ``ierkg_web`` in pyproject.toml. It depends on ``ierkg``; ``ierkg``
never imports it. ``create_app`` (in ``app``) wires the pieces; each blueprint serves one
concern. Nothing is imported here, because the ``ierkg`` command loads this package to find
``serve`` and every other command would pay for Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask application (``ierkg_web.app.create_app``)."""
    from .app import create_app as build

    return build(settings)
