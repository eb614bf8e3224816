"""Subsidy programmes (政策兑现): data only. The rules live in services/.

Money is integer fen (分) everywhere. Counters (committed, paid) move only through conditional
UPDATEs in services/budget.py and services/payment.py; `policyledger subsidies audit` recomputes
them from the applications.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def money(fen: int | None) -> str:
    """12345 -> '123.45元', 10_000_000_00 -> '1,000万元': fen through the one money formatter
    (``formats.format_money``), for pages and messages."""
    if fen is None:
        return ""
    from decimal import Decimal

    from policyledger.formats import format_money

    return format_money(Decimal(int(fen)) / 100)


def yuan(fen: int | None) -> str:
    """12345 -> '123.45' (for display; never used in arithmetic)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


class Programme(models.Model):
    """One subsidy or award that a published measure funds."""

    class Kind(models.TextChoices):
        RATE = "rate", "按比例补贴（比例×金额，有上限）"
        FIXED = "fixed", "定额/区间奖补（分档）"
        RANKING = "ranking", "排名奖励（前N名）"
        TRANSFER = "transfer", "上级对下级奖补（按核销额比例，分级封顶）"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "受理中"
        CLOSED = "closed", "已结束"

    class Overflow(models.TextChoices):
        REFUSE = "refuse", "资金不足时拒绝"
        QUEUE = "queue", "资金不足时排队（按提交时间）"

    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.RATE)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    measure = models.ForeignKey(
        "documents.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidy_programmes",
        verbose_name="对应措施",
    )
    region = models.CharField("实施地区", max_length=50, blank=True)
    sectors = models.JSONField("适用行业（空为不限）", default=list, blank=True)
    applicant_kinds = models.JSONField("申请人类型（空为不限）", default=list, blank=True)
    budget_fen = models.BigIntegerField("资金总额（分）")
    # Moved only by services.budget (conditional UPDATE); the audit recomputes both.
    committed_fen = models.BigIntegerField("已承诺（分）", default=0)
    paid_fen = models.BigIntegerField("已拨付（分）", default=0)
    # The money targets of the measure, as prefilled from the parse (editable); the rule uses them.
    rate_percent = models.DecimalField(
        "补贴比例（%）", max_digits=7, decimal_places=3, null=True, blank=True
    )
    min_award_fen = models.BigIntegerField("单笔下限（分）", null=True, blank=True)
    max_award_fen = models.BigIntegerField("单笔上限（分）", null=True, blank=True)
    # Awards above this go to manual review whatever the rule says (null: only the rule decides).
    manual_over_fen = models.BigIntegerField("超过此额人工复核（分）", null=True, blank=True)
    # 同一事项不重复享受: an applicant holds at most one award among programmes of one group.
    exclusion_group = models.CharField("互斥组（同一事项不重复享受）", max_length=50, blank=True)
    overflow = models.CharField(
        "资金不足时", max_length=10, choices=Overflow.choices, default=Overflow.REFUSE
    )
    notice_days = models.PositiveIntegerField("公示期（工作日）", default=5)
    opens_on = models.DateField("受理开始", null=True, blank=True)
    closes_on = models.DateField("受理截止", null=True, blank=True)
    prefill = models.JSONField("从措施带出的指标", default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "兑现项目"
        verbose_name_plural = "兑现项目"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gte=0), name="programme_budget_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available_fen(self) -> int:
        return self.budget_fen - self.committed_fen


class RegionCap(models.Model):
    """A programme's ceiling for one region (per 省辖市 / 县, or a district's share)."""

    class Level(models.TextChoices):
        CITY = "city", "省辖市/市"
        COUNTY = "county", "县（市、区）"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="region_caps")
    region = models.CharField("地区", max_length=50)
    level = models.CharField("层级", max_length=10, choices=Level.choices, blank=True)
    cap_fen = models.BigIntegerField("上限（分）")
    committed_fen = models.BigIntegerField("已承诺（分）", default=0)
    paid_fen = models.BigIntegerField("已拨付（分）", default=0)

    class Meta:
        verbose_name = "地区上限"
        verbose_name_plural = "地区上限"
        ordering = ["programme", "region"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "region"], name="regioncap_once"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {yuan(self.cap_fen)}元"


