"""Issue 11: ``GET /api/v1/dashboard?period=YYYY-MM`` gives the page's figures as of that month's
end; a period that cannot be read is a 400 with a Chinese message, never a silent 截至今日."""

from __future__ import annotations

import datetime as dt

import pytest
from api_helpers import assert_error

DATA = "/tracking/dashboard/data.json"


def _at(now, month: int, day: int) -> dt.datetime:
    return dt.datetime(2022, month, day, 9, 0, tzinfo=now.tzinfo)


@pytest.fixture
def closed_in_october(tasks, people, clock, now):
    """市财政局's task of 一、 closed on 2022-10-15 (its lead removed on re-publication)."""
    from policyledger.web.documents.services import lifecycle, review
    from policyledger.web.documents.services.publish import publish

    finance = tasks[("一、", "市财政局")]
    document = finance.measure.document
    alice = people["alice"]
    with clock(_at(now, 10, 15)):
        lifecycle.reopen_document(alice, document.pk, "牵头单位调整")
        m1 = document.measures.get(number="一、")
        review.edit_measure(
            alice, m1.pk, m1.version, heading=m1.heading, text=m1.text,
            lead_units=["市商务局"], support_units=[], deadline=finance.deadline, weight=None,
        )  # fmt: skip
        document.refresh_from_db()
        publish(alice, document.pk, document.version)
    return tasks


def test_period_gives_the_pages_figures_as_of_the_months_end(
    closed_in_october, people, api, login, clock, now
):
    client, page = api(people["dave"]), login(people["dave"])
    with clock(_at(now, 11, 3)):
        september = client.get("/dashboard", {"period": "2022-09"})
        october = client.get("/dashboard", {"period": "2022-10"})
        today = client.get("/dashboard")
        assert september.status_code == october.status_code == today.status_code == 200
        assert september.json() == page.get(DATA, {"period": "2022-09"}).json()
        assert today.json() == page.get(DATA).json()
    assert september.json()["summary"]["tasks"] == 4
    assert september.json()["period_label"] == "截至2022年9月末"
    assert october.json()["summary"]["tasks"] == 3
    assert today.json()["period_label"] == "截至今日"
    assert "money" in september.json()


@pytest.mark.parametrize(
    "period", ["2022-13", "abc", "2022Q3", "2023-01", "0000-01", "2022-09\x00"]
)
def test_a_bad_period_is_a_chinese_400(tasks, people, api, clock, now, period):
    with clock(_at(now, 11, 3)):
        response = api(people["dave"]).get("/dashboard", {"period": period})
    data = assert_error(response, 400, "bad_period")
    assert "月份" in data["detail"] or "尚未开始" in data["detail"]


def test_the_month_under_way_is_as_of_today(tasks, people, api, clock, now):
    with clock(_at(now, 11, 3)):
        data = api(people["dave"]).get("/dashboard", {"period": "2022-11"}).json()
    assert data["period_label"] == "截至今日"
