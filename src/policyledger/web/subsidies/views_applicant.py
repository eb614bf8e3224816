"""Applicants: my applications and entitlements, bank details, apply with materials, and WHY."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .forms import ApplyForm, BankForm, sniff
from .models import Application, Material, Programme, money
from .services import applicants as applicant_service
from .services import applications as svc
from .services.calculator import parse_yuan
from .services.errors import SubsidyError
from .services.explain import explain
from .web_common import application_for, is_officer, is_reader


def _applicant_or_redirect(request):
    applicant = applicant_service.applicant_of(request.user)
    if applicant is None:
        messages.error(request, "请先注册申请人账号（企业或个人）")
    return applicant


@require_http_methods(["GET", "POST"])
def mine(request):
    applicant = _applicant_or_redirect(request)
    if applicant is None:
        return redirect("subsidies:register")
    form = BankForm(
        request.POST or None,
        initial={
            "holder": applicant.bank_holder or applicant.name,
            "account": applicant.bank_account,
            "bank": applicant.bank_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            applicant_service.confirm_bank(applicant, **form.cleaned_data)
        except SubsidyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "收款信息已确认")
            return redirect("subsidies:mine")
    apps = applicant.applications.select_related("programme").order_by("-submitted_at")
    open_programmes = Programme.objects.filter(status=Programme.Status.OPEN).exclude(
        kind=Programme.Kind.TRANSFER
    )
    return render(
        request,
        "subsidies/mine.html",
        {"applicant": applicant, "apps": apps, "form": form, "programmes": open_programmes},
    )


@require_http_methods(["GET", "POST"])
def apply(request, pk: int):
    applicant = _applicant_or_redirect(request)
    if applicant is None:
        return redirect("subsidies:register")
    programme = get_object_or_404(
        Programme.objects.exclude(kind=Programme.Kind.TRANSFER), pk=pk, status=Programme.Status.OPEN
    )
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            figures = {}
            if d.get("amount"):
                figures["price_fen"] = parse_yuan(d["amount"], "开票金额")
            if d.get("participants") is not None:
                figures["participants"] = d["participants"]
            with transaction.atomic():
                app = svc.submit(
                    programme,
                    applicant,
                    figures=figures,
                    invoice_code=d.get("invoice_code", ""),
                    invoice_number=d.get("invoice_number", ""),
                    region=d.get("region", ""),
                    sector=d.get("sector", ""),
                    actor=request.user,
                )
                for f in d["material_files"]:
                    Material.objects.create(
                        application=app,
                        file=f,
                        name=f.name[:255],
                        size=f.size,
                        content_type=sniff(f.read(8)) or "",
                    )
        except SubsidyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"申请已提交，编号{app.number}，测算金额{money(app.amount_fen)}"
            )
            return redirect("subsidies:application", number=app.number)
    return render(request, "subsidies/apply.html", {"programme": programme, "form": form})


@require_GET
def application(request, number: str):
    app = application_for(request.user, number)
    ctx = {
        "app": app,
        "why": explain(app),
        "events": app.events.select_related("actor"),
        "materials": app.materials.all(),
        "officer": is_officer(request.user),
        "reader": is_reader(request.user),
        "amount": money(app.amount_fen),
        "awarded": money(app.awarded_fen),
        "objections": app.objections.all() if is_reader(request.user) else [],
    }
    return render(request, "subsidies/application.html", ctx)


@require_POST
def confirm(request, number: str):
    app = application_for(request.user, number)
    if applicant_service.applicant_of(request.user) != app.applicant:
        raise Http404("申请不存在")
    try:
        svc.confirm_entitlement(request.user, app)
        messages.success(request, "已确认，进入审核")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    return redirect("subsidies:application", number=number)


@require_POST
def resubmit(request, number: str):
    app = application_for(request.user, number)
    if applicant_service.applicant_of(request.user) != app.applicant:
        raise Http404("申请不存在")
    figures = dict(app.inputs)
    try:
        if request.POST.get("amount"):
            figures["price_fen"] = parse_yuan(request.POST["amount"], "开票金额")
        svc.resubmit(request.user, app, figures=figures)
        messages.success(request, "已重新提交")
    except SubsidyError as exc:
        messages.error(request, exc.message)
    return redirect("subsidies:application", number=number)


@require_GET
def material(request, pk: int):
    item = get_object_or_404(Material.objects.select_related("application"), pk=pk)
    application_for(request.user, item.application.number)  # 404 unless allowed
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


__all__ = ["Application"]
