"""The system-wide audit log: every AuditLog row, filtered, a page at a time, or as xlsx.

Rows are read by ``audit_view.readable`` (the one formatter of audit entries). A page costs a
fixed number of queries whatever the table's size: the count, the page's rows with their actors,
and one query per kind of name on the page.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from policyledger.formats.cells import write_cell
from policyledger.web.core import audit
from policyledger.web.core.models import AuditLog
from policyledger.web.params import int_or_none
from policyledger.web.tracking.services import audit_view

EXPORT_MAX = 50_000


FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9999, 12, 30)


@dataclass
class Filters:
    user: int | None = None
    action: str = ""  # a full action ("task.close") or a kind ("task")
    object_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    errors: list[str] | None = None

    @classmethod
    def from_query(cls, query) -> Filters:
        errors: list[str] = []

        def day(name: str, label: str) -> dt.date | None:
            raw = (query.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = dt.date.fromisoformat(raw)
            except ValueError:
                errors.append(f"{label}“{raw}”不是有效日期，请按 2026-01-31 的格式填写")
                return None
            # The calendar's ends overflow when made the filter's bounds (local midnight in
            # UTC, the next day): refused, not a 500.
            if not FIRST_DAY <= value <= LAST_DAY:
                errors.append(f"{label}“{raw}”超出范围（{FIRST_DAY}至{LAST_DAY}）")
                return None
            return value

        return cls(
            user=int_or_none(query.get("user")),
            action=(query.get("action") or "").strip()[:60],
            object_type=(query.get("type") or "").strip()[:40],
            since=day("since", "起始日期"),
            until=day("until", "截止日期"),
            errors=errors,
        )

    def apply(self, qs: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
        if self.user is not None:
            qs = qs.filter(actor_id=self.user)
        if self.action:
            if "." in self.action:
                qs = qs.filter(action=self.action)
            else:
                qs = qs.filter(action__startswith=f"{self.action}.")
        if self.object_type:
            qs = qs.filter(object_type=self.object_type)
        tz = timezone.get_current_timezone()
        if self.since:
            qs = qs.filter(at__gte=dt.datetime.combine(self.since, dt.time.min, tzinfo=tz))
        if self.until:
            end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            qs = qs.filter(at__lt=end)
        return qs


def entries(filters: Filters) -> QuerySet[AuditLog]:
    return filters.apply(AuditLog.objects.select_related("actor").order_by("-at", "-id"))


@dataclass
class Line:
    entry: AuditLog
    at: str
    who: str
    action: str
    object_type: str
    object_name: str
    changes: list[tuple[str, str, str]]


def _who(user) -> str:
    if user is None:
        return "系统"
    return f"{user.last_name}{user.first_name}".strip() or user.username


def lines(rows) -> list[Line]:
    """The entries as people read them (a fixed number of queries for any number of rows)."""
    rows = list(rows)
    names = audit.object_names(rows)
    out = []
    for entry, changes in audit_view.readable(rows):
        name = names.get((entry.object_type, entry.object_id))
        if name is None:
            name = "批量" if entry.object_id == "batch" else "（已删除）"
        if not entry.object_id:
            name = "—"
        out.append(
            Line(
                entry=entry,
                at=f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M:%S}",
                who=_who(entry.actor),
                action=audit.action_label(entry.action),
                object_type=audit.object_type_label(entry.object_type),
                object_name=name,
                changes=changes,
            )
        )
    return out


def choices() -> dict[str, Any]:
    """The filters' options: actions by kind, object types, and the users seen in the log."""
    # Staff accounts (the ones whose work is audited), not every resident of the voucher pages.
    users = (
        get_user_model()
        .objects.filter(Q(profile__isnull=False) | Q(is_superuser=True) | Q(is_staff=True))
        .order_by("username")
    )
    return {
        "actions": sorted(audit.ACTIONS.items()),
        "object_types": sorted(audit.OBJECT_TYPES.items(), key=lambda kv: kv[1]),
        "users": [(u.pk, _who(u)) for u in users.only("username", "first_name", "last_name")],
    }


def change_text(changes: list[tuple[str, str, str]]) -> str:
    return "\n".join(f"{label}：{before} → {after}" for label, before, after in changes)


def xlsx(filters: Filters) -> bytes:
    """The filtered log (at most EXPORT_MAX rows, newest first) through the one cell writer."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    header = [("时间", 20), ("操作人", 12), ("操作", 18), ("对象类型", 12), ("对象", 36),
              ("变更内容", 80)]  # fmt: skip
    for col, (name, width) in enumerate(header, start=1):
        write_cell(sheet, 1, col, name).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(col)].width = width
    r = 2
    qs = entries(filters)[:EXPORT_MAX]
    for start in range(0, EXPORT_MAX, 1000):
        chunk = list(qs[start : start + 1000])
        if not chunk:
            break
        for line in lines(chunk):
            values = [line.at, line.who, line.action, line.object_type, line.object_name,
                      change_text(line.changes)]  # fmt: skip
            for col, value in enumerate(values, start=1):
                write_cell(sheet, r, col, value).alignment = Alignment(
                    wrap_text=True, vertical="top"
                )
            r += 1
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
