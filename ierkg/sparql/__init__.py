"""The read-only SPARQL service, without the web: checking, running and answering queries.

``guard`` refuses what must never reach a store (updates, SERVICE, LOAD, remote FROM, huge or
deeply nested queries), reading queries with ``lexer``; ``pool`` runs queries in worker
processes that a timeout can kill; ``results`` writes answers in the formats the SPARQL 1.1
Protocol names; ``description`` describes the service. ``ierkg_web`` puts HTTP around them.
"""
