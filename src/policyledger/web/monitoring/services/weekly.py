"""Weekly figures of monitored enterprises (重点监测企业 本周销售额): posted through the API or
imported from a csv, all or nothing, each problem naming the item or row and the field.

A week is named by its Monday ("2026-11-02") or in ISO form ("2026-W45"). Only indicators with
weekly frequency take weekly values; a reporter posts only its own unit's indicators.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction

from policyledger.web.accounts import permissions
from policyledger.web.core.errors import ServiceError
from policyledger.web.monitoring.models import Indicator, IndicatorWeekValue
from policyledger.web.monitoring.services.posting import indicators_for

MAX_ITEMS = 5000
CSV_HEADER = ["地区", "指标", "周", "本周值"]
LIMIT = Decimal(10) ** 16  # the column holds 20 digits, 4 after the point


class WeeklyError(ServiceError):
    code = "weekly_values_invalid"
    status = 400


@dataclass
class WeeklyResult:
    values: int
    first_week: dt.date
    last_week: dt.date


def monday_of(text: str) -> dt.date:
    """``2026-11-02`` (must be a Monday) or ``2026-W45`` → the week's Monday."""
    text = (text or "").strip()
    try:
        if "W" in text.upper():
            year, week = text.upper().split("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        day = dt.date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"“{text}”不是周一日期（如2026-11-02）或ISO周（如2026-W45）") from error
    if day.weekday() != 0:
        raise ValueError(f"{day}不是周一：请用该周周一的日期")
    return day


def weeks_from(first: dt.date, count: int) -> list[dt.date]:
    start = first - dt.timedelta(days=first.weekday())
    return [start + dt.timedelta(weeks=i) for i in range(count)]


def _amount(value) -> Decimal:
    if isinstance(value, float):
        raise ValueError("数值须为十进制数")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError) as error:
        raise ValueError(f"“{value}”不是数值") from error
    if not amount.is_finite() or amount < 0:
        raise ValueError("本周值须为不小于0的数")
    # Compared before rounding (quantize of a huge value fails) and after (a value just under
    # the limit can round up to it: 21 digits, which the column cannot hold).
    if amount >= LIMIT or (amount := amount.quantize(Decimal("0.0001"))) >= LIMIT:
        raise ValueError(f"本周值过大（须小于{LIMIT:,}）")
    return amount


def _save(user, rows: list[tuple[Indicator, dt.date, Decimal]]) -> WeeklyResult:
    with transaction.atomic():
        for indicator, week, amount in rows:
            IndicatorWeekValue.objects.update_or_create(
                indicator=indicator, week=week, defaults={"current": amount, "posted_by": user}
            )
    weeks = [week for _, week, _ in rows]
    return WeeklyResult(len(rows), min(weeks), max(weeks))


def _check(user, found: dict, items: list[tuple[str, object, object, object]]):
    """``items``: (where, indicator key, week text, value) → rows, or WeeklyError naming them all."""
    problems, rows, seen = [], [], set()
    for where, key, week_text, value in items:
        indicator = found.get(key)
        if indicator is None:
            problems.append(f"{where}：指标不存在或无权报送")
            continue
        if indicator.frequency != Indicator.Frequency.WEEKLY:
            problems.append(f"{where}：{indicator}不是周度指标")
            continue
        try:
            week = monday_of(str(week_text))
        except ValueError as error:
            problems.append(f"{where}“周”：{error}")
            continue
        try:
            amount = _amount(value)
        except ValueError as error:
            problems.append(f"{where}“本周值”：{error}")
            continue
        if (indicator.pk, week) in seen:
            problems.append(f"{where}：{indicator}的{week}周重复")
            continue
        seen.add((indicator.pk, week))
        rows.append((indicator, week, amount))
    if problems:
        raise WeeklyError("数据未保存：" + "；".join(problems[:10]), problems=problems)
    return rows


def post_weekly(user, items: list[dict]) -> WeeklyResult:
    """``items``: {indicator_id, week, current}. All or nothing."""
    if not permissions.can_write(user):
        raise PermissionDenied("只读用户不能报送数据")
    if not items:
        raise WeeklyError("没有要报送的数据")
    if len(items) > MAX_ITEMS:
        raise WeeklyError(f"一次最多报送{MAX_ITEMS}条")
    wanted = {item.get("indicator_id") for item in items}
    found = {i.pk: i for i in indicators_for(user).filter(pk__in=[w for w in wanted if w])}
    rows = _check(
        user,
        found,
        [(f"第{n}条", item.get("indicator_id"), item.get("week"), item.get("current"))
         for n, item in enumerate(items, start=1)],
    )  # fmt: skip
    return _save(user, rows)


def import_weekly_csv(data: bytes, user) -> WeeklyResult:
    """A csv with the columns 地区, 指标, 周, 本周值 (UTF-8, BOM allowed). All or nothing."""
    if not permissions.can_write(user):
        raise PermissionDenied("只读用户不能导入数据")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WeeklyError("文件须为UTF-8编码的csv") from error
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if header[: len(CSV_HEADER)] != CSV_HEADER:
        raise WeeklyError(f"第1行表头应为：{'，'.join(CSV_HEADER)}")
    lines = [(n, row) for n, row in enumerate(reader, start=2) if any(c.strip() for c in row)]
    if not lines:
        raise WeeklyError("文件中没有数据行")
    if len(lines) > MAX_ITEMS * 20:
        raise WeeklyError(f"一个文件最多{MAX_ITEMS * 20}行")
    found = {(i.region, i.name): i for i in indicators_for(user)}
    items = []
    for n, row in lines:
        row = [*row, "", "", "", ""][:4]
        items.append((f"第{n}行", (row[0].strip(), row[1].strip()), row[2], row[3]))
    return _save(user, _check(user, found, items))
