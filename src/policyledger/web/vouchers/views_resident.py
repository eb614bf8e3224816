"""Residents' pages (mobile first): campaigns, claim or register, my vouchers with QR codes."""

from __future__ import annotations

import secrets
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .api import resident_token
from .models import Campaign, LotteryEntry, Voucher
from .services import claims, codes, lottery, residents
from .services.campaigns import claimable
from .services.errors import VoucherError
from .web_common import DEVICE_COOKIE, client_ip, device_of, is_voucher_admin


def _with_device(request, response):
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_hex(12),
            max_age=3 * 365 * 86400,
            httponly=True,
            samesite="Lax",
        )
    return response


def _visible(user):
    qs = Campaign.objects.prefetch_related("batches")
    return qs if is_voucher_admin(user) else qs.exclude(status=Campaign.Status.DRAFT)


@require_GET
def campaign_list(request):
    campaigns = list(_visible(request.user))
    return _with_device(
        request, render(request, "vouchers/campaign_list.html", {"campaigns": campaigns})
    )


@require_GET
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(_visible(request.user), pk=pk)
    now = timezone.now()
    entry = LotteryEntry.objects.filter(campaign=campaign, user=request.user).first()
    owned = Voucher.objects.filter(campaign=campaign, owner=request.user).count()
    ctx = {
        "campaign": campaign,
        "batches": campaign.batches.all(),
        "can_claim": claimable(campaign, now),
        "can_register": lottery.registration_open(campaign, now),
        "entry": entry,
        "owned": owned,
        "eligible": residents.is_eligible(request.user.pk),
        # A fresh key per page view: submitting the same form twice replays, never claims twice.
        "idem": uuid.uuid4().hex,
        "entrants_public": campaign.mode == Campaign.Mode.LOTTERY
        and campaign.registration_closes_at is not None
        and now >= campaign.registration_closes_at,
    }
    return _with_device(request, render(request, "vouchers/campaign_detail.html", ctx))


@require_POST
def claim_view(request, pk: int):
    campaign = get_object_or_404(_visible(request.user), pk=pk)
    ip = client_ip(request)
    try:
        out = claims.claim(
            request.user,
            campaign,
            idempotency_key=request.POST.get("idem", ""),
            batch=request.POST.get("batch") or None,
            ip=ip,
            device=device_of(request),
            limit_rate=True,
        )
    except (VoucherError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "请求有误"))
        return redirect("vouchers:campaign", pk=pk)
    if out.replayed:
        messages.info(request, "这张券您已经领到了（重复提交不会多领）")
    else:
        messages.success(request, f"领取成功，券码 {codes.display(out.voucher.code)}")
    return redirect("vouchers:mine")


@require_POST
def register_view(request, pk: int):
    campaign = get_object_or_404(_visible(request.user), pk=pk)
    try:
        entry = lottery.register(
            request.user, campaign, ip=client_ip(request), device=device_of(request)
        )
    except VoucherError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"报名成功，您的报名编号是 {entry.pk}")
    return redirect("vouchers:campaign", pk=pk)


@require_GET
def entrants_txt(request, pk: int):
    campaign = get_object_or_404(_visible(request.user), pk=pk, mode=Campaign.Mode.LOTTERY)
    if not campaign.registration_closes_at or timezone.now() < campaign.registration_closes_at:
        raise Http404("报名截止后公布名单")
    body = "".join(f"{i}\n" for i in lottery.entrant_ids(campaign))
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@require_GET
def mine(request):
    vouchers = list(
        Voucher.objects.filter(owner=request.user)
        .select_related("batch", "campaign")
        .order_by("state", "-claimed_at")
    )
    for v in vouchers:
        v.display_code = codes.display(v.code)
        v.qr = codes.qr_data_uri(v.code) if v.state == Voucher.State.CLAIMED else ""
    ctx = {"vouchers": vouchers, "token": resident_token(request.user)}
    return _with_device(request, render(request, "vouchers/mine.html", ctx))
