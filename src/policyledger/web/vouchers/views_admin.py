"""Administrators: set up campaigns, move their status, draw lotteries, settle, review flags."""

from __future__ import annotations

import datetime as dt
import re

from django import forms as djforms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .forms import CampaignForm
from .models import Campaign, FraudFlag, Settlement
from .services import fraud, lottery, settlement
from .services.campaigns import create_campaign, set_status
from .services.errors import VoucherError
from .services.redemption import expire
from .services.reports import campaign_progress, leverage
from .web_common import require_admin


@require_GET
def manage_list(request):
    require_admin(request.user)
    campaigns = Campaign.objects.annotate(n_batches=Count("batches")).order_by("-id")
    open_flags = FraudFlag.objects.filter(status=FraudFlag.Status.OPEN).count()
    return render(
        request, "vouchers/manage_list.html", {"campaigns": campaigns, "open_flags": open_flags}
    )


def manage_new(request):
    require_admin(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            specs = form.batch_specs()
            data = {k: v for k, v in form.cleaned_data.items() if not re.match(r"^b\d+_", k)}
            data["status"] = Campaign.Status.DRAFT
            campaign = create_campaign(specs, **data)
        except djforms.ValidationError as exc:
            form.add_error(None, exc)
        except VoucherError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"活动「{campaign.name}」已创建（草稿），券已生成")
            return redirect("vouchers:manage_detail", pk=campaign.pk)
    return render(request, "vouchers/manage_new.html", {"form": form})


@require_GET
def manage_detail(request, pk: int):
    require_admin(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    day = _day(request.GET.get("day"))
    ctx = {
        "campaign": campaign,
        "batches": campaign.batches.all(),
        "progress": campaign_progress(campaign),
        "settlements": Settlement.objects.filter(campaign=campaign, day=day).select_related(
            "merchant"
        ),
        "day": day,
        "flags": campaign.flags.filter(status=FraudFlag.Status.OPEN)[:20],
        "entrants": campaign.entries.count(),
    }
    return render(request, "vouchers/manage_detail.html", ctx)


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@require_POST
def manage_action(request, pk: int):
    require_admin(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    action = request.POST.get("action", "")
    day = _day(request.POST.get("day"))
    try:
        if action in ("registration", "open", "closed"):
            set_status(campaign, action)
            messages.success(request, f"活动状态已改为“{campaign.get_status_display()}”")
        elif action == "close_registration":
            c = lottery.close_registration(
                campaign, public_value=request.POST.get("public_value", "")
            )
            messages.success(request, f"报名已关闭：{c.entrants_count}人，名单哈希与公开值已公布")
        elif action == "draw":
            won = lottery.draw(campaign, public_value=request.POST.get("public_value", ""))
            messages.success(request, f"摇号完成：{len(won)}人中签，种子已公布")
        elif action == "settle":
            rows = settlement.settle_day(campaign, day)
            messages.success(request, f"{day} 结算已生成：{len(rows)}家商户")
        elif action == "scan":
            flags = fraud.scan(campaign)
            messages.success(request, f"风险扫描完成，新增{len(flags)}条标记")
        elif action == "expire":
            messages.success(request, f"已过期{expire()}张")
        else:
            messages.error(request, "未知操作")
    except VoucherError as exc:
        messages.error(request, exc.message)
    return redirect(f"/vouchers/manage/{pk}/?day={day.isoformat()}")


@require_POST
def release_settlement(request, pk: int):
    require_admin(request.user)
    s = get_object_or_404(Settlement.objects.select_related("merchant"), pk=pk)
    try:
        settlement.release(s)
        messages.success(request, f"{s.merchant.name} {s.day} 的结算已放款")
    except VoucherError as exc:
        messages.error(request, exc.message)
    return redirect(f"/vouchers/manage/{s.campaign_id}/?day={s.day.isoformat()}")


@require_GET
def settlement_xlsx(request, pk: int):
    require_admin(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    day = _day(request.GET.get("day")) if request.GET.get("day") else None
    resp = HttpResponse(
        settlement.export_xlsx(campaign, day),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"settlement-{campaign.pk}{'-' + day.isoformat() if day else ''}.xlsx"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@require_GET
def leverage_json(request, pk: int):
    require_admin(request.user)
    return JsonResponse(leverage(get_object_or_404(Campaign, pk=pk)))


@require_GET
def review_queue(request):
    require_admin(request.user)
    status = request.GET.get("status", FraudFlag.Status.OPEN)
    flags = FraudFlag.objects.filter(status=status).select_related("campaign", "merchant")[:200]
    return render(request, "vouchers/review.html", {"flags": flags, "status": status})


@require_POST
def review_flag(request, pk: int):
    require_admin(request.user)
    flag = get_object_or_404(FraudFlag, pk=pk)
    try:
        fraud.review(
            flag,
            request.POST.get("decision", ""),
            reviewer=request.user,
            note=request.POST.get("note", ""),
        )
        messages.success(request, f"标记 {flag.pk} 已审核：{flag.get_status_display()}")
    except VoucherError as exc:
        messages.error(request, exc.message)
    return redirect("vouchers:review")
