"""The programme's money pool: commit on approval, release on revocation, pay against commitments.

The guard is a conditional UPDATE, one statement per counter::

    UPDATE programme SET committed = committed + x WHERE id = p AND committed + x <= budget

PostgreSQL takes the row lock for the UPDATE and re-checks the WHERE on the latest row version,
so simultaneous approvers queue on the row and no interleaving can pass the budget; SQLite runs
one writer at a time. The region cap is moved the same way in the same transaction (a savepoint:
when the region is full the programme counter goes back too).

SUBSIDIES_BUDGET_GUARD=False switches to the naive read-check-write path. It exists only so the
control test can show that the race is real (tests/web/subsidies/test_subsidies_concurrency.py).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F

from ..models import Programme, RegionCap, yuan
from .errors import BudgetExceeded, PaymentRefused

log = logging.getLogger("policyledger.subsidies.budget")


def guard_on() -> bool:
    return bool(getattr(settings, "SUBSIDIES_BUDGET_GUARD", True))


def commit(programme_id: int, region: str, fen: int) -> None:
    """Take ``fen`` from the pool (and the region's cap); BudgetExceeded, changing nothing, if
    either would go over."""
    if fen < 0:
        raise ValueError("negative commitment")
    with transaction.atomic():
        if not guard_on():
            _commit_unguarded(programme_id, region, fen)
            return
        moved = Programme.objects.filter(
            pk=programme_id, committed_fen__lte=F("budget_fen") - fen
        ).update(committed_fen=F("committed_fen") + fen)
        if not moved:
            p = Programme.objects.get(pk=programme_id)
            raise BudgetExceeded(
                f"资金余额不足：项目总额{yuan(p.budget_fen)}元，已承诺{yuan(p.committed_fen)}元，"
                f"剩余{yuan(p.available_fen)}元，本笔{yuan(fen)}元"
            )
        caps = RegionCap.objects.filter(programme_id=programme_id, region=region)
        if region and caps.exists():
            moved = caps.filter(committed_fen__lte=F("cap_fen") - fen).update(
                committed_fen=F("committed_fen") + fen
            )
            if not moved:
                cap = caps.get()
                raise BudgetExceeded(
                    f"{region}的额度不足：上限{yuan(cap.cap_fen)}元，已承诺{yuan(cap.committed_fen)}元，"
                    f"本笔{yuan(fen)}元"
                )


def _commit_unguarded(programme_id: int, region: str, fen: int) -> None:
    """The naive version (read, check in Python, write the sum): loses under concurrency."""
    p = Programme.objects.get(pk=programme_id)
    if p.committed_fen + fen > p.budget_fen:
        raise BudgetExceeded("资金余额不足")
    cap = RegionCap.objects.filter(programme_id=programme_id, region=region).first()
    if cap is not None and cap.committed_fen + fen > cap.cap_fen:
        raise BudgetExceeded(f"{region}的额度不足")
    Programme.objects.filter(pk=programme_id).update(committed_fen=p.committed_fen + fen)
    if cap is not None:
        RegionCap.objects.filter(pk=cap.pk).update(committed_fen=cap.committed_fen + fen)


def release(programme_id: int, region: str, fen: int) -> None:
    """Give back a commitment (an award revoked before payment)."""
    with transaction.atomic():
        Programme.objects.filter(pk=programme_id).update(committed_fen=F("committed_fen") - fen)
        RegionCap.objects.filter(programme_id=programme_id, region=region).update(
            committed_fen=F("committed_fen") - fen
        )


def pay(programme_id: int, by_region: dict[str, int]) -> None:
    """Move committed money to paid; refused if paid would pass committed anywhere."""
    total = sum(by_region.values())
    with transaction.atomic():
        moved = Programme.objects.filter(
            pk=programme_id, paid_fen__lte=F("committed_fen") - total
        ).update(paid_fen=F("paid_fen") + total)
        if not moved:
            raise PaymentRefused("拨付金额超过已承诺金额，已拒绝")
        for region, fen in by_region.items():
            caps = RegionCap.objects.filter(programme_id=programme_id, region=region)
            if (
                region
                and caps.exists()
                and not caps.filter(paid_fen__lte=F("committed_fen") - fen).update(
                    paid_fen=F("paid_fen") + fen
                )
            ):
                raise PaymentRefused(f"{region}的拨付金额超过已承诺金额，已拒绝")
