"""Watching the processes a test started: whether one still runs, and waiting for a condition."""

from __future__ import annotations

import time


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not: it has ended, and waits only to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone before it was opened, or between open and read
        return False


def wait_until(condition, timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Whether ``condition()`` became true within ``timeout`` seconds (checked every ``interval``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
