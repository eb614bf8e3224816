"""Task tables flattened to text: the rows of a 任务分工表 become measures.

A Word table reaches the parser as one row a line with its cells separated by tabs (``reading``
writes it so). A table is read when a line of at least three cells names a lead column (牵头单位,
责任单位 …, see ``data/table_columns.tsv``); the lines after it with as many cells are its rows, up
to the first line that is not. Each row gives its number, heading, text, units and deadline cells
with their spans in the *original* text: cleaning turns tabs into nothing, so the table is read
before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

__all__ = ["Row", "find_rows"]

Span = tuple[int, int]

# A line with a tab in it; bounded so a huge line is looked at once, not rescanned.
_LINE = re.compile(r"[^\n]*\t[^\n]*")
_MIN_CELLS = 3
_MAX_CELLS = 20  # a header names a handful of columns; a longer tab-run is not one


@dataclass
class Row:
    """One task row: its number as printed and the span of each cell it has, by role."""

    number: str
    span: Span
    cells: dict[str, Span] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _columns() -> tuple[tuple[str, str], ...]:
    pairs = []
    for line in (DATA / "table_columns.tsv").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            role, _, heading = line.partition("\t")
            pairs.append((heading.strip(), role.strip()))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def _lead_words() -> tuple[str, ...]:
    return tuple(heading for heading, role in _columns() if role == "lead")


def _squeeze(value: str) -> str:
    # Header cells are often spaced out to fill the column (牵 头 单 位).
    return re.sub(r"\s+", "", value)


def _role(cell: str) -> str | None:
    cell = _squeeze(cell)
    if not cell or len(cell) > 12:
        return None  # a header cell is a short name, not a sentence
    return next((role for heading, role in _columns() if heading in cell), None)


def _cells(text: str, start: int, end: int) -> list[Span]:
    spans, at = [], start
    while True:
        tab = text.find("\t", at, end)
        if tab < 0:
            spans.append((at, end))
            return spans
        spans.append((at, tab))
        at = tab + 1


def _trim(text: str, span: Span) -> Span:
    a, b = span
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def find_rows(text: str) -> list[Row]:
    """The rows of every task table in ``text``, in order; spans index ``text``."""
    if "\t" not in text:
        return []
    rows: list[Row] = []
    header: list[str | None] | None = None
    expected = 0
    lead_words = _lead_words()
    for line in _LINE.finditer(text):
        cells = [_trim(text, s) for s in _cells(text, *line.span())]
        # Only a line naming a lead column can be a header: rows skip the per-cell look-up.
        if _MIN_CELLS <= len(cells) <= _MAX_CELLS and any(
            w in _squeeze(line.group()) for w in lead_words
        ):
            roles = [_role(text[a:b]) for a, b in cells]
            if "lead" in roles and roles.count(None) <= 1:
                header, expected = roles, len(cells)
                continue
        if header is None:
            continue
        if len(cells) != expected:
            header = None  # the table has ended (or a different one starts)
            continue
        row = Row(number="", span=_trim(text, line.span()))
        for role, span in zip(header, cells, strict=True):
            if role is not None and role not in row.cells and span[1] > span[0]:
                row.cells[role] = span
        number = row.cells.pop("number", None)
        row.number = text[number[0] : number[1]] if number else str(len(rows) + 1)
        if "lead" in row.cells or "text" in row.cells or "heading" in row.cells:
            rows.append(row)
    return rows
