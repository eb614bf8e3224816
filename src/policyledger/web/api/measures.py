"""Measures of a document with their units and targets; administrators correct them in review."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404
from ninja import Field, Query, Router, Schema

from policyledger.web.accounts import permissions
from policyledger.web.accounts.services import normalise_name
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
from policyledger.web.documents.models import Measure
from policyledger.web.documents.services import review

router = Router(tags=["措施"])


class MeasureUnitOut(Schema):
    id: int
    raw_name: str = Field(..., description="原文中的单位名称")
    role: str = Field(..., description="lead 牵头 / support 配合")
    unit_id: int | None = Field(..., description="匹配到的登记单位；未匹配时为空")
    unit_name: str | None


class TargetOut(Schema):
    id: int
    kind: str
    value: Any
    unit: str
    qualifier: str
    per: str
    text: str
    deadline: dt.date | None


class MeasureOut(Schema):
    id: int
    document_id: int
    number: str
    section: str
    heading: str
    text: str
    span_start: int | None
    span_end: int | None
    order: int
    weight: float
    version: int
    units: list[MeasureUnitOut]
    targets: list[TargetOut]


class MeasurePage(Schema):
    items: list[MeasureOut]
    count: int
    limit: int
    offset: int


class MeasureFilter(Schema):
    document: OptionalId = None
    q: Text | None = Field(None, max_length=100, description="重点任务或措施内容包含")


UnitName = Annotated[Text, Field(max_length=200)]


def _names(names: list[str] | None) -> list[str] | None:
    """Unit names as the review page takes them: spaces removed, blanks and repeats dropped."""
    if names is None:
        return None
    out: list[str] = []
    for name in names:
        key = normalise_name(name)
        if key and key not in out:
            out.append(key)
    return out


class MeasureEditIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID, description="读取时的版本号")
    heading: Text | None = Field(None, max_length=300)
    text: Text | None = Field(None, max_length=20000)
    lead_units: list[UnitName] | None = Field(None, max_length=50, description="牵头单位名称")
    support_units: list[UnitName] | None = Field(None, max_length=50, description="配合单位名称")
    deadline: dt.date | None = Field(None, description="完成时限；显式传 null 表示清除")
    weight: float | None = Field(None, gt=0, le=100, allow_inf_nan=False)


def measure_out(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "document_id": m.document_id,
        "number": m.number,
        "section": m.section,
        "heading": m.heading,
        "text": m.text,
        "span_start": m.span_start,
        "span_end": m.span_end,
        "order": m.order,
        "weight": m.weight,
        "version": m.version,
        "units": [
            {
                "id": link.pk,
                "raw_name": link.raw_name,
                "role": link.role,
                "unit_id": link.unit_id,
                "unit_name": link.unit.name if link.unit is not None else None,
            }
            for link in m.unit_links.all()
        ],
        "targets": [{"id": t.pk, **t.state()} for t in m.targets.all()],
    }


def visible_measures(user):
    """Measures of the documents the user may read (the review page shows them all)."""
    return Measure.objects.filter(
        document__in=permissions.visible_documents(user).values("pk")
    ).prefetch_related("unit_links__unit", "targets")


def measure_for(user, pk: int) -> Measure:
    measure = visible_measures(user).filter(pk=pk).first()
    if measure is None:
        raise Http404("措施不存在")
    return measure


@router.get("/", response={200: MeasurePage, **ERRORS}, summary="措施列表")
def list_measures(request, filters: Query[MeasureFilter], pagination: Query[PageIn]):
    qs = visible_measures(caller(request)).order_by("document_id", "order", "pk")
    if filters.document is not None:
        qs = qs.filter(document_id=filters.document)
    if filters.q:
        from django.db.models import Q

        qs = qs.filter(Q(heading__icontains=filters.q) | Q(text__icontains=filters.q))
    result = page(qs, pagination)
    result["items"] = [measure_out(m) for m in result["items"]]
    return result


@router.get("/{id}", response={200: MeasureOut, **ERRORS}, summary="措施详情")
def get_measure(request, id: PathId):
    return measure_out(measure_for(caller(request), id))


@router.patch(
    "/{id}",
    response={200: MeasureOut, **WRITE_ERRORS},
    summary="修改措施（管理员，审核阶段）",
    description="只改传入的字段；版本号不一致时返回 409。",
)
def edit_measure(request, id: PathId, payload: MeasureEditIn):
    user = caller(request)
    measure = measure_for(user, id)
    permissions.require_admin(user)
    deadline: Any = "keep"
    if "deadline" in payload.model_fields_set:
        deadline = payload.deadline
    review.edit_measure(
        user,
        measure.pk,
        payload.version,
        heading=payload.heading,
        text=payload.text,
        lead_units=_names(payload.lead_units),
        support_units=_names(payload.support_units),
        deadline=deadline,
        weight=payload.weight,
    )
    return measure_out(measure_for(user, id))
