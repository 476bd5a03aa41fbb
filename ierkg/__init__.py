"""ierkg: a knowledge graph and OWL ontology of interpersonal emotion regulation.

The package never imports Flask; the web front end (``ierkg_web``) depends on it,
not the other way round.
"""

__version__ = "0.1.0"
