"""Government money spent through voucher campaigns, by region (for higher-level 奖补)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from policyledger.web.vouchers.models import Campaign, LedgerEntry


def verified_spending_by_region() -> dict[str, int]:
    """Government money in verified voucher redemptions (net of refunds), fen, by campaign city.

    Face value redeemed × the government's share of the co-funding ratio, from the append-only
    ledger (redeem +face, refund −face).
    """
    out: dict[str, int] = defaultdict(int)
    for campaign in Campaign.objects.all():
        face = LedgerEntry.objects.filter(campaign=campaign).aggregate(s=Sum("amount"))["s"]
        if not face:
            continue
        gov = (Decimal(face) * campaign.gov_fraction * 100).quantize(Decimal(1))
        out[campaign.city or "未注明地区"] += int(gov)
    return dict(out)
