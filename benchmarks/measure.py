"""Wall time and peak memory of an `ierkg` command, measured from outside the process."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def measure(
    arguments: list[str], expect: tuple[int, ...] = (0,), env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Wall seconds and the peak resident memory (bytes) of the command and all its children."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "ierkg", *arguments], env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode not in expect:
        raise SystemExit(f"ierkg {' '.join(arguments)} exited with {process.returncode}")
    return seconds, peak


def tree_rss(pid: int) -> int:
    # The sum of the processes' resident sets: pages forked workers still share with their
    # parent count twice, so this overstates the peak rather than hiding any of it.
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # the process ended between two looks
    return total
