"""ierkg's Flask front end, installed under the import name ``ierkg_web``.

A top-level module named ``web`` would clash with an unrelated PyPI package, so the folder
``web/`` is mapped to ``ierkg_web`` in pyproject.toml. It depends on ``ierkg``; ``ierkg``
never imports it.
"""
