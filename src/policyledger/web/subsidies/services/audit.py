"""`policyledger subsidies audit`: the money invariants, recomputed from the applications.

Per programme and per region: paid ≤ committed ≤ budget (cap), each counter equal to the sum of
the awards in the matching states; a paid award sits in a paid batch and a batch's total is the
sum of its awards; an invoice is held by one live application; an applicant holds one award per
exclusion group. Returns Chinese lines, empty when everything holds.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, Sum

from ..models import Application, PaymentBatch, Programme, yuan

S = Application.Status
COMMITTED = [s.value for s in Application.COMMITTED]
LIVE = [s.value for s in Application.INVOICE_HELD]


def audit(programme: Programme | None = None) -> list[str]:
    problems: list[str] = []
    programmes = [programme] if programme is not None else list(Programme.objects.order_by("pk"))
    for p in programmes:
        problems += _programme(p)
    apps = Application.objects.all()
    if programme is not None:
        apps = apps.filter(programme=programme)
    # One invoice once, across all programmes (whatever the invoice_held flag says).
    dup = (
        Application.objects.filter(status__in=LIVE)
        .exclude(invoice_number="")
        .values("invoice_code", "invoice_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in dup:
        numbers = list(
            Application.objects.filter(
                status__in=LIVE,
                invoice_code=row["invoice_code"],
                invoice_number=row["invoice_number"],
            ).values_list("number", flat=True)
        )
        problems.append(
            f"发票（代码{row['invoice_code'] or '无'}，号码{row['invoice_number']}）被{row['n']}个申请"
            f"同时使用：{'、'.join(numbers)}"
        )
    for a in apps.filter(status__in=LIVE, invoice_held=False).exclude(invoice_number=""):
        problems.append(f"申请{a.number}（{a.get_status_display()}）的发票占用标记丢失")
    # 同一事项不重复享受.
    excl = (
        Application.objects.filter(status__in=COMMITTED)
        .exclude(exclusion_key="")
        .values("applicant_id", "exclusion_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in excl:
        numbers = Application.objects.filter(
            status__in=COMMITTED,
            applicant_id=row["applicant_id"],
            exclusion_key=row["exclusion_key"],
        ).values_list("number", flat=True)
        problems.append(
            f"互斥组“{row['exclusion_key']}”中同一申请人有{row['n']}笔奖补：{'、'.join(numbers)}"
        )
    # Paid awards and batches.
    for a in apps.filter(status=S.PAID).filter(
        Q(batch__isnull=True) | ~Q(batch__status=PaymentBatch.Status.PAID)
    ):
        problems.append(f"申请{a.number}标记为已拨付，但不在已拨付的批次中")
    for a in apps.filter(batch__status=PaymentBatch.Status.PAID).exclude(status=S.PAID):
        problems.append(f"申请{a.number}所在批次已拨付，但申请状态为“{a.get_status_display()}”")
    for a in apps.filter(status__in=[S.NOTICE, S.PAID], notice__isnull=True):
        problems.append(f"申请{a.number}未经公示即进入“{a.get_status_display()}”")
    batches = PaymentBatch.objects.all()
    if programme is not None:
        batches = batches.filter(programme=programme)
    for b in batches.annotate(s=Sum("applications__awarded_fen"), n=Count("applications")):
        if (b.s or 0) != b.total_fen or b.n != b.count:
            problems.append(
                f"拨付批次{b.pk}合计{yuan(b.total_fen)}元/{b.count}笔，名单实为{yuan(b.s or 0)}元/{b.n}笔"
            )
    return problems


def _programme(p: Programme) -> list[str]:
    out: list[str] = []
    name = f"项目「{p.name}」"
    committed = _sum(p.applications.filter(status__in=COMMITTED))
    paid = _sum(p.applications.filter(status=S.PAID))
    if committed > p.budget_fen:
        out.append(
            f"{name}超额承诺：审核通过合计{yuan(committed)}元，超过资金总额{yuan(p.budget_fen)}元"
        )
    if paid > committed:
        out.append(f"{name}已拨付{yuan(paid)}元，超过审核通过的{yuan(committed)}元")
    if committed != p.committed_fen:
        out.append(f"{name}已承诺计数{yuan(p.committed_fen)}元与名单合计{yuan(committed)}元不一致")
    if paid != p.paid_fen:
        out.append(f"{name}已拨付计数{yuan(p.paid_fen)}元与名单合计{yuan(paid)}元不一致")
    if p.paid_fen > p.committed_fen:
        out.append(f"{name}已拨付计数{yuan(p.paid_fen)}元超过已承诺计数{yuan(p.committed_fen)}元")
    if p.committed_fen > p.budget_fen:
        out.append(f"{name}已承诺计数{yuan(p.committed_fen)}元超过资金总额{yuan(p.budget_fen)}元")
    by_region_c: dict[str, int] = defaultdict(int)
    by_region_p: dict[str, int] = defaultdict(int)
    for region, status, fen in p.applications.filter(status__in=COMMITTED).values_list(
        "region", "status", "awarded_fen"
    ):
        by_region_c[region] += fen
        if status == S.PAID:
            by_region_p[region] += fen
    for cap in p.region_caps.all():
        c, pd = by_region_c.get(cap.region, 0), by_region_p.get(cap.region, 0)
        where = f"{name}{cap.region}"
        if c > cap.cap_fen:
            out.append(f"{where}超额承诺：审核通过合计{yuan(c)}元，超过上限{yuan(cap.cap_fen)}元")
        if pd > c:
            out.append(f"{where}已拨付{yuan(pd)}元，超过审核通过的{yuan(c)}元")
        if c != cap.committed_fen or pd != cap.paid_fen:
            out.append(
                f"{where}计数（承诺{yuan(cap.committed_fen)}元/拨付{yuan(cap.paid_fen)}元）与名单"
                f"（{yuan(c)}元/{yuan(pd)}元）不一致"
            )
    return out


def _sum(qs) -> int:
    return qs.aggregate(s=Sum("awarded_fen"))["s"] or 0
