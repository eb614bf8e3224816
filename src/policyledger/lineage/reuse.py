"""Text reuse between two folded texts: the maximal shared character runs (greedy string tiling).

A child measure that carries out a parent measure often repeats its clauses word for word, with
small insertions. ``shared_runs`` finds the runs both texts share, longest first, without letting a
character of either text count twice (greedy string tiling, as plagiarism detectors do), so the
runs are the phrases to highlight on both sides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from policyledger.lineage.text import is_content

SEED = 4  # the k-gram that seeds a match; runs shorter than ``min_length`` are dropped anyway


@dataclass(frozen=True)
class Run:
    child: int  # start in the child's folded text
    parent: int  # start in the parent's folded text
    length: int


def shared_runs(child: str, parent: str, *, min_length: int = 6) -> list[Run]:
    """Non-overlapping shared runs of at least ``min_length`` content-bearing characters.

    All maximal matches are found in one pass over a k-gram index of the parent, then taken
    longest first, skipping any that would reuse a character already covered on either side.
    """
    if len(child) < SEED or len(parent) < SEED:
        return []
    index: dict[str, list[int]] = defaultdict(list)
    for i in range(len(parent) - SEED + 1):
        index[parent[i : i + SEED]].append(i)
    found: list[tuple[int, int, int]] = []
    n_child, n_parent = len(child), len(parent)
    for i in range(n_child - SEED + 1):
        for p in index.get(child[i : i + SEED], ()):
            if i and p and child[i - 1] == parent[p - 1]:
                continue  # not maximal: the match started one character earlier
            n = SEED
            while i + n < n_child and p + n < n_parent and child[i + n] == parent[p + n]:
                n += 1
            if n >= min_length:
                found.append((n, i, p))
    found.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_c = bytearray(n_child)
    used_p = bytearray(n_parent)
    runs: list[Run] = []
    for n, i, p in found:
        if any(used_c[i : i + n]) or any(used_p[p : p + n]):
            continue
        run = Run(i, p, n)
        if _content_length(child, run) < min_length:
            continue
        runs.append(run)
        used_c[i : i + n] = b"\x01" * n
        used_p[p : p + n] = b"\x01" * n
    return runs


def _content_length(text: str, run: Run) -> int:
    return sum(1 for ch in text[run.child : run.child + run.length] if is_content(ch))
