"""The dashboard's figures, as of the end of a chosen month (or as of today, the default).

Every figure (totals, by unit, by status and warning, the deadline timeline, committed money) is
read from the same as-of view of the programme as the 通报 (``briefings.data.task_states``):
the documents in the programme at that moment, the tasks open then, each task's status and percent
from its newest report accepted by then, its warning computed on that day. A past month's figures
therefore stay the same when reports, documents, withdrawals or closings arrive later; the default
("截至今日") is the same definition applied to today.

The number of queries is fixed (asserted in the tests), whatever the number of tasks or reports:
one row per task is read with its as-of status, and Python counts them for the charts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from policyledger.formats.targets import format_money
from policyledger.web.core.errors import ServiceError
from policyledger.web.documents.models import Target
from policyledger.web.tracking.briefings.data import (
    TaskState,
    committing,
    cutoff,
    documents_as_of,
    money_amount,
    task_states,
)
from policyledger.web.tracking.dashboard.money import money_panel, money_totals
from policyledger.web.tracking.models import Task, TaskStatus
from policyledger.web.tracking.services.periods import Period, parse_period, period_containing
from policyledger.web.tracking.services.sectors import sector_names, sector_of_target

MAX_PERIODS = 24


def choose_period(text: str | None, today: dt.date | None = None) -> Period | None:
    """The month a dashboard is asked for (``2026-11``), or None for 截至今日 (also for a month
    not yet finished, or nonsense)."""
    today = today or timezone.localdate()
    period = parse_period(text or "", "monthly") if text else None
    if period is None or period.end >= today:
        return None
    return period


class DashboardPeriodError(ServiceError):
    """A dashboard month that cannot be read (the API answers 400 with the message)."""

    code = "bad_period"
    message = "月份格式不正确，请写作 2026-11（或 2026年11月）"


def strict_period(text: str | None, today: dt.date | None = None) -> Period | None:
    """The month asked for through the API (``2026-11``): None (截至今日) for none or the month
    under way, the same figures as the page; DashboardPeriodError for anything else that is not
    a finished month (a bad text, a quarter, a month not yet begun)."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        return None
    period = parse_period(text, "monthly")
    if period is None or "季度" in period.label:
        raise DashboardPeriodError(
            f"月份“{text[:20]}”格式不正确，请写作 2026-11（或 2026年11月），不填为截至今日"
        )
    if period.start > today:
        raise DashboardPeriodError(f"{period.label}尚未开始，只能查看已结束的月份或截至今日")
    return choose_period(text, today)


def period_choices(today: dt.date | None = None) -> list[Period]:
    """The finished months a dashboard can be read at, newest first."""
    today = today or timezone.localdate()
    out: list[Period] = []
    period = period_containing(today, "monthly")
    for _ in range(MAX_PERIODS):
        period = period_containing(period.start - dt.timedelta(days=1), "monthly")
        out.append(period)
    return out


def programme_states(
    document_id: int | None = None, today: dt.date | None = None, period: Period | None = None
) -> tuple[dt.date, list[TaskState]]:
    """The as-of view of the programme behind the dashboard (the day described and each task's
    state then): at ``period``'s end, or today."""
    today = today or timezone.localdate()
    ids = [document_id] if document_id is not None else None
    return task_states(period or period_containing(today, "monthly"), today=today, document_ids=ids)


def by_unit(lines: list[TaskState]) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    percents: dict[int, int] = defaultdict(int)
    for t in lines:
        row = rows.setdefault(
            t.unit_id, {"id": t.unit_id, "name": t.unit, "total": 0, "done": 0, "overdue": 0}
        )
        row["total"] += 1
        row["done"] += t.status == TaskStatus.DONE
        row["overdue"] += t.warning == Task.Warning.OVERDUE
        percents[t.unit_id] += t.percent
    for unit_id, r in rows.items():
        r["rate"] = round(100 * r["done"] / r["total"], 1) if r["total"] else 0.0
        r["progress"] = round(percents[unit_id] / r["total"], 1) if r["total"] else 0.0
    return sorted(rows.values(), key=lambda u: (-u["total"], u["name"]))


def by_status(lines: list[TaskState]) -> list[dict[str, Any]]:
    counts: dict[str, int] = defaultdict(int)
    for t in lines:
        counts[t.status] += 1
    return [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in TaskStatus.choices
    ]


def by_warning(lines: list[TaskState]) -> list[dict[str, Any]]:
    counts: dict[str, int] = defaultdict(int)
    for t in lines:
        counts[t.warning] += 1
    return [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in Task.Warning.choices
    ]


