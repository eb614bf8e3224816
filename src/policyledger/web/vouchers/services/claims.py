"""Claiming a voucher (first come): never past the stock or a person's limit, whatever the load.

PostgreSQL: a transaction-scoped advisory lock per user serialises one person's claims (limits
and Idempotency-Key), and the voucher row itself is what becomes less available: it is taken
with SELECT ... FOR UPDATE SKIP LOCKED and moved by compare-and-set (state available ->
claimed), so concurrent claims of different people take different vouchers without queueing.
SQLite: transactions begin IMMEDIATE (settings), which serialises writers.

With Redis configured the gate (gate.py) answers sold-out and over-limit requests before the
database is touched. A claim is acknowledged only after the database commit.

`locking=False` (or settings.VOUCHERS_CLAIM_LOCKING = False) runs the naive read-check-write
version with no lock and no compare-and-set. It exists only so the control test and the
benchmark can show the race it loses; nothing else may use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ..models import Batch, Campaign, Claim, Voucher
from . import gate as gate_mod
from . import ratelimit
from .campaigns import claimable
from .errors import (
    ClaimInProgress,
    KeyReused,
    LimitReached,
    NotEligible,
    NotOpen,
    SetupError,
    SoldOut,
    VoucherError,
)
from .residents import eligible_sql, require_eligible

log = logging.getLogger("policyledger.vouchers.claims")


@dataclass
class ClaimOutcome:
    claim: Claim
    voucher: Voucher
    replayed: bool = False

    def as_dict(self) -> dict:
        return outcome_dict(
            self.voucher.pk, self.voucher.code, self.claim.batch_id, self.claim.campaign_id,
            self.replayed,
        )  # fmt: skip


def outcome_dict(voucher_id, code, batch_id, campaign_id, replayed: bool) -> dict:
    """What the claim API answers; the async claim path (claims_async) answers the same."""
    return {
        "voucher": voucher_id,
        "code": code,
        "batch": batch_id,
        "campaign": campaign_id,
        "replayed": replayed,
    }


def checked_key(idempotency_key: str | None) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise SetupError("缺少或过长的幂等键（Idempotency-Key）")
    return key


def _advisory_key(user_id: int) -> int:
    digest = hashlib.blake2b(f"policyledger.vouchers.claim:{user_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _lock_user(user_id: int) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already made this transaction the only writer.
    timeout = int(settings.VOUCHERS_CLAIM_LOCK_TIMEOUT_MS)
    try:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT set_config('lock_timeout', %s, true), pg_advisory_xact_lock(%s)",
                [f"{timeout}ms", _advisory_key(user_id)],
            )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", "") == "55P03":
            raise ClaimInProgress() from exc
        raise


def pick_batch(campaign: Campaign, batch: Batch | int | None) -> Batch:
    batches = {b.pk: b for b in campaign.batches.all()}
    if batch is None:
        if len(batches) != 1:
            raise SetupError("请选择券批次")
        return next(iter(batches.values()))
    batch_id = batch.pk if isinstance(batch, Batch) else int(batch)
    if batch_id not in batches:
        raise SetupError("券批次不属于该活动")
    return batches[batch_id]


def _replay(claim: Claim, campaign: Campaign) -> ClaimOutcome:
    if claim.campaign_id != campaign.pk:
        raise KeyReused()
    return ClaimOutcome(claim=claim, voucher=claim.voucher, replayed=True)


def _replay_or_raise(user_id: int, key: str, campaign: Campaign, refusal: Exception):
    done = _existing(user_id, key)
    if done is not None:
        return _replay(done, campaign)
    raise refusal


def in_flight(gate_counts: tuple, committed: tuple) -> bool:
    """Whether the gate counts claims of this person that the database does not hold yet
    ((batch, campaign) counts from each). Then a refusal at the gate may be a concurrent
    duplicate of a claim still in flight (or one a killed worker left for the reconciler),
    and the honest answer is 409 "retry shortly", not "over the limit"."""
    return any(int(g or 0) > int(c or 0) for g, c in zip(gate_counts, committed, strict=True))


def _committed_counts(user_id: int, campaign_id: int, batch_id: int) -> tuple[int, int]:
    owned = Voucher.objects.filter(owner_id=user_id, campaign_id=campaign_id).aggregate(
        total=Count("id"), in_batch=Count("id", filter=Q(batch_id=batch_id))
    )
    return owned["in_batch"], owned["total"]


def _gate_refusal(user_id, key, campaign, batch, refusal: VoucherError):
    """The answer to a request the gate refused, for a person who holds claims here: the
    earlier claim with this key, or 409 while the gate counts claims the database has not got
    yet, or the refusal itself."""
    done = _existing(user_id, key)
    if done is not None:
        return _replay(done, campaign)
    counts = refusal.extra.get("gate_counts")
    if counts and in_flight(counts, _committed_counts(user_id, campaign.pk, batch.pk)):
        raise ClaimInProgress() from refusal
    raise refusal


def _existing(user_id: int, key: str) -> Claim | None:
    return (
        Claim.objects.select_related("voucher").filter(user_id=user_id, idempotency_key=key).first()
    )


def claim(
    user,
    campaign: Campaign,
    *,
    idempotency_key: str,
    batch: Batch | int | None = None,
    ip: str | None = None,
    device: str = "",
    now=None,
    locking: bool | None = None,
    use_gate: bool = True,
    limit_rate: bool = False,
) -> ClaimOutcome:
    """Claim one voucher of `batch` for `user`; replays the first answer for a repeated key.

    `limit_rate`: count the claim against the per-user and per-IP rate limits (the HTTP
    callers do; behind the gate the reserve script counts them in the same call)."""
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    chosen = pick_batch(campaign, batch)
    if locking is None:
        locking = settings.VOUCHERS_CLAIM_LOCKING
    gate = gate_mod.get_gate() if use_gate and locking else None
    limits = ratelimit.claim_limits(campaign.pk, user.pk, ip, time.time()) if limit_rate else []
    has_stock = True
    eligible = False  # known only once a statement has asked the database
    if gate is None:
        ratelimit.enforce(limits)
        claim_id, has_stock, eligible = _precheck(user.pk, key, chosen.pk)
        if not eligible:
            raise NotEligible()
        if claim_id is not None:
            return _replay(Claim.objects.select_related("voucher").get(pk=claim_id), campaign)
    if not claimable(campaign, now):
        if gate is not None:
            ratelimit.enforce(limits)
            return _replay_or_raise(user.pk, key, campaign, NotOpen())
        raise NotOpen()
    if not locking:
        if not eligible:
            require_eligible(user.pk)
        return _claim_naive(user, campaign, chosen, key, ip, device, now)

    resv = None
    if gate is not None:
        # No database pre-check in front of the gate: a success costs one database round trip.
        # A retry of a claim that already succeeded is refused by the gate (the person is at
        # the limit, or it is sold out) and is answered from the database here; one that the
        # gate lets through is found by the claim itself, which then returns the reservation.
        try:
            resv = gate.reserve(campaign, chosen, user.pk, limits)
        except (SoldOut, LimitReached) as exc:
            if exc.extra.get("nothing_to_replay"):
                raise  # the person holds nothing in this campaign: no earlier claim to answer
            return _gate_refusal(user.pk, key, campaign, chosen, exc)
        except gate_mod.GateUnavailable as exc:
            log.warning("gate unavailable, claiming on the database alone: %s", exc)
            resv = exc.reservation  # if it did land, the claim's record of it settles it
            ratelimit.enforce(limits)
            claim_id, has_stock, eligible = _precheck(user.pk, key, chosen.pk)
            if not eligible:
                if resv is not None:
                    gate.release(resv)
                raise NotEligible() from exc
            if claim_id is not None:
                return _replay(Claim.objects.select_related("voucher").get(pk=claim_id), campaign)
    if not has_stock:
        # Cheap early answer once sold out; the locked path below is what actually decides.
        if resv is not None:  # the fallback's maybe-reservation
            gate.release(resv, restore_stock=False)
        raise SoldOut()
    locked = _claim_locked_pg if connection.vendor == "postgresql" else _claim_locked
    try:
        outcome = locked(user, campaign, chosen, key, ip, device, now, resv, eligible)
    except SoldOut:
        if resv is not None:
            # The database has no stock left: keep the gate's stock down as well.
            gate.release(resv, restore_stock=False)
        raise
    except VoucherError:
        if resv is not None:
            gate.release(resv)  # refused by the database: nothing was written
        raise
    # Any other failure (connection lost mid-call, worker stopping) may have committed or not:
    # the reservation stays pending and reconcile() asks the database after its deadline.
    if resv is not None:
        if outcome.replayed:
            gate.release(resv)
        else:
            gate.confirm(resv)
    return outcome


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _precheck(user_id: int, key: str, batch_id: int) -> tuple[int | None, bool, bool]:
    """One round trip: the claim already made with this key (if any), whether stock is left,
    and whether the person may claim at all (services.residents)."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT (SELECT id FROM {_q(Claim)} WHERE user_id = %s AND idempotency_key = %s), "
            f"(SELECT claimed < quantity FROM {_q(Batch)} WHERE id = %s), {eligible_sql('%s')}",
            [user_id, key, batch_id, user_id],
        )
        claim_id, has_stock, eligible = cur.fetchone()
    return claim_id, bool(has_stock), bool(eligible)


