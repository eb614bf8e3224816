"""The number of SQL queries of list and dashboard endpoints does not grow with the rows:
measured with 5 and with 50 tasks (each with support units, a report with values, a warning
change), it must be the same."""

from __future__ import annotations

import datetime as dt

import pytest
from api_helpers import ApiClient, issue
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


def grow(units, admin, n: int) -> None:
    """Add a published document with ``n`` tasks, split between 市商务局 and 市财政局."""
    from django.utils import timezone

    from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument, Target
    from policyledger.web.tracking.models import Report, ReportValue, Task, WarningFlip

    document = PolicyDocument.objects.create(
        title=f"文件{n}", status=PolicyDocument.Status.PUBLISHED, published_at=timezone.now()
    )
    leads = [units["市商务局"], units["市财政局"]]
    support = units["市市场监管局"]
    for i in range(n):
        measure = Measure.objects.create(
            document=document, number=f"{i}.", heading=f"措施{i}", order=i
        )
        MeasureUnit.objects.create(measure=measure, unit=leads[i % 2], raw_name=leads[i % 2].name)
        target = Target.objects.create(
            measure=measure, kind="money", value=1000 * i, unit="元", text=f"{i}元"
        )
        task = Task.objects.create(
            measure=measure,
            lead_unit=leads[i % 2],
            deadline=dt.date(2022, 12, 31),
            warning=Task.Warning.DUE_SOON if i % 3 else Task.Warning.NORMAL,
        )
        task.support_units.set([support])
        report = Report.objects.create(
            task=task,
            period_label="2022年9月",
            period_start=dt.date(2022, 9, 1),
            period_end=dt.date(2022, 9, 30),
            status=Report.Status.SUBMITTED,
            percent=i % 100,
            submitted_by=admin,
        )
        ReportValue.objects.create(report=report, target=target, achieved=500.0 * i)
        WarningFlip.objects.create(
            kind=WarningFlip.Kind.DEADLINE,
            task=task,
            old="normal",
            new="due_soon",
            at=timezone.now(),
        )


API_PATHS = [
    "/tasks/?limit=200",
    "/tasks/?limit=200&unit={unit}",
    "/reports/?limit=200",
    "/measures/?limit=200",
    "/documents/?limit=200",
    "/warnings/?limit=200",
    "/warnings/levels",
    "/units/?limit=200",
    "/summary",
]


def count(fn) -> int:
    # A request clears the query log as it starts: begin from an empty log, or the context would
    # slice an earlier request's log and see nothing.
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, response.content[:300]
    assert ctx.captured_queries, "no query captured: the count would prove nothing"
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["alice", "bob", "dave"])
def test_api_lists_have_constant_query_counts(who, people, units):
    user = people[who]
    client = ApiClient(issue(user))
    unit = units["市商务局"].pk
    client.get("/me")  # the token's first use writes last_used_at; keep that out of the counts
    grow(units, people["alice"], 5)
    small = {p: count(lambda p=p: client.get(p.format(unit=unit))) for p in API_PATHS}
    grow(units, people["alice"], 45)
    large = {p: count(lambda p=p: client.get(p.format(unit=unit))) for p in API_PATHS}
    assert large == small
    # And the lists did grow, so the equality above means something.
    assert client.get("/tasks/?limit=200").json()["count"] >= 25


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_dashboard_api_and_pages_have_constant_query_counts(who, people, units, login):
    client = ApiClient(issue(people[who]))
    browser = login(people[who])
    pages = ["/", "/tracking/tasks/", "/tracking/dashboard/data.json", "/tracking/dashboard/"]
    client.get("/me")  # the token's first use writes last_used_at; keep that out of the counts
    grow(units, people["alice"], 5)
    small = {"api": count(lambda: client.get("/dashboard"))}
    small |= {p: count(lambda p=p: browser.get(p)) for p in pages}
    grow(units, people["alice"], 45)
    large = {"api": count(lambda: client.get("/dashboard"))}
    large |= {p: count(lambda p=p: browser.get(p)) for p in pages}
    assert large == small
