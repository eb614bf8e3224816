"""Task tables flattened to tab-separated rows (a Word 任务分工表 as ``parse_file`` reads it).

The rows become measures only when the body assigns no units itself; a header names the columns,
in any spacing; a line with another number of cells ends the table; odd input still parses.
"""

from __future__ import annotations

import pytest

from policyledger.parsing import parse, parse_file
from policyledger.parsing.tables import find_rows


def _view(text: str) -> list[tuple]:
    return [
        (
            m.number,
            m.heading,
            m.lead_units,
            m.support_units,
            [(t.kind, t.value) for t in m.targets],
        )
        for m in parse(text).measures
    ]


def test_responsibility_column_marks_its_lead():
    text = (
        "序号\t工作任务\t责任单位\t完成时限\n"
        "一、扩大商品消费\n"
        "1\t发放汽车消费券1000万元\t市商务局（牵头）、市财政局\t2024年底前\n"
        "2\t开展家电以旧换新\t市商务局、市市场监管局\t长期坚持\n"
    )
    assert _view(text) == [
        (
            "1",
            "发放汽车消费券1000万元",
            ["市商务局"],
            ["市财政局"],
            [("money", 10000000), ("date", "2024-12-31")],
        ),
        ("2", "开展家电以旧换新", ["市商务局", "市市场监管局"], [], []),
    ]


def test_spaced_header_and_missing_number_column():
    text = (
        "重 点 任 务\t具 体 措 施\t牵 头 单 位\t配 合 单 位\n"
        "发放汽车消费券\t发放1000万元\t市商务局\t市财政局、各县区人民政府\n"
        "开展家电以旧换新\t补贴10%\t市商务局\t市市场监管局\n"
    )
    assert _view(text) == [
        (
            "1",
            "发放汽车消费券",
            ["市商务局"],
            ["市财政局", "各县区人民政府"],
            [("money", 10000000)],
        ),
        ("2", "开展家电以旧换新", ["市商务局"], ["市市场监管局"], [("percent", 10)]),
    ]


def test_body_with_units_wins_over_its_table():
    text = (
        "一、发放汽车消费券。（责任单位：市商务局）\n"
        "二、开展家电以旧换新。（责任单位：市商务局）\n"
        "附件\n序号\t重点任务\t牵头单位\t配合单位\n"
        "1\t发放汽车消费券\t市商务局\t市财政局\n"
    )
    assert [(n, lead, support) for n, _, lead, support, _ in _view(text)] == [
        ("一、", ["市商务局"], []),
        ("二、", ["市商务局"], []),
    ]


def test_a_line_with_other_cells_ends_the_table():
    text = (
        "序号\t重点任务\t牵头单位\n"
        "1\t发放汽车消费券\t市商务局\n"
        "备注\t以上任务均需按季度报送进展\n"
        "2\t不再是表格的一行\t市商务局\n"
    )
    assert [r.number for r in find_rows(text)] == ["1"]


def test_row_spans_point_into_the_original_text():
    text = "说明\r\n序号\t重点任务\t牵头单位\r\n１\t发放　消费券\t市商\u3000务局\r\n"
    (measure,) = parse(text).measures
    start, end = measure.span
    assert text[start:end].startswith("１") and text[start:end].endswith("务局")
    assert measure.lead_units == ["市商务局"]


@pytest.mark.parametrize(
    "text",
    [
        "\t" * 200_000,
        "牵头单位\t" * 100_000,
        "序号\t牵头单位\t配合单位\n" + "1\t市商务局\t市财政局\n" * 20_000,
        "序号\t牵头单位\t配合单位\n" + "\t\t\n" * 20_000,
        "序号\t牵头单位\t配合单位\n1\t" + "市商务局、" * 50_000 + "\t市财政局\n",
        "序号\t牵头单位\t配合单位\t" + "市商务局\t" * 200_000,
        "序号\n重点任务\n牵头单位\n" * 50_000,
        "序号\n重点任务\n牵头单位\n" + "1\n" * 200_000,
        "序号\n\n牵头单位\n\n配合单位\n\n"
        + "".join(f"{n}\n\n甲\n\n乙\n\n" for n in range(1, 20_000)),
    ],
    ids=[
        "tabs",
        "header-cells",
        "many-rows",
        "empty-rows",
        "huge-cell",
        "huge-header",
        "line-headers",
        "line-numbers",
        "line-rows",
    ],
)
def test_odd_tables_parse(text):
    document = parse(text)
    assert document.to_dict()["schema_version"] == 1


def test_word_table_read_from_docx(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("北川市人民政府办公室关于印发重点任务分工表的通知")
    document.add_paragraph("各区县人民政府，市政府各部门：")
    rows = [
        ["序号", "重点任务", "具体措施", "牵头单位", "配合单位"],
        ["1", "开展促消费活动", "安排资金2000万元。", "市商务局", "市财政局"],
        ["2", "发放消费券", "总额1000万元。", "市商务局", "市财政局、人民银行北川市分行"],
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    path = tmp_path / "分工表.docx"
    document.save(path)
    parsed = parse_file(path)
    assert [
        (m.number, m.heading, m.lead_units, m.support_units, [t.value for t in m.targets])
        for m in parsed.measures
    ] == [
        ("1", "开展促消费活动", ["市商务局"], ["市财政局"], [20000000]),
        ("2", "发放消费券", ["市商务局"], ["市财政局", "人民银行北川市分行"], [10000000]),
    ]


def test_one_cell_a_line_as_libreoffice_exports_a_table():
    text = (
        "附件\n序号\n重点任务\n牵头单位\n配合单位\n"
        "1\n发放汽车消费券1000万元\n市商务局\n市财政局\n"
        "2\n开展家电以旧换新\n市商务局\n市市场监管局、市财政局\n"
        "北川市人民政府办公室\n2024年3月6日\n"
    )
    assert _view(text) == [
        ("1", "发放汽车消费券1000万元", ["市商务局"], ["市财政局"], [("money", 10000000)]),
        ("2", "开展家电以旧换新", ["市商务局"], ["市市场监管局", "市财政局"], []),
    ]


def test_one_cell_a_block_with_wrapped_cells_as_a_pdf_gives_it():
    text = (
        "序号\n\n重点任务\n\n牵头单位\n\n配合单位\n\n"
        "1\n\n发放汽车消费\n券1000万\n元\n\n市商务局\n\n市财政局、人\n民银行北川市\n分行\n\n"
        "2\n\n开展家电以旧\n换新\n\n市商务局\n\n市市场监管局\n"
    )
    assert _view(text) == [
        (
            "1",
            "发放汽车消费券1000万元",
            ["市商务局"],
            ["市财政局", "人民银行北川市分行"],
            [("money", 10000000)],
        ),
        ("2", "开展家电以旧换新", ["市商务局"], ["市市场监管局"], []),
    ]


def test_numbered_lines_without_a_header_are_no_table():
    text = "请各单位报送以下材料：\n1\n工作总结\n市商务局\n2\n工作计划\n市财政局\n"
    assert find_rows(text) == []
