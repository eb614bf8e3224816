import datetime as dt

import pytest

from policyledger.web.vouchers.models import FraudFlag, Merchant, Settlement, Voucher
from policyledger.web.vouchers.services import fraud, settlement
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import SetupError
from policyledger.web.vouchers.services.redemption import redeem


def test_many_accounts_on_one_device_are_flagged_and_confirming_voids(
    make_campaign, make_user, now
):
    c = make_campaign(batches=((50, 200, 20, 1),))
    users = [make_user(f"d{i}") for i in range(4)]
    for i, u in enumerate(users):
        claim(u, c, idempotency_key=f"k{i}", device="phone-1", ip=f"10.0.0.{i}", now=now)
    claim(make_user("honest"), c, idempotency_key="h", device="phone-2", ip="10.9.9.9", now=now)
    flags = fraud.scan(c, now=now)
    assert [(f.kind, f.subject) for f in flags] == [("shared_device", "device:phone-1")]
    assert flags[0].evidence["accounts"] == 4
    assert fraud.scan(c, now=now) == []  # one open flag per subject, not one per scan
    fraud.review(flags[0], "confirmed", note="刷单团伙")
    assert Voucher.objects.filter(owner__in=users, state="void").count() == 4
    assert Voucher.objects.filter(owner__username="honest", state="claimed").count() == 1
    with pytest.raises(SetupError, match="已被审核"):
        fraud.review(flags[0], "cleared")


def test_shared_ip_uses_its_own_threshold(make_campaign, make_user, now):
    c = make_campaign(batches=((50, 200, 20, 1),))
    for i in range(3):
        claim(make_user(f"n{i}"), c, idempotency_key="k", ip="1.2.3.4", device=f"p{i}", now=now)
    assert fraud.scan(c, now=now) == []
    flags = fraud.scan(c, now=now, limits=fraud.Thresholds(ip_accounts=3))
    assert [f.kind for f in flags] == ["shared_ip"]


def _redeem_many(c, merchant, owners_bills, now, tag):
    for i, (user, bill) in enumerate(owners_bills):
        v = claim(user, c, idempotency_key=f"{tag}{i}", now=now).voucher
        redeem(merchant, v.code, bill, idempotency_key=f"{tag}r{i}", now=now)


def test_redeem_loop_holds_the_merchants_settlement_until_cleared(
    make_campaign, make_user, restaurant, now
):
    c = make_campaign(batches=((20, 100, 40, 5),), per_person=5)
    a, b = make_user("loop-a"), make_user("loop-b")
    _redeem_many(c, restaurant, [(a, "150")] * 3 + [(b, "150")] * 3, now, "x")
    settlement.settle_day(c, now.date())
    flags = fraud.scan(c, now=now)
    assert [f.kind for f in flags] == ["redeem_loop"]
    assert set(flags[0].evidence["users"]) == {str(a.pk), str(b.pk)}
    restaurant.refresh_from_db()
    assert restaurant.flagged
    s = Settlement.objects.get(merchant=restaurant)
    assert s.status == Settlement.Status.HELD
    with pytest.raises(SetupError, match="暂缓"):
        settlement.release(s)
    settlement.settle_day(c, now.date())  # recomputing keeps it held
    assert Settlement.objects.get(pk=s.pk).status == Settlement.Status.HELD
    fraud.review(flags[0], "cleared", note="熟客")
    assert not Merchant.objects.get(pk=restaurant.pk).flagged
    s.refresh_from_db()
    assert s.status == Settlement.Status.PENDING
    s.merchant.refresh_from_db()
    assert settlement.release(s).status == Settlement.Status.RELEASED


def test_bills_just_over_the_threshold(make_campaign, make_user, make_merchant, now):
    c = make_campaign(batches=((20, 100, 40, 1),))
    shop = make_merchant("临界超市", "零售")
    fair = make_merchant("正常超市", "零售")
    _redeem_many(c, shop, [(make_user(f"nt{i}"), "100.5") for i in range(6)], now, "n")
    _redeem_many(c, fair, [(make_user(f"ok{i}"), str(100 + 37 * i)) for i in range(6)], now, "o")
    flags = fraud.scan(c, now=now)
    assert [(f.kind, f.merchant_id) for f in flags] == [("near_threshold", shop.pk)]


def test_spike_against_earlier_days(make_campaign, make_user, make_merchant, now):
    c = make_campaign(batches=((20, 100, 60, 1),), start=now - dt.timedelta(days=5))
    shop = make_merchant("突增商户", "家电")
    day1 = now - dt.timedelta(days=2)
    _redeem_many(c, shop, [(make_user(f"e{i}"), "300") for i in range(2)], day1, "e")
    assert fraud.scan(c, now=now) == []
    _redeem_many(c, shop, [(make_user(f"p{i}"), "300") for i in range(20)], now, "p")
    flags = fraud.scan(c, now=now)
    assert [f.kind for f in flags] == ["spike"]
    assert flags[0].evidence["today"] == 20
    assert FraudFlag.objects.filter(status="open").count() == 1
