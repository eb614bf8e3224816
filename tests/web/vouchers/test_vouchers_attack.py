"""Attacks on the money paths that need no second thread (SQLite and PostgreSQL alike).

A merchant must be paid for every live redemption exactly once: not twice, and not never.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policyledger.web.vouchers.models import Redemption, Settlement
from policyledger.web.vouchers.services import settlement
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import SetupError
from policyledger.web.vouchers.services.redemption import redeem


def _redeem(c, user, merchant, when, tag):
    v = claim(user, c, idempotency_key=f"c-{tag}", now=when).voucher
    return redeem(merchant, v.code, "250", idempotency_key=f"r-{tag}", now=when).redemption


def _paid_face(merchant) -> Decimal:
    rows = Settlement.objects.filter(merchant=merchant, status=Settlement.Status.RELEASED)
    return sum((s.face_total for s in rows), Decimal(0))


def test_a_day_is_released_only_once_it_is_over(make_campaign, alice, bob, restaurant, now):
    """Settling and paying today at 10:00 left the afternoon's redemptions unpaid for good:
    a released row is final, and settle_day skips it, so they were never in any settlement."""
    c = make_campaign()
    _redeem(c, alice, restaurant, now, "a")
    (s,) = settlement.settle_day(c, now.date(), now=now)
    with pytest.raises(SetupError, match="当日"):
        settlement.release(s, now=now)
    later = now + dt.timedelta(hours=3)  # still the same day in Shanghai (13:00 UTC = 21:00)
    _redeem(c, bob, restaurant, later, "b")
    (s,) = settlement.settle_day(c, now.date(), now=later)
    settlement.release(s, now=now + dt.timedelta(days=1))
    live = Redemption.objects.filter(merchant=restaurant, refunded=False)
    assert _paid_face(restaurant) == sum(r.face_value for r in live) == Decimal("100.00")
    assert audit(c) == []


def test_a_stale_settlement_is_not_released(make_campaign, alice, bob, restaurant, now):
    """Redemptions that landed after the day was computed must be counted before paying."""
    c = make_campaign()
    _redeem(c, alice, restaurant, now, "a")
    (s,) = settlement.settle_day(c, now.date(), now=now)
    _redeem(c, bob, restaurant, now + dt.timedelta(minutes=5), "b")
    next_day = now + dt.timedelta(days=1)
    with pytest.raises(SetupError, match="重新结算"):
        settlement.release(s, now=next_day)
    (s,) = settlement.settle_day(c, now.date(), now=next_day)
    assert settlement.release(s, now=next_day).face_total == Decimal("100.00")


def test_control_without_the_guards_the_afternoon_is_never_paid(
    make_campaign, alice, bob, restaurant, now, monkeypatch
):
    monkeypatch.setattr(settlement, "release_blocker", lambda s, now: None)
    c = make_campaign()
    _redeem(c, alice, restaurant, now, "a")
    (s,) = settlement.settle_day(c, now.date(), now=now)
    settlement.release(s, now=now)
    _redeem(c, bob, restaurant, now + dt.timedelta(hours=3), "b")
    settlement.settle_day(c, now.date(), now=now + dt.timedelta(days=1))
    live = Redemption.objects.filter(merchant=restaurant, refunded=False)
    assert sum(r.face_value for r in live) == Decimal("100.00")
    assert _paid_face(restaurant) == Decimal("50.00")  # bob's 50 yuan: never paid
    assert live.filter(settlement__isnull=True).count() == 1
    problems = audit(c)
    assert any("少付商户" in p for p in problems), problems


@pytest.mark.parametrize("m", ["²", "99999999999999999999"])
def test_the_counter_survives_an_odd_merchant_number(client, restaurant, m):
    """`?m=²` passed str.isdigit and int() raised; a 20-digit number overflowed SQLite: 500s."""
    client.force_login(restaurant.users.get())
    resp = client.get("/vouchers/merchant/", {"m": m})
    assert resp.status_code == 200
    assert resp.context["merchant"] == restaurant


def test_the_counter_never_opens_another_merchants_till(client, restaurant, make_merchant):
    other = make_merchant("别家超市", "零售", clerk="clerk9")
    client.force_login(restaurant.users.get())
    resp = client.get("/vouchers/merchant/", {"m": str(other.pk)})
    assert resp.status_code == 403


def test_cli_draw_refuses_an_entrants_file_with_odd_digits_cleanly(tmp_path):
    """'²' passed str.isdigit and int() raised a traceback instead of the Chinese refusal."""
    from click.testing import CliRunner

    from policyledger.cli import main

    entrants = tmp_path / "entrants.txt"
    entrants.write_text("1\n²\n", encoding="utf-8")
    args = ["vouchers", "draw", "--campaign", "1", "--seed", "ab", "--entrants", str(entrants)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "第2行不是报名编号" in result.output, result.output


@pytest.mark.parametrize("body", ['{"batch": 1e400}', '{"batch": true}', '{"batch": 1.9}'])
def test_a_claim_with_an_odd_batch_number_is_a_400(client, alice, make_campaign, body):
    """1e400 is infinity to json.loads and int() raised OverflowError: a 500 on the claim path
    (both the Django view and claim_asgi parse the body with claim_batch)."""
    from django.utils import timezone

    from policyledger.web.vouchers.api import claim_batch, resident_token

    c = make_campaign(start=timezone.now() - dt.timedelta(hours=1))
    resp = client.post(
        f"/api/v1/vouchers/campaigns/{c.pk}/claim",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
        HTTP_AUTHORIZATION=f"Bearer {resident_token(alice)}",
    )
    assert resp.status_code == 400 and resp.json()["code"] == "bad_request"
    with pytest.raises(ValueError):
        claim_batch(body.encode())
    assert claim_batch(b'{"batch": 7}') == claim_batch(b'{"batch": "7"}') == 7


def _posts(c, r, s):
    return [
        ("/vouchers/merchant/", {"code": "X", "bill": "300", "idem": "i"}),
        (f"/vouchers/merchant/refund/{r.pk}", {"reason": "退货"}),
        (f"/vouchers/manage/{c.pk}/action", {"action": "settle"}),
        (f"/vouchers/manage/settlement/{s.pk}/release", {}),
        (f"/vouchers/c/{c.pk}/claim", {}),
    ]


def test_state_changing_voucher_pages_refuse_a_post_without_csrf(
    make_campaign, alice, restaurant, staff, now
):
    """A page on another site cannot make a signed-in clerk redeem or refund, nor an
    administrator settle or release (sound: Django's CSRF middleware covers them all)."""
    from django.test import Client

    c = make_campaign()
    r = _redeem(c, alice, restaurant, now, "a")
    (s,) = settlement.settle_day(c, now.date(), now=now)
    for user in (restaurant.users.get(), staff, alice):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        for url, data in _posts(c, r, s):
            assert client.post(url, data).status_code == 403, (user, url)
    s.refresh_from_db()
    r.refresh_from_db()
    assert s.status == Settlement.Status.PENDING and not r.refunded


def test_a_deactivated_clerk_or_admin_session_stops_at_once(
    client, make_campaign, alice, restaurant, staff, now
):
    c = make_campaign()
    r = _redeem(c, alice, restaurant, now, "a")
    (s,) = settlement.settle_day(c, now.date(), now=now)
    clerk = restaurant.users.get()
    for user in (clerk, staff):
        client.force_login(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        for url, data in _posts(c, r, s):
            resp = client.post(url, data)
            to_login = resp.status_code == 302 and "login" in resp["Location"]
            assert to_login or resp.status_code == 403, (user, url, resp.status_code)
    s.refresh_from_db()
    r.refresh_from_db()
    assert s.status == Settlement.Status.PENDING and not r.refunded


def test_a_negative_daily_cap_is_refused(make_campaign):
    from policyledger.web.vouchers.models import Campaign

    with pytest.raises(SetupError, match="不能为负数"):
        make_campaign(merchant_daily_cap=Decimal("-10"))
    ok = make_campaign(merchant_daily_cap=Decimal("0"))
    assert ok.merchant_daily_cap == 0
    # What it would have paid: the government -10 yuan, the merchant 60 on a 50-yuan voucher.
    bad = Campaign(gov_ratio=2, merchant_ratio=1, merchant_daily_cap=Decimal("-10"))
    assert settlement.split(Decimal("50"), bad) == (Decimal("-10"), Decimal("60"), Decimal("43.33"))