def claim_call(placeholder: str = "%s", many: bool = False) -> str:
    """The SQL that calls vouchers_claim_first_come (or, `many`, vouchers_claim_many, whose
    parameters are the same as arrays), for Django's cursor ("%s") or asyncpg ("$": numbered)."""
    marks = [f"${i}" if placeholder == "$" else "%s" for i in range(1, 14)]
    marks[10] += "::inet[]" if many else "::inet"
    function = "vouchers_claim_many" if many else "vouchers_claim_first_come"
    return f"SELECT * FROM {function}({', '.join(marks)})"


def claim_args(user_id, key, campaign, batch, now, resv, ip, device) -> list:
    timeout = int(settings.VOUCHERS_CLAIM_LOCK_TIMEOUT_MS)
    return [
        user_id, key, campaign.pk, batch.pk, batch.per_person_limit, campaign.per_person_limit,
        _advisory_key(user_id), f"{timeout}ms", now, resv.id if resv else "", ip, device[:64],
        resv.deadline_ms if resv else None,
    ]  # fmt: skip


def refusal_for_sqlstate(state: str) -> VoucherError | None:
    """The answer for a claim function that failed with this SQLSTATE (None: a real error)."""
    if state == "55P03":  # lock_timeout: a concurrent claim of this person holds the lock
        return ClaimInProgress()
    if state == "PLV01":  # past the gate's deadline
        return ClaimInProgress("请求超时，请重试")
    return None


