"""Coded datasets: episodes of interpersonal emotion regulation that researchers annotate.

Reading (CSV, TSV, XLSX, RDF), turning rows into episode-model RDF, validating against
shapes/episodes.ttl, classifying, scoring questionnaires and comparing coders.
"""
