"""The 任务分解表 workbook, read back with openpyxl."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from policyledger.formats import write_task_table
from policyledger.formats.rows import COLUMNS
from policyledger.formats.xlsx import sheet_title


def _read(docs) -> object:
    buffer = io.BytesIO()
    write_task_table(docs, buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def test_one_row_per_measure_with_the_task_columns(document) -> None:
    workbook = _read([document])
    assert workbook.sheetnames == ["关于促进消费的若干措施"]
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) == 1 + len(document.measures)
    first, second = rows[1], rows[2]
    assert first[:2] == (1, "一、举办促消费活动")
    assert first[2] == document.measures[0].text
    assert first[3] == "市商务局、市财政局"
    assert first[5].split("\n") == ["总计1,000万元", "每人最高3万元", "1–10万元"]
    assert first[6] is None  # no deadline: an empty cell, not the text "None"
    assert second[4] == "各县区"
    assert second[5].split("\n") == ["不少于50场次", "2:1", "10%"]
    assert second[6] == "2022年12月31日"
    # Two parts: the location names the part, the outline path and the characters (1-based).
    start, end = document.measures[1].span
    assert second[7] == f"行动方案\n三、保障措施 › 二、\n第{start + 1}–{end}字"


def test_header_is_styled_frozen_and_columns_are_wide(document) -> None:
    sheet = _read([document]).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["C"].width >= 60  # 具体措施 holds whole paragraphs
    assert sheet.column_dimensions["A"].width < 10
    assert sheet["C2"].alignment.wrap_text


def test_one_sheet_per_document_with_unique_valid_names(document) -> None:
    other = type(document)(**{**document.__dict__, "title": None})
    long = type(document)(
        **{**document.__dict__, "title": "关于[印发]若干措施/实施方案的通知：" * 3}
    )
    workbook = _read([document, document, other, long])
    names = workbook.sheetnames
    assert len(names) == 4 and len(set(names)) == 4
    assert names[1] == "关于促进消费的若干措施(2)"
    assert names[2] == "措施.txt"  # no title: the file name
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)


def test_sheet_title_ignores_case_when_deduplicating() -> None:
    taken: set[str] = set()
    assert sheet_title("Plan", taken) == "Plan"
    assert sheet_title("PLAN", taken) == "PLAN(2)"


def test_no_documents_still_gives_a_workbook_with_the_header() -> None:
    sheet = _read([]).active
    assert next(sheet.iter_rows(values_only=True)) == COLUMNS
