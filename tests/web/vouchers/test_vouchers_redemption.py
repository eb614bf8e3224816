import datetime as dt
from decimal import Decimal

import pytest

from policyledger.web.vouchers.models import LedgerEntry, Redemption, Voucher
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import InvalidCode, KeyReused, RedeemRefused
from policyledger.web.vouchers.services.redemption import expire, redeem, refund


@pytest.fixture
def held(make_campaign, alice, now):
    c = make_campaign(batches=((50, 200, 5, 1),), sectors=["餐饮", "零售"])
    return claim(alice, c, idempotency_key="k", now=now).voucher


def test_redeem_checks_threshold_then_redeems_once(held, restaurant, now):
    with pytest.raises(RedeemRefused, match="消费满200"):
        redeem(restaurant, held.code, "199.99", idempotency_key="r1", now=now)
    out = redeem(restaurant, held.code, "268.50", idempotency_key="r2", now=now)
    assert out.redemption.face_value == Decimal(50)
    again = redeem(restaurant, held.code, "268.50", idempotency_key="r2", now=now)
    assert again.replayed and again.redemption.pk == out.redemption.pk
    with pytest.raises(RedeemRefused, match="已核销"):
        redeem(restaurant, held.code, "268.50", idempotency_key="r3", now=now)
    other = Voucher.objects.filter(campaign=held.campaign, state="available").first()
    with pytest.raises(KeyReused):
        redeem(restaurant, other.code, "300", idempotency_key="r2", now=now)
    assert Redemption.objects.count() == 1
    assert Voucher.objects.get(pk=held.pk).state == "redeemed"
    assert audit(held.campaign) == []


def test_codes_typed_with_dashes_and_lowercase_work(held, restaurant, now):
    typed = "-".join(held.code[i : i + 4] for i in range(0, 24, 4)).lower()
    redeem(restaurant, typed, "200", idempotency_key="x", now=now)
    assert Voucher.objects.get(pk=held.pk).state == "redeemed"


def test_forged_unknown_and_unclaimed_codes(held, restaurant, now):
    with pytest.raises(InvalidCode):
        forged = held.code[:-1] + ("Q" if held.code[-1] != "Q" else "R")  # never the real one
        redeem(restaurant, forged, "300", idempotency_key="a", now=now)
    unclaimed = Voucher.objects.filter(campaign=held.campaign, state="available").first()
    with pytest.raises(RedeemRefused, match="尚未被领取"):
        redeem(restaurant, unclaimed.code, "300", idempotency_key="b", now=now)


def test_sector_window_and_merchant_list(held, make_merchant, restaurant, now):
    car = make_merchant("赣榆汽车城", "汽车")
    with pytest.raises(RedeemRefused, match="汽车"):
        redeem(car, held.code, "300", idempotency_key="a", now=now)
    with pytest.raises(RedeemRefused, match="未到使用时间"):
        redeem(restaurant, held.code, "300", idempotency_key="b", now=now - dt.timedelta(days=1))
    with pytest.raises(RedeemRefused, match="过使用期限"):
        redeem(restaurant, held.code, "300", idempotency_key="c", now=now + dt.timedelta(days=40))
    listed = make_merchant("新浦超市", "零售")
    held.campaign.merchants.add(listed)
    with pytest.raises(RedeemRefused, match="指定商户"):
        redeem(restaurant, held.code, "300", idempotency_key="d", now=now)
    redeem(listed, held.code, "300", idempotency_key="e", now=now)


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "NaN", "1e30"])
def test_bad_bill_amounts_are_refused(held, restaurant, now, amount):
    with pytest.raises(RedeemRefused, match="消费金额"):
        redeem(restaurant, held.code, amount, idempotency_key="a", now=now)


def test_refund_gives_the_voucher_back_while_valid(held, restaurant, now):
    r = redeem(restaurant, held.code, "300", idempotency_key="a", now=now).redemption
    refund(r, merchant=restaurant, reason="退菜", now=now)
    assert Voucher.objects.get(pk=held.pk).state == "claimed"
    assert refund(r, reason="退菜", now=now).refunded  # second refund is a no-op
    assert LedgerEntry.objects.filter(redemption=r).count() == 2
    assert audit(held.campaign) == []
    r2 = redeem(restaurant, held.code, "250", idempotency_key="b", now=now).redemption
    assert r2.pk != r.pk
    assert audit(held.campaign) == []


def test_refund_after_the_validity_expires_the_voucher(
    held, restaurant, now, make_merchant, settings
):
    settings.VOUCHERS_REFUND_WINDOW_HOURS = 24 * 41  # a window longer than the campaign's
    r = redeem(restaurant, held.code, "300", idempotency_key="a", now=now).redemption
    other = make_merchant("另一家", "餐饮")
    with pytest.raises(RedeemRefused, match="本商户"):
        refund(r, merchant=other, reason="退菜", now=now)
    refund(r, reason="退菜", now=now + dt.timedelta(days=40))
    assert Voucher.objects.get(pk=held.pk).state == "expired"
    assert audit(held.campaign) == []


def test_expiry_job(held, now):
    assert expire(now) == 0
    n = expire(now + dt.timedelta(days=31))
    assert n == 5  # the claimed one and the four left in stock
    assert Voucher.objects.get(pk=held.pk).state == "expired"
    held.campaign.refresh_from_db()
    assert held.campaign.status == "closed"
    assert audit(held.campaign) == []
