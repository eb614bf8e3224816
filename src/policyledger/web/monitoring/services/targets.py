"""Targets on indicators: linking a measure's target, the path to it, and the warning when the
indicator runs behind its path.

The path for a year:
- a growth target (“增长8%以上”): the cumulative 同比 should be at least the target every month;
- an amount target (“全年达到1,200亿元”): the cumulative value should be at least the target times
  last year's share of the year reached by that month (the seasonal profile), or N/12 of it when
  last year is not known.

Warning levels, as for tasks: 正常; 关注 when the latest month is behind; 预警 when the latest two
consecutive months are behind. A level changes by compare-and-set, so however many processes run
it, one change gives one notification.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from policyledger.web.accounts import permissions
from policyledger.web.core import audit, notify
from policyledger.web.core.errors import ServiceError
from policyledger.web.documents.models import Target
from policyledger.web.monitoring.models import Indicator, IndicatorTarget, IndicatorValue

logger = logging.getLogger("policyledger.monitoring")

YUAN_PER_UNIT = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}


class TargetError(ServiceError):
    code = "target_invalid"


@dataclass
class PathPoint:
    month: int
    path: Decimal
    actual: Decimal | None

    @property
    def behind(self) -> bool:
        return self.actual is not None and self.actual < self.path


def suggested(target: Target, indicator: Indicator) -> tuple[str, Decimal] | None:
    """The kind and value a document's target gives on ``indicator`` (money in its unit)."""
    value = target.value
    if isinstance(value, list) and value:
        value = value[0]
    if value is None or isinstance(value, (dict, str)) and not str(value).strip():
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if target.kind == Target.Kind.PERCENT:
        return IndicatorTarget.Kind.GROWTH, number
    if target.kind == Target.Kind.MONEY and indicator.unit in YUAN_PER_UNIT:
        return IndicatorTarget.Kind.AMOUNT, number / YUAN_PER_UNIT[indicator.unit]
    return None


def link_target(
    user,
    *,
    indicator: Indicator,
    year: int,
    kind: str,
    value: Decimal,
    target: Target | None = None,
    text: str = "",
) -> IndicatorTarget:
    permissions.require_admin(user)
    if kind not in IndicatorTarget.Kind.values:
        raise TargetError("目标类型无效")
    if not 2000 <= year <= 2100:
        raise TargetError("年度无效")
    if kind == IndicatorTarget.Kind.AMOUNT and value <= 0:
        raise TargetError("金额目标须大于0")
    with transaction.atomic():
        link, created = IndicatorTarget.objects.update_or_create(
            indicator=indicator,
            year=year,
            kind=kind,
            defaults={
                "value": value,
                "target": target,
                "text": (text or (target.text if target else ""))[:500],
                "linked_by": user,
            },
        )
        audit.record(
            user,
            "monitoring.target_link",
            link,
            after={"indicator": indicator.pk, "year": year, "kind": kind, "value": str(value)},
        )
    update_warnings()
    return link


def path_of(link: IndicatorTarget) -> list[PathPoint]:
    values = {
        v.month: v
        for v in IndicatorValue.objects.filter(
            indicator_id=link.indicator_id,
            month__gte=dt.date(link.year - 1, 1, 1),
            month__lt=dt.date(link.year + 1, 1, 1),
        )
    }
    points = []
    if link.kind == IndicatorTarget.Kind.GROWTH:
        for month in range(1, 13):
            value = values.get(dt.date(link.year, month, 1))
            points.append(PathPoint(month, link.value, value.yoy_cumulative if value else None))
        return points
    last_year = [values.get(dt.date(link.year - 1, m, 1)) for m in range(1, 13)]
    december = last_year[-1].cumulative if last_year[-1] else None
    for month in range(1, 13):
        before = last_year[month - 1]
        if december and before is not None and before.cumulative is not None:
            share = before.cumulative / december
        else:
            share = Decimal(month) / 12
        value = values.get(dt.date(link.year, month, 1))
        points.append(
            PathPoint(
                month,
                (link.value * share).quantize(Decimal("0.01")),
                value.cumulative if value else None,
            )
        )
    return points


def level_of(points: list[PathPoint]) -> tuple[str, str]:
    """(level, reason) from the months that have a value."""
    known = [p for p in points if p.actual is not None]
    if not known:
        return IndicatorTarget.Warning.NORMAL, ""
    latest = known[-1]
    if not latest.behind:
        return IndicatorTarget.Warning.NORMAL, ""
    previous = known[-2] if len(known) >= 2 else None
    if previous is not None and previous.behind and previous.month == latest.month - 1:
        return (
            IndicatorTarget.Warning.ALERT,
            f"连续两个月低于目标进度：{previous.month}月{_plain(previous.actual)}"
            f"（应达{_plain(previous.path)}），"
            f"{latest.month}月{_plain(latest.actual)}（应达{_plain(latest.path)}）",
        )
    return (
        IndicatorTarget.Warning.ATTENTION,
        f"{latest.month}月{_plain(latest.actual)}低于目标进度{_plain(latest.path)}",
    )


def _plain(value: Decimal | None) -> str:
    """5.7000 -> 5.7, 8.0000 -> 8 (as a person writes it)."""
    if value is None:
        return "—"
    return format(value.normalize(), "f")


def update_warnings(now: dt.datetime | None = None) -> int:
    """Move every target's warning to what its values say now; notify the administrators of each
    change. Returns the number of changes."""
    now = now or timezone.now()
    changes = 0
    for link in IndicatorTarget.objects.select_related("indicator"):
        level, reason = level_of(path_of(link))
        if level == link.warning:
            continue
        moved = IndicatorTarget.objects.filter(pk=link.pk, warning=link.warning).update(
            warning=level, warning_detail=reason[:300], warning_changed_at=now
        )
        if not moved:
            continue  # another process moved it first
        changes += 1
        label = IndicatorTarget.Warning(level).label
        text = f"监测指标“{link.indicator}”{link.year}年目标：{label}。{reason}".rstrip("。")
        notify.notify_admins(text, link=f"/monitoring/#target-{link.pk}")
        audit.record(
            None,
            "monitoring.target_warning",
            link,
            before={"warning": link.warning},
            after={"warning": level, "detail": reason},
        )
        logger.info("indicator target %s: %s -> %s", link.pk, link.warning, level)
    return changes
