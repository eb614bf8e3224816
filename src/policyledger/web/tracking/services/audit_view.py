"""The audit trail as people read it: Chinese field labels, unit and measure names instead of
ids, status codes as their labels, target values named by their target."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from policyledger.formats import format_money
from policyledger.web.accounts.models import Unit
from policyledger.web.core import audit
from policyledger.web.documents.models import Measure, Target
from policyledger.web.tracking.models import Report, Task, TaskStatus

FIELD_LABELS = {
    "status": "状态",
    "task_status": "任务状态",
    "percent": "完成进度",
    "narrative": "进展情况",
    "period_label": "报送周期",
    "review_comment": "审核意见",
    "deadline": "完成时限",
    "weight": "权重",
    "support_units": "配合单位",
    "lead_unit": "牵头单位",
    "lead_unit_name": "牵头单位",
    "measure": "措施",
    "values": "指标完成值",
    "heading": "重点任务",
    "text": "具体措施",
    "number": "序号",
    "reason": "原因",
}
HIDDEN = {"lead_unit_name", "span_start", "span_end"}
_CODES = {
    **dict(TaskStatus.choices),
    **dict(Report.Status.choices),
    **dict(Task.Warning.choices),
}


def _ids(entries, key: str) -> set[int]:
    out = set()
    for e in entries:
        for side in (e.before or {}, e.after or {}):
            value = side.get(key)
            if isinstance(value, int):
                out.add(value)
    return out


def readable(entries) -> list[tuple[Any, list[tuple[str, str, str]]]]:
    """(entry, [(label, before, after)]) for each audit entry, names looked up in three queries."""
    entries = list(entries)
    units = dict(Unit.objects.filter(pk__in=_ids(entries, "lead_unit")).values_list("pk", "name"))
    measures = {
        m.pk: f"{m.number}{m.heading}".strip()
        for m in Measure.objects.filter(pk__in=_ids(entries, "measure")).only("number", "heading")
    }
    target_ids = set()
    for e in entries:
        for side in (e.before or {}, e.after or {}):
            target_ids |= {int(k) for k in (side.get("values") or {}) if str(k).isdigit()}
    targets = {
        t.pk: (t.text or t.get_kind_display(), t.kind)
        for t in Target.objects.filter(pk__in=target_ids).only("text", "kind")
    }

    def amount(target_id: int, value: Any) -> str:
        name, kind = targets.get(target_id, ("指标", ""))
        # Exact decimal text since achieved values are Decimal ("10.5"); numbers in older rows.
        if isinstance(value, str):
            try:
                value = Decimal(value)
            except InvalidOperation:
                return f"{name}：{value}"
        if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            return f"{name}：{value}"
        if kind == Target.Kind.MONEY:
            return f"{name}：{format_money(value)}"
        return f"{name}：{value:,.2f}".rstrip("0").rstrip(".")

    def show(key: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if key == "lead_unit" and isinstance(value, int):
            return units.get(value, f"（已删除的单位 {value}）")
        if key == "measure" and isinstance(value, int):
            return measures.get(value, f"（措施 {value}）")
        if key == "values" and isinstance(value, dict):
            return "；".join(amount(int(k), v) for k, v in value.items() if str(k).isdigit())
        if key == "percent":
            return f"{value}%"
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if isinstance(value, str):
            return _CODES.get(value, value)
        return str(value)

    out = []
    for e in entries:
        rows = [
            (FIELD_LABELS.get(k, k), show(k, b), show(k, a))
            for k, b, a in audit.changes(e)
            if k not in HIDDEN
        ]
        out.append((e, rows))
    return out
