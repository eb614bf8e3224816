"""Values posted by monitored enterprises' own systems (the API): checked exactly as a file is."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from policyledger.releases.model import Problem
from policyledger.web.accounts import permissions
from policyledger.web.core.errors import ServiceError
from policyledger.web.monitoring.models import Indicator
from policyledger.web.monitoring.services.importing import (
    ImportError_,
    ImportResult,
    import_release,
)

HEADER = ["地区", "指标", "年月", "单位", "本月", "1—N月累计", "本月同比%", "累计同比%"]
MAX_ITEMS = 5000


class PostError(ServiceError):
    code = "values_invalid"
    status = 400


def indicators_for(user):
    """Administrators post any indicator; a reporter only those of their own unit."""
    if permissions.is_admin(user):
        return Indicator.objects.all()
    unit = permissions.unit_of(user)
    if permissions.is_reporter(user) and unit is not None:
        return Indicator.objects.filter(reporter_unit=unit)
    return Indicator.objects.none()


def post_values(user, items: list[dict]) -> ImportResult:
    """``items``: {indicator_id, month "2024-10", current, cumulative, yoy_current, yoy_cumulative}.
    All or nothing; problems name the item (第N条) and the field."""
    if not permissions.can_write(user):
        raise PermissionDenied("只读用户不能报送数据")
    if not items:
        raise PostError("没有要报送的数据")
    if len(items) > MAX_ITEMS:
        raise PostError(f"一次最多报送{MAX_ITEMS}条")
    wanted = {item["indicator_id"] for item in items}
    found = {i.pk: i for i in indicators_for(user).filter(pk__in=wanted)}
    missing = sorted(wanted - set(found))
    if missing:
        raise Http404(f"指标不存在或无权报送：{missing[0]}")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for item in items:
        indicator = found[item["indicator_id"]]
        writer.writerow(
            [indicator.region, indicator.name, item["month"], indicator.unit]
            + [
                _text(item.get(k))
                for k in ("current", "cumulative", "yoy_current", "yoy_cumulative")
            ]
        )
    unit = found[next(iter(found))].reporter_unit
    try:
        return import_release(
            buffer.getvalue().encode(),
            "接口报送.csv",
            user=user,
            source_kind=Indicator.Source.ENTERPRISE,
            reporter_unit=unit,
        )
    except ImportError_ as error:
        problems = [
            Problem(
                None,
                "",
                f"第{p.line - 1}条" + (f"“{p.column}”" if p.column else "") + f"：{p.message}",
            )
            if p.line
            else p
            for p in error.problems
        ]
        raise PostError(
            "数据未保存：" + "；".join(str(p) for p in problems[:10]),
            problems=[str(p) for p in problems],
        ) from error


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):  # pragma: no cover - the schema gives Decimal
        raise PostError("数值须为十进制数")
    return str(Decimal(value))
