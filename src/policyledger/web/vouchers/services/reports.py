"""Figures for people: leverage (拉动消费) and a campaign's progress for the tracking platform.

Money stays Decimal yuan here and goes out as integer fen in JSON (``*_fen``, docs/api.md) and as
Decimal to the pages (shown through the ``money`` filter); only ratios are float, computed from
the Decimals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from ..models import Batch, Campaign, Redemption, Voucher

CENT = Decimal("0.01")


def _ratio(part: Decimal, whole: Decimal, places: str = "0.01") -> float | None:
    """``part / whole`` rounded in Decimal (half up), as a float for JSON; None when whole is 0."""
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP))


def fen(yuan: Decimal) -> int:
    """Decimal yuan to integer fen (the amounts here are already whole fen)."""
    return int((yuan * 100).to_integral_value(ROUND_HALF_UP))


def _figures(row: dict, frac: Decimal) -> dict:
    bills = row["bills"] or Decimal(0)
    face = row["face"] or Decimal(0)
    gov = (face * frac).quantize(CENT, rounding=ROUND_HALF_UP)
    return {"count": row["n"], "bills": bills, "face": face, "gov": gov}


def _json(figures: dict) -> dict:
    return {
        "count": figures["count"],
        "bills_fen": fen(figures["bills"]),
        "face_fen": fen(figures["face"]),
        "gov_fen": fen(figures["gov"]),
        "leverage": _ratio(figures["bills"], figures["gov"]),
    }


def _total(campaign: Campaign) -> dict:
    """Redeemed vouchers (refunds excluded): count, bills, face value and government share, Decimal."""
    live = Redemption.objects.filter(campaign=campaign, refunded=False)
    total = live.aggregate(n=Count("id"), bills=Sum("bill_amount"), face=Sum("face_value"))
    return _figures(total, campaign.gov_fraction)


def leverage(campaign: Campaign) -> dict:
    """Total bills / government subsidy, overall, by sector and by day (refunds excluded).

    Money in integer fen (``bills_fen``, ``face_fen``, ``gov_fen``); ``leverage`` is a ratio.
    """
    frac = campaign.gov_fraction
    live = Redemption.objects.filter(campaign=campaign, refunded=False)

    def rows(qs, key):
        return [{key: str(row[key]), **_json(_figures(row, frac))} for row in qs]

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
    return {
        "campaign": campaign.pk,
        "total": _json(_total(campaign)),
        "by_sector": by_sector,
        "by_day": by_day,
    }


def campaign_progress(campaign: Campaign) -> dict:
    """What the funding task's progress report shows: money out, vouchers used, pull-through.

    Money as Decimal yuan (the page shows it through the ``money`` filter), counts as int,
    rates as float computed from the Decimals.
    """
    counts = Voucher.objects.filter(campaign=campaign).aggregate(
        issued=Count("id"),
        claimed=Count("id", filter=Q(owner__isnull=False)),
        redeemed=Count("id", filter=Q(state=Voucher.State.REDEEMED)),
        expired=Count("id", filter=Q(state=Voucher.State.EXPIRED)),
    )
    total = _total(campaign)
    planned = Batch.objects.filter(campaign=campaign).aggregate(q=Sum("quantity"))["q"] or 0
    budget_gov = (campaign.budget * campaign.gov_fraction).quantize(CENT)
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "status": campaign.status,
        "budget": campaign.budget,
        "gov_budget": budget_gov,
        "planned": planned,
        "issued": counts["issued"],
        "claimed": counts["claimed"],
        "redeemed": counts["redeemed"],
        "expired": counts["expired"],
        "redeemed_face": total["face"],
        "gov_subsidy": total["gov"],
        "bills": total["bills"],
        "leverage": _ratio(total["bills"], total["gov"]),
        "claim_rate": round(counts["claimed"] / planned, 4) if planned else 0.0,
        "redeem_rate": round(counts["redeemed"] / counts["claimed"], 4)
        if counts["claimed"]
        else 0.0,
        "budget_used": _ratio(total["gov"], budget_gov, "0.0001") or 0.0,
    }
