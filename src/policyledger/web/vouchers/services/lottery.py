"""Lottery (报名 then 摇号) by commit-reveal, verifiable by anyone (algorithm in draw_algorithm.py).

1. Creation: a random salt is stored and the committed seed is HMAC-SHA256(lottery key, salt),
   the lottery key being derived from VOUCHER_SIGNING_KEY. Only sha256(committed seed) is stored
   and published; someone with the database alone cannot compute the draw.
2. Registration close (close_registration): the entrant list is frozen, its SHA-256 (of the
   published file: ids ascending, one a line) is stored and published, and a public value is
   fixed: one the operator enters after the close (e.g. a 福利彩票 drawing number), or by default
   the close time and the entrant-list hash. No entrant is accepted after the close.
3. Draw: the commitment and the entrant list are re-checked (refused on any mismatch); the final
   seed is sha256(committed seed ‖ public value); the ranking is shuffle(final seed, ids); the
   committed seed is revealed. `policyledger vouchers draw` re-runs and re-checks all of it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import Batch, Campaign, LotteryEntry, Voucher
from . import codes
from .draw_algorithm import entrants_hash, final_seed, seed_hash, shuffle
from .errors import LotteryError
from .residents import require_eligible

log = logging.getLogger("policyledger.vouchers.lottery")


def _derive(secret: str, salt: str) -> str:
    key = hashlib.sha256(b"policyledger.vouchers.lottery:" + secret.encode()).digest()
    return hmac.new(key, salt.encode(), "sha256").hexdigest()


def new_commitment() -> tuple[str, str]:
    """(salt, sha256 of the committed seed) for a new lottery; the seed itself is not stored."""
    salt = secrets.token_hex(16)
    return salt, seed_hash(_derive(codes.signing_secrets()[0], salt))


def committed_seed(campaign: Campaign) -> str:
    """The committed seed, re-derived and checked against the published commitment (the current
    or a rotated-out signing key). Campaigns made before commit-reveal kept their seed."""
    if campaign.seed_salt:
        candidates = [_derive(secret, campaign.seed_salt) for secret in codes.signing_secrets()]
    else:
        candidates = [campaign.seed] if campaign.seed else []
    for seed in candidates:
        if hmac.compare_digest(seed_hash(seed), campaign.seed_hash):
            return seed
    raise LotteryError("种子与创建时公布的种子哈希不一致（密钥已更换或数据被改动），拒绝摇号")


def registration_open(campaign: Campaign, now=None) -> bool:
    now = now or timezone.now()
    return (
        campaign.mode == Campaign.Mode.LOTTERY
        and campaign.status == Campaign.Status.REGISTRATION
        and campaign.registration_closes_at is not None
        and campaign.registration_closed_at is None
        and now < campaign.registration_closes_at
    )


def _still_open(campaign_id: int) -> bool:
    """Inside a transaction: the campaign's registration is still open, holding a share lock on
    PostgreSQL so close_registration (FOR UPDATE) waits for this entry and later ones see it
    closed. SQLite transactions are IMMEDIATE: writers run one at a time anyway."""
    table = connection.ops.quote_name(Campaign._meta.db_table)
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 1 FROM {table} WHERE id = %s AND registration_closed_at IS NULL{lock}",
            [campaign_id],
        )
        return cur.fetchone() is not None


def register(
    user, campaign: Campaign, *, ip: str | None = None, device: str = "", now=None
) -> LotteryEntry:
    """Enter the draw once; a second registration returns the first entry."""
    now = now or timezone.now()
    if not registration_open(campaign, now):
        raise LotteryError("当前不在报名时间内")
    require_eligible(user.pk)
    try:
        with transaction.atomic():
            if not _still_open(campaign.pk):
                raise LotteryError("报名已截止")
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


def default_public_value(closed_at, list_hash: str) -> str:
    return f"{closed_at.isoformat()}|{list_hash}"


def close_registration(campaign: Campaign, *, public_value: str = "", now=None) -> Campaign:
    """Freeze the entrant list: publish its SHA-256 and fix the public value. Runs once."""
    now = now or timezone.now()
    public_value = (public_value or "").strip()
    if len(public_value) > 200:
        raise LotteryError("公开值不能超过200个字符")
    if campaign.mode != Campaign.Mode.LOTTERY:
        raise LotteryError("该活动不是摇号活动")
    if campaign.registration_closes_at and now < campaign.registration_closes_at:
        raise LotteryError("报名尚未截止，不能关闭报名")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.registration_closed_at is not None:
            raise LotteryError("报名已关闭，名单哈希与公开值已公布，不能更改")
        ids = entrant_ids(locked)
        digest = entrants_hash(ids)
        Campaign.objects.filter(pk=locked.pk).update(
            registration_closed_at=now,
            entrants_hash=digest,
            entrants_count=len(ids),
            public_value=public_value or default_public_value(now, digest),
        )
    campaign.refresh_from_db()
    log.info("lottery %s closed: %s entrants, list sha256 %s", campaign.pk, len(ids), digest)
    return campaign


def draw(campaign: Campaign, *, now=None, public_value: str = "") -> dict[int, list[int]]:
    """Draw (closing registration first if nobody has), hand vouchers to the winners, reveal
    the committed seed. Refuses if the commitment or the frozen entrant list does not match."""
    now = now or timezone.now()
    if campaign.mode != Campaign.Mode.LOTTERY:
        raise LotteryError("该活动不是摇号活动")
    if campaign.registration_closes_at and now < campaign.registration_closes_at:
        raise LotteryError("报名尚未截止，不能摇号")
    if campaign.registration_closed_at is None:
        campaign = close_registration(campaign, public_value=public_value, now=now)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.drawn_at is not None:
            raise LotteryError("已经摇过号")
        if locked.status not in (Campaign.Status.REGISTRATION, Campaign.Status.DRAFT):
            raise LotteryError("活动状态不允许摇号")
        ids = entrant_ids(locked)
        if entrants_hash(ids) != locked.entrants_hash:
            raise LotteryError("报名名单与截止时公布的名单哈希不一致（截止后名单被改动），拒绝摇号")
        seed = committed_seed(locked)
        order = shuffle(final_seed(seed, locked.public_value), ids)
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
            seed=seed, drawn_at=now, seed_revealed=True, status=Campaign.Status.OPEN
        )
    campaign.refresh_from_db()
    log.info("lottery %s drawn: %s entrants, %s winners", campaign.pk, len(order), len(won))
    return won
