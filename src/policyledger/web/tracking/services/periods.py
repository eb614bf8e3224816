"""Reporting periods (月 / 季度): which period a day falls in, and their Chinese labels."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str


def _month(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last), f"{year}年{month}月")


def _quarter(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    last = calendar.monthrange(year, first + 2)[1]
    return Period(
        dt.date(year, first, 1), dt.date(year, first + 2, last), f"{year}年第{quarter}季度"
    )


def period_containing(day: dt.date, cycle: str) -> Period:
    if cycle == "quarterly":
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return _month(day.year, day.month)


def previous_period(day: dt.date, cycle: str) -> Period:
    """The last period that ended before the one containing ``day``."""
    current = period_containing(day, cycle)
    return period_containing(current.start - dt.timedelta(days=1), cycle)


def periods_between(first: dt.date, last: dt.date, cycle: str) -> list[Period]:
    out: list[Period] = []
    period = period_containing(first, cycle)
    while period.start <= last:
        out.append(period)
        period = period_containing(period.end + dt.timedelta(days=1), cycle)
    return out


_LABEL = re.compile(r"^\s*(\d{4})\s*年\s*(?:第\s*([1-4])\s*季度|(\d{1,2})\s*月)\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*$")
_QUARTER_ISO = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)


def parse_period(text: str, cycle: str) -> Period | None:
    """A period from a label a person types: 2022年9月, 2022年第3季度, 2022-09, 2022Q3."""
    try:
        return _parse_period(text, cycle)
    except ValueError:  # the right shape but no calendar year, e.g. 0000年1月
        return None


def _parse_period(text: str, cycle: str) -> Period | None:
    text = text or ""
    match = _LABEL.match(text)
    if match:
        year = int(match.group(1))
        if match.group(2):
            return _quarter(year, int(match.group(2)))
        month = int(match.group(3))
        if 1 <= month <= 12:
            day = dt.date(year, month, 1)
            return period_containing(day, cycle)
        return None
    match = _QUARTER_ISO.match(text)
    if match:
        return _quarter(int(match.group(1)), int(match.group(2)))
    match = _ISO.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        return period_containing(dt.date(int(match.group(1)), int(match.group(2)), 1), cycle)
    return None
