"""Voucher campaigns: data only. The rules (claiming, redeeming, settling) live in services/."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

SECTORS = ["餐饮", "零售", "汽车", "文旅", "家电"]


class ResidentProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voucher_resident"
    )
    display_name = models.CharField("称呼", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    verified = models.BooleanField("已实名", default=False)

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"

    def __str__(self) -> str:
        return self.display_name or str(self.user)


class Merchant(models.Model):
    name = models.CharField("商户名称", max_length=100)
    sector = models.CharField("行业", max_length=20)
    # 区县 where the shop stands, for the evaluation's breakdown by district; blank = not given.
    district = models.CharField("所在区县", max_length=30, blank=True, db_index=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="voucher_merchants", blank=True, verbose_name="店员"
    )
    # Set while a fraud flag on this merchant is open: its settlements are held until review.
    flagged = models.BooleanField("待审核", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "商户"
        verbose_name_plural = "商户"

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    class Mode(models.TextChoices):
        FIRST_COME = "first_come", "先到先得（抢券）"
        LOTTERY = "lottery", "报名摇号"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        REGISTRATION = "registration", "报名中"
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    name = models.CharField("活动名称", max_length=200)
    city = models.CharField("城市", max_length=50, blank=True)
    # Total face value the campaign may put out (发放总额); the government pays its share of it.
    budget = models.DecimalField("预算（元）", max_digits=14, decimal_places=2)
    valid_from = models.DateTimeField("使用开始")
    valid_until = models.DateTimeField("使用截止")
    release_at = models.DateTimeField("开抢时间")
    registration_closes_at = models.DateTimeField("报名截止", null=True, blank=True)
    mode = models.CharField(
        "发放方式", max_length=20, choices=Mode.choices, default=Mode.FIRST_COME
    )
    per_person_limit = models.PositiveIntegerField("每人限领（整个活动）", default=1)
    gov_ratio = models.PositiveIntegerField("政府出资比例", default=2)
    merchant_ratio = models.PositiveIntegerField("商户出资比例", default=1)
    # Most the government pays one merchant for one day; null means no cap.
    merchant_daily_cap = models.DecimalField(
        "单商户日补贴上限（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    sectors = models.JSONField("适用行业", default=list)
    merchants = models.ManyToManyField(
        Merchant, blank=True, related_name="campaigns", verbose_name="指定商户（空则按行业）"
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Lottery, commit-reveal (services/lottery.py): only sha256(committed seed) is stored from
    # the start; the committed seed is HMAC(voucher signing key, seed_salt), so database access
    # alone does not give it. `seed` stays empty until the draw reveals the committed seed.
    seed_hash = models.CharField("种子哈希", max_length=64, blank=True)
    seed_salt = models.CharField("种子盐", max_length=64, blank=True)
    seed = models.CharField("种子", max_length=128, blank=True)
    # Fixed when registration closes: sha256 of the published entrant list, and the public
    # value mixed into the final seed: sha256(committed seed ‖ public value).
    registration_closed_at = models.DateTimeField("报名关闭时间", null=True, blank=True)
    entrants_hash = models.CharField("报名名单哈希", max_length=64, blank=True)
    entrants_count = models.PositiveIntegerField("报名人数", null=True, blank=True)
    public_value = models.CharField("公开值", max_length=200, blank=True)
    seed_revealed = models.BooleanField("种子已公开", default=False)
    drawn_at = models.DateTimeField("摇号时间", null=True, blank=True)
    # The measure (and task) of the policy document that funds this campaign: its figures flow
    # into that task's progress report through services.reports.campaign_progress().
    measure = models.ForeignKey(
        "documents.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="voucher_campaigns",
        verbose_name="对应措施",
    )
    task = models.ForeignKey(
        "tracking.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="voucher_campaigns",
        verbose_name="对应任务",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "消费券活动"
        verbose_name_plural = "消费券活动"
        ordering = ["-release_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def gov_fraction(self) -> Decimal:
        total = self.gov_ratio + self.merchant_ratio
        return Decimal(self.gov_ratio) / Decimal(total) if total else Decimal(0)

    def is_valid_at(self, when) -> bool:
        return self.valid_from <= when <= self.valid_until

    def public_seed(self) -> str:
        return self.seed if self.seed_revealed else ""


class Batch(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField("批次名称", max_length=100, blank=True)
    face_value = models.DecimalField("面额（减）", max_digits=10, decimal_places=2)
    threshold = models.DecimalField("门槛（满）", max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField("数量")
    per_person_limit = models.PositiveIntegerField("每人限领（本批次）", default=1)
    # Counters move only through F() updates: issued = vouchers minted, claimed = ever handed out.
    issued = models.PositiveIntegerField("已生成", default=0)
    claimed = models.PositiveIntegerField("已领取", default=0)

    class Meta:
        verbose_name = "券批次"
        verbose_name_plural = "券批次"
        ordering = ["campaign_id", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or f"满{self.threshold:g}减{self.face_value:g}"


class Voucher(models.Model):
    class State(models.TextChoices):
        AVAILABLE = "available", "待领取"
        CLAIMED = "claimed", "已领取"
        REDEEMED = "redeemed", "已核销"
        EXPIRED = "expired", "已过期"
        VOID = "void", "已作废"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="vouchers")
    # Denormalised so per-person counts for a whole campaign need no join on the hot path.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="vouchers")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
    )
    code = models.CharField("券码", max_length=40, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.AVAILABLE)
    claimed_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "消费券"
        verbose_name_plural = "消费券"
        indexes = [
            models.Index(
                fields=["batch", "id"], condition=Q(state="available"), name="voucher_available"
            ),
            models.Index(fields=["owner", "campaign"], name="voucher_owner_campaign"),
        ]

    def __str__(self) -> str:
        return self.code


class Claim(models.Model):
    """One successful claim, keyed by the client's Idempotency-Key so a retry gets the same voucher."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    idempotency_key = models.CharField(max_length=100)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="claims")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE)
    # Not unique on purpose: the lock, not a constraint, must keep one voucher to one claim, and
    # the control test (lock off) has to be able to show the race. `vouchers audit` checks it.
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="claims")
    # The Redis reservation this claim consumed (empty without the gate); the reconciler looks it up.
    reservation = models.CharField(max_length=40, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="claim_user_key")
        ]


