"""The one cell writer: text as text, numbers as numbers, no formula from any prefix."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from policyledger.formats import write_task_table
from policyledger.formats.cells import append_row, clean_text, control_characters, formula_cells


def _roundtrip(book):
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "=", "普通"])
def test_text_is_written_as_text(text):
    book = Workbook()
    append_row(book.active, [text])
    cell = _roundtrip(book).active["A1"]
    assert (cell.value, cell.data_type) == (text, "s")
    assert cell.quotePrefix == (text[0] in "=+-@\t\r")


def test_numbers_stay_numbers_and_rows_follow_append():
    book = Workbook()
    sheet = book.active
    append_row(sheet, [1, 2.5, Decimal("3.10"), dt.date(2022, 9, 1), None, True])
    sheet.append(["next"])
    append_row(sheet, ["last"])
    read = _roundtrip(book).active
    assert [c.value for c in read[1]][:4] == [1, 2.5, 3.1, dt.datetime(2022, 9, 1)]
    assert read["A1"].data_type == "n" and read["A2"].value == "next" and read["A3"].value == "last"


def test_control_characters_are_dropped_on_export_and_named_on_input():
    assert clean_text("a\x00b\x0bc\td\ne") == "abc\td\ne"
    assert control_characters("a\x0bb\x00c\x0b\td\ne") == ["U+000B", "U+0000"]
    assert control_characters("正常\t文本\n") == []


def test_task_table_writes_no_formula(document):
    document.measures[0].text = '=HYPERLINK("http://evil.example")'
    document.measures[0].lead_units = ["@市商务局"]
    buffer = io.BytesIO()
    write_task_table([document], buffer)
    buffer.seek(0)
    book = load_workbook(buffer)
    assert formula_cells(book) == []
    assert book.active["C2"].value == '=HYPERLINK("http://evil.example")'
