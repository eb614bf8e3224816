"""催报 / 督办 page: the units late for the current period, one-click reminder, escalation, the
未报送名单 and 逾期清单 downloads, and the record of past rounds."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from policyledger.web.accounts import permissions
from policyledger.web.tracking.models import Reminder
from policyledger.web.tracking.services import chasing, chasing_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed(request) -> None:
    permissions.require_role(request.user, permissions.ADMIN, permissions.VIEWER)


def _prefix(name: str) -> str:
    """``name``'s URL up to its pk (``/tracking/tasks/``): the rows append ``pk/``. One reverse
    instead of one per row (a few hundred reverses were half the page's rendering time)."""
    url = reverse(name, args=[0])
    assert url.endswith("/0/"), url
    return url[:-2]


def chasing_page(request):
    _allowed(request)
    today = timezone.localdate()
    rounds = (
        Reminder.objects.select_related("sent_by")
        .prefetch_related("lines__unit")
        .order_by("-sent_at", "-pk")[:20]
    )
    return render(
        request,
        "tracking/chasing.html",
        {
            "late": chasing.late_units(today),
            "periods": chasing.reporting_periods(today),
            "rounds": rounds,
            "overdue_count": chasing.overdue_tasks(today).count(),
            "is_admin": permissions.is_admin(request.user),
            "unit_url": _prefix("accounts:unit"),
            "task_url": _prefix("tracking:task"),
        },
    )


@require_POST
def send_reminders(request):
    permissions.require_admin(request.user)
    try:
        reminder = chasing.send_reminders(request.user)
    except chasing.ChaseError as exc:
        messages.error(request, str(exc))
    else:
        units = reminder.lines.values("unit").distinct().count()
        messages.success(
            request,
            f"已向{units}个单位催报（站内通知{reminder.notified}条，邮件{reminder.emailed}封）",
        )
    return redirect("tracking:chasing")


@require_POST
def escalate(request):
    permissions.require_admin(request.user)
    reminder = chasing.escalate(user=request.user)
    if reminder is None:
        messages.success(request, "没有需要督办的单位（催报后未超过期限或已报送）")
    else:
        units = reminder.lines.values("unit").distinct().count()
        messages.success(request, f"已督办{units}个单位（邮件{reminder.emailed}封）")
    return redirect("tracking:chasing")


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def missing_xlsx(request):
    _allowed(request)
    today = timezone.localdate()
    data = chasing_xlsx.missing_xlsx(chasing.late_units(today))
    return _xlsx(data, f"未报送名单_{today:%Y%m%d}.xlsx")


def overdue_xlsx(request):
    _allowed(request)
    today = timezone.localdate()
    data = chasing_xlsx.overdue_xlsx(chasing.overdue_tasks(today), today)
    return _xlsx(data, f"逾期清单_{today:%Y%m%d}.xlsx")
