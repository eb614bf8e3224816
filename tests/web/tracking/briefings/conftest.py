"""A programme with a period's worth of reports: the sample document published, 市商务局 reporting
and accepted, 市财政局 reporting but not yet reviewed, 市发展改革委 silent."""

from __future__ import annotations

import pytest

from policyledger.web.tracking.services.periods import parse_period

SEPTEMBER = parse_period("2022年9月", "monthly")
OCTOBER = parse_period("2022年10月", "monthly")
NARRATIVE = (
    "已在市区发放第一批餐饮零售消费券800万元，核销率达到72%。"
    "联合银联开展周末满减活动，带动消费约2.4亿元。下一步将发放第二批。"
)


def _report(user, task, period, *, status, percent, narrative="", values=None):
    from policyledger.web.tracking.services.reports import submit_report

    return submit_report(
        user, task, period, task_status=status, percent=percent, narrative=narrative,
        values=values or {},
    )  # fmt: skip


@pytest.fixture
def report():
    """``report(user, task, period, status=..., percent=..., narrative=..., values=...)`` submits."""
    return _report


@pytest.fixture
def periods():
    return {"september": SEPTEMBER, "october": OCTOBER, "narrative": NARRATIVE}


@pytest.fixture
def programme(tasks, people, clock, now):
    """Reports of September 2022 (filed on 2022-09-20); returns the tasks dict."""
    from policyledger.web.tracking.services.reports import accept_report

    coupons = tasks[("一、", "市商务局")]
    money = coupons.measure.targets.get(kind="money")
    with clock(now):
        accepted = _report(
            people["bob"], coupons, SEPTEMBER, status="in_progress", percent=80,
            narrative=NARRATIVE, values={money.pk: 8_000_000},
        )  # fmt: skip
        accept_report(people["alice"], accepted.pk)
        _report(
            people["carol"], tasks[("一、", "市财政局")], SEPTEMBER,
            status="in_progress", percent=50, narrative="资金已拨付。",
        )  # fmt: skip
    return tasks
