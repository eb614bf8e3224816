"""Progress reports: list, detail, and the administrator's accept / return (退回)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from policyledger.web.accounts import permissions
from policyledger.web.api.auth import caller
from policyledger.web.core.api_schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    OptionalId,
    PageIn,
    PathId,
    Text,
    page,
)
from policyledger.web.tracking.models import Report
from policyledger.web.tracking.services import reports as services
from policyledger.web.tracking.services.reports import achieved_text

router = Router(tags=["进展报送"])


class ValueOut(Schema):
    target_id: int
    achieved: str = Field(
        ...,
        description='完成值：精确的十进制数字字符串（最多4位小数，如 "10.5"、"8000000"）',
        examples=["10.5"],
    )


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class ReportOut(Schema):
    id: int
    task_id: int
    period_label: str
    period_start: dt.date
    period_end: dt.date
    status: str = Field(
        ..., description="draft 草稿 / submitted 已提交 / accepted 已采纳 / returned"
    )
    status_label: str
    task_status: str
    task_status_label: str
    percent: int
    narrative: str
    values: list[ValueOut]
    attachments: list[AttachmentOut]
    submitted_by: str | None
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_comment: str
    version: int


class ReportPage(Schema):
    items: list[ReportOut]
    count: int
    limit: int
    offset: int


class ReportFilter(Schema):
    status: Literal["draft", "submitted", "accepted", "returned"] | None = None
    task: OptionalId = None
    unit: OptionalId = Field(None, description="任务的牵头单位")


class ReviewIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID, description="读取时的版本号；不一致返回 409")
    comment: Text = Field("", max_length=2000, description="审核意见（退回时必填）")


def reports_with_details(qs):
    return qs.select_related("submitted_by", "reviewed_by").prefetch_related(
        "values", "attachments"
    )


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def report_out(
    r: Report, values: dict[int, Decimal] | None = None, attachments: list | None = None
) -> dict[str, Any]:
    """The API's view of a report; ``values`` and ``attachments`` when the caller has them."""
    if values is None:
        values = {v.target_id: v.achieved for v in r.values.all()}
    if attachments is None:
        attachments = list(r.attachments.all())
    return {
        "id": r.pk,
        "task_id": r.task_id,
        "period_label": r.period_label,
        "period_start": r.period_start,
        "period_end": r.period_end,
        "status": r.status,
        "status_label": r.get_status_display(),
        "task_status": r.task_status,
        "task_status_label": r.get_task_status_display(),
        "percent": r.percent,
        "narrative": r.narrative,
        "values": [{"target_id": k, "achieved": achieved_text(v)} for k, v in values.items()],
        "attachments": [
            {
                "id": a.pk,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/tracking/attachments/{a.pk}/",
            }
            for a in attachments
        ],
        "submitted_by": _username(r.submitted_by),
        "submitted_at": r.submitted_at,
        "reviewed_by": _username(r.reviewed_by),
        "reviewed_at": r.reviewed_at,
        "review_comment": r.review_comment,
        "version": r.version,
    }


def _one(pk: int) -> dict[str, Any]:
    return report_out(reports_with_details(Report.objects.filter(pk=pk)).get())


@router.get("/", response={200: ReportPage, **ERRORS}, summary="报送列表")
def list_reports(request, filters: Query[ReportFilter], pagination: Query[PageIn]):
    qs = permissions.visible_reports(caller(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.task is not None:
        qs = qs.filter(task_id=filters.task)
    if filters.unit is not None:
        qs = qs.filter(task__lead_unit_id=filters.unit)
    result = page(reports_with_details(qs).order_by("-period_start", "-pk"), pagination)
    result["items"] = [report_out(r) for r in result["items"]]
    return result


@router.get("/{id}", response={200: ReportOut, **ERRORS}, summary="报送详情")
def get_report(request, id: PathId):
    report = permissions.report_for(caller(request), id)
    return _one(report.pk)


@router.post("/{id}/accept", response={200: ReportOut, **WRITE_ERRORS}, summary="采纳（管理员）")
def accept_report(request, id: PathId, payload: ReviewIn):
    user = caller(request)
    report = permissions.report_for(user, id)
    permissions.require_admin(user)
    services.accept_report(user, report.pk, payload.version, payload.comment)
    return _one(report.pk)


@router.post(
    "/{id}/return", response={200: ReportOut, **WRITE_ERRORS}, summary="退回（管理员，须填意见）"
)
def return_report(request, id: PathId, payload: ReviewIn):
    user = caller(request)
    report = permissions.report_for(user, id)
    permissions.require_admin(user)
    services.return_report(user, report.pk, payload.comment, payload.version)
    return _one(report.pk)
