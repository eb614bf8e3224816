"""Public pages (no login): 政策计算器, 公示 with its objection form, applicant registration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .forms import CalculatorForm, ObjectionForm, RegisterForm
from .models import Application, Notice, money, yuan
from .services import applicants as applicant_service
from .services import notices as notice_service
from .services.calculator import calculate, parse_yuan
from .services.errors import SubsidyError
from .services.identity import mask_name


@login_not_required
@require_http_methods(["GET"])
def calculator(request):
    form = CalculatorForm(request.GET or None)
    offers, incomplete, total = None, 0, 0
    if request.GET and form.is_valid():
        data = form.cleaned_data
        figures = {}
        try:
            if data.get("amount"):
                figures["price_fen"] = parse_yuan(data["amount"], "购买金额")
            if data.get("participants") is not None:
                figures["participants"] = data["participants"]
            offers, incomplete = calculate(
                {
                    "applicant_kind": data["applicant_kind"],
                    "sector": data.get("sector", ""),
                    "region": data.get("region", ""),
                    "figures": figures,
                }
            )
            total = sum(o.amount_fen for o in offers)
        except SubsidyError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "subsidies/calculator.html",
        {"form": form, "offers": offers, "incomplete": incomplete, "total": money(total)},
    )


def _notice_rows(notice: Notice) -> list[dict]:
    rows = []
    apps = notice.applications.select_related("applicant").order_by("submitted_at", "id")
    for a in apps:
        applicant = a.applicant
        name = applicant.name if applicant.kind != "person" else mask_name(applicant.name)
        rows.append(
            {
                "number": a.number,
                "name": name,
                "id": applicant.id_display,
                "region": a.region,
                "amount": yuan(a.awarded_fen),
                "status": a.get_status_display(),
            }
        )
    return rows


@login_not_required
@require_http_methods(["GET"])
def notice_list(request):
    notices = Notice.objects.select_related("programme").order_by("-published_at")[:100]
    return render(request, "subsidies/notice_list.html", {"notices": notices})


@login_not_required
@require_http_methods(["GET", "POST"])
def notice_detail(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("programme"), pk=pk)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice_service.object_to(notice, **form.cleaned_data)
        except SubsidyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "异议已收到，我们将在公示期内核查并答复")
            return redirect("subsidies:notice", pk=pk)
    today = timezone.localdate()
    ctx = {
        "notice": notice,
        "rows": _notice_rows(notice),
        "form": form,
        "is_open": notice_service.notice_open(notice, today),
        "total": yuan(sum(a.awarded_fen for a in notice.applications.all())),
    }
    return render(request, "subsidies/notice_detail.html", ctx)


@login_not_required
@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            applicant = applicant_service.register(
                d["username"],
                d["password"],
                kind=d["kind"],
                name=d["name"],
                id_number=d["id_number"],
                region=d.get("region", ""),
                sector=d.get("sector", ""),
            )
        except SubsidyError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, applicant.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "注册成功")
            return redirect("subsidies:mine")
    return render(request, "subsidies/register.html", {"form": form})


def status_counts(programme) -> dict[str, int]:
    from django.db.models import Count

    rows = programme.applications.values("status").annotate(n=Count("id"))
    return {Application.Status(r["status"]).label: r["n"] for r in rows}
