"""The voucher campaigns' results for the evaluation (registered in tracking.hooks)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum

from policyledger.web.tracking.hooks import DistrictResult, ProgrammeResult, SectorResult
from policyledger.web.vouchers.models import Batch, Campaign, Redemption, Settlement, Voucher

ZERO = Decimal(0)
UNREGISTERED = "未登记"


def campaign_results() -> list[ProgrammeResult]:
    results = []
    for campaign in Campaign.objects.order_by("pk"):
        share = Decimal(campaign.gov_ratio) / Decimal(
            campaign.gov_ratio + campaign.merchant_ratio or 1
        )
        batches = Batch.objects.filter(campaign=campaign).aggregate(
            issued=Sum("issued"), claimed=Sum("claimed")
        )
        claimed_face = (
            Voucher.objects.filter(campaign=campaign, owner__isnull=False).aggregate(
                face=Sum("batch__face_value")
            )["face"]
            or ZERO
        )
        live = Redemption.objects.filter(campaign=campaign, refunded=False)
        totals = live.aggregate(
            n=Count("pk"), bills=Sum("bill_amount"), face=Sum("face_value"),
            merchants=Count("merchant", distinct=True), people=Count("voucher__owner", distinct=True),
        )  # fmt: skip
        paid = (
            Settlement.objects.filter(
                campaign=campaign, status=Settlement.Status.RELEASED
            ).aggregate(gov=Sum("gov_share"))["gov"]
            or ZERO
        )
        by_sector = [
            SectorResult(
                sector=row["merchant__sector"],
                redeemed=row["n"],
                government=((row["face"] or ZERO) * share).quantize(Decimal("0.01")),
                bills=row["bills"] or ZERO,
                merchants=row["merchants"],
            )
            for row in live.values("merchant__sector")
            .annotate(
                n=Count("pk"),
                bills=Sum("bill_amount"),
                face=Sum("face_value"),
                merchants=Count("merchant", distinct=True),
            )  # fmt: skip
            .order_by("merchant__sector")
        ]
        districts = [
            DistrictResult(
                district=row["merchant__district"] or UNREGISTERED,
                redeemed=row["n"],
                bills=row["bills"] or ZERO,
                government=((row["face"] or ZERO) * share).quantize(Decimal("0.01")),
                merchants=row["merchants"],
                people=row["people"],
            )
            for row in live.values("merchant__district")
            .annotate(
                n=Count("pk"),
                bills=Sum("bill_amount"),
                face=Sum("face_value"),
                merchants=Count("merchant", distinct=True),
                people=Count("voucher__owner", distinct=True),
            )  # fmt: skip
            .order_by("merchant__district")
        ]
        notes = []
        missing = next((d for d in districts if d.district == UNREGISTERED), None)
        if missing is not None:
            notes.append(f"有{missing.merchants}家核销商户未登记所在区县，列为“{UNREGISTERED}”。")
        people = Voucher.objects.filter(campaign=campaign, owner__isnull=False).aggregate(
            n=Count("owner", distinct=True, filter=Q(owner__isnull=False))
        )["n"]
        results.append(
            ProgrammeResult(
                key=f"vouchers:{campaign.pk}",
                kind="消费券活动",
                name=campaign.name,
                region=campaign.city,
                start=campaign.valid_from.date(),
                end=campaign.valid_until.date(),
                sectors=list(campaign.sectors or []),
                planned=campaign.budget,
                committed=(claimed_face * share).quantize(Decimal("0.01")),
                paid=paid,
                issued=batches["issued"] or 0,
                claimed=batches["claimed"] or 0,
                redeemed=totals["n"],
                bills=totals["bills"] or ZERO,
                government_redeemed=((totals["face"] or ZERO) * share).quantize(Decimal("0.01")),
                merchants=totals["merchants"],
                people=people,
                by_sector=by_sector,
                notes=notes,
                districts=districts,
                measure_id=campaign.measure_id,
            )
        )
    return results
