"""The answer cache keeps to its size in bytes, counting what each entry really holds."""

from __future__ import annotations

from ierkg.sparql.cache import AnswerCache, entry_cost
from ierkg.sparql.engine import Answer

TINY = Answer(200, b'{"boolean": true}')


def test_long_queries_with_tiny_answers_cannot_outgrow_the_cache():
    cache: AnswerCache[str] = AnswerCache(1_000_000)
    query = "ASK { ?s ?p ?o } # " + "x" * 50_000  # a 50 KB key for a 17-byte answer
    for n in range(200):
        cache.put(f"{query}{n}", TINY)
    assert cache.size <= cache.capacity
    assert len(cache._answers) <= 1_000_000 // 50_000  # counted by answer alone, all 200 stayed
    assert cache.get(f"{query}199") == TINY  # the newest is kept, the oldest went
    assert cache.get(f"{query}0") is None


def test_an_entry_too_big_for_an_eighth_of_the_cache_is_not_kept():
    cache: AnswerCache[str] = AnswerCache(8_000)
    cache.put("small", TINY)
    cache.put("big", Answer(200, b"x" * 1_000))
    assert cache.get("small") == TINY and cache.get("big") is None
    assert cache.size == entry_cost("small", TINY)
    cache.clear()
    assert cache.size == 0 and cache.get("small") is None
