"""Daily settlement per merchant: face value redeemed split by the co-funding ratio, with caps."""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from ..models import Campaign, Merchant, Redemption, Settlement
from .errors import SetupError

log = logging.getLogger("policyledger.vouchers.settlement")
CENT = Decimal("0.01")
LINK_CHUNK = 5000


def split(face_total: Decimal, campaign: Campaign) -> tuple[Decimal, Decimal, Decimal]:
    """(government share, merchant share, amount over the daily cap). The merchant bears the
    part over the cap, so the two shares always add up to the face value."""
    raw = (face_total * campaign.gov_fraction).quantize(CENT, rounding=ROUND_HALF_UP)
    gov = raw
    capped = Decimal(0)
    if campaign.merchant_daily_cap is not None and raw > campaign.merchant_daily_cap:
        gov = campaign.merchant_daily_cap
        capped = raw - gov
    return gov, face_total - gov, capped


def _settlement_row(campaign: Campaign, merchant: Merchant, day: dt.date) -> Settlement | None:
    """The merchant's row for the day, locked until settle_day commits: a release waits for the
    recomputation instead of being overwritten by it (the row back to pending, paid again)."""
    return (
        Settlement.objects.select_for_update()
        .filter(campaign=campaign, merchant=merchant, day=day)
        .first()
    )


def settle_day(campaign: Campaign, day: dt.date, *, now=None) -> list[Settlement]:
    """(Re)compute the day's settlement rows; released rows are final and left alone.

    Each live redemption counted is linked to its settlement row (Redemption.settlement), under
    a row lock, so a refund racing with the settlement either lands first (and is not counted)
    or finds the link and is refused (redemption.refund_blocker)."""
    now = now or timezone.now()
    out = []
    with transaction.atomic():
        live = list(
            Redemption.objects.select_for_update()
            .filter(campaign=campaign, refunded=False, created_at__date=day)
            .order_by("id")
            .values_list("id", "merchant_id", "bill_amount", "face_value")
        )
        by_merchant: dict[int, list] = {}
        for rid, merchant_id, bill, face in live:
            ids, bills, faces = by_merchant.setdefault(merchant_id, [[], Decimal(0), Decimal(0)])
            ids.append(rid)
            by_merchant[merchant_id][1] = bills + bill
            by_merchant[merchant_id][2] = faces + face
        for merchant_id, (ids, bills, face) in sorted(by_merchant.items()):
            merchant = Merchant.objects.get(pk=merchant_id)
            existing = _settlement_row(campaign, merchant, day)
            if existing and existing.status == Settlement.Status.RELEASED:
                out.append(existing)
                continue
            gov, own, capped = split(face, campaign)
            obj, _ = Settlement.objects.update_or_create(
                campaign=campaign,
                merchant=merchant,
                day=day,
                defaults={
                    "count": len(ids),
                    "bill_total": bills,
                    "face_total": face,
                    "gov_share": gov,
                    "merchant_share": own,
                    "capped": capped,
                    "status": Settlement.Status.HELD
                    if merchant.flagged
                    else Settlement.Status.PENDING,
                    "computed_at": now,
                },
            )
            for start in range(0, len(ids), LINK_CHUNK):
                Redemption.objects.filter(pk__in=ids[start : start + LINK_CHUNK]).update(
                    settlement=obj
                )
            out.append(obj)
        # A day whose redemptions were all refunded keeps a zero row rather than a stale one.
        Settlement.objects.filter(campaign=campaign, day=day).exclude(
            merchant_id__in=by_merchant
        ).exclude(status=Settlement.Status.RELEASED).update(
            count=0, bill_total=0, face_total=0, gov_share=0, merchant_share=0, capped=0
        )
    log.info("settled campaign %s for %s: %s merchants", campaign.pk, day, len(out))
    return out


def release_blocker(settlement: Settlement, now) -> str | None:
    """Why the row may not be paid yet (None: it may). A released row is final and settle_day
    leaves it alone, so whatever it does not count then is never paid: the day must be over
    (Asia/Shanghai), and no live redemption of that merchant and day may be left out of it."""
    if settlement.day >= timezone.localdate(now):
        return f"{settlement.day} 当日核销尚未结束，次日起才能放款"
    left_out = (
        Redemption.objects.filter(
            campaign_id=settlement.campaign_id,
            merchant_id=settlement.merchant_id,
            refunded=False,
            created_at__date=settlement.day,
        )
        .exclude(settlement_id=settlement.pk)
        .exists()
    )
    if left_out:
        return "结算单生成后又有核销，请重新结算后再放款"
    return None


def release(settlement: Settlement, *, now=None) -> Settlement:
    now = now or timezone.now()
    if settlement.merchant.flagged:
        raise SetupError("该商户有待审核的风险标记，结算暂缓")
    blocker = release_blocker(settlement, now)
    if blocker is not None:
        raise SetupError(blocker)
    changed = Settlement.objects.filter(pk=settlement.pk, status=Settlement.Status.PENDING).update(
        status=Settlement.Status.RELEASED, released_at=now
    )
    if not changed:
        raise SetupError("只有待结算的记录可以放款")
    settlement.refresh_from_db()
    log.info("settlement %s released", settlement.pk)
    return settlement


def hold_merchant(merchant: Merchant) -> int:
    return Settlement.objects.filter(merchant=merchant, status=Settlement.Status.PENDING).update(
        status=Settlement.Status.HELD
    )


def unhold_merchant(merchant: Merchant) -> int:
    return Settlement.objects.filter(merchant=merchant, status=Settlement.Status.HELD).update(
        status=Settlement.Status.PENDING
    )


HEADERS = [
    "结算日",
    "商户",
    "行业",
    "核销笔数",
    "消费总额",
    "券面总额",
    "政府承担",
    "商户承担",
    "超上限未补",
    "状态",
]


def export_xlsx(campaign: Campaign, day: dt.date | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from policyledger.formats.cells import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "结算"
    append_row(ws, [f"{campaign.name} 商户结算单"])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    qs = (
        Settlement.objects.filter(campaign=campaign)
        .select_related("merchant")
        .order_by("day", "merchant__name")
    )
    if day:
        qs = qs.filter(day=day)
    totals = [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0)]
    for s in qs:
        values = [s.count, s.bill_total, s.face_total, s.gov_share, s.merchant_share, s.capped]
        append_row(ws, [s.day, s.merchant.name, s.merchant.sector, *values, s.get_status_display()])
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    append_row(ws, ["合计", "", "", *totals, ""])
    for row in ws.iter_rows(min_row=3, min_col=5, max_col=9):
        for cell in row:
            cell.number_format = "#,##0.00"
    for row in ws.iter_rows(min_row=3, max_col=1):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGHIJ", [12, 24, 8, 10, 14, 14, 14, 14, 12, 12], strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
