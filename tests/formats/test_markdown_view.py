"""The Markdown 任务分解表."""

from __future__ import annotations

from policyledger.formats.markdown import render, render_all
from policyledger.formats.rows import COLUMNS


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def test_header_separator_and_one_row_per_measure(document) -> None:
    rows = _table_rows(render(document))
    assert rows[0] == "| " + " | ".join(COLUMNS) + " |"
    assert set(rows[1]) <= set("|-")
    assert len(rows) == 2 + len(document.measures)


def test_cells_cannot_break_the_table(document) -> None:
    rows = _table_rows(render(document))
    # A literal pipe in a unit name is escaped, so every row has exactly eight cells.
    for row in rows[2:]:
        unescaped = row.replace("\\|", "")
        assert unescaped.count("|") == len(COLUMNS) + 1
    assert "市发改委\\|测试" in rows[3]
    assert "不少于50场次<br>2:1<br>10%" in rows[3]


def test_diagnostics_follow_the_table(document) -> None:
    text = render(document)
    assert text.index("**诊断信息**") > text.index(_table_rows(text)[-1])
    assert "`missing_number`：未找到编号（三）" in text


def test_several_documents_one_section_each(document) -> None:
    assert render_all([document, document]).count("## 关于促进消费的若干措施") == 2
