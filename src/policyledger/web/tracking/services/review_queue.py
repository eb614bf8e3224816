"""The review queue at scale: filters, neighbours for next/previous, the context beside a report,
and batch acceptance in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from policyledger.web.accounts import permissions
from policyledger.web.core import audit
from policyledger.web.tracking.models import Report
from policyledger.web.tracking.services.reports import ReportError, accept_report

logger = logging.getLogger("policyledger.web.tracking.reports")

MAX_BATCH = 500


@dataclass(frozen=True)
class QueueFilter:
    status: str = Report.Status.SUBMITTED
    unit: int | None = None
    document: int | None = None
    period: str = ""

    def query(self) -> dict[str, str]:
        """The filter as query-string parameters (empty ones left out)."""
        out = {"status": self.status}
        if self.unit:
            out["unit"] = str(self.unit)
        if self.document:
            out["document"] = str(self.document)
        if self.period:
            out["period"] = self.period
        return out


def filter_reports(reports: QuerySet[Report], f: QueueFilter) -> QuerySet[Report]:
    """The queue in its order (oldest submission first, so the office works first in, first out)."""
    if f.status in Report.Status.values:
        reports = reports.filter(status=f.status)
    if f.unit:
        reports = reports.filter(task__lead_unit_id=f.unit)
    if f.document:
        reports = reports.filter(task__measure__document_id=f.document)
    if f.period:
        reports = reports.filter(period_label=f.period)
    return reports.order_by("submitted_at", "pk")


def neighbours(reports: QuerySet[Report], report: Report) -> tuple[int | None, int | None]:
    """The previous and next report's ids in the filtered queue's order (two indexed queries)."""
    from django.db.models import Q

    key = report.submitted_at
    if key is None:
        return None, None
    before = Q(submitted_at__lt=key) | Q(submitted_at=key, pk__lt=report.pk)
    after = Q(submitted_at__gt=key) | Q(submitted_at=key, pk__gt=report.pk)
    prev = reports.filter(before).order_by("-submitted_at", "-pk").values_list("pk", flat=True)
    nxt = reports.filter(after).order_by("submitted_at", "pk").values_list("pk", flat=True)
    return prev.first(), nxt.first()


def previous_report(report: Report) -> Report | None:
    """The task's report for the period before this one (what the unit said last time)."""
    return (
        Report.objects.filter(task_id=report.task_id, period_start__lt=report.period_start)
        .exclude(status=Report.Status.DRAFT)
        .prefetch_related("values__target")
        .order_by("-period_start")
        .first()
    )


def batch_accept(user, report_ids: list[int], comment: str = "") -> list[Report]:
    """Accept many submitted reports at once: all or none, in one transaction, each audited.

    A report that is not (or no longer) waiting for review refuses the whole batch, naming it.
    """
    permissions.require_admin(user)
    ids = sorted(set(report_ids))
    if not ids:
        raise ReportError("请先勾选要采纳的报送")
    if len(ids) > MAX_BATCH:
        raise ReportError(f"一次最多采纳{MAX_BATCH}条报送")
    with transaction.atomic():
        found = {
            r.pk: r
            for r in Report.objects.select_for_update()
            .filter(pk__in=ids)
            .select_related("task__lead_unit", "task__measure")
        }
        problems = []
        for pk in ids:
            report = found.get(pk)
            if report is None:
                problems.append(f"报送{pk}不存在")
            elif report.status != Report.Status.SUBMITTED:
                problems.append(
                    f"{report.task.lead_unit.name}“{report.task.measure.heading or report.task.measure.number}”"
                    f"{report.period_label}的报送当前为“{report.get_status_display()}”"
                )
        if problems:
            raise ReportError("未采纳任何报送：" + "；".join(problems[:20]))
        accepted = [accept_report(user, pk, None, comment) for pk in ids]
        audit.record(
            user,
            "report.batch_accept",
            object_type="report",
            object_id="batch",
            after={"reports": ids, "count": len(ids)},
        )
    logger.info("%d reports accepted in one batch by %s", len(accepted), user)
    return accepted
