"""Waiting without sleeping blind: every wait in the suite has a deadline and says what it
waited for when the deadline passes, so a stuck thread or server fails the test instead of
hanging the run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

DEADLINE_S = 60.0


def join_all(threads: Iterable[threading.Thread], seconds: float = DEADLINE_S) -> None:
    """Join every thread within one overall deadline; fail naming the ones still running."""
    threads = list(threads)
    deadline = time.monotonic() + seconds
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {seconds:.0f} s: {stuck}"


def wait_until(
    condition: Callable[[], object], what: str, seconds: float = DEADLINE_S, every: float = 0.02
) -> object:
    """Poll `condition` until it returns something true, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(every)
