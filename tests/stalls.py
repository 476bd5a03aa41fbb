"""A command paused at one exact moment: the first of its updates that matches runs something
else first, as another process would while this one was stopped (SIGSTOP, a machine asleep)."""

from __future__ import annotations

from collections.abc import Callable

from ierkg.stores.base import Store


def removal_batch_of(graph: str) -> Callable[[str], bool]:
    """Matches the conditional DELETE that removes a batch of ``graph``'s triples."""
    return lambda text: text.startswith(f"DELETE {{ GRAPH <{graph}> ")


def pause_before(store: Store, matches: Callable[[str], bool], meanwhile: Callable[[], None]) -> list[str]:
    """Before the first update of ``store`` that ``matches``, run ``meanwhile`` (once; its own
    updates go straight through). Returns the list the paused update is appended to once sent."""
    send, paused = store.update, []

    def update(text: str) -> None:
        if not paused and matches(text):
            paused.append(text)
            meanwhile()
        send(text)

    store.update = update
    return paused
