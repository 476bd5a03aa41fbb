"""Detect 8-word runs shared with the seed documents, without storing the seeds' text.

The repository keeps only hashes of the seeds' 8-word runs (tests/data/seed-8grams.txt), so
the check works on a clean clone and no copyrighted text is committed. Two forms are hashed:
  plain    - lower-cased words, punctuation as word breaks (seeds 000 and 002);
  content  - the form of seed 001, which has punctuation deleted, digits dropped and English
             stop words removed; every seed is also hashed in this form.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

RUN_LENGTH = 8

# English function words (the common NLTK list), as removed from seed 001.
STOP_WORDS = frozenset(
    """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn
doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn
""".split()
)


def plain_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'").replace("'", ""))


def content_words(text: str) -> list[str]:
    squashed = re.sub(r"[^a-z\s]", "", text.lower())
    return [word for word in squashed.split() if word not in STOP_WORDS]


def runs(words: list[str]) -> Iterator[str]:
    for start in range(len(words) - RUN_LENGTH + 1):
        yield " ".join(words[start : start + RUN_LENGTH])


def fingerprint(form: str, run: str) -> str:
    return hashlib.blake2b(f"{form}:{run}".encode(), digest_size=8).hexdigest()


def fingerprints_of_seed(text: str, stopwords_removed: bool) -> set[str]:
    found = {fingerprint("content", run) for run in runs(content_words(text))}
    if not stopwords_removed:
        found |= {fingerprint("plain", run) for run in runs(plain_words(text))}
    return found


def shared_runs(text: str, seed_fingerprints: set[str]) -> list[str]:
    """The 8-word runs of ``text`` that also occur in a seed (in either form)."""
    shared = [run for run in runs(plain_words(text)) if fingerprint("plain", run) in seed_fingerprints]
    shared += [run for run in runs(content_words(text)) if fingerprint("content", run) in seed_fingerprints]
    return shared


def read_fingerprints(lines: Iterable[str]) -> set[str]:
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}
