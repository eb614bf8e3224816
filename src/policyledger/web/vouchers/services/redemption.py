"""Redeeming at a merchant, refunds, voiding and expiry.

Each voucher moves by compare-and-set on its state, inside a transaction that holds the row
(select_for_update on PostgreSQL; SQLite transactions are IMMEDIATE), and every money movement
is one LedgerEntry, so `vouchers audit` can add it all up.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from policyledger.formats import amounts as formats_amounts

from ..models import Campaign, LedgerEntry, Merchant, Redemption, Settlement, Voucher
from . import codes
from .errors import InvalidCode, KeyReused, RedeemRefused, RefundRefused, SetupError

log = logging.getLogger("policyledger.vouchers.redemption")


@dataclass
class RedeemOutcome:
    redemption: Redemption
    replayed: bool = False


def parse_amount(text) -> Decimal:
    """The bill as the clerk typed it (135.50, 1,280元, 1.2万) through the one amount parser."""
    try:
        value = formats_amounts.parse_amount(str(text))
    except (InvalidOperation, ValueError) as exc:
        raise RedeemRefused("消费金额格式不正确，请填写数字，如 135.50") from exc
    if value <= 0:
        raise RedeemRefused("消费金额须为正数")
    if value > Decimal("10000000"):
        raise RedeemRefused("消费金额过大")
    return value.quantize(Decimal("0.01"))


def merchant_eligible(merchant: Merchant, campaign: Campaign) -> bool:
    if merchant.sector not in campaign.sectors:
        return False
    listed = campaign.merchants.values_list("id", flat=True)
    return not listed.exists() or merchant.pk in set(listed)


def redeem(
    merchant: Merchant,
    code: str,
    bill_amount,
    *,
    idempotency_key: str,
    operator=None,
    now=None,
) -> RedeemOutcome:
    """Redeem `code` against a bill at `merchant`. The same key twice redeems once."""
    now = now or timezone.now()
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise SetupError("缺少幂等键")
    code = codes.normalise(code)
    bill = parse_amount(bill_amount)
    if not codes.verify(code):
        raise InvalidCode("券码无效（校验未通过）")
    with transaction.atomic():
        first = (
            Redemption.objects.filter(merchant=merchant, idempotency_key=key)
            .select_related("voucher")
            .first()
        )
        if first is not None:
            if first.voucher.code != code:
                raise KeyReused()
            return RedeemOutcome(first, replayed=True)
        voucher = (
            Voucher.objects.select_for_update()
            .select_related("batch", "campaign")
            .filter(code=code)
            .first()
        )
        if voucher is None:
            raise InvalidCode("券码不存在")
        campaign = voucher.campaign
        if voucher.state == Voucher.State.REDEEMED:
            raise RedeemRefused("该券已核销")
        if voucher.state == Voucher.State.EXPIRED:
            raise RedeemRefused("该券已过期")
        if voucher.state == Voucher.State.VOID:
            raise RedeemRefused("该券已作废")
        if voucher.state != Voucher.State.CLAIMED:
            raise RedeemRefused("该券尚未被领取")
        if now < campaign.valid_from:
            raise RedeemRefused("未到使用时间")
        if now > campaign.valid_until:
            raise RedeemRefused("该券已过使用期限")
        if merchant.sector not in campaign.sectors:
            raise RedeemRefused(f"本券不适用于{merchant.sector}行业")
        if not merchant_eligible(merchant, campaign):
            raise RedeemRefused("本商户不在活动指定商户内")
        if bill < voucher.batch.threshold:
            raise RedeemRefused(f"消费满{voucher.batch.threshold:g}元方可使用（本单{bill:g}元）")
        if own_users_voucher(merchant, voucher):
            raise RedeemRefused("不能核销本商户店员名下的券")
        moved = Voucher.objects.filter(pk=voucher.pk, state=Voucher.State.CLAIMED).update(
            state=Voucher.State.REDEEMED, redeemed_at=now
        )
        if moved != 1:
            raise RedeemRefused("该券状态已变化，请重试")
        redemption = Redemption.objects.create(
            voucher=voucher,
            merchant=merchant,
            campaign=campaign,
            bill_amount=bill,
            face_value=voucher.batch.face_value,
            idempotency_key=key,
            operator=operator,
            created_at=now,
        )
        LedgerEntry.objects.create(
            campaign=campaign,
            redemption=redemption,
            kind=LedgerEntry.Kind.REDEEM,
            amount=redemption.face_value,
            bill_amount=bill,
            created_at=now,
        )
    log.info("redeemed voucher %s at merchant %s, bill %s", voucher.pk, merchant.pk, bill)
    return RedeemOutcome(redemption)


def own_users_voucher(merchant: Merchant, voucher: Voucher) -> bool:
    """A merchant's clerk may not redeem a voucher held by one of that merchant's own users:
    the government would pay the shop for its own staff's voucher with no sale behind it."""
    return voucher.owner_id is not None and merchant.users.filter(pk=voucher.owner_id).exists()


