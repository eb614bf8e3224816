"""Display helpers in Chinese conventions: warning/state labels, money, target values."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from policyledger.formats import format_money
from policyledger.web.accounts.models import Unit
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
    try:
        # Decimal, never float: a stored achieved value prints to the fen as it was entered.
        yuan = value if isinstance(value, Decimal) else Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
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


_ACTIONS = {
    "document.upload": "上传文件",
    "document.parsed": "解析完成",
    "document.parse_failed": "解析失败",
    "document.settings": "修改文件设置",
    "document.publish": "发布文件",
    "measure.edit": "修改措施",
    "measure.merge": "合并措施",
    "measure.split": "拆分措施",
    "measure.unit_resolved": "匹配单位",
    "task.create": "生成任务",
    "task.progress": "更新任务进度",
    "task.edit": "修改任务",
    "report.draft": "保存报送草稿",
    "report.submit": "提交报送",
    "report.accept": "采纳报送",
    "report.return": "退回报送",
    "report.batch_accept": "批量采纳报送",
    "task.lead_unit": "更换牵头单位",
    "reminder.send": "催报",
    "reminder.escalate": "督办",
    "unit.edit": "修改单位",
    "unit.merge": "合并单位",
    "document.delete": "删除导入",
    "document.withdraw": "撤回文件",
}


@register.filter
def action_label(action: str) -> str:
    return _ACTIONS.get(action, action)


@register.filter
def person(user, default: str = "—") -> str:
    """A user's display name (full name, else username); ``default`` for nobody (system)."""
    if user is None:
        return default
    return user.first_name or user.username
