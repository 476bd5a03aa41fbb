"""Answers kept for the next identical request, up to a size in bytes, least recently used out.

The service's store changes only when the service itself writes a dataset (or, for a server,
when the service reads its registry again), and the cache is cleared then; in between, the same
query over the same graphs, in the same format, always has the same answer. Tools and the web
pages ask the same questions again and again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from .engine import Answer

Key = TypeVar("Key", bound=Hashable)


class AnswerCache(Generic[Key]):
    def __init__(self, capacity_bytes: int):
        self.capacity = capacity_bytes
        self.size = 0
        self._answers: OrderedDict[Key, tuple[Answer, int]] = OrderedDict()  # with its cost
        self._lock = threading.Lock()

    def get(self, key: Key) -> Answer | None:
        if not self.capacity:
            return None  # turned off: not even a lookup
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return None
            self._answers.move_to_end(key)
            return kept[0]

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.size = 0

    def put(self, key: Key, answer: Answer) -> None:
        if not self.capacity:
            return  # turned off: not even the cost of the entry, which writes out its key
        cost = entry_cost(key, answer)
        if cost > self.capacity // 8:
            return  # one huge answer would push out everything else
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = (answer, cost)
            self.size += cost
            while self.size > self.capacity and self._answers:
                _, (_evicted, evicted_cost) = self._answers.popitem(last=False)
                self.size -= evicted_cost


_ENTRY_OVERHEAD = 400  # bytes of Python objects around each entry: its dict slot, Answer, key


def entry_cost(key: Hashable, answer: Answer) -> int:
    """What an entry holds in memory, near enough: the answer, and the key, whose query text
    may be 100 KB against a 30-byte ASK answer."""
    return len(answer.body) + len(repr(key)) + _ENTRY_OVERHEAD
