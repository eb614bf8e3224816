"""Demo data: a running voucher campaign for the sample city, with residents and merchants.

`policyledger demo` calls seed(); it is safe to call twice (the second call changes nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import SECTORS, Campaign, Merchant, ResidentProfile
from .services.campaigns import BatchSpec, create_campaign
from .services.claims import claim
from .services.redemption import redeem

log = logging.getLogger("policyledger.vouchers.demo")

CAMPAIGN_NAME = "连云港市2026年“惠享港城”消费券"
PASSWORD = "demo-pass-2026"
RESIDENTS = [
    ("resident1", "王芳"),
    ("resident2", "李强"),
    ("resident3", "张敏"),
    ("resident4", "刘洋"),
]
MERCHANTS = [
    ("海州老街饭店", "餐饮", "merchant_food"),
    ("新浦苏果超市", "零售", "merchant_retail"),
    ("赣榆汽车城", "汽车", "merchant_car"),
    ("花果山景区", "文旅", "merchant_travel"),
    ("连云港苏宁家电", "家电", "merchant_appliance"),
]
# Each demo merchant's 区县 (for the evaluation's breakdown by district).
DISTRICTS = {
    "海州老街饭店": "海州区",
    "新浦苏果超市": "海州区",
    "赣榆汽车城": "赣榆区",
    "花果山景区": "连云区",
    "连云港苏宁家电": "连云区",
}


def _user(username: str, first_name: str = "", **extra):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, **extra}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def _funding_measure():
    """The sample document's 消费券 measure and its task, when the tracking demo has them."""
    try:
        from policyledger.web.documents.models import Measure
    except ImportError:  # pragma: no cover - the platform app is always installed
        return None, None
    measure = Measure.objects.filter(text__contains="消费券").order_by("id").first()
    task = measure.tasks.order_by("id").first() if measure is not None else None
    return measure, task


def seed(*, quantity_scale: float = 1.0, stdout=print) -> Campaign:
    """Create (once) the city's campaign: 1000万元, 满200减50 and 满100减20, 2:1 co-funding."""
    existing = Campaign.objects.filter(name=CAMPAIGN_NAME).first()
    if existing is not None:
        stdout(f"消费券演示活动已存在（编号{existing.pk}），未重复创建")
        return existing
    now = timezone.now()
    measure, task = _funding_measure()
    big = int(100_000 * quantity_scale)
    small = int(250_000 * quantity_scale)
    campaign = create_campaign(
        [
            BatchSpec(Decimal(50), Decimal(200), big, 1, "满200减50"),
            BatchSpec(Decimal(20), Decimal(100), small, 2, "满100减20"),
        ],
        name=CAMPAIGN_NAME,
        city="连云港市",
        budget=Decimal("10000000"),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=60),
        release_at=now - dt.timedelta(days=1),
        mode=Campaign.Mode.FIRST_COME,
        per_person_limit=3,
        gov_ratio=2,
        merchant_ratio=1,
        merchant_daily_cap=Decimal("20000"),
        sectors=list(SECTORS),
        status=Campaign.Status.OPEN,
        measure=measure,
        task=task,
    )
    with transaction.atomic():
        residents = []
        for username, name in RESIDENTS:
            user = _user(username, name)
            ResidentProfile.objects.get_or_create(
                user=user, defaults={"display_name": name, "verified": True}
            )
            residents.append(user)
        merchants = []
        for name, sector, clerk in MERCHANTS:
            merchant, _ = Merchant.objects.get_or_create(
                name=name, defaults={"sector": sector, "district": DISTRICTS[name]}
            )
            if not merchant.district:
                Merchant.objects.filter(pk=merchant.pk).update(district=DISTRICTS[name])
            merchant.users.add(_user(clerk, name))
            merchants.append(merchant)
        _user("voucher_admin", "消费券管理员", is_staff=True)
    big_batch, small_batch = campaign.batches.order_by("id")
    food, retail = merchants[0], merchants[1]
    for i, user in enumerate(residents):
        v1 = claim(
            user, campaign, batch=big_batch, idempotency_key="demo-1", device=f"demo-{i}"
        ).voucher
        v2 = claim(
            user, campaign, batch=small_batch, idempotency_key="demo-2", device=f"demo-{i}"
        ).voucher
        if i < 2:
            redeem(food, v1.code, Decimal(268 + 40 * i), idempotency_key=f"demo-r{i}")
            redeem(retail, v2.code, Decimal("135.50"), idempotency_key=f"demo-s{i}")
    log.info("voucher demo seeded: campaign %s", campaign.pk)
    stdout(f"消费券演示活动：{campaign.name}（编号{campaign.pk}），访问 /vouchers/")
    stdout(f"  居民：{'、'.join(u for u, _ in RESIDENTS)}　密码 {PASSWORD}")
    stdout(
        f"  商户店员：{'、'.join(c for _, _, c in MERCHANTS)}　密码 {PASSWORD}（核销页 /vouchers/merchant/）"
    )
    stdout(f"  活动管理员：voucher_admin　密码 {PASSWORD}（/vouchers/manage/）")
    if task is not None:
        stdout(f"  已关联任务：{task}")
    return campaign
