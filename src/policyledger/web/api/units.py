"""Units (责任单位): the registry. A reporter sees only their own unit; administrators add units."""

from __future__ import annotations

import json
from typing import Literal

from django.db.models import Q
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from policyledger.web.accounts import permissions, services
from policyledger.web.accounts.models import Unit
from policyledger.web.api.auth import caller
from policyledger.web.core.api_schemas import (
    ERRORS,
    WRITE_ERRORS,
    OptionalId,
    PageIn,
    PathId,
    Text,
    page,
)

router = Router(tags=["责任单位"])


class UnitOut(Schema):
    id: int
    name: str
    aliases: list[str]
    level: str = Field(..., description="province 省 / city 市 / county 县，可为空")
    level_label: str
    parent_id: int | None
    active: bool
    report_warning: str = Field(..., description="normal 正常 / missing 未按期报送")
    report_warning_label: str


class UnitPage(Schema):
    items: list[UnitOut]
    count: int
    limit: int
    offset: int


class UnitFilter(Schema):
    q: Text | None = Field(None, max_length=100, description="名称或别名包含")
    level: Literal["province", "city", "county"] | None = None
    report_warning: Literal["normal", "missing"] | None = None


class UnitIn(Schema):
    name: Text = Field(..., max_length=100)
    level: Literal["", "province", "city", "county"] = ""
    parent_id: OptionalId = None
    aliases: list[Text] = Field(default_factory=list, max_length=50)


def unit_out(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "name": unit.name,
        "aliases": [str(a) for a in unit.aliases or []],
        "level": unit.level,
        "level_label": unit.get_level_display() if unit.level else "",
        "parent_id": unit.parent_id,
        "active": unit.active,
        "report_warning": unit.report_warning,
        "report_warning_label": unit.get_report_warning_display(),
    }


def visible_units(user):
    """Administrators and viewers see the registry; a reporter only their own unit."""
    role = permissions.role_of(user)
    if role in (permissions.ADMIN, permissions.VIEWER):
        return Unit.objects.all()
    own = permissions.unit_of(user)
    if role == permissions.REPORTER and own is not None:
        return Unit.objects.filter(pk=own.pk)
    return Unit.objects.none()


@router.get("/", response={200: UnitPage, **ERRORS}, summary="单位列表")
def list_units(request, filters: Query[UnitFilter], pagination: Query[PageIn]):
    qs = visible_units(caller(request)).order_by("name", "pk")
    if filters.q:
        # Aliases are a JSON list; a text match on it is enough for a search box. SQLite keeps the
        # JSON with \u escapes and PostgreSQL as UTF-8, so both spellings are tried.
        escaped = json.dumps(filters.q)[1:-1]
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(aliases__icontains=filters.q)
            | Q(aliases__icontains=escaped)
        )
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.report_warning:
        qs = qs.filter(report_warning=filters.report_warning)
    result = page(qs, pagination)
    result["items"] = [unit_out(u) for u in result["items"]]
    return result


@router.get("/{id}", response={200: UnitOut, **ERRORS}, summary="单位详情")
def get_unit(request, id: PathId):
    unit = visible_units(caller(request)).filter(pk=id).first()
    if unit is None:
        raise Http404("单位不存在")
    return unit_out(unit)


@router.post("/", response={201: UnitOut, **WRITE_ERRORS}, summary="新增单位（管理员）")
def create_unit(request, payload: UnitIn):
    user = caller(request)
    permissions.require_admin(user)
    parent = None
    if payload.parent_id is not None:
        parent = Unit.objects.filter(pk=payload.parent_id).first()
        if parent is None:
            raise Http404("上级单位不存在")
    unit = services.create_unit(
        payload.name,
        level=payload.level,
        parent=parent,
        aliases=list(payload.aliases),
        actor=user,
    )
    return Status(201, unit_out(unit))