def refund_window_text() -> str:
    hours = int(settings.VOUCHERS_REFUND_WINDOW_HOURS)
    return f"核销后{hours}小时内" if hours > 0 else "核销当日"


def refund_blocker(redemption: Redemption, now) -> str | None:
    """Why this redemption can no longer be refunded (None: it can). A refund puts the voucher
    back in its owner's hands; once the redemption is in a settlement (paid, or about to be),
    that would let the same voucher be paid for twice."""
    if redemption.settlement_id is not None:
        status = (
            Settlement.objects.filter(pk=redemption.settlement_id)
            .values_list("status", flat=True)
            .first()
        )
        if status == Settlement.Status.RELEASED:
            return "该笔核销所在日的结算已放款，不能退款；如确需冲正，请联系活动管理员"
        return "该笔核销已计入商户结算单（待放款或暂缓），不能退款；如确需冲正，请联系活动管理员"
    hours = int(settings.VOUCHERS_REFUND_WINDOW_HOURS)
    if hours > 0:
        late = now - redemption.created_at > dt.timedelta(hours=hours)
    else:
        late = timezone.localdate(now) != timezone.localdate(redemption.created_at)
    if late:
        return f"已超过退款时限（仅限{refund_window_text()}退款）"
    return None


def refund(
    redemption: Redemption, *, merchant: Merchant | None = None, reason: str = "", now=None
) -> Redemption:
    """Reverse a redemption; the voucher goes back to its owner if still valid, else expires.

    Needs a reason; refused outside the refund window and once the redemption is in a
    settlement (refund_blocker). Refunding twice is a no-op that returns the refunded redemption.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused("退款须填写原因")
    if len(reason) > 200:
        raise RefundRefused("退款原因不能超过200个字")
    with transaction.atomic():
        locked = (
            Redemption.objects.select_for_update().select_related("campaign").get(pk=redemption.pk)
        )
        if merchant is not None and locked.merchant_id != merchant.pk:
            raise RedeemRefused("只能退本商户的核销")
        if locked.refunded:
            return locked
        blocker = refund_blocker(locked, now)
        if blocker is not None:
            raise RefundRefused(blocker)
        changed = Redemption.objects.filter(pk=locked.pk, refunded=False).update(
            refunded=True, refunded_at=now, refund_reason=reason
        )
        if changed != 1:
            return Redemption.objects.get(pk=locked.pk)
        back = Voucher.State.CLAIMED if locked.campaign.is_valid_at(now) else Voucher.State.EXPIRED
        Voucher.objects.filter(pk=locked.voucher_id, state=Voucher.State.REDEEMED).update(
            state=back,
            redeemed_at=None,
            expired_at=now if back == Voucher.State.EXPIRED else None,
        )
        LedgerEntry.objects.create(
            campaign=locked.campaign,
            redemption=locked,
            kind=LedgerEntry.Kind.REFUND,
            amount=-locked.face_value,
            bill_amount=-locked.bill_amount,
            created_at=now,
        )
    log.info("refunded redemption %s (voucher %s -> %s)", locked.pk, locked.voucher_id, back)
    locked.refresh_from_db()
    return locked


def void(voucher: Voucher, *, now=None) -> bool:
    """Cancel an unused voucher (e.g. confirmed fraud). False if it was no longer unused."""
    now = now or timezone.now()
    changed = Voucher.objects.filter(
        pk=voucher.pk, state__in=[Voucher.State.CLAIMED, Voucher.State.AVAILABLE]
    ).update(state=Voucher.State.VOID, voided_at=now)
    if changed:
        log.info("voided voucher %s", voucher.pk)
    return bool(changed)


def expire(now=None) -> int:
    """Expire unused vouchers of campaigns past their validity window, and close the campaigns."""
    now = now or timezone.now()
    with transaction.atomic():
        count = Voucher.objects.filter(
            campaign__valid_until__lt=now,
            state__in=[Voucher.State.CLAIMED, Voucher.State.AVAILABLE],
        ).update(state=Voucher.State.EXPIRED, expired_at=now)
        Campaign.objects.filter(valid_until__lt=now).exclude(status=Campaign.Status.CLOSED).update(
            status=Campaign.Status.CLOSED
        )
    if count:
        log.info("expired %s vouchers", count)
    return count
