"""A one-line progress display on stderr for long runs (over a second, or
IERKG_PROGRESS_AFTER_SECONDS); silent when quiet or not on a terminal. With a known total it
draws a bar; otherwise it counts rows and their rate."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from .stores.config import count_setting


class Progress:
    """Counts rows as they are processed, redrawing at most a few times a second."""

    def __init__(
        self, label: str, total: int | None = None, stream: TextIO | None = None, quiet: bool = False
    ):
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        # Logs and pipes get no control characters; a terminal gets a live line.
        self.active = not quiet and _is_terminal(self.stream)
        self._last_draw = 0.0
        self._started = time.monotonic()
        self._drawn = False
        # A run shorter than this draws nothing: a line that flashes by only clutters the terminal.
        self._quiet_for = 0
        if self.active:
            self._quiet_for = count_setting(os.environ, "IERKG_PROGRESS_AFTER_SECONDS", 1, 0)

    def update(self, done: int) -> None:
        if not self.active:
            return
        now = time.monotonic()
        # Short runs draw nothing; long ones redraw at most five times a second.
        if now - self._started < self._quiet_for or now - self._last_draw < 0.2:
            return
        self._last_draw = now
        self._draw(done, now)

    def finish(self, done: int) -> None:
        if self.total:
            self.total = done  # the estimate counted lines; at the end the bar is full
        if self.active and self._drawn:
            self._draw(done, time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, done: int, now: float) -> None:
        elapsed = now - self._started
        rate = done / elapsed if elapsed > 0 else 0.0
        if self.total:
            share = min(done / self.total, 1.0)
            filled = int(share * 30)
            bar = "[" + "#" * filled + "-" * (30 - filled) + f"] {share:4.0%}"
        else:
            bar = ""
        self.stream.write(f"\r{self.label} {bar} {done:,} rows  {rate:,.0f} rows/s ")
        self.stream.flush()
        self._drawn = True


def _is_terminal(stream: TextIO) -> bool:
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
