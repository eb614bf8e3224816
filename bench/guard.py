"""What every bench shares so that it fails fast, with the reason, instead of hanging.

- ``require(modules, tools)`` up front: a missing library (the ``bench`` extra) or program is
  named, with how to get it, before anything is set up.
- ``deadline(seconds)``: one overall deadline for the whole run; past it the bench unwinds
  (its ``finally`` blocks stop servers and drop databases) and exits non-zero saying why.
- ``collect(queue, workers, count)``: read the results of child processes while watching them;
  a child that died (an import error, a crash, SIGKILL) ends the bench at once, naming it.
- ``summary(**figures)``: the closing ``key: value`` lines every bench ends with.
"""

from __future__ import annotations

import importlib.util
import queue as queue_mod
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable

HINT = "install the bench extra: .venv/bin/pip install -e '.[bench]' (make bench does it)"


class BenchFailed(SystemExit):
    """Ends the bench with a non-zero status and the reason on stderr."""

    def __init__(self, reason: str) -> None:
        print(f"bench FAILED: {reason}", file=sys.stderr, flush=True)
        super().__init__(2)


def require(modules: Iterable[str] = (), tools: Iterable[str] = (), hint: str = HINT) -> None:
    """Fail now if an importable module or a program on PATH is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise BenchFailed(f"missing Python package(s) {', '.join(missing)}; {hint}")
    absent = [t for t in tools if shutil.which(t) is None]
    if absent:
        raise BenchFailed(
            f"missing program(s) {', '.join(absent)}; scripts/system-deps.sh installs them"
        )


def deadline(seconds: float) -> None:
    """Raise BenchFailed in the main thread once `seconds` have passed (SIGALRM)."""

    def expired(*_):
        raise BenchFailed(f"over the overall deadline of {seconds:.0f} s (raise --deadline)")

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def collect(
    results: queue_mod.Queue,
    workers: list,
    count: int,
    on_idle: Callable[[], None] | None = None,
    every: float = 0.05,
) -> list:
    """`count` items from `results`, put there by the multiprocessing `workers`; fails as soon
    as a worker has died without putting its share (exit code non-zero, or zero while items
    are still missing once the queue is drained)."""
    out: list = []
    while len(out) < count:
        try:
            out.append(results.get(timeout=every))
            continue
        except queue_mod.Empty:
            pass
        if on_idle:
            on_idle()
        dead = [w for w in workers if w.exitcode not in (None, 0)]
        if dead:
            names = ", ".join(f"pid {w.pid} (exit {w.exitcode})" for w in dead)
            raise BenchFailed(f"load client process died: {names}; see its error above")
        if all(w.exitcode is not None for w in workers):
            # Everyone left cleanly: whatever is still in flight arrives within a moment.
            try:
                out.append(results.get(timeout=5))
            except queue_mod.Empty:
                raise BenchFailed(
                    f"load client processes ended with {count - len(out)} result(s) missing"
                ) from None
    return out


def join(workers: list, seconds: float = 30) -> None:
    """Join child processes with a deadline; kill what is left."""
    end = time.monotonic() + seconds
    for w in workers:
        w.join(max(0.0, end - time.monotonic()))
    for w in workers:
        if w.exitcode is None:
            w.kill()
            w.join()


def summary(**figures: object) -> None:
    """The closing `key: value` lines (floats with three significant decimals)."""
    print()
    for key, value in figures.items():
        text = f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else value
        print(f"{key}: {text}")
