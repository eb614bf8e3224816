"""Issue 11: notifications name the task; review results reach a reporter as one digest a day."""

from __future__ import annotations

import datetime as dt

import pytest

from policyledger.web.core.models import Notification
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import accept_report, return_report, submit_report

SEPTEMBER = parse_period("2022年9月", "monthly")


def _submit(bob, task):
    return submit_report(bob, task, SEPTEMBER, task_status="in_progress", percent=10, narrative="")


def test_review_results_are_one_digest_per_day_naming_each_task(
    login, alice, bob, tasks, clock, now
):
    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    with clock(now):
        ra, rb = _submit(bob, a), _submit(bob, b)
        accept_report(alice, ra.pk)
        first = Notification.objects.get(user=bob)
        assert first.text == "您报送的“一、发放消费券”2022年9月进展已采纳"
        return_report(alice, rb.pk, "请补充佐证材料")
    digest = Notification.objects.get(user=bob)
    assert digest.count == 2
    assert (
        digest.text
        == "报送审核结果（今日2条）：您报送的“三、活跃夜间经济”2022年9月进展被退回：请补充佐证材料"
    )
    assert digest.lines[1] == first.text
    with clock(now):
        page = login(bob).get("/accounts/notifications/").content.decode()
    assert "今日共2条" in page and "“一、发放消费券”" in page
    # The next day starts a new digest.
    with clock(now + dt.timedelta(days=1)):
        rb2 = _submit(bob, b)
        accept_report(alice, rb2.pk)
    assert Notification.objects.filter(user=bob).count() == 2


def test_a_read_digest_is_not_added_to(alice, bob, tasks, clock, now):
    a, b = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    with clock(now):
        ra, rb = _submit(bob, a), _submit(bob, b)
        accept_report(alice, ra.pk)
        Notification.objects.filter(user=bob).update(read=True)
        accept_report(alice, rb.pk)
    assert sorted(Notification.objects.filter(user=bob).values_list("count", "read")) == [
        (1, False),
        (1, True),
    ]


def test_report_form_accepts_money_typed_as_600wan(login, bob, tasks, clock, now):
    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    client = login(bob)
    with clock(now):
        response = client.post(
            f"/tracking/tasks/{task.pk}/report/",
            {"period": "2022年9月", "task_status": "in_progress", "percent": 60,
             "narrative": "", f"target-{money.pk}": "600万"},
        )  # fmt: skip
    assert response.status_code == 302
    from policyledger.web.tracking.models import ReportValue

    assert ReportValue.objects.get().achieved == 6_000_000


@pytest.mark.parametrize("typed", ["1,5亿", "60,0万", "1,2,3"])
def test_report_form_refuses_commas_out_of_place(login, bob, tasks, clock, now, typed):
    """Commas were stripped before parsing, so 1,5亿 became 15亿 (ten times the amount meant)."""
    from policyledger.web.tracking.models import ReportValue

    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    count = task.measure.targets.exclude(kind__in=("money", "date")).first()
    client = login(bob)
    base = {"period": "2022年9月", "task_status": "in_progress", "percent": 60, "narrative": ""}
    fields = {f"target-{money.pk}": typed}
    if count is not None:
        fields[f"target-{count.pk}"] = typed
    with clock(now):
        response = client.post(f"/tracking/tasks/{task.pk}/report/", {**base, **fields})
        assert response.status_code == 400
        assert "完成值须为数字" in response.content.decode()
        assert not ReportValue.objects.exists()
        # Control: thousands in their places are read.
        response = client.post(
            f"/tracking/tasks/{task.pk}/report/", {**base, f"target-{money.pk}": "1,500万"}
        )
    assert response.status_code == 302
    assert ReportValue.objects.get().achieved == 15_000_000


def test_task_history_reads_in_chinese_with_names_not_ids(
    login, alice, bob, units, tasks, clock, now
):
    from policyledger.web.tracking.services.publishing import change_lead_unit

    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    with clock(now):
        report = submit_report(
            bob, task, SEPTEMBER, task_status="in_progress", percent=60, narrative="",
            values={money.pk: 6_000_000},
        )  # fmt: skip
        accept_report(alice, report.pk)
    task.refresh_from_db()
    change_lead_unit(alice, task.pk, units["市市场监管局"].pk)
    page = login(alice).get(f"/tracking/tasks/{task.pk}/").content.decode()
    history = page.split('class="grid history"')[1]
    assert "<b>牵头单位</b>：市商务局 → 市市场监管局" in history
    assert "<b>指标完成值</b>：— → 1000万元：6e+06" not in history
    assert "<b>指标完成值</b>：— → 1000万元：600万元" in history, history[:1500]
    assert "<b>完成进度</b>：0% → 60%" in history
    assert "<b>状态</b>：未启动 → 推进中" in history
    assert "values" not in history and "lead_unit" not in history


