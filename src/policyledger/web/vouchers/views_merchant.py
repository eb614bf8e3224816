"""Merchant counter: type or scan a code, enter the bill, redeem; refunds; today's redemptions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Redemption
from .services import codes
from .services.errors import VoucherError
from .services.redemption import redeem, refund
from .web_common import merchant_for


def counter(request):
    merchant = merchant_for(request)
    result = None
    if request.method == "POST":
        try:
            out = redeem(
                merchant,
                request.POST.get("code", ""),
                request.POST.get("bill", ""),
                idempotency_key=request.POST.get("idem", ""),
                operator=request.user,
            )
        except VoucherError as exc:
            messages.error(request, exc.message)
        else:
            r = out.redemption
            pay = r.bill_amount - r.face_value
            note = "（重复提交，未重复核销）" if out.replayed else ""
            messages.success(
                request,
                f"核销成功{note}：消费{r.bill_amount}元，抵扣{r.face_value}元，顾客实付{pay}元",
            )
            return redirect(f"{request.path}?m={merchant.pk}")
    today = timezone.localdate()
    rows = (
        Redemption.objects.filter(merchant=merchant, created_at__date=today)
        .select_related("voucher", "voucher__batch")
        .order_by("-created_at")
    )
    for r in rows:
        r.display_code = codes.display(r.voucher.code)
    live = rows.filter(refunded=False).aggregate(bills=Sum("bill_amount"), face=Sum("face_value"))
    ctx = {
        "merchant": merchant,
        "merchants": request.user.voucher_merchants.all(),
        "rows": rows,
        "live": live,
        "idem": uuid.uuid4().hex,
        "result": result,
        "code": request.POST.get("code", "") if request.method == "POST" else "",
        "bill": request.POST.get("bill", "") if request.method == "POST" else "",
    }
    return render(request, "vouchers/merchant.html", ctx)


@require_POST
def refund_view(request, pk: int):
    merchant = merchant_for(request)
    redemption = get_object_or_404(Redemption, pk=pk, merchant=merchant)
    try:
        r = refund(redemption, merchant=merchant, reason=request.POST.get("reason", ""))
    except VoucherError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已退款冲正：券 {codes.display(r.voucher.code)} 已退回顾客")
    return redirect(f"/vouchers/merchant/?m={merchant.pk}")
