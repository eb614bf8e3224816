"""The evaluation's breakdown by district (区县): redemptions, bills, government money, merchants
and people, from where the merchants stand; merchants without a district are listed apart."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyledger.web.tracking import hooks as tracking_hooks
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem, refund

pytestmark = pytest.mark.django_db


def test_results_by_district(make_campaign, make_merchant, make_user, now):
    # Government pays 2 of 3 parts of each 30元 voucher: 20元.
    campaign = make_campaign(
        batches=((30, 100, 10, 3),), per_person=3, gov_ratio=2, merchant_ratio=1
    )
    haizhou_a = make_merchant("海州饭店", "餐饮", district="海州区")
    haizhou_b = make_merchant("海州超市", "零售", district="海州区")
    ganyu = make_merchant("赣榆车行", "汽车", district="赣榆区")
    nowhere = make_merchant("流动摊点", "零售")
    people = [make_user(f"p{i}") for i in range(3)]
    vouchers = {
        (i, j): claim(p, campaign, idempotency_key=f"c{i}{j}", now=now).voucher
        for i, p in enumerate(people)
        for j in range(3)
    }
    redeem(haizhou_a, vouchers[0, 0].code, "120", idempotency_key="r1", now=now)
    redeem(haizhou_b, vouchers[0, 1].code, "150", idempotency_key="r2", now=now)
    redeem(haizhou_a, vouchers[1, 0].code, "200", idempotency_key="r3", now=now)
    redeem(ganyu, vouchers[2, 0].code, "1000", idempotency_key="r4", now=now)
    redeem(nowhere, vouchers[2, 1].code, "110", idempotency_key="r5", now=now)
    refunded = redeem(ganyu, vouchers[1, 1].code, "300", idempotency_key="r6", now=now)
    refund(refunded.redemption, merchant=ganyu, reason="退货", now=now)

    result = tracking_hooks.programme(f"vouchers:{campaign.pk}")
    by = {d.district: d for d in result.districts}
    assert list(by) == sorted(by)
    assert set(by) == {"海州区", "赣榆区", "未登记"}
    haizhou = by["海州区"]
    assert (haizhou.redeemed, haizhou.merchants, haizhou.people) == (3, 2, 2)
    assert haizhou.bills == Decimal("470") and haizhou.government == Decimal("60.00")
    assert (by["赣榆区"].redeemed, by["赣榆区"].bills, by["赣榆区"].people) == (1, Decimal(1000), 1)
    assert by["未登记"].merchants == 1
    assert any("未登记所在区县" in n for n in result.notes)
    # The districts add up to the programme's totals.
    assert sum(d.redeemed for d in result.districts) == result.redeemed == 5
    assert sum(d.bills for d in result.districts) == result.bills
    assert sum(d.government for d in result.districts) == result.government_redeemed


def test_every_merchant_with_a_district_needs_no_note(make_campaign, make_merchant, alice, now):
    campaign = make_campaign(batches=((30, 100, 10, 1),))
    shop = make_merchant("海州饭店", "餐饮", district="海州区")
    held = claim(alice, campaign, idempotency_key="k", now=now).voucher
    redeem(shop, held.code, "100", idempotency_key="r", now=now)
    result = tracking_hooks.programme(f"vouchers:{campaign.pk}")
    assert [d.district for d in result.districts] == ["海州区"] and result.notes == []


def test_admin_registers_a_merchant_with_its_district(staff, client):
    from policyledger.web.vouchers.models import Merchant

    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    form = client.get("/admin/vouchers/merchant/add/").content.decode()
    assert 'name="district"' in form
    response = client.post(
        "/admin/vouchers/merchant/add/",
        {"name": "东海水晶城", "sector": "零售", "district": "东海县"},
    )
    assert response.status_code == 302, response.content[:800]
    assert Merchant.objects.get(name="东海水晶城").district == "东海县"
