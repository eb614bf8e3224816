"""The ledger's invariants, checked against the database. Each problem is one Chinese sentence.

- every voucher is in exactly one state, and per batch: issued = available + claimed +
  redeemed + expired + void (the counter, the rows and the quantity agree);
- claimed counter = vouchers with an owner; no voucher handed out by two claims;
- money: ledger total = face value of live redemptions; one live redemption per redeemed voucher;
- per-person limits held, per batch and per campaign;
- no double payment: no voucher paid in two released settlements, no redemption refunded after
  it was counted in a settlement, and every released settlement still backed by live
  redemptions of its merchant and day.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from ..models import Batch, Campaign, Claim, LedgerEntry, Redemption, Settlement, Voucher

STATES = [s.value for s in Voucher.State]


def audit(campaign: Campaign | None = None) -> list[str]:
    campaigns = [campaign] if campaign else list(Campaign.objects.order_by("id"))
    problems: list[str] = []
    for c in campaigns:
        problems += _audit_campaign(c)
    return problems


def _audit_campaign(c: Campaign) -> list[str]:
    p: list[str] = []
    name = f"活动{c.pk}「{c.name}」"
    unknown = Voucher.objects.filter(campaign=c).exclude(state__in=STATES).count()
    if unknown:
        p.append(f"{name}：{unknown}张券处于未知状态")
    for b in Batch.objects.filter(campaign=c):
        by_state = dict(
            Voucher.objects.filter(batch=b).values_list("state").annotate(n=Count("id"))
        )
        rows = sum(by_state.values())
        parts = " + ".join(f"{Voucher.State(s).label}{by_state.get(s, 0)}" for s in STATES)
        if b.issued != rows:
            p.append(f"{name} 批次{b.pk}：已生成计数{b.issued} ≠ {parts}（共{rows}张）")
        if rows > b.quantity:
            p.append(f"{name} 批次{b.pk}：券数{rows}超过发行量{b.quantity}（超发）")
        owned = Voucher.objects.filter(batch=b, owner__isnull=False).count()
        if b.claimed != owned:
            p.append(f"{name} 批次{b.pk}：已领取计数{b.claimed} ≠ 有主券数{owned}")
        if b.claimed > b.quantity:
            p.append(f"{name} 批次{b.pk}：已领取{b.claimed}超过发行量{b.quantity}（超发）")
        over = (
            Voucher.objects.filter(batch=b, owner__isnull=False)
            .values("owner_id")
            .annotate(n=Count("id"))
            .filter(n__gt=b.per_person_limit)
        )
        for row in over[:20]:
            p.append(
                f"{name} 批次{b.pk}：用户{row['owner_id']}持有{row['n']}张，超过每人限领{b.per_person_limit}张"
            )
    over = (
        Voucher.objects.filter(campaign=c, owner__isnull=False)
        .values("owner_id")
        .annotate(n=Count("id"))
        .filter(n__gt=c.per_person_limit)
    )
    for row in over[:20]:
        p.append(
            f"{name}：用户{row['owner_id']}持有{row['n']}张，超过活动每人限领{c.per_person_limit}张"
        )
    owner_missing = (
        Voucher.objects.filter(campaign=c, owner__isnull=True)
        .exclude(state__in=[Voucher.State.AVAILABLE, Voucher.State.EXPIRED, Voucher.State.VOID])
        .count()
    )
    if owner_missing:
        p.append(f"{name}：{owner_missing}张券已领取或已核销却没有持有人")
    unowned_available = Voucher.objects.filter(
        campaign=c, owner__isnull=False, state=Voucher.State.AVAILABLE
    ).count()
    if unowned_available:
        p.append(f"{name}：{unowned_available}张券有持有人却仍为待领取")
    doubles = (
        Claim.objects.filter(campaign=c)
        .values("voucher_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    n_doubles = doubles.count()
    if n_doubles:
        p.append(f"{name}：{n_doubles}张券被重复发给了不同的领取请求（重复发放）")
    wrong_owner = Claim.objects.filter(campaign=c).exclude(voucher__owner_id=F("user_id")).count()
    if wrong_owner:
        p.append(f"{name}：{wrong_owner}条已确认的领取记录对应的券不在领取人名下（已确认领取丢失）")

    live = Redemption.objects.filter(campaign=c, refunded=False)
    live_face = live.aggregate(s=Sum("face_value"))["s"] or Decimal(0)
    ledger = LedgerEntry.objects.filter(campaign=c).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if ledger != live_face:
        p.append(f"{name}：账本合计{ledger}元 ≠ 有效核销券面合计{live_face}元")
    redeemed = Voucher.objects.filter(campaign=c, state=Voucher.State.REDEEMED).count()
    if redeemed != live.count():
        p.append(f"{name}：已核销券{redeemed}张 ≠ 有效核销记录{live.count()}笔")
    stray = live.exclude(voucher__state=Voucher.State.REDEEMED).count()
    if stray:
        p.append(f"{name}：{stray}笔有效核销记录对应的券不是已核销状态")
    wrong_face = live.exclude(face_value=F("voucher__batch__face_value")).count()
    if wrong_face:
        p.append(f"{name}：{wrong_face}笔核销的抵扣金额与券面额不符")
    per_redemption = (
        LedgerEntry.objects.filter(campaign=c)
        .values("redemption_id")
        .annotate(
            redeem=Count("id", filter=Q(kind=LedgerEntry.Kind.REDEEM)),
            refund=Count("id", filter=Q(kind=LedgerEntry.Kind.REFUND)),
        )
        .filter(Q(redeem__gt=1) | Q(refund__gt=1))
        .count()
    )
    if per_redemption:
        p.append(f"{name}：{per_redemption}笔核销被重复记账")
    p += _audit_payments(c, name)
    return p


def _audit_payments(c: Campaign, name: str) -> list[str]:
    """Double payment, and payment short: what the government paid (released settlements)
    against what is live."""
    p: list[str] = []
    released = Settlement.Status.RELEASED
    twice = (
        Redemption.objects.filter(campaign=c, settlement__status=released)
        .values("voucher_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in twice[:20]:
        p.append(f"{name}：券{row['voucher_id']}在{row['n']}笔已放款结算中被支付（重复支付）")
    refunded = Redemption.objects.filter(campaign=c, refunded=True, settlement__isnull=False)
    paid_refunded = refunded.filter(settlement__status=released).count()
    if paid_refunded:
        p.append(f"{name}：{paid_refunded}笔核销在结算放款后被退款，券可再次使用（重复支付）")
    queued_refunded = refunded.exclude(settlement__status=released).count()
    if queued_refunded:
        p.append(f"{name}：{queued_refunded}笔核销计入结算单后被退款（结算单与核销不符）")
    # Without the links as well: each released settlement must still be covered by the live
    # redemptions of its merchant and day (a refund written straight into the database, or
    # rows settled before the links existed).
    live = {
        (row["merchant_id"], row["day"]): row["face"]
        for row in Redemption.objects.filter(campaign=c, refunded=False)
        .annotate(day=TruncDate("created_at"))
        .values("merchant_id", "day")
        .annotate(face=Sum("face_value"))
    }
    for s in Settlement.objects.filter(campaign=c, status=released).order_by("day", "merchant_id"):
        backed = live.get((s.merchant_id, s.day), Decimal(0))
        if backed < s.face_total:
            p.append(
                f"{name}：商户{s.merchant_id} {s.day} 已放款结算券面{s.face_total}元，"
                f"现有有效核销仅{backed}元（已付款的核销被退款，重复支付）"
            )
        elif backed > s.face_total:
            # A released row is never recomputed: what it left out is never paid.
            p.append(
                f"{name}：商户{s.merchant_id} {s.day} 有效核销券面{backed}元，"
                f"已放款结算仅{s.face_total}元（放款后当日又有核销，少付商户）"
            )
    return p
