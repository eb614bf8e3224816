"""The dashboard's figures, each from one aggregate query over the published programme.

The number of queries is fixed (asserted in the tests), whatever the number of tasks or reports:
the database counts, Python only shapes the result for the charts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from policyledger.formats.targets import format_money
from policyledger.web.documents.models import PolicyDocument, Target
from policyledger.web.tracking.briefings.data import committing, money_amount
from policyledger.web.tracking.models import Task, TaskStatus
from policyledger.web.tracking.services.sectors import sector_names, sector_of_target


def programme_tasks(document_id: int | None = None) -> QuerySet[Task]:
    tasks = Task.objects.filter(measure__document__status=PolicyDocument.Status.PUBLISHED)
    if document_id is not None:
        tasks = tasks.filter(measure__document_id=document_id)
    return tasks


def by_unit(tasks: QuerySet[Task]) -> list[dict[str, Any]]:
    rows = (
        tasks.values("lead_unit_id", "lead_unit__name")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=Q(warning=Task.Warning.OVERDUE)),
            progress=Avg("percent"),
        )
        .order_by()
    )
    out = [
        {
            "id": r["lead_unit_id"],
            "name": r["lead_unit__name"],
            "total": r["total"],
            "done": r["done"],
            "overdue": r["overdue"],
            "rate": round(100 * r["done"] / r["total"], 1) if r["total"] else 0.0,
            "progress": round(float(r["progress"] or 0), 1),
        }
        for r in rows
    ]
    return sorted(out, key=lambda u: (-u["total"], u["name"]))


def by_status(tasks: QuerySet[Task]) -> list[dict[str, Any]]:
    counts = dict(tasks.values_list("status").annotate(n=Count("pk")).order_by())
    return [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in TaskStatus.choices
    ]


def by_warning(tasks: QuerySet[Task]) -> list[dict[str, Any]]:
    counts = dict(tasks.values_list("warning").annotate(n=Count("pk")).order_by())
    return [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in Task.Warning.choices
    ]


def deadline_timeline(tasks: QuerySet[Task], today: dt.date) -> list[dict[str, Any]]:
    """Tasks by month of their deadline: done, still open, and open past the deadline."""
    rows = (
        tasks.filter(deadline__isnull=False)
        .annotate(month=TruncMonth("deadline"))
        .values("month")
        .annotate(
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=~Q(status=TaskStatus.DONE) & Q(deadline__lt=today)),
            open=Count("pk", filter=~Q(status=TaskStatus.DONE) & Q(deadline__gte=today)),
        )
        .order_by("month")
    )
    out = []
    for r in rows:
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        out.append(
            {
                "month": f"{month:%Y-%m}",
                "label": f"{month.year}年{month.month}月",
                "done": r["done"],
                "open": r["open"],
                "overdue": r["overdue"],
            }
        )
    return out


def money_targets(document_id: int | None = None) -> list[dict[str, Any]]:
    """Committed-money targets of published documents, each with its sector."""
    targets = committing(
        Target.objects.filter(measure__document__status=PolicyDocument.Status.PUBLISHED)
    )
    if document_id is not None:
        targets = targets.filter(measure__document_id=document_id)
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


def measures_in_sector(sector: str, document_id: int | None = None) -> list[int]:
    return sorted({t["measure_id"] for t in money_targets(document_id) if t["sector"] == sector})


def dashboard_data(document_id: int | None = None, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    tasks = programme_tasks(document_id)
    units = by_unit(tasks)
    statuses = by_status(tasks)
    total = sum(s["count"] for s in statuses)
    done = next(s["count"] for s in statuses if s["code"] == TaskStatus.DONE)
    progress = sum(u["progress"] * u["total"] for u in units) / total if total else 0.0
    warnings = by_warning(tasks)
    sectors = by_sector(money_targets(document_id))
    committed = sum(s["amount"] for s in sectors)
    return {
        "as_of": today.isoformat(),
        "as_of_label": f"{today.year}年{today.month}月{today.day}日",
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
        "timeline": deadline_timeline(tasks, today),
        "sectors": sectors,
    }
