"""Issue 11: the review queue at scale: filters, batch accept, next/previous, context beside it."""

from __future__ import annotations

import pytest

from policyledger.web.core.models import AuditLog
from policyledger.web.tracking.models import Report
from policyledger.web.tracking.services.periods import parse_period
from policyledger.web.tracking.services.reports import ReportError, submit_report
from policyledger.web.tracking.services.review_queue import batch_accept

AUGUST = parse_period("2022年8月", "monthly")
SEPTEMBER = parse_period("2022年9月", "monthly")


def _submit(user, task, period, percent, narrative=""):
    return submit_report(
        user, task, period, task_status="in_progress", percent=percent, narrative=narrative
    )


@pytest.fixture
def queue(tasks, people, clock, now):
    """Three September reports waiting (two from 市商务局, one from 市财政局), and 市商务局's
    accepted August report on 发放消费券."""
    from policyledger.web.tracking.services.reports import accept_report

    bob, carol = people["bob"], people["carol"]
    coupons, night = tasks[("一、", "市商务局")], tasks[("三、", "市商务局")]
    with clock(now.replace(day=1)):
        august = _submit(bob, coupons, AUGUST, 30, "八月发放第一批")
        accept_report(people["alice"], august.pk)
    with clock(now):
        a = _submit(bob, coupons, SEPTEMBER, 60, "九月发放第二批")
    with clock(now.replace(hour=10)):
        b = _submit(bob, night, SEPTEMBER, 20)
    with clock(now.replace(hour=11)):
        c = _submit(carol, tasks[("一、", "市财政局")], SEPTEMBER, 50)
    return {"august": august, "a": a, "b": b, "c": c}


def _rows(page: str) -> int:
    return page.count('name="report" value=')


def test_filters_by_unit_document_period_and_status(login, alice, units, queue, published):
    client = login(alice)
    assert _rows(client.get("/tracking/reports/").content.decode()) == 3
    commerce = units["市商务局"].pk
    page = client.get(f"/tracking/reports/?unit={commerce}").content.decode()
    assert _rows(page) == 2 and "市财政局" not in page.split("<tbody>")[1]
    page = client.get(f"/tracking/reports/?document={published.pk}&period=2022年9月").content
    assert _rows(page.decode()) == 3
    page = client.get("/tracking/reports/?period=2022年8月").content.decode()
    assert _rows(page) == 0
    page = client.get("/tracking/reports/?status=accepted&period=2022年8月").content.decode()
    assert "八月" not in page and "2022年8月" in page.split("<tbody>")[1]


def test_batch_accept_in_one_transaction_audited(login, alice, units, queue):
    client = login(alice)
    commerce = units["市商务局"].pk
    response = client.post(
        "/tracking/reports/batch-accept/",
        {"report": [queue["a"].pk, queue["b"].pk], "back": f"?unit={commerce}"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?unit={commerce}")
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses[queue["a"].pk] == statuses[queue["b"].pk] == "accepted"
    assert statuses[queue["c"].pk] == "submitted"
    batch = AuditLog.objects.get(action="report.batch_accept")
    assert batch.after == {"reports": sorted([queue["a"].pk, queue["b"].pk]), "count": 2}
    assert batch.actor == alice
    assert AuditLog.objects.filter(action="report.accept").count() == 3  # August's too


def test_one_report_not_waiting_refuses_the_whole_batch(alice, queue):
    with pytest.raises(
        ReportError, match="未采纳任何报送：市商务局“发放消费券”2022年8月的报送当前为“已采纳”"
    ):
        batch_accept(alice, [queue["a"].pk, queue["august"].pk, queue["c"].pk])
    assert Report.objects.filter(status="submitted").count() == 3
    assert not AuditLog.objects.filter(action="report.batch_accept").exists()


def test_batch_accept_is_for_administrators_only(login, bob, dave, queue):
    for user in (bob, dave):
        response = login(user).post("/tracking/reports/batch-accept/", {"report": [queue["a"].pk]})
        assert response.status_code == 403
    assert Report.objects.filter(status="submitted").count() == 3


def test_detail_has_next_previous_and_the_context_beside_it(login, alice, units, queue):
    client = login(alice)
    commerce = units["市商务局"].pk
    page = client.get(f"/tracking/reports/{queue['a'].pk}/?unit={commerce}").content.decode()
    # Within the filtered queue: a -> b (c belongs to another unit).
    assert f'href="/tracking/reports/{queue["b"].pk}/?status=submitted&amp;unit={commerce}"' in page
    assert 'id="prev-report"' not in page
    # The measure, its target and last period's report beside the one under review.
    assert "市级财政安排1000万元发放消费券" in page
    assert "1,000万元" in page
    assert "2022年8月（已采纳）：推进中，30%" in page and "八月发放第一批" in page
    page = client.get(f"/tracking/reports/{queue['b'].pk}/?unit={commerce}").content.decode()
    assert 'id="prev-report"' in page and 'id="next-report"' not in page
    assert "无（首次报送）" in page


def test_accept_moves_on_to_the_next_report_of_the_queue(login, alice, queue):
    client = login(alice)
    a, b = queue["a"], queue["b"]
    response = client.post(
        f"/tracking/reports/{a.pk}/accept/",
        {"version": Report.objects.get(pk=a.pk).version, "next": b.pk, "back": "?status=submitted"},
    )
    assert response["Location"] == f"/tracking/reports/{b.pk}/?status=submitted"


def test_warnings_page_filters_by_kind_state_and_unit(login, alice, units, tasks, now):
    from policyledger.web.tracking.models import WarningFlip

    coupons = tasks[("一、", "市商务局")]
    WarningFlip.objects.create(
        kind="deadline", task=coupons, old="normal", new="overdue", at=now, detail="甲号预警"
    )
    WarningFlip.objects.create(kind="deadline", task=tasks[("一、", "市财政局")], old="normal",
                               new="due_soon", at=now, detail="乙号预警")  # fmt: skip
    WarningFlip.objects.create(kind="missing_report", unit=units["市财政局"], old="normal",
                               new="missing", at=now, detail="丙号预警")  # fmt: skip
    client = login(alice)

    # Chinese markers: a random CSRF token or CSP nonce in the page may contain "B2", never these.
    def shown(query):
        page = client.get(f"/tracking/warnings/?{query}").content.decode()
        return {d for d in ("甲号预警", "乙号预警", "丙号预警") if d in page}

    assert shown("") == {"甲号预警", "乙号预警", "丙号预警"}
    assert shown("kind=deadline") == {"甲号预警", "乙号预警"}
    assert shown("new=overdue") == {"甲号预警"}
    assert shown(f"unit={units['市财政局'].pk}") == {"乙号预警", "丙号预警"}
