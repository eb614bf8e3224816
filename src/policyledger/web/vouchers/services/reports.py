"""Figures for people: leverage (拉动消费) and a campaign's progress for the tracking platform."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from ..models import Batch, Campaign, Redemption, Voucher

CENT = Decimal("0.01")


def _ratio(bills: Decimal, gov: Decimal) -> float | None:
    return round(float(bills / gov), 2) if gov else None


def leverage(campaign: Campaign) -> dict:
    """Total bills / government subsidy, overall, by sector and by day (refunds excluded)."""
    frac = campaign.gov_fraction
    live = Redemption.objects.filter(campaign=campaign, refunded=False)

    def rows(qs, key):
        out = []
        for row in qs:
            bills = row["bills"] or Decimal(0)
            gov = ((row["face"] or Decimal(0)) * frac).quantize(CENT, rounding=ROUND_HALF_UP)
            out.append(
                {
                    key: str(row[key]),
                    "count": row["n"],
                    "bills": float(bills),
                    "face": float(row["face"] or 0),
                    "gov": float(gov),
                    "leverage": _ratio(bills, gov),
                }
            )
        return out

    by_sector = rows(
        live.values("merchant__sector")
        .annotate(n=Count("id"), bills=Sum("bill_amount"), face=Sum("face_value"))
        .order_by("merchant__sector"),
        "merchant__sector",
    )
    for row in by_sector:
        row["sector"] = row.pop("merchant__sector")
    by_day = rows(
        live.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"), bills=Sum("bill_amount"), face=Sum("face_value"))
        .order_by("day"),
        "day",
    )
    total = live.aggregate(n=Count("id"), bills=Sum("bill_amount"), face=Sum("face_value"))
    bills = total["bills"] or Decimal(0)
    gov = ((total["face"] or Decimal(0)) * frac).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "campaign": campaign.pk,
        "total": {
            "count": total["n"],
            "bills": float(bills),
            "face": float(total["face"] or 0),
            "gov": float(gov),
            "leverage": _ratio(bills, gov),
        },
        "by_sector": by_sector,
        "by_day": by_day,
    }


def campaign_progress(campaign: Campaign) -> dict:
    """What the funding task's progress report shows: money out, vouchers used, pull-through.

    Plain numbers (yuan as float, counts as int) so the caller can store them as report values.
    """
    counts = Voucher.objects.filter(campaign=campaign).aggregate(
        issued=Count("id"),
        claimed=Count("id", filter=Q(owner__isnull=False)),
        redeemed=Count("id", filter=Q(state=Voucher.State.REDEEMED)),
        expired=Count("id", filter=Q(state=Voucher.State.EXPIRED)),
    )
    lev = leverage(campaign)["total"]
    planned = Batch.objects.filter(campaign=campaign).aggregate(q=Sum("quantity"))["q"] or 0
    budget_gov = float((campaign.budget * campaign.gov_fraction).quantize(CENT))
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "status": campaign.status,
        "budget": float(campaign.budget),
        "gov_budget": budget_gov,
        "planned": planned,
        "issued": counts["issued"],
        "claimed": counts["claimed"],
        "redeemed": counts["redeemed"],
        "expired": counts["expired"],
        "redeemed_face": lev["face"],
        "gov_subsidy": lev["gov"],
        "bills": lev["bills"],
        "leverage": lev["leverage"],
        "claim_rate": round(counts["claimed"] / planned, 4) if planned else 0.0,
        "redeem_rate": round(counts["redeemed"] / counts["claimed"], 4)
        if counts["claimed"]
        else 0.0,
        "budget_used": round(lev["gov"] / budget_gov, 4) if budget_gov else 0.0,
    }
