"""Payment batches: the bank's xlsx (户名, 账号, 开户行, 金额), then marked paid with its 回单.

A batch takes only awards whose 公示 ended without an open or upheld objection; an award sits in
one batch at most (conditional UPDATE on batch IS NULL); a batch is paid once (conditional UPDATE
on its status) and a 回单 reference is used once.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..models import Application, PaymentBatch, Programme, yuan
from . import applications as apps
from . import budget
from .errors import InvalidInput, PaymentRefused
from .notices import payable_problem

log = logging.getLogger("policyledger.subsidies.payment")
S = Application.Status


def create_batch(
    officer, programme: Programme, app_ids: list[int] | None = None, *, today: dt.date | None = None
) -> PaymentBatch:
    """A batch of payable awards (all of the programme's, or the given ones — each must be)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        qs = Application.objects.select_for_update(of=("self",)).filter(programme=programme)
        if app_ids is not None:
            qs = qs.filter(pk__in=app_ids)
        else:
            qs = qs.filter(status=S.NOTICE, batch__isnull=True)
        chosen = list(qs.select_related("notice", "applicant").order_by("submitted_at", "id"))
        if app_ids is not None and len(chosen) != len(set(app_ids)):
            raise PaymentRefused("有申请不属于本项目")
        problems = [p for a in chosen if (p := payable_problem(a, today))]
        if app_ids is not None and problems:
            raise PaymentRefused("；".join(problems[:10]))
        chosen = [a for a in chosen if not payable_problem(a, today)]
        if not chosen:
            raise PaymentRefused("没有可拨付的名单（须公示期满、无异议、已确认收款信息）")
        batch = PaymentBatch.objects.create(programme=programme, created_by=officer)
        total = 0
        for app in chosen:
            a = app.applicant
            moved = Application.objects.filter(
                pk=app.pk, batch__isnull=True, status=S.NOTICE
            ).update(
                batch=batch,
                pay_holder=a.bank_holder,
                pay_account=a.bank_account,
                pay_bank=a.bank_name,
            )
            if not moved:
                raise PaymentRefused(f"申请{app.number}已在其他拨付批次中")
            total += app.awarded_fen
        PaymentBatch.objects.filter(pk=batch.pk).update(total_fen=total, count=len(chosen))
        batch.refresh_from_db()
    log.info("payment batch %s: %s awards, %s fen", batch.pk, batch.count, batch.total_fen)
    return batch


def mark_paid(officer, batch_pk: int, receipt_ref: str) -> PaymentBatch:
    """Record the bank's 回单; refused for a batch already paid or a 回单 used before."""
    receipt_ref = (receipt_ref or "").strip()
    if not receipt_ref:
        raise InvalidInput("请填写银行回单编号")
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_pk)
        if batch.status == PaymentBatch.Status.PAID:
            raise PaymentRefused(
                f"拨付批次{batch.pk}已于{timezone.localtime(batch.paid_at):%Y年%m月%d日}拨付"
                f"（回单{batch.receipt_ref}），不能重复拨付"
            )
        other = PaymentBatch.objects.filter(receipt_ref=receipt_ref).exclude(pk=batch.pk).first()
        if other is not None:
            raise PaymentRefused(f"回单{receipt_ref}已用于拨付批次{other.pk}，不能重复使用")
        members = list(Application.objects.select_for_update().filter(batch=batch))
        if any(a.status != S.NOTICE for a in members):
            raise PaymentRefused("批次中有申请状态已变化（如已拨付或已撤销），不能拨付")
        by_region: dict[str, int] = defaultdict(int)
        for a in members:
            by_region[a.region] += a.awarded_fen
        if sum(by_region.values()) != batch.total_fen:
            raise PaymentRefused("批次合计与名单不一致，不能拨付")
        moved = PaymentBatch.objects.filter(pk=batch.pk, status=PaymentBatch.Status.OPEN).update(
            status=PaymentBatch.Status.PAID,
            receipt_ref=receipt_ref,
            paid_at=timezone.now(),
            paid_by=officer,
        )
        if not moved:
            raise PaymentRefused("该批次已拨付，不能重复拨付")
        budget.pay(batch.programme_id, dict(by_region))
        now = timezone.now()
        n = Application.objects.filter(batch=batch, status=S.NOTICE).update(
            status=S.PAID, paid_at=now
        )
        if n != len(members):
            raise PaymentRefused("批次中有申请状态已变化，不能拨付")
        for a in members:
            apps.log_event(a, "pay", officer, f"拨付批次{batch.pk}，回单{receipt_ref}")
        batch.refresh_from_db()
    log.info("payment batch %s paid, receipt %s", batch.pk, receipt_ref)
    return batch


HEADERS = ["序号", "户名", "账号", "开户行", "金额（元）", "申请编号", "用途"]


def export_xlsx(batch: PaymentBatch) -> bytes:
    """The bank's sheet. 户名, 账号, 开户行 and 申请编号 are text cells (an account number must
    never become 6.2E+18); 金额 is a number with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "代发明细"
    ws.append([f"{batch.programme.name} 拨付批次{batch.pk}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    total = Decimal(0)
    rows = batch.applications.order_by("submitted_at", "id")
    for i, a in enumerate(rows, start=1):
        amount = Decimal(a.awarded_fen) / 100
        total += amount
        ws.append(
            [
                i,
                a.pay_holder,
                a.pay_account,
                a.pay_bank,
                amount,
                a.number,
                batch.programme.name[:40],
            ]
        )
        row = ws.max_row
        for col in (2, 3, 4, 6, 7):
            ws.cell(row=row, column=col).number_format = "@"
            ws.cell(row=row, column=col).data_type = "s"
        ws.cell(row=row, column=5).number_format = "#,##0.00"
    ws.append(["合计", "", "", "", total, "", ""])
    ws.cell(row=ws.max_row, column=5).number_format = "#,##0.00"
    for col, width in zip("ABCDEFG", [6, 24, 26, 28, 14, 20, 30], strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def batch_summary(batch: PaymentBatch) -> str:
    return f"拨付批次{batch.pk}：{batch.count}笔，合计{yuan(batch.total_fen)}元"