def refusal_for_result(in_batch, total, voucher_id, batch, campaign) -> VoucherError | None:
    """Why the claim function took no voucher (None: it took one)."""
    if total is not None and total < 0:  # migration 0005: not an eligible resident
        return NotEligible()
    if in_batch >= batch.per_person_limit or total >= campaign.per_person_limit:
        return LimitReached()
    if voucher_id is None:
        return SoldOut()
    return None


def _claim_locked_pg(user, campaign, batch, key, ip, device, now, resv, eligible=False):
    """The steps of _claim_locked in one round trip: the function vouchers_claim_first_come
    (migration 0003) takes the person's advisory lock, checks the key and the limits, takes a
    voucher with SKIP LOCKED and compare-and-set, writes the claim and bumps the batch counter.

    Outside any atomic block it runs in autocommit, so the call is its own transaction (no
    BEGIN and COMMIT round trips); inside one (tests, callers' own transactions) a savepoint
    keeps an error from poisoning the caller's transaction.
    """
    args = claim_args(user.pk, key, campaign, batch, now, resv, ip, device)
    wrap = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with wrap, connection.cursor() as cur:
            cur.execute(claim_call(), args)
            claim_id, total, in_batch, voucher_id, code, claim_pk = cur.fetchone()
    except DatabaseError as exc:
        refusal = refusal_for_sqlstate(getattr(exc.__cause__, "sqlstate", "") or "")
        if refusal is not None:
            raise refusal from exc
        raise
    if claim_id is not None:
        return _replay(Claim.objects.select_related("voucher").get(pk=claim_id), campaign)
    # The function checks eligibility itself (migration 0005), whatever `eligible` says.
    refusal = refusal_for_result(in_batch, total, voucher_id, batch, campaign)
    if refusal is not None:
        raise refusal
    result = {"voucher": voucher_id, "code": code}
    voucher = _claimed(voucher_id, code, user, campaign, batch, now)
    record = Claim(
        pk=claim_pk,
        user_id=user.pk,
        idempotency_key=key,
        campaign_id=campaign.pk,
        batch_id=batch.pk,
        voucher=voucher,
        reservation=resv.id if resv else "",
        ip=ip,
        device=device[:64],
        result=result,
        created_at=now,
    )
    return ClaimOutcome(claim=record, voucher=voucher)


