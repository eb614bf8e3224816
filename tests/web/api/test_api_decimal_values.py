"""House rule "Money is integer fen or Decimal, never float": achieved values are Decimal from the
report form, the API and the service to the database, the API's answer, the audit log and the
briefing's money sum (0.1 + 0.2 is 0.3 there, not 0.30000000000000004)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from api_helpers import ApiClient, issue

from policyledger.web.core.models import AuditLog
from policyledger.web.tracking.models import Report, ReportValue
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import accept_report


def test_amounts_round_trip_exactly_through_page_api_and_briefing(
    login, alice, bob, carol, tasks, clock, now
):
    from policyledger.web.tracking.briefings.data import collect_briefing

    ours, theirs = tasks[("一、", "市商务局")], tasks[("一、", "市财政局")]
    money = ours.measure.targets.get(kind="money")
    # The page: typed with a thousands separator, as people write it.
    with clock(now):
        response = login(bob).post(
            f"/tracking/tasks/{ours.pk}/report/",
            {
                "period": "2022年8月",
                "task_status": "in_progress",
                "percent": "30",
                f"target-{money.pk}": "12,345,678.90",
            },
        )
    assert response.status_code == 302, response.content[:500]
    stored = ReportValue.objects.get(report__period_label="2022年8月")
    assert isinstance(stored.achieved, Decimal) and stored.achieved == Decimal("12345678.90")
    august = stored.report
    # The API answers it as exact decimal text, and the form shows it back as typed.
    api = ApiClient(issue(bob))
    body = api.get(f"/reports/{august.pk}").json()
    assert body["values"] == [{"target_id": money.pk, "achieved": "12345678.9"}]
    with clock(now):
        form = login(bob).get(f"/tracking/tasks/{ours.pk}/report/?period=2022年8月")
    assert 'value="12345678.9"' in form.content.decode()

    # The API: a decimal string and a JSON number, from the measure's two lead units.
    with clock(now):
        first = api.post(
            f"/tasks/{ours.pk}/reports",
            {"period": "2022年9月", "task_status": "in_progress", "percent": 40,
             "values": {str(money.pk): "0.1"}},
        )  # fmt: skip
        second = ApiClient(issue(carol)).post(
            f"/tasks/{theirs.pk}/reports",
            {"period": "2022年9月", "task_status": "in_progress", "percent": 40,
             "values": {str(money.pk): 0.2}},
        )  # fmt: skip
    assert first.status_code == 201 and second.status_code == 201, second.content
    assert first.json()["values"] == [{"target_id": money.pk, "achieved": "0.1"}]
    assert second.json()["values"] == [{"target_id": money.pk, "achieved": "0.2"}]
    september = sorted(
        ReportValue.objects.filter(report__period_label="2022年9月").values_list(
            "achieved", flat=True
        )
    )
    assert september == [Decimal("0.1"), Decimal("0.2")]
    entry = AuditLog.objects.filter(action="report.submit", object_id=str(first.json()["id"]))
    assert entry.get().after["values"] == {str(money.pk): "0.1"}

    # The export's figure: the briefing adds the newest accepted figure of each task.
    with clock(now):
        for report in Report.objects.filter(period_label="2022年9月"):
            accept_report(alice, report.pk)
    briefing = collect_briefing(
        parse_period("2022年9月", "monthly"), today=now.date() + dt.timedelta(days=1)
    )
    assert isinstance(briefing.money_achieved, Decimal)
    assert briefing.money_achieved == Decimal("0.3")


def test_more_than_four_decimals_round_half_up_and_out_of_range_is_refused(bob, tasks, clock, now):
    import pytest

    from policyledger.web.tracking.services.reports import ReportError, submit_report

    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    period = parse_period("2022年9月", "monthly")
    with clock(now):
        report = submit_report(
            bob, task, period, task_status="in_progress", percent=1, narrative="",
            values={money.pk: "1.23455"},
        )  # fmt: skip
        assert report.values.get().achieved == Decimal("1.2346")
        with pytest.raises(ReportError, match="完成值须为数字"):
            submit_report(
                bob, task, period, task_status="in_progress", percent=1, narrative="",
                values={money.pk: "1000000000000000.01"},
            )  # fmt: skip


def test_minus_zero_and_tiny_values_answer_as_stored(bob, tasks, clock, now):
    """-0 (and a value that rounds to it) answered "-0" in the API and the audit log while the
    database keeps 0; they now read 0 everywhere."""
    task = tasks[("一、", "市商务局")]
    money = task.measure.targets.get(kind="money")
    api = ApiClient(issue(bob))
    for typed in ("-0", "-0.00001", "-1E-30"):
        with clock(now):
            response = api.post(
                f"/tasks/{task.pk}/reports",
                {"period": "2022年9月", "task_status": "in_progress", "percent": 1,
                 "values": {str(money.pk): typed}},
            )  # fmt: skip
        assert response.status_code == 201, response.content
        assert response.json()["values"] == [{"target_id": money.pk, "achieved": "0"}], typed
        Report.objects.all().delete()
    assert not any(
        "-0" in str(a.after) for a in AuditLog.objects.filter(action__startswith="report.")
    )
    assert AuditLog.objects.filter(action__startswith="report.").count() >= 3
    # Control: a negative value stays negative.
    with clock(now):
        response = api.post(
            f"/tasks/{task.pk}/reports",
            {"period": "2022年9月", "task_status": "in_progress", "percent": 1,
             "values": {str(money.pk): "-0.5"}},
        )  # fmt: skip
    assert response.json()["values"][0]["achieved"] == "-0.5"
