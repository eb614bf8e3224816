"""The audit trail as people read it: Chinese action and field labels, unit and measure names
instead of ids, status codes as their labels, target values named by their target, money through
the one formatter. Used by a task's history and by the system-wide log (``audit_log``).

The labels live in ``core.audit``'s registry; this module registers those of the apps up to
tracking (``register_labels``, from tracking's AppConfig.ready), and higher apps (monitoring,
lineage) register their own, so no lower app imports a higher one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model

from policyledger.formats import format_money
from policyledger.web.accounts.models import Unit
from policyledger.web.core import audit
from policyledger.web.documents.models import Measure, PolicyDocument, Target
from policyledger.web.tracking.models import ClosedReason, Reminder, Report, Task, TaskStatus

FIELD_LABELS = {
    # tasks and reports
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
    "closed_at": "关闭时间",
    "closed_reason": "关闭原因",
    "reports": "报送",
    "count": "条数",
    "periods": "报送周期",
    "units": "单位",
    "emails": "邮件数",
    "reason": "原因",
    "tasks": "任务数",
    "tasks_closed": "关闭的任务",
    "tasks_reopened": "重新打开的任务",
    "republished": "重新发布",
    # measures and documents
    "heading": "重点任务",
    "text": "具体措施",
    "number": "序号",
    "no_deadline": "无完成时限",
    "targets": "量化指标",
    "head": "拆分后前段",
    "tail": "拆分后后段",
    "measures": "措施",
    "title": "标题",
    "short_title": "简称",
    "source_name": "文件名",
    "doc_number": "文号",
    "issuer": "发文机关",
    "error": "错误",
    "cycle": "报送周期",
    "default_deadline": "默认完成时限",
    "level": "拆分层级",
    "edits_kept": "保留的人工修改",
    "edits_dropped": "无法保留的人工修改",
    "raw_name": "原文单位名称",
    "unit": "单位",
    "unit_name": "单位",
    # units and users
    "name": "名称",
    "aliases": "别名",
    "parent": "上级单位",
    "active": "启用",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
    "leader_name": "分管领导",
    "leader_email": "领导邮箱",
    "target": "合并到",
    "source": "被合并单位",
    "moved": "转移记录",
    "children": "下级单位",
    "users": "用户",
    "measure_units": "措施责任单位",
    "tasks_led": "牵头任务",
    "tasks_supported": "配合任务",
    "warning_flips": "预警记录",
    "reminder_lines": "催报记录",
    "merged_into": "并入",
    "merged_into_name": "并入",
    "is_active": "启用",
}
HIDDEN = {"lead_unit_name", "span_start", "span_end", "merged_into_name", "unit_name"}

ACTIONS = {
    "unit.create": "新增单位",
    "unit.rename": "单位更名",
    "unit.update": "修改单位信息",
    "unit.activate": "启用单位",
    "unit.deactivate": "停用单位",
    "unit.merge": "合并单位",
    "unit.merged_into": "单位被合并",
    "user.active": "启用/停用用户",
    "document.upload": "上传文件",
    "document.parsed": "解析完成",
    "document.parse_failed": "解析失败",
    "document.publish": "发布文件",
    "document.settings": "修改文件设置",
    "document.measure_level": "重新拆分措施",
    "document.delete": "删除导入",
    "document.withdraw": "撤回文件",
    "document.restore": "恢复文件",
    "document.reopen": "退回修改文件",
    "measure.edit": "修改措施",
    "measure.merge": "合并措施",
    "measure.split": "拆分措施",
    "measure.unit_resolved": "匹配单位",
    "task.create": "生成任务",
    "task.update": "更新任务",
    "task.close": "关闭任务",
    "task.reopen": "重新打开任务",
    "task.edit": "修改任务",
    "task.lead_unit": "更换牵头单位",
    "task.progress": "更新任务进度",
    "report.draft": "保存报送草稿",
    "report.submit": "提交报送",
    "report.accept": "采纳报送",
    "report.return": "退回报送",
    "report.batch_accept": "批量采纳报送",
    "reminder.send": "催报",
    "reminder.escalate": "督办",
}
OBJECT_TYPES = {
    "unit": "责任单位",
    "user": "用户",
    "policydocument": "政策文件",
    "measure": "措施",
    "task": "任务",
    "report": "报送",
    "reminder": "催报",
}
_CODES = {
    **dict(TaskStatus.choices),
    **dict(Report.Status.choices),
    **dict(Task.Warning.choices),
    **dict(ClosedReason.choices),
    **dict(PolicyDocument.Status.choices),
}
_KINDS = dict(Target.Kind.choices)


def _names(model, field_name):
    def namer(ids: set[str]) -> dict[str, str]:
        pks = [int(i) for i in ids if str(i).isdigit()]
        return {
            str(pk): name
            for pk, name in model.objects.filter(pk__in=pks).values_list("pk", field_name)
        }

    return namer


def _measure_names(ids: set[str]) -> dict[str, str]:
    pks = [int(i) for i in ids if str(i).isdigit()]
    rows = Measure.objects.filter(pk__in=pks).values_list("pk", "number", "heading", "text")
    return {str(pk): (f"{n}{h}".strip() or t[:30]) for pk, n, h, t in rows}


def _document_names(ids: set[str]) -> dict[str, str]:
    pks = [int(i) for i in ids if str(i).isdigit()]
    rows = PolicyDocument.objects.filter(pk__in=pks).values_list(
        "pk", "short_title", "title", "source_name"
    )
    return {str(pk): (s or t or f or "未命名文件") for pk, s, t, f in rows}


def _task_names(ids: set[str]) -> dict[str, str]:
    pks = [int(i) for i in ids if str(i).isdigit()]
    rows = Task.objects.filter(pk__in=pks).values_list(
        "pk", "measure__number", "measure__heading", "lead_unit__name"
    )
    return {str(pk): f"{n}{h}".strip() + (f"（{u}）" if u else "") for pk, n, h, u in rows}


def _report_names(ids: set[str]) -> dict[str, str]:
    pks = [int(i) for i in ids if str(i).isdigit()]
    rows = Report.objects.filter(pk__in=pks).values_list(
        "pk", "period_label", "task__measure__number", "task__measure__heading"
    )
    return {str(pk): f"{n}{h}".strip() + f" {p}报送" for pk, p, n, h in rows}


def _reminder_names(ids: set[str]) -> dict[str, str]:
    pks = [int(i) for i in ids if str(i).isdigit()]
    rows = Reminder.objects.filter(pk__in=pks).values_list("pk", "sent_at")
    return {str(pk): f"{at:%Y年%-m月%-d日}的催报" for pk, at in rows}


def _user_names(ids: set[str]) -> dict[str, str]:
    pks = [int(i) for i in ids if str(i).isdigit()]
    rows = (
        get_user_model()
        .objects.filter(pk__in=pks)
        .values_list("pk", "username", "first_name", "last_name")
    )
    return {str(pk): (f"{last}{first}".strip() or u) for pk, u, first, last in rows}


def register_labels() -> None:
    """The labels of accounts, documents and tracking (called from tracking's AppConfig.ready)."""
    unit_names = _names(Unit, "name")
    audit.register(
        actions=ACTIONS,
        object_types=OBJECT_TYPES,
        fields=FIELD_LABELS,
        object_namers={
            "unit": unit_names,
            "user": _user_names,
            "policydocument": _document_names,
            "measure": _measure_names,
            "task": _task_names,
            "report": _report_names,
            "reminder": _reminder_names,
        },
        value_namers={
            "lead_unit": unit_names,
            "support_units": unit_names,
            "unit": unit_names,
            "parent": unit_names,
            "merged_into": unit_names,
            "measure": _measure_names,
            "reports": _report_names,
        },
    )


def _walk_ids(value: Any, kind: str, key: str, found: dict[str, set[str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _walk_ids(v, kind, str(k), found)
        return
    if isinstance(value, list):
        for v in value:
            _walk_ids(v, kind, key, found)
        return
    name = audit.value_key(kind, key)
    if name is not None and isinstance(value, int) and not isinstance(value, bool):
        found.setdefault(name, set()).add(str(value))


def _number(value: Any) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _datetime(value: str) -> str | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if "T" not in value:
        return value  # a date: 2023-06-30, with its year
    return f"{moment:%Y-%m-%d %H:%M}"


class _Reader:
    """Formats the before/after values of a batch of entries with the names looked up once."""

    def __init__(self, entries: list) -> None:
        found: dict[str, set[str]] = {}
        target_ids: set[int] = set()
        for e in entries:
            for side in (e.before or {}, e.after or {}):
                _walk_ids(side, e.object_type, "", found)
                if isinstance(side.get("values"), dict):
                    target_ids |= {int(k) for k in side["values"] if str(k).isdigit()}
        # One query per kind of name (units, measures, reports, ...), shared by all keys.
        by_namer: dict[int, tuple[Any, set[str]]] = {}
        for name, ids in found.items():
            namer = audit.value_namer(name)
            by_namer.setdefault(id(namer), (namer, set()))[1].update(ids)
        looked_up = {nid: namer(ids) for nid, (namer, ids) in by_namer.items()}
        self.names = {name: looked_up[id(audit.value_namer(name))] for name in found}
        self.kind = ""
        self.targets = (
            {
                t.pk: (t.text or t.get_kind_display(), t.kind)
                for t in Target.objects.filter(pk__in=target_ids).only("text", "kind")
            }
            if target_ids
            else {}
        )

    def amount(self, target_id: int, value: Any) -> str:
        name, kind = self.targets.get(target_id, ("指标", ""))
        number = _decimal(value)
        if number is None:
            return f"{name}：{value}"
        if kind == Target.Kind.MONEY:
            return f"{name}：{format_money(number)}"
        return f"{name}：{_number(number)}"

    def show(self, key: str, value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        name = audit.value_key(self.kind, key)
        if name is not None and isinstance(value, int):
            return self.names.get(name, {}).get(str(value), "（已删除）")
        if key == "values" and isinstance(value, dict):
            return "；".join(self.amount(int(k), v) for k, v in value.items() if str(k).isdigit())
        if key == "units" and value and isinstance(value[0], list):  # [raw name, role, unit id]
            return "、".join(
                str(v[0]) + (f"（{_CODES.get(v[1], v[1])}）" if len(v) > 1 and v[1] else "")
                for v in value
            )
        if key == "targets" and value and isinstance(value[0], list):  # [kind, value, deadline]
            return "；".join(self._target(v) for v in value)
        if key.endswith("_fen") and _decimal(value) is not None:
            return format_money(_decimal(value) / 100)
        if key in audit.MONEY_FIELDS and _decimal(value) is not None:
            return format_money(_decimal(value))
        if key == "percent" and isinstance(value, int | float):
            return f"{value}%"
        if isinstance(value, dict):
            return "；".join(
                f"{audit.field_label(str(k), self.kind)}：{self.show(str(k), v)}"
                for k, v in value.items()
                if k not in HIDDEN and k not in ("updated_at", "version")
            )
        if isinstance(value, list):
            return "、".join(self.show(key, v) for v in value)
        if isinstance(value, float):
            return _number(value)
        if isinstance(value, str):
            label = audit.value_label(self.kind, key, value)
            if label is not None:
                return label
            if value in _CODES:
                return _CODES[value]
            if len(value) >= 10 and value[4:5] == "-" and value[:4].isdigit():
                return _datetime(value) or value
            return value
        return str(value)

    def _target(self, row: list) -> str:
        kind, value = (row + [None, None])[:2]
        label = _KINDS.get(kind, "指标")
        if kind == Target.Kind.MONEY:
            if isinstance(value, list):
                return f"{label}：" + "–".join(format_money(_decimal(v) or 0) for v in value)
            if _decimal(value) is not None:
                return f"{label}：{format_money(_decimal(value))}"
        if isinstance(value, list):
            return f"{label}：" + "–".join(self.show("", v) for v in value)
        return f"{label}：{self.show('', value)}"


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def readable(entries) -> list[tuple[Any, list[tuple[str, str, str]]]]:
    """(entry, [(label, before, after)]) for each audit entry, names looked up in a few queries
    (one per kind of name), whatever the number of entries."""
    entries = list(entries)
    reader = _Reader(entries)
    out = []
    for e in entries:
        reader.kind = e.object_type
        rows = [
            (audit.field_label(k, e.object_type), reader.show(k, b), reader.show(k, a))
            for k, b, a in audit.changes(e)
            if k not in HIDDEN
        ]
        out.append((e, rows))
    return out
