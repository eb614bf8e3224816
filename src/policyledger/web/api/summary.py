"""Dashboard figures for the caller's visible tasks: by status, by warning, by lead unit, by
document, and the review queue. A fixed number of aggregate queries whatever the number of rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q
from ninja import Router, Schema

from policyledger.web.accounts import permissions
from policyledger.web.api.auth import caller
from policyledger.web.core.api_schemas import ERRORS, OptionalId
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.tracking.models import Report, Task, TaskStatus
from policyledger.web.tracking.services.rollup import progress_by_document

router = Router(tags=["概览"])

# The dashboard shows every unit, but a unit registry of thousands would make the answer huge.
MAX_UNITS = 500
MAX_DOCUMENTS = 200


class LevelCount(Schema):
    code: str
    label: str
    count: int


class UnitProgress(Schema):
    unit_id: int
    unit_name: str
    tasks: int
    done: int
    overdue: int
    percent: float


class DocumentProgress(Schema):
    document_id: int
    title: str
    percent: float


class SummaryOut(Schema):
    tasks: int
    by_status: list[LevelCount]
    by_warning: list[LevelCount]
    by_unit: list[UnitProgress]
    documents: list[DocumentProgress]
    reports_submitted: int
    reports_returned: int


@router.get("/summary", response={200: SummaryOut, **ERRORS}, summary="概览（仪表盘数据）")
def summary(request):
    user = caller(request)
    tasks = permissions.visible_tasks(user)
    by_status = dict(tasks.values_list("status").annotate(n=Count("pk")).order_by())
    by_warning = dict(tasks.values_list("warning").annotate(n=Count("pk")).order_by())
    units = (
        tasks.values("lead_unit_id", "lead_unit__name")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=Q(warning=Task.Warning.OVERDUE)),
            avg=Avg("percent"),
        )
        .order_by("lead_unit__name")[:MAX_UNITS]
    )
    reports = permissions.visible_reports(user).values("status").annotate(n=Count("pk")).order_by()
    report_counts = {r["status"]: r["n"] for r in reports}
    documents = list(
        permissions.visible_documents(user)
        .filter(status=PolicyDocument.Status.PUBLISHED)
        .order_by("-published_at", "-pk")
        .values_list("pk", "title")[:MAX_DOCUMENTS]
    )
    progress = progress_by_document(pk for pk, _ in documents)
    return {
        "tasks": sum(by_status.values()),
        "by_status": [
            {"code": c, "label": label, "count": by_status.get(c, 0)}
            for c, label in TaskStatus.choices
        ],
        "by_warning": [
            {"code": c, "label": label, "count": by_warning.get(c, 0)}
            for c, label in Task.Warning.choices
        ],
        "by_unit": [
            {
                "unit_id": row["lead_unit_id"],
                "unit_name": row["lead_unit__name"],
                "tasks": row["n"],
                "done": row["done"],
                "overdue": row["overdue"],
                "percent": round(float(row["avg"] or 0), 1),
            }
            for row in units
        ],
        "documents": [
            {"document_id": pk, "title": title, "percent": round(progress.get(pk, 0.0), 1)}
            for pk, title in documents
        ],
        "reports_submitted": report_counts.get(Report.Status.SUBMITTED, 0),
        "reports_returned": report_counts.get(Report.Status.RETURNED, 0),
    }


@router.get(
    "/dashboard",
    response={200: dict[str, Any], **ERRORS},
    summary="仪表盘数据（管理员、领导）",
    description=(
        "与仪表盘页面相同的数据：按单位、状态、预警、完成时限、资金领域汇总，资金兑现（已承诺、"
        "已拨付，分）。period=2026-11 为截至该月末的状态（与同期通报一致），不填为截至今日；"
        "格式不正确或尚未开始的月份返回 400 bad_period。"
    ),
)
def dashboard(request, document: OptionalId = None, period: str = ""):
    permissions.require_role(caller(request), permissions.ADMIN, permissions.VIEWER)
    from policyledger.web.tracking.dashboard.data import dashboard_data, strict_period

    return dashboard_data(document, period=strict_period(period))
