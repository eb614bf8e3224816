"""Repeated passages: a scraped page that prints its text twice, or repeats paragraphs.

The cleaned text is cut into sentences (at 。！？： and line ends, and where a heading or a
responsibility clause starts or ends); each sentence, with spaces removed, is looked up in a dict of
those already seen, so the whole check is linear. A run of consecutive repeated sentences is removed
when it holds real content (at least ``_MIN_CONTENT`` characters outside responsibility clauses):
a clause such as （责任单位：市商务局，各县市区政府） legitimately recurs in many measures, a passage
of policy text does not.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import accumulate

from policyledger.parsing.model import Diagnostic

# Sentence ends, and the end of a date: a signature (…办公厅2020年7月23日) is its own sentence even
# when a scraped page glues the next paragraph to it.
_SENTENCE_END = re.compile(r"(?<=[。！？：\n])|(?<=\d日)")
_MIN_CONTENT = 30
_PREVIEW = 24


@dataclass
class Passages:
    removed: list[tuple[int, int]]  # cleaned ranges, sorted, disjoint
    diagnostics: list[Diagnostic]

    def is_removed(self, position: int) -> bool:
        index = bisect.bisect_right(self._starts, position) - 1
        return index >= 0 and position < self.removed[index][1]

    def subtract(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) that were not removed."""
        pieces: list[tuple[int, int]] = []
        index = max(0, bisect.bisect_right(self._starts, start) - 1)
        cursor = start
        while index < len(self.removed) and self.removed[index][0] < end:
            a, b = self.removed[index]
            if b > cursor:
                if a > cursor:
                    pieces.append((cursor, min(a, end)))
                cursor = max(cursor, b)
            index += 1
        if cursor < end:
            pieces.append((cursor, end))
        return pieces

    def __post_init__(self) -> None:
        self._starts = [a for a, _ in self.removed]


def find_duplicates(
    text: str,
    cuts: list[int],
    clauses: list[tuple[int, int]],
    to_original,
) -> Passages:
    """Remove repeated runs of sentences; ``cuts`` are extra sentence starts (headings, clauses).

    ``clauses`` are responsibility-clause spans (cleaned); ``to_original`` maps a cleaned span to the
    original one for the diagnostics.
    """
    clauses = sorted(clauses)
    bounds = {0, len(text)}
    # Splitting at the (empty) sentence ends and summing the lengths finds them at C speed.
    bounds.update(accumulate(map(len, _SENTENCE_END.split(text))))
    bounds.update(c for c in cuts if 0 < c < len(text))
    for a, b in clauses:
        bounds.add(a)
        bounds.add(b)
    clause_starts = [a for a, _ in clauses]
    # A clause is one sentence: its 责任单位： must not split it. Clauses are sorted and disjoint,
    # so the bounds inside them are whole slices of the sorted list.
    everything = sorted(bounds)
    ordered: list[int] = []
    cursor = 0
    for a, b in clauses:
        inside = bisect.bisect_right(everything, a)
        if inside < cursor:
            continue
        ordered.extend(everything[cursor:inside])
        cursor = bisect.bisect_left(everything, b, inside)
    ordered.extend(everything[cursor:])

    def in_clause(a: int, b: int) -> bool:
        index = bisect.bisect_right(clause_starts, a) - 1
        return index >= 0 and b <= clauses[index][1]

    seen: set[str] = set()
    removed: list[tuple[int, int]] = []
    diagnostics: list[Diagnostic] = []
    run_start = run_end = -1
    run_content = 0

    def close_run() -> None:
        if run_start >= 0 and run_content >= _MIN_CONTENT:
            removed.append((run_start, run_end))
            preview = text[run_start:run_end].replace("\n", "")
            shown = preview[:_PREVIEW] + ("…" if len(preview) > _PREVIEW else "")
            diagnostics.append(
                Diagnostic(
                    "duplicate_passage",
                    f"删除了重复出现的段落（{run_end - run_start}字）：“{shown}”",
                    to_original(run_start, run_end),
                )
            )

    for a, b in zip(ordered, ordered[1:], strict=False):
        key = text[a:b].replace(" ", "").replace("\n", "")
        if len(key) < 2:
            if run_start >= 0:
                run_end = b
            continue
        if key in seen:
            if run_start < 0:
                run_start, run_content = a, 0
            run_end = b
            if not in_clause(a, b):
                run_content += len(key)
        else:
            seen.add(key)
            close_run()
            run_start = run_end = -1
            run_content = 0
    close_run()
    return Passages(removed, diagnostics)
