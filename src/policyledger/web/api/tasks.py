"""Tasks: list with filters (unit, status, warning level, document), detail, history, and the
reports of a task, including submitting one (the reporter's main write)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from policyledger.web.accounts import permissions
from policyledger.web.api.auth import caller
from policyledger.web.api.errors import ApiError
from policyledger.web.api.reports import ReportOut, ReportPage, report_out, reports_with_details
from policyledger.web.core.api_schemas import (
    ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    ErrorOut,
    IdName,
    OptionalId,
    PageIn,
    PathId,
    Text,
    page,
)
from policyledger.web.core.compiled import Compiled
from policyledger.web.core.models import AuditLog
from policyledger.web.tracking.models import Task
from policyledger.web.tracking.services import reports as report_services
from policyledger.web.tracking.services.periods import parse_period, period_containing
from policyledger.web.tracking.services.tasks import filter_tasks
from policyledger.web.uploads import TooLarge, read_capped

router = Router(tags=["任务"])

# The report form's own limit on attachments per submission.
MAX_ATTACHMENTS = 10

StatusCode = Literal["not_started", "in_progress", "done", "lagging"]
WarningCode = Literal["normal", "due_soon", "overdue"]


class TaskOut(Schema):
    id: int
    measure_id: int
    document_id: int
    document_title: str
    number: str
    heading: str
    text: str
    lead_unit: IdName
    support_units: list[IdName]
    deadline: dt.date | None
    status: str = Field(..., description="not_started 未启动 / in_progress 推进中 / done / lagging")
    status_label: str
    percent: int
    warning: str = Field(..., description="normal 正常 / due_soon 临期 / overdue 逾期")
    warning_label: str
    weight: float
    version: int
    updated_at: dt.datetime


class TaskPage(Schema):
    items: list[TaskOut]
    count: int
    limit: int
    offset: int


class TaskFilter(Schema):
    unit: OptionalId = Field(None, description="牵头或配合单位编号")
    status: StatusCode | None = None
    warning: WarningCode | None = None
    document: OptionalId = None
    q: Text | None = Field(None, max_length=100, description="重点任务或措施内容包含")


class HistoryOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any


class HistoryPage(Schema):
    items: list[HistoryOut]
    count: int
    limit: int
    offset: int


# A JSON number or a decimal string ("12345678.90"); stored as Decimal to 4 places, never float.
Achieved = Annotated[Decimal, Field(allow_inf_nan=False, ge=-(10**15), le=10**15)]
TargetId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ReportIn(Schema):
    period: Text | None = Field(
        None,
        max_length=40,
        description="报送周期，如 2022年9月、2022年第3季度、2022-09、2022Q3；缺省为当前周期",
    )
    task_status: StatusCode
    percent: int = Field(..., ge=0, le=100)
    narrative: Text = Field("", max_length=5000)
    values: dict[TargetId, Achieved] = Field(
        default_factory=dict, description="指标编号 -> 完成值（与该任务措施的量化指标对应）"
    )
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="修改已有报送时传读取时的版本号；不一致返回 409"
    )
    draft: bool = Field(False, description="true 只保存草稿，不提交审核")


def task_out(t: Task) -> dict[str, Any]:
    measure = t.measure
    return {
        "id": t.pk,
        "measure_id": t.measure_id,
        "document_id": measure.document_id,
        "document_title": measure.document.title,
        "number": measure.number,
        "heading": measure.heading,
        "text": measure.text,
        "lead_unit": {"id": t.lead_unit_id, "name": t.lead_unit.name},
        "support_units": [{"id": u.pk, "name": u.name} for u in t.support_units.all()],
        "deadline": t.deadline,
        "status": t.status,
        "status_label": t.get_status_display(),
        "percent": t.percent,
        "warning": t.warning,
        "warning_label": t.get_warning_display(),
        "weight": t.weight,
        "version": t.version,
        "updated_at": t.updated_at,
    }


def with_details(qs):
    # Only the document's title is needed; its original text and parse can be megabytes.
    return (
        qs.select_related("measure__document", "lead_unit")
        .defer("measure__document__original_text", "measure__document__parsed")
        .prefetch_related("support_units")
    )


@router.get("/", response={200: TaskPage, **ERRORS}, summary="任务列表（可按单位、状态、预警筛选）")
def list_tasks(request, filters: Query[TaskFilter], pagination: Query[PageIn]):
    qs = filter_tasks(permissions.visible_tasks(caller(request)), **filters.model_dump())
    qs = with_details(qs).order_by("measure__document_id", "measure__order", "pk")
    result = page(qs, pagination)
    result["items"] = [task_out(t) for t in result["items"]]
    return result


@router.get("/{id}", response={200: TaskOut, **ERRORS}, summary="任务详情")
def get_task(request, id: PathId):
    task = permissions.task_for(caller(request), id)
    return task_out(with_details(Task.objects.filter(pk=task.pk)).get())


@router.get("/{id}/history", response={200: HistoryPage, **ERRORS}, summary="任务的修改历史")
def task_history(request, id: PathId, pagination: Query[PageIn]):
    task = permissions.task_for(caller(request), id)
    qs = AuditLog.objects.filter(task_id_ref=task.pk).select_related("actor").order_by("-at", "-id")
    result = page(qs, pagination)
    result["items"] = [
        {
            "id": e.pk,
            "at": e.at,
            "actor": e.actor.get_username() if e.actor_id and e.actor else None,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "before": e.before,
            "after": e.after,
        }
        for e in result["items"]
    ]
    return result


@router.get("/{id}/reports", response={200: ReportPage, **ERRORS}, summary="任务的各期报送")
def task_reports(request, id: PathId, pagination: Query[PageIn]):
    user = caller(request)
    task = permissions.task_for(user, id)
    qs = reports_with_details(permissions.visible_reports(user).filter(task_id=task.pk))
    result = page(qs.order_by("-period_start", "-pk"), pagination)
    result["items"] = [report_out(r) for r in result["items"]]
    return result


# What submitting reads of a task: its measure (targets, the notice's text), the document's
# cycle (the period), the lead unit's name (the notice) and whether it is closed (the rights).
SUBMIT_TASK_FIELDS = (
    "measure_id",
    "lead_unit_id",
    "closed_at",
    "measure__number",
    "measure__heading",
    "measure__document__cycle",
    "lead_unit__name",
)

# Built once per connection (core.compiled): building it cost more than running it.
_SUBMIT_TASK = Compiled(
    lambda task_id: (
        Task.objects.select_related("measure__document", "lead_unit")
        .only(*SUBMIT_TASK_FIELDS)
        .filter(pk=task_id)
        .order_by()[:1]
    ),
    -987654321,
)


def _submit(request, task_id: int, payload: ReportIn, uploads=None):
    user = caller(request)
    # task_for's rule (404 unless visible, then 403 for a read-only user) with one query that
    # also brings the document's cycle and the unit's name: this is the API's busiest write, and
    # building a query over every column of four tables, or with the visibility rule's subquery,
    # cost more CPU than running it.
    # By primary key: [:1] rather than first(), whose ORDER BY costs more to build than to run.
    found = _SUBMIT_TASK.fetch(task_id)
    task = found[0] if found else None
    if task is None or not permissions.may_read_task(user, task):
        raise Http404("任务不存在")
    if not permissions.can_write(user):
        raise PermissionDenied("只读用户不能修改")
    cycle = task.measure.document.cycle
    if payload.period:
        period = parse_period(payload.period, cycle)
        if period is None:
            raise ApiError(
                422,
                "invalid_period",
                "报送周期格式不正确，例如 2022年9月、2022年第3季度、2022-09 或 2022Q3",
            )
    else:
        period = period_containing(timezone.localdate(), cycle)
    report = report_services.submit_report(
        user,
        task,
        period,
        task_status=payload.task_status,
        percent=payload.percent,
        narrative=payload.narrative,
        values=dict(payload.values),
        attachments=uploads,
        expected_version=payload.version,
        draft=payload.draft,
    )
    # The service returns the saved row; only its values and attachments need reading back.
    report.submitted_by = user if report.submitted_by_id == user.pk else report.submitted_by
    # The service says what the report holds now: a new report without uploads has no
    # attachments, and its values are known, so nothing is read back.
    attachments = [] if report.created and not uploads else None
    return Status(201, report_out(report, report.saved_values, attachments))


@router.post(
    "/{id}/reports",
    response={201: ReportOut, **WRITE_ERRORS},
    summary="报送进展（填报人：本单位任务；管理员：全部）",
    description="同一任务同一周期只有一条报送，重复提交即更新该条（已采纳的不能再改）。"
    "修改已有报送时传 version，若他人已修改则返回 409。",
)
def submit_report(request, id: PathId, payload: ReportIn):
    return _submit(request, id, payload)


class ReportFormIn(Schema):
    period: Text | None = Field(None, max_length=40, description="报送周期，缺省为当前周期")
    task_status: StatusCode
    percent: int = Field(..., ge=0, le=100)
    narrative: Text = Field("", max_length=5000)
    version: int | None = Field(None, ge=1, le=MAX_ID)
    draft: bool = False


@router.post(
    "/{id}/reports/files",
    response={201: ReportOut, **WRITE_ERRORS, 413: ErrorOut},
    summary="报送进展并上传附件（multipart）",
    description="字段同 JSON 报送（不含 values），附件字段名 attachments，可重复，最多10个；"
    "支持 PDF、图片（PNG/JPEG/GIF/WebP）、Excel（.xlsx），按内容识别类型。",
)
def submit_report_with_files(
    request,
    id: PathId,
    data: Form[ReportFormIn],
    attachments: File[list[UploadedFile]] = None,
):
    files = list(attachments or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ApiError(400, "too_many_files", f"一次最多上传{MAX_ATTACHMENTS}个附件")
    limit = settings.MAX_ATTACHMENT_BYTES
    try:
        # Each size checked before reading, and the read stops at the cap.
        uploads = [
            report_services.Upload(f.name or "附件", read_capped(f, limit, f"附件“{f.name}”"))
            for f in files
        ]
    except TooLarge as exc:
        raise ApiError(413, "too_large", str(exc)) from None
    payload = ReportIn(**data.model_dump())
    return _submit(request, id, payload, uploads)