def test_administrators_get_one_digest_a_day_of_submissions(alice, bob, tasks, clock, now):
    """Issue 11: three submissions make one unread row per active administrator saying three,
    linking to the review queue; a new day starts a new row; a deactivated one gets none."""
    from policyledger.web.accounts.services import create_user

    other = create_user("erin", "x" * 12, role="admin")
    gone = create_user("frank", "x" * 12, role="admin")
    gone.is_active = False
    gone.save()
    a, b, c = (tasks[(n, "市商务局")] for n in ("一、", "三、", "一、"))
    with clock(now):
        _submit(bob, a)
        _submit(bob, b)
        submit_report(
            bob,
            c,
            parse_period("2022年10月", "monthly"),
            task_status="in_progress",
            percent=20,
            narrative="",
        )
    rows = list(Notification.objects.filter(digest="report.submitted").order_by("user_id"))
    assert [(n.user_id, n.count, n.read) for n in rows] == [
        (alice.pk, 3, False),
        (other.pk, 3, False),
    ]
    for row in rows:
        assert row.text == "新的进展报送（今日3条）：市商务局提交了“发放消费券”2022年10月的进展"
        assert row.lines == [
            "市商务局提交了“发放消费券”2022年10月的进展",
            "市商务局提交了“活跃夜间经济”2022年9月的进展",
            "市商务局提交了“发放消费券”2022年9月的进展",
        ]
        assert row.link == "/tracking/reports/?status=submitted"
    assert not Notification.objects.filter(user=gone).exists()
    assert not Notification.objects.filter(user=bob).exists()
    # A draft tells nobody; the next day starts a new digest.
    with clock(now + dt.timedelta(days=1)):
        submit_report(
            bob, b, SEPTEMBER, task_status="in_progress", percent=30, narrative="", draft=True
        )
        _submit(bob, b)
    counts = Notification.objects.filter(user=alice, digest="report.submitted")
    assert sorted(counts.values_list("count", flat=True)) == [1, 3]
    newest = counts.order_by("-digest_day").first()
    assert newest.text == "市商务局提交了“活跃夜间经济”2022年9月的进展"


def test_the_unread_digest_index_migration_keeps_the_newest_of_two(bob, clock, now):
    """Digests made twice by a race before the unique index existed: the migration's first step
    keeps the newest unread and marks the older one read, so the index can be created."""
    import importlib

    from django.apps import apps
    from django.db import IntegrityError, connection, transaction

    migration = importlib.import_module(
        "policyledger.web.core.migrations.0003_notification_one_unread_digest"
    )
    day = dt.date(2022, 9, 20)
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute('DROP INDEX "notification_one_unread_digest"')
    with clock(now):
        old = Notification.objects.create(user=bob, text="旧", digest="x", digest_day=day)
    with clock(now + dt.timedelta(minutes=1)):
        new = Notification.objects.create(user=bob, text="新", digest="x", digest_day=day)
        other = Notification.objects.create(user=bob, text="另一类", digest="y", digest_day=day)
    migration.keep_one_unread_digest(apps, None)
    assert set(Notification.objects.filter(read=False).values_list("pk", flat=True)) == {
        new.pk,
        other.pk,
    }
    assert Notification.objects.get(pk=old.pk).read
    # With the index back, a second unread digest of the same key is refused. (PostgreSQL
    # builds no index over rows with deferred foreign-key checks pending: run them first.)
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE UNIQUE INDEX "notification_one_unread_digest" ON "tracking_notification"'
            ' ("user_id", "digest", "digest_day") WHERE (NOT "read" AND NOT ("digest" = \'\'))'
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(user=bob, text="重复", digest="x", digest_day=day)


def test_a_digest_made_meanwhile_by_a_concurrent_review_is_added_to(bob, monkeypatch):
    """Two reviews of one reporter's reports at the same moment: both found no digest of the
    day, and the second insert hit the one-unread-digest index (an IntegrityError, a 500 after
    the review itself was saved). The competing insert is made to land between the look-up and
    the insert, as the other request's would."""
    from policyledger.web.core import notify

    real = type(Notification.objects).filter

    def competing(manager, *args, **kwargs):
        monkeypatch.setattr(type(Notification.objects), "filter", real)
        found = list(real(manager, *args, **kwargs))  # the look-up: nothing yet
        notify.digest([bob], "report.reviewed", "报送审核结果", "另一审核结果")
        return found

    monkeypatch.setattr(type(Notification.objects), "filter", competing)
    notify.digest([bob], "report.reviewed", "报送审核结果", "本次审核结果")
    row = Notification.objects.get(user=bob)
    assert row.count == 2
    assert row.lines == ["本次审核结果", "另一审核结果"]
    # Control: without a competitor, one event is one row counting one.
    notify.digest([bob], "other.kind", "其他", "一条")
    assert Notification.objects.get(user=bob, digest="other.kind").count == 1