def _claimed(voucher_id, code, user, campaign, batch, now) -> Voucher:
    """The voucher as the claim just wrote it, without reading the row back."""
    return Voucher(
        pk=voucher_id,
        batch_id=batch.pk,
        campaign_id=campaign.pk,
        owner_id=user.pk,
        code=code,
        state=Voucher.State.CLAIMED,
        claimed_at=now,
    )


def _claim_locked(user, campaign, batch, key, ip, device, now, resv, eligible=False):
    with transaction.atomic():
        if not eligible:  # behind the gate no pre-check has asked yet
            require_eligible(user.pk)
        _lock_user(user.pk)
        done = _existing(user.pk, key)
        if done is not None:
            return _replay(done, campaign)
        owned = Voucher.objects.filter(owner_id=user.pk, campaign_id=campaign.pk).aggregate(
            total=Count("id"), in_batch=Count("id", filter=Q(batch_id=batch.pk))
        )
        if (
            owned["in_batch"] >= batch.per_person_limit
            or owned["total"] >= campaign.per_person_limit
        ):
            raise LimitReached()
        available = Voucher.objects.filter(batch_id=batch.pk, state=Voucher.State.AVAILABLE)
        if connection.features.has_select_for_update_skip_locked:
            available = available.select_for_update(skip_locked=True)
        picked = available.order_by("id").values_list("id", "code").first()
        if picked is None:
            raise SoldOut()
        voucher_id, code = picked
        moved = Voucher.objects.filter(pk=voucher_id, state=Voucher.State.AVAILABLE).update(
            owner_id=user.pk, state=Voucher.State.CLAIMED, claimed_at=now
        )
        if moved != 1:  # cannot happen under the row lock; refuse rather than double-issue
            raise ClaimInProgress()
        voucher = _claimed(voucher_id, code, user, campaign, batch, now)
        record = Claim.objects.create(
            user_id=user.pk,
            idempotency_key=key,
            campaign_id=campaign.pk,
            batch_id=batch.pk,
            voucher_id=voucher_id,
            reservation=resv.id if resv else "",
            ip=ip,
            device=device[:64],
            result={"voucher": voucher_id, "code": code},
            created_at=now,
        )
        # Last statement before COMMIT: the batch row is hot, hold its lock as briefly as possible.
        Batch.objects.filter(pk=batch.pk).update(claimed=F("claimed") + 1)
        if resv is not None and time.time() * 1000 > resv.deadline_ms:
            # The reconciler may already have handed this reservation's stock back.
            raise ClaimInProgress("请求超时，请重试")
    log.debug("claim: user %s got voucher %s", user.pk, voucher_id)
    return ClaimOutcome(claim=record, voucher=voucher)


def _claim_naive(user, campaign, batch, key, ip, device, now) -> ClaimOutcome:
    """Read, check, write, with nothing held in between: the race the real path prevents."""
    fresh = Batch.objects.get(pk=batch.pk)
    owned = Voucher.objects.filter(owner_id=user.pk, campaign_id=campaign.pk)
    if (
        owned.filter(batch_id=batch.pk).count() >= batch.per_person_limit
        or owned.count() >= campaign.per_person_limit
    ):
        raise LimitReached()
    if fresh.claimed >= fresh.quantity:
        raise SoldOut()
    voucher = (
        Voucher.objects.filter(batch_id=batch.pk, state=Voucher.State.AVAILABLE)
        .order_by("id")
        .first()
    )
    if voucher is None:
        raise SoldOut()
    voucher.owner_id = user.pk
    voucher.state = Voucher.State.CLAIMED
    voucher.claimed_at = now
    voucher.save(update_fields=["owner", "state", "claimed_at"])
    record = Claim.objects.create(
        user_id=user.pk,
        idempotency_key=key,
        campaign_id=campaign.pk,
        batch_id=batch.pk,
        voucher_id=voucher.pk,
        ip=ip,
        device=device[:64],
        result={"voucher": voucher.pk, "code": voucher.code},
        created_at=now,
    )
    fresh.claimed = fresh.claimed + 1
    fresh.save(update_fields=["claimed"])
    return ClaimOutcome(claim=record, voucher=voucher)
