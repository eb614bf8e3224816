"""Reports: submit per task and cycle, attachments checked by content, accept or return."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from waiting import DEADLINE_S, join_all

from policyledger.web.core.models import AuditLog, Notification
from policyledger.web.tracking.models import Report, Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def report_url(task):
    return f"/tracking/tasks/{task.pk}/report/"


def submit(client, task, clock, now, **extra):
    data = {
        "period": "2022年9月",
        "task_status": "in_progress",
        "percent": "60",
        "narrative": "已发放第一批消费券。",
    }
    data.update(extra)
    with clock(now):
        return client.post(report_url(task), data)


def test_reporter_submits_with_values_and_attachments(login, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    response = submit(
        login(bob),
        task,
        clock,
        now,
        **{
            f"target-{money.pk}": "8,000,000",
            "attachments": [
                SimpleUploadedFile("发放明细.pdf", PDF),
                SimpleUploadedFile("现场.png", PNG),
                SimpleUploadedFile("台账.xlsx", xlsx_bytes()),
            ],
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED
    assert report.period_label == "2022年9月"
    assert report.percent == 60
    assert report.submitted_by == bob
    assert report.values.get().achieved == 8_000_000
    kinds = sorted(a.content_type for a in report.attachments.all())
    assert kinds == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
    ]
    page = login(bob).get(f"/tracking/tasks/{task.pk}/").content.decode()
    assert "800万元" in page and "80%" in page
    # Administrators are told there is something to review.
    assert Notification.objects.filter(user__username="alice").exists()


def test_attachment_type_is_checked_by_content_not_name(login, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    response = submit(
        login(bob),
        task,
        clock,
        now,
        attachments=[SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf at all")],
    )
    assert response.status_code == 400
    assert "类型不受支持" in response.content.decode()
    assert Report.objects.count() == 0


def test_attachment_size_is_limited(login, bob, tasks, clock, now, settings):
    settings.MAX_ATTACHMENT_BYTES = 100
    response = submit(
        login(bob),
        tasks[("一、", "市商务局")],
        clock,
        now,
        attachments=[SimpleUploadedFile("big.pdf", PDF + b"0" * 200)],
    )
    assert response.status_code == 400
    assert "过大" in response.content.decode()


def test_bad_percent_is_a_chinese_error_and_form_keeps_input(login, bob, tasks, clock, now):
    response = submit(
        login(bob),
        tasks[("一、", "市商务局")],
        clock,
        now,
        percent="150",
        narrative="写了很多字的进展",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "完成进度须为0到100之间的整数" in page
    assert "写了很多字的进展" in page


def test_resubmission_updates_the_same_report(login, bob, tasks, clock, now):
    client = login(bob)
    task = tasks[("一、", "市商务局")]
    submit(client, task, clock, now, percent="40")
    submit(client, task, clock, now, percent="70")
    assert Report.objects.get().percent == 70


def test_accept_moves_task_progress_and_notifies(login, alice, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    submit(login(bob), task, clock, now, percent="60")
    report = Report.objects.get()
    admin = login(alice)
    response = admin.post(f"/tracking/reports/{report.pk}/accept/", {"version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    task.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert (task.status, task.percent) == ("in_progress", 60)
    assert Notification.objects.filter(user=bob, text__contains="已采纳").exists()
    # An accepted report is final.
    response = submit(login(bob), task, clock, now, percent="90")
    assert "已被采纳" in response.content.decode()
    assert Report.objects.get().percent == 60


def test_return_needs_a_comment_and_reporter_can_resubmit(login, alice, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    submit(login(bob), task, clock, now)
    report = Report.objects.get()
    admin = login(alice)
    page = admin.post(f"/tracking/reports/{report.pk}/return/", {"comment": ""}, follow=True)
    assert "退回时必须填写审核意见" in page.content.decode()
    admin.post(f"/tracking/reports/{report.pk}/return/", {"comment": "请补充发放明细"})
    report.refresh_from_db()
    assert report.status == Report.Status.RETURNED
    assert Notification.objects.filter(user=bob, text__contains="请补充发放明细").exists()
    form = login(bob).get(report_url(task) + "?period=2022年9月").content.decode()
    assert "请补充发放明细" in form
    submit(login(bob), task, clock, now, percent="65")
    report.refresh_from_db()
    assert (report.status, report.percent) == (Report.Status.SUBMITTED, 65)
    task.refresh_from_db()
    assert task.percent == 0  # only an accepted report moves the task


def test_stale_review_is_refused(login, alice, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    submit(login(bob), task, clock, now)
    report = Report.objects.get()
    stale = report.version
    submit(login(bob), task, clock, now, percent="75")
    page = (
        login(alice)
        .post(f"/tracking/reports/{report.pk}/accept/", {"version": stale}, follow=True)
        .content.decode()
    )
    assert "该内容已被他人修改，请刷新后重试" in page
    assert Report.objects.get().status == Report.Status.SUBMITTED


def test_every_change_is_in_the_task_history(login, alice, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    submit(login(bob), task, clock, now, percent="60")
    report = Report.objects.get()
    login(alice).post(f"/tracking/reports/{report.pk}/accept/", {"version": report.version})
    actions = list(
        AuditLog.objects.filter(task_id_ref=task.pk)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["task.create", "report.submit", "task.progress", "report.accept"]
    page = login(alice).get(f"/tracking/tasks/{task.pk}/").content.decode()
    for label in ("生成任务", "提交报送", "更新任务进度", "采纳报送", "李商务", "王管理"):
        assert label in page
    progress = AuditLog.objects.get(action="task.progress")
    assert progress.before == {"status": "not_started", "percent": 0}
    assert progress.after == {"status": "in_progress", "percent": 60}


def test_roll_up_task_to_measure_to_document(published, tasks):
    from policyledger.web.tracking.services.rollup import progress_by_document, progress_by_measure

    a, b = tasks[("一、", "市商务局")], tasks[("一、", "市财政局")]
    Task.objects.filter(pk=a.pk).update(percent=100, weight=3)
    Task.objects.filter(pk=b.pk).update(percent=20, weight=1)
    by_measure = progress_by_measure()
    assert by_measure[a.measure_id] == (100 * 3 + 20 * 1) / 4
    # Measures 二 and 三 are at 0; equal measure weights.
    assert progress_by_document()[published.pk] == (80 + 0 + 0) / 3


@pytest.mark.postgres
def test_concurrent_submissions_keep_one_report(transactional_db, bob, tasks):
    """Eight simultaneous submissions for one task and period on PostgreSQL: one row, none lost."""
    import threading

    from django.db import connection

    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import submit_report

    task = tasks[("一、", "市商务局")]
    period = parse_period("2022年9月", "monthly")
    barrier = threading.Barrier(8, timeout=DEADLINE_S)
    errors = []

    def worker(percent):
        try:
            barrier.wait()
            submit_report(
                bob,
                task,
                period,
                task_status="in_progress",
                percent=percent,
                narrative=f"第{percent}次",
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(10 + i,)) for i in range(8)]
    for t in threads:
        t.start()
    join_all(threads)
    assert errors == []
    report = Report.objects.get(task=task)
    # Every submission was applied in turn under the row lock: eight versions, last one wins.
    assert report.version == 1 + 8
    assert report.narrative == f"第{report.percent}次"
    assert AuditLog.objects.filter(action="report.submit", task_id_ref=task.pk).count() == 8


def test_admin_edits_a_task_and_history_shows_before_and_after(login, alice, bob, tasks, units):
    task = tasks[("二、", "市发展改革委")]
    client = login(alice)
    response = client.post(
        f"/tracking/tasks/{task.pk}/edit/",
        {
            "version": task.version,
            "deadline": "2023-03-31",
            "weight": "2",
            "support": [units["市财政局"].pk],
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.deadline.isoformat() == "2023-03-31" and task.weight == 2
    assert list(task.support_units.all()) == [units["市财政局"]]
    entry = AuditLog.objects.get(action="task.edit")
    assert entry.before["deadline"] == "2023-06-30" and entry.after["deadline"] == "2023-03-31"
    assert entry.after["support_units"] == ["市财政局"]
    page = client.get(f"/tracking/tasks/{task.pk}/").content.decode()
    assert "修改任务" in page and "2023-06-30" in page and "2023-03-31" in page
    # A stale form is refused; a reporter may not edit at all.
    stale = client.post(
        f"/tracking/tasks/{task.pk}/edit/",
        {"version": task.version - 1, "deadline": "2024-01-01", "weight": "1"},
        follow=True,
    )
    assert "该内容已被他人修改，请刷新后重试" in stale.content.decode()
    bob_task = tasks[("一、", "市商务局")]
    assert (
        login(bob).post(f"/tracking/tasks/{bob_task.pk}/edit/", {"weight": "1"}).status_code == 403
    )


def test_value_for_another_measures_target_is_refused(bob, tasks):
    import pytest

    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import ReportError, submit_report

    own = tasks[("一、", "市商务局")]
    foreign = tasks[("二、", "市发展改革委")].measure.targets.get()
    with pytest.raises(ReportError, match="不属于该任务"):
        submit_report(
            bob,
            own,
            parse_period("2022年9月", "monthly"),
            task_status="in_progress",
            percent=10,
            narrative="",
            values={foreign.pk: 1.0},
        )
    assert Report.objects.count() == 0


@pytest.mark.parametrize("achieved", ["nan", "inf", "-inf", "1e999", "9" * 400])
def test_an_achieved_value_that_is_no_finite_number_is_refused(
    login, bob, tasks, clock, now, achieved
):
    task = tasks[("一、", "市商务局")]
    target = task.measure.targets.get(kind="money")
    response = submit(login(bob), task, clock, now, **{f"target-{target.pk}": achieved})
    assert response.status_code == 400
    assert "完成值须为数字" in response.content.decode()
    assert not Report.objects.exists()
