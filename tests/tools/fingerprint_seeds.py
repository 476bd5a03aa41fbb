"""Regenerate tests/data/seed-8grams.txt from the seed documents.

    python -m tests.tools.fingerprint_seeds ../shared/seeds

Seed 001 is the stop-word-stripped copy of the Wikipedia article; it is recognised by having
almost no English function words.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.originality import STOP_WORDS, fingerprints_of_seed, plain_words

OUT = Path(__file__).resolve().parents[1] / "data" / "seed-8grams.txt"


def main(seed_dir: str) -> int:
    fingerprints: set[str] = set()
    names = []
    for path in sorted(Path(seed_dir).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        words = plain_words(text)
        stripped = sum(word in STOP_WORDS for word in words) < 0.05 * len(words)
        fingerprints |= fingerprints_of_seed(text, stopwords_removed=stripped)
        names.append(f"{path.name} ({'stop words removed' if stripped else 'full text'})")
    header = [
        "# blake2b-64 hashes of every 8-word run in the seed documents (see tests/originality.py)",
        *(f"# seed: {name}" for name in names),
    ]
    OUT.write_text("\n".join(header + sorted(fingerprints)) + "\n", encoding="utf-8")
    print(f"{len(fingerprints)} fingerprints from {len(names)} seeds -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/seeds"))
