"""Display helpers in Chinese conventions: warning/state labels, money, target values."""

from __future__ import annotations

from decimal import Decimal

from django import template

from policyledger.formats import format_money
from policyledger.web.accounts.models import Unit
from policyledger.web.core import audit
from policyledger.web.tracking.models import Task, TaskStatus

register = template.Library()

_LABELS = {
    **dict(Task.Warning.choices),
    **dict(Unit.ReportWarning.choices),
    **dict(TaskStatus.choices),
}


@register.filter
def state_label(code: str) -> str:
    return _LABELS.get(code, code)


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


@register.filter
def money(value) -> str:
    """Yuan in Chinese convention through the one helper (formats.format_money): 1,000万元, 135.50元."""
    if value is None or value == "":
        return ""
    try:
        yuan = Decimal(str(value))  # exact: Decimal fields stay Decimal, never float
    except (TypeError, ValueError, ArithmeticError):
        return "" if value is None else str(value)
    if not yuan.is_finite():
        return str(value)
    return format_money(yuan)


@register.filter
def target_value(target) -> str:
    """A target's value as a person reads it."""
    value = target.value
    if target.kind == "money":
        if isinstance(value, list) and len(value) == 2:
            return f"{money(value[0])}—{money(value[1])}"
        return money(value)
    if target.kind == "percent":
        if isinstance(value, list) and len(value) == 2:
            return f"{_number(value[0])}%—{_number(value[1])}%"
        return f"{_number(float(value))}%" if isinstance(value, int | float) else str(value)
    if target.kind == "ratio" and isinstance(value, list):
        return ":".join(_number(float(v)) for v in value)
    if target.kind == "date" and target.deadline:
        return target.deadline.strftime("%Y年%-m月%-d日")
    if isinstance(value, list):
        value = "—".join(_number(float(v)) for v in value)
    elif isinstance(value, int | float):
        value = _number(float(value))
    return f"{value}{target.unit or ''}"


@register.filter
def achieved_value(achieved, target) -> str:
    if achieved in (None, ""):
        return ""
    if target.kind == "money":
        return money(achieved)
    if target.kind == "percent":
        return f"{_number(float(achieved))}%"
    return f"{_number(float(achieved))}{target.unit or ''}"


@register.filter
def percent_of(achieved, target) -> str:
    """Achieved as a share of a single-number target (800万 of 1000万 -> 80%)."""
    try:
        goal = float(target.value)
        return f"{float(achieved) / goal * 100:.0f}%" if goal else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def action_label(action: str) -> str:
    """The Chinese name of an audited action, from the one registry (core.audit)."""
    return audit.action_label(action)


@register.filter
def person(user, default: str = "—") -> str:
    """A user's display name (full name, else username); ``default`` for nobody (system)."""
    if user is None:
        return default
    return user.first_name or user.username
