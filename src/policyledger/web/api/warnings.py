"""Warnings: the history of 正常 / 临期 / 逾期 changes per task and 未按期报送 per unit, and the
current counts by level."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Count
from ninja import Field, Query, Router, Schema

from policyledger.web.accounts import permissions
from policyledger.web.api.auth import caller
from policyledger.web.core.api_schemas import ERRORS, OptionalId, PageIn, page
from policyledger.web.tracking.models import Task, WarningFlip

router = Router(tags=["预警"])


class FlipOut(Schema):
    id: int
    kind: str = Field(..., description="deadline 完成时限 / missing_report 未按期报送")
    kind_label: str
    task_id: int | None
    unit_id: int | None
    unit_name: str | None
    old: str
    new: str
    new_label: str
    period_label: str
    detail: str
    at: dt.datetime


class FlipPage(Schema):
    items: list[FlipOut]
    count: int
    limit: int
    offset: int


class FlipFilter(Schema):
    kind: Literal["deadline", "missing_report"] | None = None
    task: OptionalId = None
    unit: OptionalId = Field(None, description="单位（本单位的未按期报送，及其牵头任务的预警）")


class LevelCount(Schema):
    code: str
    label: str
    count: int


def visible_flips(user):
    """The same rule as the warnings page: flips of visible tasks, plus unit flips (a reporter
    sees only their own unit's)."""
    from django.db.models import Q

    tasks = permissions.visible_tasks(user).values("pk")
    if permissions.is_reporter(user):
        unit = permissions.unit_of(user)
        return WarningFlip.objects.filter(Q(task__in=tasks) | Q(unit=unit))
    if permissions.role_of(user) is None:
        return WarningFlip.objects.none()
    return WarningFlip.objects.filter(Q(task__in=tasks) | Q(unit__isnull=False))


_LABELS = {
    **dict(Task.Warning.choices),
    "missing": "未按期报送",
}


def flip_out(f: WarningFlip) -> dict:
    unit = f.unit if f.unit_id else (f.task.lead_unit if f.task_id else None)
    return {
        "id": f.pk,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "task_id": f.task_id,
        "unit_id": unit.pk if unit is not None else None,
        "unit_name": unit.name if unit is not None else None,
        "old": f.old,
        "new": f.new,
        "new_label": _LABELS.get(f.new, f.new),
        "period_label": f.period_label,
        "detail": f.detail,
        "at": f.at,
    }


@router.get("/", response={200: FlipPage, **ERRORS}, summary="预警变化记录")
def list_warnings(request, filters: Query[FlipFilter], pagination: Query[PageIn]):
    from django.db.models import Q

    qs = visible_flips(caller(request))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.task is not None:
        qs = qs.filter(task_id=filters.task)
    if filters.unit is not None:
        qs = qs.filter(Q(unit_id=filters.unit) | Q(task__lead_unit_id=filters.unit))
    qs = qs.select_related("unit", "task__lead_unit").order_by("-at", "-pk")
    result = page(qs, pagination)
    result["items"] = [flip_out(f) for f in result["items"]]
    return result


@router.get("/levels", response={200: list[LevelCount], **ERRORS}, summary="当前各预警等级的任务数")
def warning_levels(request):
    tasks = permissions.visible_tasks(caller(request))
    counts = dict(tasks.values_list("warning").annotate(n=Count("pk")).order_by())
    return [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in Task.Warning.choices
    ]