class LotteryEntry(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    # The entry's id is the public entrant number that the published list and the draw use.
    won = models.BooleanField(default=False)
    rank = models.PositiveIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="entry_once"),
        ]


class Redemption(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="redemptions")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="redemptions")
    bill_amount = models.DecimalField("消费金额", max_digits=12, decimal_places=2)
    face_value = models.DecimalField("抵扣金额", max_digits=10, decimal_places=2)
    idempotency_key = models.CharField(max_length=100)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    refunded = models.BooleanField(default=False)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reason = models.CharField(max_length=200, blank=True)
    # The settlement that counted this redemption (set by settlement.settle_day): once set, the
    # redemption can no longer be refunded, and `vouchers audit` checks the pair.
    settlement = models.ForeignKey(
        "Settlement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="redemption_merchant_key"
            ),
            # A voucher is redeemed at most once at a time; a refund frees it again.
            models.UniqueConstraint(
                fields=["voucher"], condition=Q(refunded=False), name="redemption_active_once"
            ),
        ]


class LedgerEntry(models.Model):
    """Append-only money movements: +face on redemption, -face on refund."""

    class Kind(models.TextChoices):
        REDEEM = "redeem", "核销"
        REFUND = "refund", "退款冲正"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ledger")
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    bill_amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)


class Settlement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待结算"
        HELD = "held", "暂缓（待审核）"
        RELEASED = "released", "已放款"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="settlements")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlements")
    day = models.DateField("结算日")
    count = models.PositiveIntegerField("核销笔数", default=0)
    bill_total = models.DecimalField("消费总额", max_digits=14, decimal_places=2, default=0)
    face_total = models.DecimalField("券面总额", max_digits=14, decimal_places=2, default=0)
    gov_share = models.DecimalField("政府承担", max_digits=14, decimal_places=2, default=0)
    merchant_share = models.DecimalField("商户承担", max_digits=14, decimal_places=2, default=0)
    capped = models.DecimalField("超上限未补", max_digits=14, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    computed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField("放款时间", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "merchant", "day"], name="settlement_per_day"
            )
        ]
        ordering = ["day", "merchant_id"]


class FraudFlag(models.Model):
    class Kind(models.TextChoices):
        SHARED_DEVICE = "shared_device", "同一设备多账号"
        SHARED_IP = "shared_ip", "同一IP多账号"
        REDEEM_LOOP = "redeem_loop", "同一用户在同一商户反复核销"
        NEAR_THRESHOLD = "near_threshold", "消费额反复刚过门槛"
        SPIKE = "spike", "商户核销量突增"

    class Status(models.TextChoices):
        OPEN = "open", "待审核"
        CLEARED = "cleared", "已排除"
        CONFIRMED = "confirmed", "已确认"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="flags", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "merchant:12", "ip:1.2.3.4", "device:abc", "user:7"
    subject = models.CharField(max_length=120)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "subject"],
                condition=Q(status="open"),
                name="flag_open_once",
            )
        ]
        ordering = ["-created_at"]
