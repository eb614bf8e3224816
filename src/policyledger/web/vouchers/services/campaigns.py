"""Campaign set-up: create a campaign with its batches, mint the vouchers, move its status."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import SECTORS, Batch, Campaign, Voucher
from . import codes
from .errors import SetupError

log = logging.getLogger("policyledger.vouchers")

MINT_CHUNK = 50_000


@dataclass
class BatchSpec:
    face_value: Decimal
    threshold: Decimal
    quantity: int
    per_person_limit: int = 1
    name: str = ""


def _check(campaign: Campaign, batches: list[BatchSpec]) -> None:
    if campaign.valid_until <= campaign.valid_from:
        raise SetupError("使用截止时间须晚于开始时间")
    if campaign.gov_ratio + campaign.merchant_ratio == 0:
        raise SetupError("出资比例不能都为0")
    unknown = [s for s in campaign.sectors if s not in SECTORS]
    if unknown or not campaign.sectors:
        raise SetupError(f"适用行业须从{'、'.join(SECTORS)}中选择")
    if campaign.per_person_limit < 1:
        raise SetupError("每人限领至少为1张")
    cap = campaign.merchant_daily_cap
    if cap is not None and (not Decimal(cap).is_finite() or cap < 0):
        # A negative cap made the government's share negative and the merchant's above face.
        raise SetupError("单商户日补贴上限不能为负数")
    if campaign.mode == Campaign.Mode.LOTTERY and not campaign.registration_closes_at:
        raise SetupError("摇号活动须设置报名截止时间")
    if not batches:
        raise SetupError("至少设置一个券批次")
    total = Decimal(0)
    for b in batches:
        if b.face_value <= 0 or b.quantity <= 0 or b.per_person_limit < 1:
            raise SetupError("面额、数量、每人限领须为正数")
        if b.threshold < b.face_value:
            raise SetupError(f"门槛（满{b.threshold:g}）不能低于面额（减{b.face_value:g}）")
        total += b.face_value * b.quantity
    if total > campaign.budget:
        raise SetupError(f"券面总额{total:,.2f}元超过预算{campaign.budget:,.2f}元")


def create_campaign(batches: list[BatchSpec], *, mint_now: bool = True, **fields) -> Campaign:
    """Validate and save a campaign with its batches; mint the vouchers unless told not to."""
    campaign = Campaign(**fields)
    _check(campaign, batches)
    if campaign.mode == Campaign.Mode.LOTTERY:
        # Commit-reveal (services/lottery.py): only the hash of the committed seed is stored.
        from .lottery import new_commitment

        campaign.seed = ""
        campaign.seed_salt, campaign.seed_hash = new_commitment()
    with transaction.atomic():
        campaign.save()
        for spec in batches:
            Batch.objects.create(
                campaign=campaign,
                name=spec.name,
                face_value=spec.face_value,
                threshold=spec.threshold,
                quantity=spec.quantity,
                per_person_limit=spec.per_person_limit,
            )
    log.info("campaign %s created: %s", campaign.pk, campaign.name)
    if mint_now:
        for batch in campaign.batches.all():
            mint(batch)
    return campaign


def mint(batch: Batch) -> int:
    """Create the batch's remaining vouchers as available stock; returns how many were made.

    Stock is minted up front so a claim only moves an existing row from available to claimed:
    no claim can create a voucher, so none can go over the quantity.
    """
    made = 0
    while True:
        with transaction.atomic():
            locked = Batch.objects.select_for_update().get(pk=batch.pk)
            todo = min(MINT_CHUNK, locked.quantity - locked.issued)
            if todo <= 0:
                break
            _insert_available(batch, todo)
            Batch.objects.filter(pk=batch.pk).update(issued=F("issued") + todo)
            made += todo
    if made:
        log.info("batch %s: minted %s vouchers", batch.pk, made)
        _refresh_statistics()
    batch.refresh_from_db()
    return made


def _refresh_statistics() -> None:
    """Bring the planner's statistics up to date after a mint (a sample, not a full scan).

    The claim function's plans are made from them: with statistics from before a mint of 10^5
    rows, PostgreSQL may count a person's vouchers by scanning the table instead of the index,
    and the first minutes of a release are the ones that must be fast. Autovacuum would get
    there too, but only a minute or more later.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {connection.ops.quote_name(Voucher._meta.db_table)}")


def _insert_available(batch: Batch, n: int) -> None:
    # Plain executemany: building 10^5 model instances through the ORM costs minutes in the demo.
    table = connection.ops.quote_name(Voucher._meta.db_table)
    sql = f"INSERT INTO {table} (batch_id, campaign_id, code, state) VALUES (%s, %s, %s, %s)"
    state = Voucher.State.AVAILABLE.value
    rows = [(batch.pk, batch.campaign_id, code, state) for code in codes.make_codes(n)]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} (batch_id, campaign_id, code, state) FROM STDIN"
            with cur.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(sql, rows)


_TRANSITIONS = {
    Campaign.Status.DRAFT: {Campaign.Status.REGISTRATION, Campaign.Status.OPEN},
    Campaign.Status.REGISTRATION: {Campaign.Status.OPEN, Campaign.Status.CLOSED},
    Campaign.Status.OPEN: {Campaign.Status.CLOSED},
    Campaign.Status.CLOSED: set(),
}


def set_status(campaign: Campaign, status: str) -> Campaign:
    """Compare-and-set the status, so two administrators cannot both move it."""
    allowed = _TRANSITIONS.get(campaign.status, set())
    if status not in allowed:
        raise SetupError(
            f"不能从“{campaign.get_status_display()}”改为“{Campaign.Status(status).label}”"
        )
    if status == Campaign.Status.REGISTRATION and campaign.mode != Campaign.Mode.LOTTERY:
        raise SetupError("只有摇号活动需要报名")
    if (
        status == Campaign.Status.OPEN
        and campaign.mode == Campaign.Mode.LOTTERY
        and campaign.drawn_at is None
    ):
        raise SetupError("摇号活动须先摇号")
    changed = Campaign.objects.filter(pk=campaign.pk, status=campaign.status).update(status=status)
    if not changed:
        raise SetupError("活动状态已被他人修改，请刷新")
    log.info("campaign %s: %s -> %s", campaign.pk, campaign.status, status)
    campaign.status = status
    if status == Campaign.Status.OPEN and campaign.mode == Campaign.Mode.FIRST_COME:
        _warm_gate(campaign)
    return campaign


def _warm_gate(campaign: Campaign) -> None:
    """Load the gate's counters before the release, not on the first claim of the rush."""
    from . import gate

    g = gate.get_gate()
    if g is None:
        return
    try:
        g.load(campaign)
    except gate.GateUnavailable as exc:
        log.warning("gate not warmed for campaign %s: %s", campaign.pk, exc)


def claimable(campaign: Campaign, now=None) -> bool:
    now = now or timezone.now()
    return (
        campaign.mode == Campaign.Mode.FIRST_COME
        and campaign.status == Campaign.Status.OPEN
        and campaign.release_at <= now <= campaign.valid_until
    )
