"""Abuse signals and the review queue.

`scan()` looks for the patterns cities have been burnt by (many accounts behind one device or IP,
the same people redeeming in a loop at one merchant, bills just over the threshold again and
again, a merchant whose redemptions suddenly spike) and opens one flag per pattern and subject.
A flagged merchant's settlements are held until a reviewer clears or confirms every open flag.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import Campaign, Claim, FraudFlag, LotteryEntry, Merchant, Redemption, Voucher
from . import settlement
from .errors import SetupError
from .redemption import void

log = logging.getLogger("policyledger.vouchers.fraud")


@dataclass(frozen=True)
class Thresholds:
    device_accounts: int = 3  # accounts seen on one device
    ip_accounts: int = 8  # accounts behind one IP (NAT makes this looser than devices)
    loop_per_user: int = 3  # redemptions by one person at one merchant
    loop_users: int = 2  # ... by at least this many people
    near_ratio: Decimal = Decimal("1.05")  # bill < threshold * 1.05 counts as "just over"
    near_min: int = 5
    near_share: float = 0.6
    spike_min: int = 20  # a day's redemptions at one merchant
    spike_factor: float = 5.0  # ... against the average of its earlier days


def _open_flag(campaign, kind, subject, evidence, merchant=None) -> FraudFlag | None:
    try:
        with transaction.atomic():
            flag, created = FraudFlag.objects.get_or_create(
                campaign=campaign,
                kind=kind,
                subject=subject,
                status=FraudFlag.Status.OPEN,
                defaults={"evidence": evidence, "merchant": merchant},
            )
            if not created:
                FraudFlag.objects.filter(pk=flag.pk).update(evidence=evidence)
                return None
            if merchant is not None:
                Merchant.objects.filter(pk=merchant.pk).update(flagged=True)
                settlement.hold_merchant(merchant)
    except IntegrityError:  # a concurrent scan opened it first
        return None
    log.warning("fraud flag %s %s: %s", kind, subject, evidence)
    return flag


def _shared(campaign, field, kind, limit) -> list[FraudFlag]:
    users = defaultdict(set)
    for model in (Claim, LotteryEntry):
        qs = model.objects.filter(campaign=campaign).exclude(**{f"{field}__isnull": True})
        if field == "device":  # (an IP field compares "" as NULL)
            qs = qs.exclude(device="")
        rows = qs.values_list(field, "user_id").distinct()
        for value, user_id in rows:
            users[value].add(user_id)
    out = []
    for value, ids in users.items():
        if len(ids) >= limit:
            ev = {"accounts": len(ids), "users": sorted(ids)[:50], field: value}
            flag = _open_flag(campaign, kind, f"{field}:{value}", ev)
            if flag:
                out.append(flag)
    return out


def scan(campaign: Campaign, *, now=None, limits: Thresholds | None = None) -> list[FraudFlag]:
    """Open flags for every pattern found; returns the newly opened ones."""
    now = now or timezone.now()
    t = limits or Thresholds()
    found: list[FraudFlag] = []
    found += _shared(campaign, "device", FraudFlag.Kind.SHARED_DEVICE, t.device_accounts)
    found += _shared(campaign, "ip", FraudFlag.Kind.SHARED_IP, t.ip_accounts)

    live = Redemption.objects.filter(campaign=campaign, refunded=False)
    loops = defaultdict(dict)
    for row in (
        live.values("merchant_id", "voucher__owner_id")
        .annotate(n=Count("id"))
        .filter(n__gte=t.loop_per_user)
    ):
        loops[row["merchant_id"]][row["voucher__owner_id"]] = row["n"]
    for merchant_id, per_user in loops.items():
        if len(per_user) >= t.loop_users:
            merchant = Merchant.objects.get(pk=merchant_id)
            ev = {"users": {str(k): v for k, v in sorted(per_user.items())}}
            found += filter(
                None,
                [
                    _open_flag(
                        campaign,
                        FraudFlag.Kind.REDEEM_LOOP,
                        f"merchant:{merchant_id}",
                        ev,
                        merchant,
                    )
                ],
            )

    near = live.values("merchant_id").annotate(
        n=Count("id"),
        near=Count(
            "id",
            filter=Q(bill_amount__lt=F("voucher__batch__threshold") * t.near_ratio),
        ),
    )
    for row in near:
        if row["near"] >= t.near_min and row["near"] / row["n"] >= t.near_share:
            merchant = Merchant.objects.get(pk=row["merchant_id"])
            ev = {
                "redemptions": row["n"],
                "just_over_threshold": row["near"],
                "ratio": str(t.near_ratio),
            }
            found += filter(
                None,
                [
                    _open_flag(
                        campaign,
                        FraudFlag.Kind.NEAR_THRESHOLD,
                        f"merchant:{merchant.pk}",
                        ev,
                        merchant,
                    )
                ],
            )

    per_day = defaultdict(dict)
    for row in (
        live.annotate(day=TruncDate("created_at"))
        .values("merchant_id", "day")
        .annotate(n=Count("id"))
    ):
        per_day[row["merchant_id"]][row["day"]] = row["n"]
    today = timezone.localdate(now)
    for merchant_id, days in per_day.items():
        n_today = days.get(today, 0)
        before = [n for d, n in days.items() if d < today]
        base = sum(before) / len(before) if before else 0
        if n_today >= t.spike_min and n_today >= t.spike_factor * max(base, 1):
            merchant = Merchant.objects.get(pk=merchant_id)
            ev = {"day": str(today), "today": n_today, "earlier_average": round(base, 2)}
            found += filter(
                None,
                [
                    _open_flag(
                        campaign, FraudFlag.Kind.SPIKE, f"merchant:{merchant_id}", ev, merchant
                    )
                ],
            )
    return found


def review(flag: FraudFlag, decision: str, *, reviewer=None, note: str = "", now=None) -> FraudFlag:
    """Clear or confirm an open flag. A merchant's settlements come off hold once none of its
    flags is open and none was confirmed; confirming an account flag voids their unused vouchers."""
    now = now or timezone.now()
    if decision not in (FraudFlag.Status.CLEARED, FraudFlag.Status.CONFIRMED):
        raise SetupError("审核结论只能是“排除”或“确认”")
    with transaction.atomic():
        changed = FraudFlag.objects.filter(pk=flag.pk, status=FraudFlag.Status.OPEN).update(
            status=decision, reviewed_at=now, reviewed_by=reviewer, note=note[:200]
        )
        if not changed:
            raise SetupError("该标记已被审核")
        flag.refresh_from_db()
        if flag.merchant_id:
            # Lock the merchant first: a scan opening a new flag holds this row until it
            # commits, so the check below sees that flag instead of unholding under it.
            merchant = Merchant.objects.select_for_update().get(pk=flag.merchant_id)
            others = merchant.flags.filter(
                Q(status=FraudFlag.Status.OPEN) | Q(status=FraudFlag.Status.CONFIRMED)
            )
            if not others.exists():
                Merchant.objects.filter(pk=merchant.pk).update(flagged=False)
                settlement.unhold_merchant(merchant)
        elif decision == FraudFlag.Status.CONFIRMED and flag.campaign_id:
            for user_id in flag.evidence.get("users", []):
                for v in Voucher.objects.filter(
                    campaign_id=flag.campaign_id, owner_id=user_id, state=Voucher.State.CLAIMED
                ):
                    void(v, now=now)
    log.info("flag %s reviewed: %s", flag.pk, decision)
    return flag
