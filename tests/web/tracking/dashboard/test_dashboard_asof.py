"""The dashboard read as of a month's end (?period=YYYY-MM) or as of today (the default): a past
month's JSON does not move when reports, documents, withdrawals or closings arrive later."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policyledger.web.tracking.dashboard.data import choose_period

DATA = "/tracking/dashboard/data.json"
PAGE = "/tracking/dashboard/"
DRILL = "/tracking/dashboard/tasks/"
DEFAULT_DEADLINE = dt.date(2023, 6, 30)


def _at(now, month: int, day: int) -> dt.datetime:
    return dt.datetime(2022, month, day, 9, 0, tzinfo=now.tzinfo)


def _json(client, **params) -> dict:
    response = client.get(DATA, params)
    assert response.status_code == 200
    return response.json()


def _publish_another(alice, parse_data, sample_text):
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.documents.services.importing import apply_parsed
    from policyledger.web.documents.services.publish import publish

    doc = apply_parsed(
        PolicyDocument.objects.create(
            source_name="later.txt", original_text=sample_text, default_deadline=DEFAULT_DEADLINE
        ),
        parse_data(),
    )
    publish(alice, doc.pk, doc.version)
    return doc


def test_choose_period():
    today = dt.date(2022, 11, 3)
    assert choose_period("2022-10", today).label == "2022年10月"
    assert choose_period("2022年9月", today).label == "2022年9月"
    # The month under way, a future month and nonsense all mean 截至今日.
    for text in ("2022-11", "2023-01", "", None, "abc", "0000-01"):
        assert choose_period(text, today) is None


def test_a_past_month_stays_the_same_when_later_work_arrives(
    accepted, people, login, clock, now, parse_data, sample_text
):
    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import accept_report, submit_report

    client = login(people["dave"])
    with clock(_at(now, 10, 3)):
        september = _json(client, period="2022-09")
    assert september["period_label"] == "截至2022年9月末" and september["as_of"] == "2022-09-30"
    assert september["summary"]["tasks"] == 4 and september["summary"]["progress"] == 20.0
    task = accepted[("一、", "市商务局")]
    with clock(_at(now, 10, 8)):
        # October: the coupons are finished, a second document is published.
        report = submit_report(
            people["bob"], task, parse_period("2022年10月", "monthly"),
            task_status="done", percent=100, narrative="全部发放完毕。",
        )  # fmt: skip
        accept_report(people["alice"], report.pk)
        _publish_another(people["alice"], parse_data, sample_text)
    with clock(_at(now, 11, 3)):
        again = _json(client, period="2022-09")
        october = _json(client, period="2022-10")
        today = _json(client)
    assert again == september
    with clock(_at(now, 11, 3)):
        drilled = client.get(DRILL, {"period": "2022-09", "status": "in_progress"})
        done_now = client.get(DRILL, {"status": "done"})
    # September's drill-down shows the task as it was then (推进中, 80%), today's as it is now.
    [then] = drilled.context["page"].object_list
    assert (then.pk, then.status, then.percent) == (task.pk, "in_progress", 80)
    assert "截至2022年9月末" in drilled.content.decode()
    assert [(t.pk, t.percent) for t in done_now.context["page"].object_list] == [(task.pk, 100)]
    assert october["summary"]["tasks"] == 8 and october["summary"]["done"] == 1
    assert today["period_label"] == "截至今日" and today["as_of"] == "2022-11-03"
    assert today["summary"]["tasks"] == 8 and today["summary"]["done"] == 1


def test_a_withdrawal_changes_only_the_months_after_it(accepted, people, login, clock, now):
    from policyledger.web.documents.services.lifecycle import withdraw_document

    client = login(people["dave"])
    document = accepted[("一、", "市商务局")].measure.document
    with clock(_at(now, 10, 3)):
        september = _json(client, period="2022-09")
    with clock(_at(now, 10, 12)):
        withdraw_document(people["alice"], document.pk, "文件废止")
    with clock(_at(now, 11, 3)):
        assert _json(client, period="2022-09") == september
        october = _json(client, period="2022-10")
        today = _json(client)
    for data in (october, today):
        assert data["summary"]["tasks"] == 0 and data["sectors"] == []


def test_a_task_closed_by_republication_leaves_the_dashboard_after_its_closing(
    accepted, people, login, clock, now, units
):
    from policyledger.web.documents.services import lifecycle, review
    from policyledger.web.documents.services.publish import publish
    from policyledger.web.tracking.models import Task

    alice = people["alice"]
    finance = accepted[("一、", "市财政局")]
    document = finance.measure.document
    client = login(people["dave"])
    with clock(_at(now, 10, 15)):
        lifecycle.reopen_document(alice, document.pk, "牵头单位调整")
        m1 = document.measures.get(number="一、")
        review.edit_measure(
            alice, m1.pk, m1.version, heading=m1.heading, text=m1.text,
            lead_units=["市商务局"], support_units=[], deadline=finance.deadline, weight=None,
        )  # fmt: skip
        document.refresh_from_db()
        publish(alice, document.pk, document.version)
    assert Task.objects.get(pk=finance.pk).closed_at is not None
    with clock(_at(now, 11, 3)):
        september = _json(client, period="2022-09")
        october = _json(client, period="2022-10")
        today = _json(client)
        drilled = client.get(DRILL, {"unit": units["市财政局"].pk, "period": "2022-09"})
        drilled_now = client.get(DRILL, {"unit": units["市财政局"].pk})

    def finance_tasks(data):
        return next((u["total"] for u in data["units"] if u["name"] == "市财政局"), 0)

    assert finance_tasks(september) == 1 and september["summary"]["tasks"] == 4
    assert finance_tasks(october) == 0 and october["summary"]["tasks"] == 3
    assert finance_tasks(today) == 0 and today["summary"]["tasks"] == 3
    # The drill-down lists the tasks the figures counted.
    assert [t.pk for t in drilled.context["page"].object_list] == [finance.pk]
    assert list(drilled_now.context["page"].object_list) == []


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DATA, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_of_a_past_month_does_not_grow(
    accepted, people, login, alice, clock, now, parse_data, sample_text
):
    client = login(people["dave"])
    with clock(_at(now, 11, 3)):
        small = _queries(client, period="2022-10")
    for _ in range(3):
        with clock(_at(now, 10, 2)):
            _publish_another(alice, parse_data, sample_text)
    with clock(_at(now, 11, 3)):
        assert _json(client, period="2022-10")["summary"]["tasks"] == 16
        assert _queries(client, period="2022-10") == small


@pytest.mark.parametrize("period, label", [("", "截至今日"), ("2022-09", "2022年9月末")])
def test_page_has_the_period_selector_and_the_definition(
    accepted, people, login, clock, now, period, label
):
    with clock(_at(now, 10, 3)):
        html = login(people["dave"]).get(PAGE, {"period": period}).content.decode()
    assert 'name="period"' in html and '<option value="2022-09"' in html
    assert "口径：本页所有数字" in html and label in html
    if period:
        assert f'data-url="{DATA}?period=2022-09"' in html
        assert "单位排名（2022年9月，较上期）" in html
