"""The 资金兑现 figures of the voucher campaigns a measure funds, now or as of a moment
(registered with ``tracking.hooks.add_money_source`` in ``VouchersConfig.ready``).

Committed is the government's share of the face value of the vouchers claimed (``claimed_at``),
paid the government's share released to merchants (``Settlement.released_at``), the same
definitions as the evaluation's ``campaign_results``; read from those dated rows, a past month's
figures stay the same when residents claim or settlements are released later.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from policyledger.web.vouchers.models import Campaign, Settlement, Voucher

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _fen(yuan: Decimal) -> int:
    return int((yuan * 100).quantize(Decimal(1)))


def _yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def campaign_money(campaign: Campaign, as_of: dt.datetime) -> tuple[Decimal, Decimal]:
    """(committed, paid) government money of ``campaign`` at ``as_of``, in yuan."""
    face = (
        Voucher.objects.filter(
            campaign=campaign, owner__isnull=False, claimed_at__lt=as_of
        ).aggregate(face=Sum("batch__face_value"))["face"]
        or ZERO
    )
    paid = (
        Settlement.objects.filter(
            campaign=campaign, status=Settlement.Status.RELEASED, released_at__lt=as_of
        ).aggregate(gov=Sum("gov_share"))["gov"]
        or ZERO
    )
    return (face * campaign.gov_fraction).quantize(CENT), paid


def measure_money(measure_id: int, as_of: dt.datetime | None = None) -> dict[str, Any] | None:
    """The campaigns funded by the measure (created before ``as_of``) and their money then."""
    as_of = as_of or timezone.now()
    campaigns = list(
        Campaign.objects.filter(measure_id=measure_id, created_at__lt=as_of).order_by("pk")
    )
    if not campaigns:
        return None
    committed = paid = budget = ZERO
    for campaign in campaigns:
        c, p = campaign_money(campaign, as_of)
        committed, paid = committed + c, paid + p
        budget += (campaign.budget * campaign.gov_fraction).quantize(CENT)
    target = _target_fen(measure_id)
    committed_fen, paid_fen = _fen(committed), _fen(paid)
    return {
        "title": "资金兑现（消费券活动）",
        "target": _yuan_text(target) if target is not None else "—",
        "budget": _yuan_text(_fen(budget)),
        "committed": _yuan_text(committed_fen),
        "paid": _yuan_text(paid_fen),
        "committed_percent": round(committed_fen * 100 / target, 1) if target else None,
        "paid_percent": round(paid_fen * 100 / target, 1) if target else None,
        "target_fen": target,
        "committed_fen": committed_fen,
        "paid_fen": paid_fen,
        "url": "/vouchers/manage/",
    }


def _target_fen(measure_id: int) -> int | None:
    from policyledger.web.documents.models import Target

    for value in (
        Target.objects.filter(measure_id=measure_id, kind="money", qualifier="total")
        .order_by("order", "id")
        .values_list("value", flat=True)
    ):
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                return int(Decimal(str(value)) * 100)
            except ArithmeticError:
                continue
    return None


def measure_ids() -> list[int]:
    """Measures that fund at least one campaign (the dashboard asks only these)."""
    ids = Campaign.objects.exclude(measure=None).values_list("measure_id", flat=True).distinct()
    return sorted(set(ids))
