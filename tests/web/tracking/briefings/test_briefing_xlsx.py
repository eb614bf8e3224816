"""The briefing workbook: 进度台账 first, then the 任务分解表 with the reviewed units and targets."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from policyledger.web.tracking.briefings.data import collect_briefing
from policyledger.web.tracking.briefings.xlsx import PROGRESS_COLUMNS, render_xlsx
from policyledger.web.tracking.services.periods import parse_period


def _book(programme, label="2022年9月", today=dt.date(2022, 9, 25)):
    briefing = collect_briefing(parse_period(label, "monthly"), today=today)
    return load_workbook(io.BytesIO(render_xlsx(briefing)))


def test_progress_sheet_rows(programme):
    book = _book(programme)
    assert book.sheetnames[0] == "进度台账"
    sheet = book["进度台账"]
    assert sheet["A1"].value == "2022年9月进度台账（截至2022年9月25日）"
    assert [c.value for c in sheet[2]] == [name for name, _ in PROGRESS_COLUMNS]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert len(rows) == 4
    by_unit = {(r[2], r[3]): r for r in rows}
    coupons = by_unit[("一、发放消费券", "市商务局")]
    assert coupons[4] == "2022年12月31日"
    assert (coupons[5], coupons[6], coupons[7]) == ("推进中", 0.8, "正常")
    assert (coupons[8], coupons[9]) == ("2022年9月", "已采纳")
    assert coupons[10].startswith("已在市区发放第一批餐饮零售消费券")
    # 市财政局's report is submitted but not accepted: shown as its latest report, status unchanged.
    finance = by_unit[("一、发放消费券", "市财政局")]
    assert (finance[5], finance[8], finance[9]) == ("未启动", "2022年9月", "已提交")
    silent = by_unit[("二、支持汽车消费", "市发展改革委")]
    assert silent[8] is None and silent[4] == "2023年6月30日"


def test_warnings_as_of_the_briefing_date(programme):
    sheet = _book(programme, "2022年12月", dt.date(2022, 12, 20))["进度台账"]
    warnings = {(r[2].value, r[3].value): r[7].value for r in sheet.iter_rows(min_row=3)}
    assert warnings[("一、发放消费券", "市商务局")] == "临期"
    assert warnings[("二、支持汽车消费", "市发展改革委")] == "正常"
    sheet = _book(programme, "2023年1月", dt.date(2023, 1, 5))["进度台账"]
    warnings = {(r[2].value, r[3].value): r[7].value for r in sheet.iter_rows(min_row=3)}
    assert warnings[("一、发放消费券", "市商务局")] == "逾期"


def test_task_table_sheet_uses_reviewed_data(programme):
    book = _book(programme)
    assert len(book.sheetnames) == 2
    sheet = book[book.sheetnames[1]]
    assert sheet.title == "关于促进消费的若干措施"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["序号", "重点任务", "具体措施", "牵头单位"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 3
    first = dict(zip(header, rows[0], strict=True))
    # The registry's name, not the printed alias; money and dates in Chinese conventions.
    assert first["牵头单位"] == "市商务局、市财政局"
    assert first["量化指标"] == "总计1,000万元"
    assert first["完成时限"] == "2022年12月31日"
    second = dict(zip(header, rows[1], strict=True))
    assert second["牵头单位"] == "市发展改革委"


def test_empty_period_still_gives_a_workbook(programme):
    book = _book(programme, "2022年7月")
    assert book.sheetnames[0] == "进度台账"
    assert book["进度台账"].max_row == 2