def deadline_timeline(lines: list[TaskState], as_of: dt.date) -> list[dict[str, Any]]:
    """Tasks by month of their deadline: done, still open, and open past the deadline."""
    months: dict[dt.date, dict[str, int]] = {}
    for t in lines:
        if t.deadline is None:
            continue
        month = months.setdefault(t.deadline.replace(day=1), {"done": 0, "open": 0, "overdue": 0})
        if t.status == TaskStatus.DONE:
            month["done"] += 1
        elif t.deadline < as_of:
            month["overdue"] += 1
        else:
            month["open"] += 1
    return [
        {"month": f"{m:%Y-%m}", "label": f"{m.year}年{m.month}月", **months[m]}
        for m in sorted(months)
    ]


def money_targets(
    document_id: int | None = None, today: dt.date | None = None, period: Period | None = None
) -> list[dict[str, Any]]:
    """Committed-money targets of the documents in the programme at ``period``'s end (or
    today), each with its sector."""
    today = today or timezone.localdate()
    moment = cutoff(period or period_containing(today, "monthly"), today)
    ids = [document_id] if document_id is not None else None
    targets = committing(
        Target.objects.filter(measure__document__in=documents_as_of(moment, ids).values("pk"))
    )
    rows = targets.values("pk", "measure_id", "value", "text", "measure__heading", "measure__text")
    return [
        {
            "measure_id": r["measure_id"],
            "amount": money_amount(r["value"]),
            "sector": sector_of_target(
                r["text"] or "", r["measure__heading"] or "", r["measure__text"] or ""
            ),
        }
        for r in rows
    ]


def by_sector(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    amounts: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for t in targets:
        amounts[t["sector"]] += t["amount"]
        counts[t["sector"]] += 1
    order = {name: i for i, name in enumerate(sector_names())}
    return [
        {
            "sector": s,
            "amount": amounts[s],
            "wan": round(amounts[s] / 10_000, 2),
            "label": format_money(amounts[s]),
            "targets": counts[s],
        }
        for s in sorted(amounts, key=lambda s: (-amounts[s], order.get(s, 99)))
    ]


def measures_in_sector(
    sector: str,
    document_id: int | None = None,
    today: dt.date | None = None,
    period: Period | None = None,
) -> list[int]:
    targets = money_targets(document_id, today, period)
    return sorted({t["measure_id"] for t in targets if t["sector"] == sector})


def dashboard_data(
    document_id: int | None = None, today: dt.date | None = None, period: Period | None = None
) -> dict:
    """Every figure of the dashboard as of ``period``'s end (None: as of today)."""
    today = today or timezone.localdate()
    as_of, lines = programme_states(document_id, today, period)
    units = by_unit(lines)
    statuses = by_status(lines)
    total = len(lines)
    done = next(s["count"] for s in statuses if s["code"] == TaskStatus.DONE)
    progress = sum(t.percent for t in lines) / total if total else 0.0
    warnings = by_warning(lines)
    sectors = by_sector(money_targets(document_id, today, period))
    committed = sum(s["amount"] for s in sectors)
    money = money_panel(document_id, period, today)
    return {
        "as_of": as_of.isoformat(),
        "as_of_label": f"{as_of.year}年{as_of.month}月{as_of.day}日",
        "period": f"{period.start:%Y-%m}" if period else "",
        "period_label": f"截至{period.label}末" if period else "截至今日",
        "summary": {
            "tasks": total,
            "done": done,
            "rate": round(100 * done / total, 1) if total else 0.0,
            "progress": round(progress, 1),
            "overdue": next(w["count"] for w in warnings if w["code"] == Task.Warning.OVERDUE),
            "due_soon": next(w["count"] for w in warnings if w["code"] == Task.Warning.DUE_SOON),
            "committed": committed,
            "committed_label": format_money(committed),
        },
        "units": units,
        "statuses": statuses,
        "warnings": warnings,
        "timeline": deadline_timeline(lines, as_of),
        "sectors": sectors,
        # 资金兑现: committed and paid (fen) against the measures, from the registered money
        # sources as of the same moment (tracking.hooks).
        "money": {
            **money_totals(money),
            "rows": [
                {
                    "measure_id": r["measure"].pk,
                    "document_id": r["measure"].document_id,
                    "measure": f"{r['measure'].number}{r['measure'].heading}",
                    "source": r.get("title", ""),
                    "target_fen": r.get("target_fen"),
                    "committed_fen": int(r.get("committed_fen") or 0),
                    "paid_fen": int(r.get("paid_fen") or 0),
                }
                for r in money
            ],
        },
    }
