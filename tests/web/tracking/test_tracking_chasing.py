"""Issue 11: 催报 / 督办: one click reminds every late unit (in-app and email), recorded; the
未报送名单 and 逾期清单 as xlsx; escalation to the unit's leader after ESCALATE_AFTER_DAYS."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from openpyxl import load_workbook

from policyledger.web.core.models import AuditLog, Notification
from policyledger.web.tracking.models import Reminder, ReminderUnit
from policyledger.web.tracking.services import chasing
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import submit_report

SEPTEMBER = parse_period("2022年9月", "monthly")


@pytest.fixture
def october(now):
    return now.replace(month=10, day=10)


@pytest.fixture
def september_reported(tasks, people, clock, now):
    """Only 市商务局's 发放消费券 has its September report."""
    with clock(now):
        submit_report(
            people["bob"], tasks[("一、", "市商务局")], SEPTEMBER, task_status="in_progress",
            percent=40, narrative="已发放",
        )  # fmt: skip
    return tasks


def test_late_units_for_the_current_period(september_reported, clock, october):
    with clock(october):
        late = chasing.late_units()
    assert [(u.unit, u.period.label, [t.label for t in u.tasks]) for u in late] == [
        ("市发展改革委", "2022年9月", ["二、支持汽车消费"]),
        ("市商务局", "2022年9月", ["三、活跃夜间经济"]),
        ("市财政局", "2022年9月", ["一、发放消费券"]),
    ]


def test_one_click_reminds_every_late_unit_and_is_recorded(
    login, alice, bob, carol, september_reported, clock, october
):
    client = login(alice)
    with clock(october):
        page = client.post("/tracking/chasing/send/", follow=True).content.decode()
    assert "已向3个单位催报（站内通知2条，邮件2封）" in page
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.sent_by, reminder.sent_at.date()) == (
        "reminder",
        alice,
        october.date(),
    )
    lines = {line.unit.name: line for line in ReminderUnit.objects.select_related("unit")}
    assert set(lines) == {"市商务局", "市财政局", "市发展改革委"}
    assert lines["市商务局"].recipients == ["bob"]
    assert lines["市商务局"].tasks == [september_reported[("三、", "市商务局")].pk]
    # In-app: the notification names the period and the task.
    note = Notification.objects.get(user=bob)
    assert note.text == "催报：请尽快报送2022年9月的进展：“三、活跃夜间经济”"
    assert Notification.objects.get(user=carol).text.endswith("“一、发放消费券”")
    # Email through Django's backend, one per person.
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "carol@example.org"]
    assert "三、活跃夜间经济" in next(m for m in mail.outbox if m.to == ["bob@example.org"]).body
    assert AuditLog.objects.get(action="reminder.send").after["units"] == [
        "市发展改革委",
        "市商务局",
        "市财政局",
    ]
    # The round shows in the record on the page.
    with clock(october):
        page = client.get("/tracking/chasing/").content.decode()
    assert "市商务局（2022年9月，1项）" in page


def test_nothing_late_is_a_clear_message(login, alice, tasks, clock, now):
    # On 25 August the period due is July, before the tasks existed (published 21 August).
    with clock(now.replace(month=8, day=25)):
        page = login(alice).post("/tracking/chasing/send/", follow=True).content.decode()
    assert "当前报送周期没有未报送的单位，无需催报" in page
    assert not Reminder.objects.exists()


def test_only_administrators_send_viewers_read(
    login, dave, bob, september_reported, clock, october
):
    with clock(october):
        assert login(dave).post("/tracking/chasing/send/").status_code == 403
        assert login(dave).get("/tracking/chasing/").status_code == 200
        assert login(bob).get("/tracking/chasing/").status_code == 403
        assert login(bob).get("/tracking/chasing/missing.xlsx").status_code == 403
    assert not Reminder.objects.exists()


