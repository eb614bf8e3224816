"""The system-wide audit log (administrators only): filters, pages, xlsx export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from policyledger.web.accounts import permissions
from policyledger.web.tracking.services import audit_log

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


def audit_page(request):
    permissions.require_admin(request.user)
    filters = audit_log.Filters.from_query(request.GET)
    page = Paginator(audit_log.entries(filters), PER_PAGE).get_page(request.GET.get("page"))
    kept = {k: request.GET.get(k, "") for k in ("user", "action", "type", "since", "until")}
    query = urlencode({k: v for k, v in kept.items() if v})
    return render(
        request,
        "tracking/audit_log.html",
        {
            "page": page,
            "lines": audit_log.lines(page.object_list),
            "filters": kept,
            "errors": filters.errors,
            "query": query,
            **audit_log.choices(),
        },
    )


def audit_xlsx(request):
    permissions.require_admin(request.user)
    filters = audit_log.Filters.from_query(request.GET)
    response = HttpResponse(audit_log.xlsx(filters), content_type=XLSX)
    name = f"审计日志_{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
