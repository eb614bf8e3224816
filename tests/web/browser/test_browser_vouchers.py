"""Vouchers in a real browser, for the user guide: a resident claims a voucher and shows its QR
code; the merchant's clerk redeems it at the counter. Pages are checked for CSP violations."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-voucher-guide-123"


@pytest.fixture
def campaign(transactional_db, settings):
    from django.utils import timezone

    from policyledger.web.vouchers import web_common
    from policyledger.web.vouchers.models import Campaign
    from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign

    settings.REDIS_URL = ""
    settings.VOUCHERS_CAMPAIGN_CACHE_S = 0
    web_common._cache.clear()
    start = timezone.now() - dt.timedelta(hours=1)
    return create_campaign(
        [
            BatchSpec(Decimal(50), Decimal(200), 20, 1, "满200减50"),
            BatchSpec(Decimal(20), Decimal(100), 20, 1, "满100减20"),
        ],
        name="连云港市餐饮零售消费券（第一批）",
        city="连云港市",
        budget=Decimal("10000000"),
        valid_from=start,
        valid_until=start + dt.timedelta(days=30),
        release_at=start,
        per_person_limit=2,
        sectors=["餐饮", "零售"],
        status=Campaign.Status.OPEN,
    )


@pytest.fixture
def people(transactional_db):
    from django.contrib.auth import get_user_model

    from policyledger.web.vouchers.models import Merchant, ResidentProfile

    users = get_user_model().objects
    resident = users.create_user("resident1", password=PASSWORD, first_name="周居民")
    ResidentProfile.objects.create(user=resident, verified=True)  # only verified residents claim
    clerk = users.create_user("clerk1", password=PASSWORD, first_name="吴收银")
    shop = Merchant.objects.create(name="海州饭店", sector="餐饮")
    shop.users.add(clerk)
    return {"resident": resident, "clerk": clerk, "shop": shop}


def login(session, user) -> None:
    session.go("/accounts/login/")
    session.page.fill("input[name=username]", user.username)
    session.page.fill("input[name=password]", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_load_state("networkidle")


def test_resident_claims_and_merchant_redeems(campaign, people, open_session, shots):
    from policyledger.web.vouchers.models import Voucher

    resident = open_session("居民")
    login(resident, people["resident"])
    resident.go("/vouchers/")
    resident.page.wait_for_selector(f"text={campaign.name}")
    shots(resident, "vouchers-list")
    resident.go(f"/vouchers/c/{campaign.pk}/")
    shots(resident, "vouchers-campaign")
    resident.page.locator("button:has-text('立即领取')").first.click()
    resident.page.wait_for_url(re.compile(r"/vouchers/mine/"))
    resident.page.wait_for_selector("img.qr")
    shots(resident, "vouchers-mine")
    code = resident.page.inner_text(".voucher .code").strip()
    voucher = Voucher.objects.get(owner=people["resident"])
    assert code and voucher.batch.face_value == Decimal(50)

    clerk = open_session("商户")
    login(clerk, people["clerk"])
    clerk.go("/vouchers/merchant/")
    clerk.page.fill("input[name=code]", code)
    clerk.page.fill("input[name=bill]", "268")
    shots(clerk, "vouchers-merchant")
    clerk.page.click("#redeem-form button[type=submit]")
    clerk.page.wait_for_selector(".msg-success:has-text('核销成功')")
    assert "顾客实付218" in clerk.page.inner_text(".messages")
    shots(clerk, "vouchers-redeemed")
    voucher.refresh_from_db()
    assert voucher.state == Voucher.State.REDEEMED
    resident.check()
    clerk.check()
