"""Lottery (报名 then 摇号), verifiable by anyone (algorithm in draw_algorithm.py).

Before registration closes the campaign publishes sha256(seed). After it closes, the entrant
list (one entrant id a line) is published, the draw is made, and the seed is revealed. The draw
is `shuffle(seed, ids)`: sort the entrant ids ascending, then Fisher-Yates from the end, where
the swap index for position i is int(sha256(f"{seed}:{i}"), big-endian) mod (i + 1). Winners are
taken in that order. `policyledger vouchers draw --campaign ID --seed SEED --entrants FILE`
re-runs it; `shuffle` and `seed_hash` below need nothing but the standard library.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import Batch, Campaign, LotteryEntry, Voucher
from .draw_algorithm import seed_hash, shuffle  # noqa: F401 (re-exported)
from .errors import LotteryError

log = logging.getLogger("policyledger.vouchers.lottery")


def registration_open(campaign: Campaign, now=None) -> bool:
    now = now or timezone.now()
    return (
        campaign.mode == Campaign.Mode.LOTTERY
        and campaign.status == Campaign.Status.REGISTRATION
        and campaign.registration_closes_at is not None
        and now < campaign.registration_closes_at
    )


def register(
    user, campaign: Campaign, *, ip: str | None = None, device: str = "", now=None
) -> LotteryEntry:
    """Enter the draw once; a second registration returns the first entry."""
    now = now or timezone.now()
    if not registration_open(campaign, now):
        raise LotteryError("当前不在报名时间内")
    try:
        with transaction.atomic():
            entry = LotteryEntry.objects.create(
                campaign=campaign, user=user, ip=ip, device=device[:64], created_at=now
            )
    except IntegrityError:
        return LotteryEntry.objects.get(campaign=campaign, user=user)
    log.info("lottery %s: user %s entered as %s", campaign.pk, user.pk, entry.pk)
    return entry


def entrant_ids(campaign: Campaign) -> list[int]:
    return list(
        LotteryEntry.objects.filter(campaign=campaign).order_by("id").values_list("id", flat=True)
    )


def allocate(
    order: list[int], batches: list[tuple[int, int]], per_person: int
) -> dict[int, list[int]]:
    """Who gets what: entrants in draw order each take one voucher from each batch (in batch
    order) that still has stock, at most `per_person` in all. `batches` = [(batch_id, quantity)].
    Returns entrant id -> batch ids won (winners only)."""
    left = dict(batches)
    won: dict[int, list[int]] = {}
    for entrant in order:
        if not any(left.values()):
            break
        got = []
        for batch_id, _ in batches:
            if len(got) >= per_person:
                break
            if left[batch_id] > 0:
                left[batch_id] -= 1
                got.append(batch_id)
        if got:
            won[entrant] = got
    return won


def draw(campaign: Campaign, *, now=None) -> dict[int, list[int]]:
    """Close registration, draw, hand vouchers to the winners, reveal the seed. Runs once."""
    now = now or timezone.now()
    if campaign.mode != Campaign.Mode.LOTTERY:
        raise LotteryError("该活动不是摇号活动")
    if campaign.registration_closes_at and now < campaign.registration_closes_at:
        raise LotteryError("报名尚未截止，不能摇号")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.drawn_at is not None:
            raise LotteryError("已经摇过号")
        if locked.status not in (Campaign.Status.REGISTRATION, Campaign.Status.DRAFT):
            raise LotteryError("活动状态不允许摇号")
        order = shuffle(locked.seed, entrant_ids(locked))
        batches = list(locked.batches.order_by("id"))
        stock = [
            (b.pk, Voucher.objects.filter(batch=b, state=Voucher.State.AVAILABLE).count())
            for b in batches
        ]
        won = allocate(order, stock, locked.per_person_limit)
        entries = {e.pk: e for e in LotteryEntry.objects.filter(campaign=locked)}
        for rank, entrant in enumerate(order, start=1):
            entry = entries[entrant]
            entry.rank = rank
            entry.won = entrant in won
        LotteryEntry.objects.bulk_update(entries.values(), ["rank", "won"], batch_size=1000)
        pools = {
            b.pk: iter(
                Voucher.objects.filter(batch=b, state=Voucher.State.AVAILABLE)
                .order_by("id")
                .values_list("id", flat=True)
            )
            for b in batches
        }
        handed: dict[int, int] = {}
        for entrant, batch_ids in won.items():
            for batch_id in batch_ids:
                voucher_id = next(pools[batch_id])
                Voucher.objects.filter(pk=voucher_id, state=Voucher.State.AVAILABLE).update(
                    owner_id=entries[entrant].user_id, state=Voucher.State.CLAIMED, claimed_at=now
                )
                handed[batch_id] = handed.get(batch_id, 0) + 1
        for batch_id, n in handed.items():
            Batch.objects.filter(pk=batch_id).update(claimed=F("claimed") + n)
        Campaign.objects.filter(pk=locked.pk).update(
            drawn_at=now, seed_revealed=True, status=Campaign.Status.OPEN
        )
    campaign.refresh_from_db()
    log.info("lottery %s drawn: %s entrants, %s winners", campaign.pk, len(order), len(won))
    return won
