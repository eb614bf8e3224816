"""The dashboard page (charts drawn by static/js/dashboard.js), its JSON, and the drill-down list."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse

from policyledger.web.accounts import permissions
from policyledger.web.accounts.models import Unit
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.params import int_or_none
from policyledger.web.tracking.dashboard import data as dashboard
from policyledger.web.tracking.dashboard.money import money_panel
from policyledger.web.tracking.models import Task, TaskStatus
from policyledger.web.tracking.services.sectors import sector_names

PAGE_SIZE = 50


def _allowed(request) -> None:
    permissions.require_role(request.user, permissions.ADMIN, permissions.VIEWER)


def _document(request) -> int | None:
    return int_or_none(request.GET.get("document"))


def dashboard_page(request):
    _allowed(request)
    document = _document(request)
    drill = reverse("tracking:dashboard_tasks")
    period, rankings = _rankings(document)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "document": document,
            "documents": PolicyDocument.objects.filter(status=PolicyDocument.Status.PUBLISHED).only(
                "pk", "title", "short_title", "source_name"
            ),
            "drill": f"{drill}?document={document}" if document else drill,
            "drill_q": bool(document),
            "money_rows": money_panel(document),  # 资金兑现 panel (tracking.hooks)
            "ranking_period": period,
            "rankings": rankings,
        },
    )


def _rankings(document: int | None):
    """Units ranked over the last finished month, compared with the month before it."""
    from django.utils import timezone

    from policyledger.web.tracking.briefings.data import collect_briefing
    from policyledger.web.tracking.briefings.rankings import rank_units
    from policyledger.web.tracking.services.periods import previous_period

    period = previous_period(timezone.localdate(), "monthly")
    ids = [document] if document else None
    briefing = collect_briefing(period, document_ids=ids)
    previous = collect_briefing(previous_period(period.start, "monthly"), document_ids=ids)
    return period, rank_units(briefing, previous)


def dashboard_json(request):
    _allowed(request)
    data = dashboard.dashboard_data(_document(request))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def drill_down(request):
    """The tasks behind one mark of a chart: by unit, status, warning, deadline month or sector."""
    _allowed(request)
    f = request.GET
    document_id = _document(request)
    tasks = dashboard.programme_tasks(document_id)
    labels = []
    unit_id = int_or_none(f.get("unit"))
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        tasks = tasks.filter(lead_unit_id=unit_id)
        labels.append(f"牵头单位：{unit.name if unit else '（不存在）'}")
    if f.get("status") in TaskStatus.values:
        tasks = tasks.filter(status=f["status"])
        labels.append(f"状态：{TaskStatus(f['status']).label}")
    if f.get("warning") in Task.Warning.values:
        tasks = tasks.filter(warning=f["warning"])
        labels.append(f"预警：{Task.Warning(f['warning']).label}")
    due = f.get("due", "")
    year, month = int_or_none(due[:4]), int_or_none(due[5:])
    # Year 0 is not a date: the deadline__year lookup would raise ValueError (a 500).
    if len(due) == 7 and due[4] == "-" and (year or 0) >= 1 and 1 <= (month or 0) <= 12:
        tasks = tasks.filter(deadline__year=year, deadline__month=month)
        labels.append(f"完成时限：{year}年{month}月")
    if f.get("sector") in sector_names():
        ids = dashboard.measures_in_sector(f["sector"], document_id)
        tasks = tasks.filter(measure_id__in=ids)
        labels.append(f"资金领域：{f['sector']}")
    tasks = tasks.select_related("measure__document", "lead_unit").order_by(
        "deadline", "measure__document_id", "measure__order", "pk"
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(f.get("page"))
    query = f.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/drill_down.html",
        {"page": page, "labels": labels, "query": query.urlencode()},
    )
