"""One writer for spreadsheet cells and one cleaner for exported text, used by every export.

A text cell is written as text, never as a formula: openpyxl turns any string that starts with ``=``
into a formula, and Excel/WPS evaluate what a user types after ``+ - @`` too, so text that starts
with one of those (or with a tab / carriage return) is stored as a string *and* marked with the
``quotePrefix`` style, so re-editing the cell keeps it text. The value itself is not mangled.
Numbers, dates and booleans stay what they are.

``clean_text`` removes the control characters XML 1.0 forbids (everything below U+0020 except tab,
newline and carriage return, plus U+FFFE/U+FFFF and lone surrogates), which would otherwise make
openpyxl or python-docx refuse to write the file. It is applied on export, so old data saved before
input was checked cannot break a download.

No Django import: the CLI and the parser's 任务分解表 use it too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# Characters a spreadsheet may read as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 forbids; openpyxl and python-docx raise on them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Control characters refused on input (tab and newline are ordinary text; CR is folded by forms).
_INPUT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """``value`` without the characters an xlsx/docx file cannot hold."""
    return _XML_ILLEGAL.sub("", value)


def control_characters(value: str) -> list[str]:
    """The control characters (other than tab, newline, carriage return) in ``value``, as
    ``U+000B``-style names, in order of first appearance; empty when the text is clean."""
    seen: list[str] = []
    for match in _INPUT_CONTROL.finditer(value):
        name = f"U+{ord(match.group()):04X}"
        if name not in seen:
            seen.append(name)
    return seen


def write_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write ``value`` to the cell at (row, column) of an openpyxl worksheet; return the cell.

    Strings are always stored as strings (``data_type 's'``); numbers, dates, booleans and None are
    stored as they are."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = clean_text(value)
        # Assign through the private slot: the public setter would turn "=..." into a formula.
        cell._value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif value is None or isinstance(
        value, (bool, int, float, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta)
    ):
        cell.value = value
    else:
        return write_cell(sheet, row, column, str(value))
    return cell


def append_row(sheet: Any, values: Iterable[Any]) -> int:
    """Append ``values`` as a new row below the last used one (like ``sheet.append``) through
    :func:`write_cell`; return the new row's number."""
    row = sheet._current_row + 1
    for column, value in enumerate(values, start=1):
        write_cell(sheet, row, column, value)
    return row


def formula_cells(book: Any) -> list[str]:
    """``Sheet!A1`` for every formula cell of an openpyxl workbook (for tests and audits)."""
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