class RuleVersion(models.Model):
    """A JDM decision model with effective dates and test cases; published versions are frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules")
    number = models.PositiveIntegerField("版本号")
    jdm = models.JSONField("决策模型（JDM）")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    cases = models.JSONField("测试用例", default=list, blank=True)
    # The last run of the cases: [{"name", "ok", "message"}].
    case_results = models.JSONField(default=list, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "规则版本"
        verbose_name_plural = "规则版本"
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="rule_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} 规则v{self.number}"


class Applicant(models.Model):
    """An enterprise or a person who receives money; not a staff account."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业/个体工商户"
        PERSON = "person", "个人"
        GOVERNMENT = "government", "地方政府（上级奖补）"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    name = models.CharField("名称/姓名", max_length=200)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidy_applicant",
    )
    # Enterprises: the code itself (public by law); people: only an HMAC and a masked form.
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True)
    id_hash = models.CharField(max_length=64, null=True, blank=True)
    id_masked = models.CharField("证件号码", max_length=18, blank=True)
    region = models.CharField("所在地区", max_length=50, blank=True)
    sector = models.CharField("行业", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_holder = models.CharField("户名", max_length=200, blank=True)
    bank_account = models.CharField("账号", max_length=40, blank=True)
    bank_name = models.CharField("开户行", max_length=200, blank=True)
    bank_confirmed_at = models.DateTimeField("银行信息确认时间", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "申请人"
        verbose_name_plural = "申请人"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], name="applicant_credit_code_once"),
            models.UniqueConstraint(fields=["id_hash"], name="applicant_id_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_display(self) -> str:
        from .services.identity import mask_code

        return mask_code(self.credit_code) if self.credit_code else self.id_masked

    @property
    def bank_ready(self) -> bool:
        return bool(self.bank_holder and self.bank_account and self.bank_name)


class Notice(models.Model):
    """A 公示 of approved awards: public for a number of working days, with objections."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField("公示标题", max_length=200)
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示截止（含）")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PaymentBatch(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待拨付"
        PAID = "paid", "已拨付"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="batches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    total_fen = models.BigIntegerField("合计（分）", default=0)
    count = models.PositiveIntegerField("笔数", default=0)
    receipt_ref = models.CharField("回单编号", max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "拨付批次"
        verbose_name_plural = "拨付批次"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_ref"], condition=~Q(receipt_ref=""), name="receipt_once"
            ),
        ]

    def __str__(self) -> str:
        return f"拨付批次{self.pk}"


class Application(models.Model):
    class Status(models.TextChoices):
        ENTITLED = "entitled", "免申即享·待确认"
        SUBMITTED = "submitted", "已提交"
        MANUAL = "manual", "待人工复核"
        RETURNED = "returned", "退回补正"
        REJECTED = "rejected", "不予支持"
        QUEUED = "queued", "资金排队中"
        APPROVED = "approved", "审核通过"
        NOTICE = "notice", "公示中"
        REVOKED = "revoked", "公示异议成立·撤销"
        PAID = "paid", "已拨付"

    class Source(models.TextChoices):
        APPLY = "apply", "网上申请"
        IMPORT = "import", "线下收件导入"
        AUTO = "auto", "免申即享"
        TRANSFER = "transfer", "上级奖补测算"

    # States in which the award holds money of the programme (committed).
    COMMITTED = (Status.APPROVED, Status.NOTICE, Status.PAID)
    # States in which the invoice is taken (anything not finally refused).
    INVOICE_HELD = (
        Status.ENTITLED,
        Status.SUBMITTED,
        Status.MANUAL,
        Status.RETURNED,
        Status.QUEUED,
        Status.APPROVED,
        Status.NOTICE,
        Status.PAID,
    )

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="applications")
    number = models.CharField("申请编号", max_length=30, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.APPLY)
    region = models.CharField("地区", max_length=50, blank=True)
    sector = models.CharField("行业", max_length=30, blank=True)
    # The figures the rule reads (amounts in yuan as strings, counts, ranks): the profile.
    inputs = models.JSONField("申报数据", default=dict, blank=True)
    invoice_code = models.CharField("发票代码", max_length=20, blank=True)
    invoice_number = models.CharField("发票号码", max_length=20, blank=True)
    # False once the application is finally refused: the invoice may then be claimed again.
    invoice_held = models.BooleanField(default=True)
    # Copied from the programme so that the database itself refuses a second award in a group.
    exclusion_key = models.CharField(max_length=50, blank=True)
    # The rule's decision: amount, version, reason, trace (for 为什么).
    amount_fen = models.BigIntegerField("测算金额（分）", default=0)
    eligible = models.BooleanField("符合条件", default=False)
    rule = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField("测算说明", blank=True)
    cap_applied = models.CharField("触及上限", max_length=200, blank=True)
    trace = models.JSONField("决策轨迹", default=list, blank=True)
    manual_reason = models.CharField("人工复核原因", max_length=300, blank=True)
    # The amount that holds money once approved (may differ from amount_fen after review).
    awarded_fen = models.BigIntegerField("核定金额（分）", default=0)
    review_note = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    decided_on = models.DateField("测算依据日期", null=True, blank=True)
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    # A snapshot of where the money goes, taken when the payment batch is made.
    pay_holder = models.CharField(max_length=200, blank=True)
    pay_account = models.CharField(max_length=40, blank=True)
    pay_bank = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "申请"
        verbose_name_plural = "申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One invoice is claimed once across all programmes.
            models.UniqueConstraint(
                fields=["invoice_code", "invoice_number"],
                condition=Q(invoice_held=True) & ~Q(invoice_number=""),
                name="invoice_claimed_once",
            ),
            # 同一事项不重复享受: one live application per applicant in an exclusion group.
            models.UniqueConstraint(
                fields=["applicant", "exclusion_key"],
                condition=Q(
                    status__in=[
                        "entitled",
                        "submitted",
                        "manual",
                        "returned",
                        "queued",
                        "approved",
                        "notice",
                        "paid",
                    ]
                )
                & ~Q(exclusion_key=""),
                name="exclusion_once",
            ),
            models.CheckConstraint(condition=Q(awarded_fen__gte=0), name="awarded_nonneg"),
        ]
        indexes = [models.Index(fields=["programme", "status", "submitted_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def invoice(self) -> str:
        return f"{self.invoice_code}-{self.invoice_number}" if self.invoice_number else ""


def material_upload_to(instance: Material, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"subsidies/{uuid.uuid4().hex}{suffix}"


class Material(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(upload_to=material_upload_to)
    name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="objections"
    )
    name = models.CharField("异议人", max_length=50)
    contact = models.CharField("联系方式", max_length=50)
    text = models.TextField("异议内容")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("处理意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-created_at"]


class Event(models.Model):
    """Append-only history of an application (who did what, when) shown to applicant and staff."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)

    LABELS = {
        "submit": "提交",
        "approve": "审核通过",
        "return": "退回补正",
        "reject": "不予支持",
        "resubmit": "重新提交",
        "confirm": "确认收款信息",
        "queue": "资金排队",
        "notice": "公示",
        "objection": "公示异议",
        "revoke": "撤销",
        "pay": "拨付",
    }

    class Meta:
        ordering = ["at", "id"]

    @property
    def label(self) -> str:
        return self.LABELS.get(self.action, self.action)
