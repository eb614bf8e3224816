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


def dashboard_label(period) -> str:
    return f"截至{period.label}末" if period else "截至今日"


def _allowed(request) -> None:
    permissions.require_role(request.user, permissions.ADMIN, permissions.VIEWER)


def _document(request) -> int | None:
    return int_or_none(request.GET.get("document"))


def _period(request):
    """The month asked for (``?period=2026-11``); None means 截至今日."""
    return dashboard.choose_period(request.GET.get("period"))


def _query(document, period) -> str:
    parts = []
    if document:
        parts.append(f"document={document}")
    if period:
        parts.append(f"period={period.start:%Y-%m}")
    return "&".join(parts)


def dashboard_page(request):
    _allowed(request)
    document = _document(request)
    period = _period(request)
    query = _query(document, period)
    drill = reverse("tracking:dashboard_tasks")
    ranking_period, rankings = _rankings(document, period)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "document": document,
            "documents": PolicyDocument.objects.filter(
                published_at__isnull=False, status=PolicyDocument.Status.PUBLISHED
            ).only("pk", "title", "short_title", "source_name"),
            "period": period,
            "periods": dashboard.period_choices(),
            "data_url": reverse("tracking:dashboard_data") + (f"?{query}" if query else ""),
            "drill": f"{drill}?{query}" if query else drill,
            "drill_q": bool(query),
            # 资金兑现 (tracking.hooks) as of the same moment as the rest of the page.
            "money_rows": money_panel(document, period),
            "ranking_period": ranking_period,
            "rankings": rankings,
        },
    )


def _rankings(document: int | None, period=None):
    """Units ranked over ``period`` (default: the last finished month), compared with the month
    before it; both read as of their own end."""
    from django.utils import timezone

    from policyledger.web.tracking.briefings.data import collect_briefing
    from policyledger.web.tracking.briefings.rankings import rank_units
    from policyledger.web.tracking.services.periods import previous_period

    period = period or previous_period(timezone.localdate(), "monthly")
    ids = [document] if document else None
    briefing = collect_briefing(period, document_ids=ids)
    previous = collect_briefing(previous_period(period.start, "monthly"), document_ids=ids)
    return period, rank_units(briefing, previous)


def dashboard_json(request):
    _allowed(request)
    data = dashboard.dashboard_data(_document(request), period=_period(request))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def drill_down(request):
    """The tasks behind one mark of a chart: by unit, status, warning, deadline month or sector."""
    _allowed(request)
    f = request.GET
    document_id = _document(request)
    period = _period(request)
    # The same as-of lines as the figures, so a drill-down lists exactly the tasks counted.
    _, lines = dashboard.programme_states(document_id, period=period)
    labels = [dashboard_label(period)]
    unit_id = int_or_none(f.get("unit"))
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        lines = [t for t in lines if t.unit_id == unit_id]
        labels.append(f"牵头单位：{unit.name if unit else '（不存在）'}")
    if f.get("status") in TaskStatus.values:
        lines = [t for t in lines if t.status == f["status"]]
        labels.append(f"状态：{TaskStatus(f['status']).label}")
    if f.get("warning") in Task.Warning.values:
        lines = [t for t in lines if t.warning == f["warning"]]
        labels.append(f"预警：{Task.Warning(f['warning']).label}")
    due = f.get("due", "")
    year, month = int_or_none(due[:4]), int_or_none(due[5:])
    # Year 0 is not a date (kept from when this was a deadline__year lookup).
    if len(due) == 7 and due[4] == "-" and (year or 0) >= 1 and 1 <= (month or 0) <= 12:
        lines = [
            t for t in lines if t.deadline and (t.deadline.year, t.deadline.month) == (year, month)
        ]
        labels.append(f"完成时限：{year}年{month}月")
    if f.get("sector") in sector_names():
        ids = set(dashboard.measures_in_sector(f["sector"], document_id, period=period))
        measures = dict(
            Task.objects.filter(pk__in=[t.pk for t in lines]).values_list("pk", "measure_id")
        )
        lines = [t for t in lines if measures.get(t.pk) in ids]
        labels.append(f"资金领域：{f['sector']}")
    tasks = Task.objects.filter(pk__in=[t.pk for t in lines])
    tasks = tasks.select_related("measure__document", "lead_unit").order_by(
        "deadline", "measure__document_id", "measure__order", "pk"
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(f.get("page"))
    # The rows show each task as counted (status, percent, warning as of the chosen moment).
    states = {t.pk: t for t in lines}
    for task in page.object_list:
        state = states[task.pk]
        task.status, task.percent, task.warning = state.status, state.percent, state.warning
    query = f.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/drill_down.html",
        {"page": page, "labels": labels, "query": query.urlencode()},
    )
