"""Task tables flattened to text: the rows of a 任务分工表 become measures.

A Word table reaches the parser as one row a line with its cells separated by tabs (``reading``
writes it so). A table is read when a line of at least three cells names a lead column (牵头单位,
责任单位 …, see ``data/table_columns.tsv``); the lines after it with as many cells are its rows, up
to the first line that is not. The same table exported by LibreOffice has one cell a line, and a
PDF text layer one cell a block (blank lines between, long cells wrapped): there the header is a
run of column names starting with 序号, and each row starts at the next number of that column.
Each row gives its number, heading, text, units and deadline cells with their spans in the
*original* text: cleaning removes tabs and joins lines, so the table is read before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policyledger.parsing.vocabulary import data_lines

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
    for line in data_lines("table_columns.tsv"):
        role, _, heading = line.partition("\t")
        pairs.append((heading.strip(), role.strip()))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def _lead_words() -> tuple[str, ...]:
    return tuple(heading for heading, role in _columns() if role == "lead")


_SPACES = re.compile(r"\s+")


def _squeeze(value: str) -> str:
    # Header cells are often spaced out to fill the column (牵 头 单 位).
    return _SPACES.sub("", value)


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
    """The rows of every task table in ``text``, in order; spans index ``text``.

    Two flattenings are read: one row a line with tab-separated cells (python-docx, spreadsheets),
    and one cell a line (LibreOffice's text export, a PDF text layer), where a row starts at the next
    number of the 序号 column and its cells are its lines, or its blank-line-separated blocks when
    cells wrap over several lines.
    """
    rows = _tab_rows(text) if "\t" in text else []
    if not rows and "\n" in text:
        rows = _line_rows(text)
    return rows


def _tab_rows(text: str) -> list[Row]:
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


_NEWLINE = re.compile(r"\r?\n|\r")
# How far (in lines) the next row number may be from the previous one: past it the table ended.
_ROW_LINES = 60


def _line_rows(text: str) -> list[Row]:
    if not any(w in text for w in _lead_words()):
        return []  # cheap test first: the header's own words are printed as they are, or spaced
    lines: list[Span] = []
    start = 0
    for newline in _NEWLINE.finditer(text):
        lines.append(_trim(text, (start, newline.start())))
        start = newline.end()
    lines.append(_trim(text, (start, len(text))))
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        header, i = _line_header(text, lines, i)
        if header is None:
            break
        roles, blocks = header
        rows.extend(_line_table(text, lines, i, roles, blocks))
    return rows


def _line_header(
    text: str, lines: list[Span], i: int
) -> tuple[tuple[list[str | None], bool] | None, int]:
    """The next header written one cell a line: its roles, whether blank lines part its cells,
    and the index of the line after it."""
    roles: list[str | None] = []
    blank = False
    while i < len(lines):
        a, b = lines[i]
        i += 1
        if a == b:
            blank = blank or bool(roles)
            continue
        role = _role(text[a:b])
        if role is not None and role not in roles:
            roles.append(role)
            continue
        if len(roles) >= _MIN_CELLS and "lead" in roles and roles[0] == "number":
            return (roles, blank), i - 1
        roles, blank = [], False
        if role is not None:
            roles.append(role)
    return None, i


def _line_table(
    text: str, lines: list[Span], i: int, roles: list[str | None], blocks: bool
) -> list[Row]:
    rows: list[Row] = []
    width = len(roles) - 1  # cells after the number
    expected = 1
    while i < len(lines):
        # The row starts at the line that is just its number; give up when it does not come.
        start = next(
            (
                j
                for j in range(i, min(len(lines), i + _ROW_LINES))
                if text[lines[j][0] : lines[j][1]] == str(expected)
            ),
            None,
        )
        if start is None or (rows and start > i):
            break  # no next number, or text between rows: the table has ended
        following = str(expected + 1)
        cells: list[list[Span]] = []
        j = start + 1
        while j < len(lines) and len(cells) <= width:
            a, b = lines[j]
            if text[a:b] == following and len(cells) >= width:
                break
            if a == b:
                if blocks and cells and cells[-1]:
                    cells.append([])  # a blank line closes a cell
            elif not cells or not blocks:
                cells.append([(a, b)])
            else:
                cells[-1].append((a, b))
            j += 1
            if not blocks and len(cells) == width:
                break
        cells = [c for c in cells if c]
        if len(cells) != width:
            break
        number = lines[start]
        row = Row(number=text[number[0] : number[1]], span=(number[0], cells[-1][-1][1]))
        for role, cell in zip(roles[1:], cells, strict=True):
            if role is not None and role not in row.cells:
                row.cells[role] = (cell[0][0], cell[-1][1])
        rows.append(row)
        expected += 1
        i = j
        while i < len(lines) and lines[i][0] == lines[i][1]:
            i += 1
    return rows
