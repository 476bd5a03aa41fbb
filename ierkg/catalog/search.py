"""Search across labels, synonyms and definitions; an exact label match always ranks first.

Ranks, best first: the label is the query; a synonym is the query; the label starts with it;
a synonym starts with it; a word of the label starts with it; the label or a synonym contains
it; the definition contains every word of it. Ties go to the shorter label, then A to Z. A
deprecated term comes after every current one, as in OLS.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph

from .graph import LABEL, SKOS, ReleaseGraph, is_deprecated

_WORD = re.compile(r"[\w]+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    matched: str  # what matched: label, synonym or definition
    text: str  # the synonym or definition that matched, or the label
    rank: int
    deprecated: bool = False  # a retired term: listed after every current one


@dataclass(frozen=True)
class _Entry:
    iri: str
    label: str
    label_key: str
    synonyms: tuple[tuple[str, str], ...]  # (text, key)
    definition: str
    definition_key: str
    deprecated: bool


class SearchIndex:
    def __init__(self, graph: ReleaseGraph, iris: list[str]):
        self.entries = []
        for iri in iris:
            node = pyoxigraph.NamedNode(iri)
            label = graph.label(node)
            synonyms = tuple(
                (s, normal(s))
                for s in graph.texts(node, f"{SKOS}altLabel") + _other_labels(graph, node, label)
            )
            definition = graph.text(node, f"{SKOS}definition") or ""
            retired = is_deprecated(graph, node)
            self.entries.append(
                _Entry(iri, label, normal(label), synonyms, definition, normal(definition), retired)
            )

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        key = normal(query)
        if not key:
            return []
        words = key.split()
        hits = [hit for entry in self.entries if (hit := _match(entry, key, words)) is not None]
        hits.sort(key=lambda h: (h.deprecated, h.rank, len(h.label), h.label.lower()))
        return hits[:limit]


def _match(entry: _Entry, key: str, words: list[str]) -> Hit | None:
    def hit(rank: int, matched: str, text: str) -> Hit:
        return Hit(entry.iri, entry.label, matched, text, rank, entry.deprecated)

    if entry.label_key == key:
        return hit(0, "label", entry.label)
    for text, synonym in entry.synonyms:
        if synonym == key:
            return hit(1, "synonym", text)
    if entry.label_key.startswith(key):
        return hit(2, "label", entry.label)
    for text, synonym in entry.synonyms:
        if synonym.startswith(key):
            return hit(3, "synonym", text)
    if any(word.startswith(key) for word in entry.label_key.split()) or _all_words_start(
        words, entry.label_key
    ):
        return hit(4, "label", entry.label)
    if key in entry.label_key:
        return hit(5, "label", entry.label)
    for text, synonym in entry.synonyms:
        if key in synonym or _all_words_start(words, synonym):
            return hit(6, "synonym", text)
    if entry.definition_key and all(word in entry.definition_key for word in words):
        return hit(7, "definition", entry.definition)
    return None


def _all_words_start(words: list[str], text: str) -> bool:
    """Every query word begins some word of the text ('int reg' finds 'interpersonal regulation')."""
    text_words = text.split()
    return len(words) > 1 and all(any(t.startswith(w) for t in text_words) for w in words)


def _other_labels(graph: ReleaseGraph, node, label: str) -> list[str]:
    """Labels in other languages, and notations (codes a coder types), as synonyms."""
    others = [t for t in graph.texts(node, LABEL) if t != label]
    return others + graph.texts(node, f"{SKOS}notation")


def normal(text: str) -> str:
    """Lower case, accents off, punctuation to spaces: 'Co-rumination' finds 'co rumination'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain.replace("_", " ")))