def test_missing_list_and_overdue_list_download(
    login, dave, units, september_reported, clock, october
):
    units["市财政局"].contact_person = "=张三"  # text, never a formula
    units["市财政局"].contact_phone = "0518-1234567"
    units["市财政局"].save()
    client = login(dave)
    with clock(october):
        response = client.get("/tracking/chasing/missing.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("责任单位", "联系人", "联系电话", "报送周期", "任务编号", "任务")
    finance = next(r for r in rows if r[0] == "市财政局")
    assert finance[1:4] == ("=张三", "0518-1234567", "2022年9月")
    assert sheet.cell(row=rows.index(finance) + 1, column=2).data_type == "s"
    assert len(rows) == 4
    with clock(dt.datetime(2023, 1, 10, 9, 0, tzinfo=october.tzinfo)):
        response = client.get("/tracking/chasing/overdue.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [(r[1], r[3], r[6], r[7]) for r in rows[1:]] == [
        ("一、发放消费券", "市商务局", "2022年12月31日", 10),
        ("一、发放消费券", "市财政局", "2022年12月31日", 10),
    ]


def test_escalation_after_n_days_to_the_leader_contact_once(
    alice, carol, units, september_reported, clock, october, settings
):
    settings.ESCALATE_AFTER_DAYS = 7
    finance = units["市财政局"]
    finance.leader_name, finance.leader_email = "周局长", "leader@czj.example.org"
    finance.save()
    with clock(october):
        chasing.send_reminders(alice)
    mail.outbox.clear()
    with clock(october + dt.timedelta(days=6)):
        assert chasing.escalate() is None
    # 市发展改革委 reports meanwhile: it is not escalated.
    with clock(october + dt.timedelta(days=7)):
        submit_report(
            alice, september_reported[("二、", "市发展改革委")], SEPTEMBER,
            task_status="in_progress", percent=10, narrative="",
        )  # fmt: skip
        escalation = chasing.escalate()
    assert escalation.kind == "escalation"
    assert {line.unit.name for line in escalation.lines.all()} == {"市商务局", "市财政局"}
    leader_mail = [m for m in mail.outbox if m.to == ["leader@czj.example.org"]]
    assert len(leader_mail) == 1
    assert leader_mail[0].body.startswith(
        "周局长同志：\n督办：市财政局2022年9月的进展自2022年10月10日"
    )
    assert "超过7天仍未报送" in leader_mail[0].body
    assert Notification.objects.filter(user=alice, text__startswith="督办：").count() == 2
    with clock(october + dt.timedelta(days=9)):
        assert chasing.escalate() is None  # once per unit and period


def _page_queries(client, clock, when) -> tuple[int, str, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with clock(when), CaptureQueriesContext(connection) as ctx:
        response = client.get("/tracking/chasing/")
    assert response.status_code == 200
    return (
        len(ctx.captured_queries),
        response.content.decode(),
        [q["sql"] for q in ctx.captured_queries],
    )


def _more_late_units(tasks, n: int, first: int = 0) -> None:
    """``n`` more units, each leading two tasks with no September report."""
    from policyledger.web.accounts.models import Unit
    from policyledger.web.tracking.models import Task

    measures = [tasks[("一、", "市商务局")].measure, tasks[("二、", "市发展改革委")].measure]
    for i in range(first, first + n):
        unit = Unit.objects.create(name=f"测试局{i}", level=Unit.Level.CITY)
        for measure in measures:
            Task.objects.create(measure=measure, lead_unit=unit, deadline=dt.date(2023, 6, 30))


def test_chasing_page_queries_do_not_grow_with_units_and_tasks(
    login, alice, september_reported, clock, now, october
):
    """Issue 11: the 催报 page took 0.7 s on the demo. A fixed number of queries, and the late
    tasks are read without their documents' text and parse result (which made it slow)."""
    with clock(now.replace(month=9, day=25)):
        _more_late_units(september_reported, 1)
    client = login(alice)
    with clock(october):
        client.post("/tracking/chasing/send/")
    small, html, sql = _page_queries(client, clock, october)
    assert "测试局0" in html
    with clock(now.replace(month=9, day=25)):
        _more_late_units(september_reported, 6, first=1)
    with clock(october + dt.timedelta(days=1)):
        client.post("/tracking/chasing/send/")
    large, html, sql = _page_queries(client, clock, october + dt.timedelta(days=1))
    assert "测试局6" in html and html.count("/tracking/tasks/") >= 2 * 7 + 3
    assert large == small
    task_queries = [q for q in sql if 'FROM "tracking_task"' in q]
    assert task_queries and not any("original_text" in q or '"parsed"' in q for q in task_queries)


def test_control_a_query_per_late_unit_is_caught(
    login, alice, september_reported, clock, now, october, monkeypatch
):
    """The same measurement catches an N+1 (one query per late unit)."""
    from policyledger.web.accounts.models import Unit

    real = chasing.late_units

    def per_unit(today=None):
        late = real(today)
        for u in late:
            u.contact = Unit.objects.get(pk=u.unit_id).contact_person
        return late

    monkeypatch.setattr(chasing, "late_units", per_unit)
    client = login(alice)
    small, _, _ = _page_queries(client, clock, october)
    with clock(now.replace(month=9, day=25)):
        _more_late_units(september_reported, 4)
    large, _, _ = _page_queries(client, clock, october)
    assert large == small + 4
