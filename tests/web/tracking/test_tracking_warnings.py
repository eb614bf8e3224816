"""The warning job: 正常 -> 临期 -> 逾期 by deadline, 未按期报送 per unit, each change once.

The clock is moved with time-machine; nothing sleeps.
"""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from waiting import DEADLINE_S, join_all

from policyledger.web.accounts.models import Unit
from policyledger.web.core.models import Notification
from policyledger.web.tracking.models import Report, Task, WarningFlip
from policyledger.web.tracking.services.warnings import run_warnings

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=6):
    return dt.datetime(y, m, d, h, 0, tzinfo=SH)


def warnings_of(tasks):
    return {key: Task.objects.get(pk=t.pk).warning for key, t in tasks.items()}


def test_deadline_warnings_move_with_the_clock(tasks, clock, settings):
    settings.WARNING_DAYS = 15
    with clock(at(2022, 12, 10)):
        run_warnings()
    # 16 days before 2022-12-31: still normal.
    assert set(warnings_of(tasks).values()) == {"normal"}
    with clock(at(2022, 12, 16)):
        run = run_warnings()
    states = warnings_of(tasks)
    assert states[("一、", "市商务局")] == "due_soon"
    assert states[("一、", "市财政局")] == "due_soon"
    assert states[("二、", "市发展改革委")] == "normal"  # 2023-06-30
    assert run.task_flips["due_soon"] == 2
    with clock(at(2023, 1, 1)):
        run_warnings()
    assert warnings_of(tasks)[("一、", "市商务局")] == "overdue"
    flips = WarningFlip.objects.filter(task=tasks[("一、", "市商务局")]).order_by("at")
    assert [(f.old, f.new) for f in flips] == [("normal", "due_soon"), ("due_soon", "overdue")]


def test_configurable_window(tasks, clock, settings):
    settings.WARNING_DAYS = 30
    with clock(at(2022, 12, 10)):
        run_warnings()
    assert warnings_of(tasks)[("一、", "市商务局")] == "due_soon"


def test_completed_task_goes_back_to_normal(tasks, clock):
    task = tasks[("一、", "市商务局")]
    with clock(at(2023, 1, 1)):
        run_warnings()
    Task.objects.filter(pk=task.pk).update(status="done", percent=100)
    with clock(at(2023, 1, 2)):
        run_warnings()
    assert Task.objects.get(pk=task.pk).warning == "normal"


def test_second_run_changes_nothing_and_notifies_once(tasks, clock, bob):
    with clock(at(2022, 12, 16)):
        run_warnings()
        again = run_warnings()
    assert dict(again.task_flips) == {}
    assert WarningFlip.objects.filter(kind="deadline").count() == 2
    # bob (市商务局) hears once about his due-soon task, in the app and by email.
    assert Notification.objects.filter(user=bob, text__contains="临期").count() == 1
    assert sum("临期" in m.body for m in mail.outbox if m.to == [bob.email]) == 1


def submit_august(task, user):
    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import submit_report

    submit_report(
        user,
        task,
        parse_period("2022年8月", "monthly"),
        task_status="in_progress",
        percent=10,
        narrative="八月进展",
    )


def test_unit_missing_a_cycle_report_is_flagged_and_recovers(tasks, clock, bob, carol, login):
    for key in (("一、", "市商务局"), ("三、", "市商务局")):
        submit_august(tasks[key], bob)
    # Published on 2022-08-21; the August reports were due by 5 September.
    with clock(at(2022, 9, 6)):
        run_warnings()
    state = dict(Unit.objects.values_list("name", "report_warning"))
    assert state["市商务局"] == "normal"
    assert state["市财政局"] == "missing"
    assert state["市发展改革委"] == "missing"
    flip = WarningFlip.objects.get(unit__name="市财政局")
    assert (flip.kind, flip.period_label) == ("missing_report", "2022年8月")
    assert Notification.objects.filter(user=carol, text__contains="未按期报送").count() == 1
    unit_page = login(carol).get(f"/accounts/units/{flip.unit_id}/").content.decode()
    assert "未按期报送" in unit_page and "2022年8月" in unit_page

    submit_august(tasks[("一、", "市财政局")], carol)
    with clock(at(2022, 9, 7)):
        run_warnings()
    assert Unit.objects.get(name="市财政局").report_warning == "normal"
    history = WarningFlip.objects.filter(unit__name="市财政局").order_by("at")
    assert [(f.old, f.new) for f in history] == [("normal", "missing"), ("missing", "normal")]


def test_not_due_before_the_grace_period_ends(tasks, clock):
    with clock(at(2022, 9, 3)):
        run_warnings()
    assert set(Unit.objects.values_list("report_warning", flat=True)) == {"normal"}


def test_draft_does_not_count_as_reported(tasks, clock, bob):
    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import submit_report

    for key in (("一、", "市商务局"), ("三、", "市商务局")):
        submit_report(
            bob,
            tasks[key],
            parse_period("2022年8月", "monthly"),
            task_status="in_progress",
            percent=5,
            narrative="",
            draft=True,
        )
    assert Report.objects.filter(status="draft").count() == 2
    with clock(at(2022, 9, 6)):
        run_warnings()
    assert Unit.objects.get(name="市商务局").report_warning == "missing"


@pytest.mark.postgres
def test_concurrent_workers_flip_each_state_once(transactional_db, tasks, bob, carol):
    """Four workers run the job at the same moment on PostgreSQL: every change happens once."""
    errors = []
    barrier = threading.Barrier(4, timeout=DEADLINE_S)

    def worker():
        try:
            barrier.wait()
            run_warnings(at(2023, 1, 1))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    join_all(threads)
    assert errors == []
    # 一、 x2 overdue; units without reports flagged once each.
    assert WarningFlip.objects.filter(kind="deadline").count() == 2
    assert WarningFlip.objects.filter(kind="missing_report").count() == 3
    assert Notification.objects.filter(text__contains="逾期").count() == 2  # bob, carol
    assert len(WarningFlip.objects.values_list("task_id", "new").distinct()) == 5
