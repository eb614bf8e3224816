"""Working days for the 公示 period: weekends and the holidays in SUBSIDIES_HOLIDAYS are skipped,
dates in SUBSIDIES_MAKEUP_WORKDAYS (调休上班的周末) count as working days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def _dates(name: str) -> set[dt.date]:
    out = set()
    for item in getattr(settings, name, ()) or ():
        out.add(item if isinstance(item, dt.date) else dt.date.fromisoformat(str(item)))
    return out


def is_working_day(day: dt.date) -> bool:
    if day in _dates("SUBSIDIES_MAKEUP_WORKDAYS"):
        return True
    return day.weekday() < 5 and day not in _dates("SUBSIDIES_HOLIDAYS")


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def period(start: dt.date, working_days: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of a notice of ``working_days`` working days starting at ``start``."""
    first = next_working_day(start)
    last, left = first, max(working_days, 1) - 1
    while left:
        last += dt.timedelta(days=1)
        if is_working_day(last):
            left -= 1
    return first, last
