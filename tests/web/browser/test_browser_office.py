"""The lead office in a real browser (issue 11): a bulk upload of an exported ledger with three
edited rows gives three reports and no others; a 催报 sent by the office reaches the reporter."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-电池-42"  # the one tests/web/conftest.py gives its named users


def login(session, user) -> None:
    session.go("/accounts/login/")
    session.page.fill("input[name=username]", user.username)
    session.page.fill("input[name=password]", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))


def test_bulk_upload_of_three_edited_rows_and_a_reminder_round_trip(
    transactional_db, published, tasks, alice, bob, open_session, shots, tmp_path
):
    from openpyxl import load_workbook

    from policyledger.web.tracking.models import Reminder, Report

    admin = open_session("牵头办管理员")
    login(admin, alice)
    admin.go("/tracking/tasks/")
    with admin.page.expect_download() as download:
        admin.page.click("#export-ledger")
    exported = tmp_path / download.value.suggested_filename
    assert exported.name.startswith("进度台账_") and exported.suffix == ".xlsx"
    download.value.save_as(exported)
    book = load_workbook(exported)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 4
    edited = {}
    for row, (status, percent, text) in zip(
        rows[:3],
        [("推进中", 35, "已发放第一批"), ("已完成", 100, "已完成"), ("滞后", 10, "资金未到位")],
        strict=False,
    ):
        row[header.index("状态")].value = status
        row[header.index("完成进度")].value = percent
        row[header.index("进展情况")].value = text
        edited[row[0].value] = percent
    path = tmp_path / "进度台账.xlsx"
    book.save(path)

    admin.go("/tracking/bulk/")
    admin.page.set_input_files("input[name=file]", str(path))
    admin.page.click("#bulk-form button[type=submit]")
    admin.page.wait_for_selector("#bulk-summary")
    assert "已报送 3 项，未改动跳过 1 行" in admin.page.inner_text("#bulk-summary")
    assert admin.page.locator("#bulk-rows tr.bulk-skipped").count() == 1
    shots(admin, "bulk-three-rows")
    assert {r.task_id: r.percent for r in Report.objects.all()} == edited

    # 催报: one click reminds every unit late for the last month; the reporter reads it.
    admin.go("/tracking/chasing/")
    assert admin.page.locator("#late-units tbody tr").count() == 3
    admin.page.click("#send-reminders")  # the confirmation is answered yes
    admin.page.wait_for_selector(".msg-success")
    assert "已向3个单位催报" in admin.page.inner_text(".msg-success")
    assert "市商务局" in admin.page.inner_text("#reminder-rounds")
    shots(admin, "chasing-sent")
    reminder = Reminder.objects.get()
    assert reminder.sent_by == alice and reminder.lines.count() == 3

    reporter = open_session("市商务局填报人")
    login(reporter, bob)
    reporter.go("/accounts/notifications/")
    text = reporter.page.inner_text("main")
    assert "催报：请尽快报送" in text and "一、发放消费券" in text
    shots(reporter, "reporter-reminded")
    admin.check()
    reporter.check()
