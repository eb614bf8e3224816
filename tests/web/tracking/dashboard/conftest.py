"""A published programme with one accepted report (市商务局, 发放消费券, 80%, 2022年9月)."""

from __future__ import annotations

import pytest


@pytest.fixture
def accepted(tasks, people, clock, now):
    from policyledger.web.tracking.services.periods import parse_period
    from policyledger.web.tracking.services.reports import accept_report, submit_report

    task = tasks[("一、", "市商务局")]
    with clock(now):
        report = submit_report(
            people["bob"], task, parse_period("2022年9月", "monthly"),
            task_status="in_progress", percent=80, narrative="已发放第一批消费券。",
        )  # fmt: skip
        accept_report(people["alice"], report.pk)
    return tasks
