"""Attacks on the money paths with real threads on PostgreSQL (row locks are what is tested).

Each race is forced, not hoped for: one thread is stopped inside the service at the dangerous
point and the other runs against it; the stopped thread goes on once the other has finished or
is seen waiting on a lock (pg_stat_activity), polled with a deadline, never a sleep.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from policyledger.web.vouchers.models import Redemption, Settlement, Voucher
from policyledger.web.vouchers.services import redemption, settlement
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import RedeemRefused, RefundRefused, SetupError
from policyledger.web.vouchers.services.redemption import redeem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEADLINE_S = 20
ONE_DAY = dt.timedelta(days=1)  # a day is paid once it is over


def _run(target, *args) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def body():
        try:
            out["value"] = target(*args)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            out["error"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=body)
    t.start()
    return t, out


def _blocked_or_done(done: threading.Event) -> None:
    """Wait until `done` is set or another backend of this database waits on a lock."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if done.is_set():
            return
        with connection.cursor() as cur:
            # Inside a transaction pg_stat_activity is a snapshot taken once: clear it each time.
            cur.execute("SELECT pg_stat_clear_snapshot()")
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cur.fetchone()[0]:
                return
        done.wait(0.01)
    raise AssertionError("the other thread neither finished nor waited on a lock")


@pytest.fixture
def settled_day(make_campaign, alice, restaurant, now):
    c = make_campaign()
    v = claim(alice, c, idempotency_key="k", now=now).voucher
    redeem(restaurant, v.code, "250", idempotency_key="r1", now=now)
    (s,) = settlement.settle_day(c, now.date(), now=now)
    return c, s


def _release_during_resettle(c, s, now, monkeypatch):
    """Re-settle the day while, between settle_day reading the merchant's row and writing it,
    an administrator releases that row (two clicks, or the CLI and the page)."""
    paused = threading.Event()
    released = threading.Event()
    real_split = settlement.split

    def split_then_wait(face_total, campaign):
        paused.set()
        _blocked_or_done(released)
        return real_split(face_total, campaign)

    monkeypatch.setattr(settlement, "split", split_then_wait)
    settling, settled = _run(settlement.settle_day, c, now.date())
    assert paused.wait(DEADLINE_S)

    def release_and_say():
        try:
            return settlement.release(Settlement.objects.get(pk=s.pk), now=now + ONE_DAY)
        finally:
            released.set()

    releasing, rel = _run(release_and_say)
    releasing.join(DEADLINE_S)
    settling.join(DEADLINE_S)
    assert not settling.is_alive() and not releasing.is_alive()
    assert "error" not in settled, settled
    return rel


def test_a_release_during_a_resettlement_stays_released(settled_day, now, monkeypatch):
    c, s = settled_day
    rel = _release_during_resettle(c, s, now, monkeypatch)
    assert "error" not in rel, rel
    s.refresh_from_db()
    assert s.status == Settlement.Status.RELEASED
    with pytest.raises(SetupError):
        settlement.release(s, now=now + ONE_DAY)  # paid once only


def test_control_without_the_row_lock_a_released_day_is_paid_twice(settled_day, now, monkeypatch):
    c, s = settled_day
    monkeypatch.setattr(
        settlement,
        "_settlement_row",
        lambda campaign, merchant, day: Settlement.objects.filter(
            campaign=campaign, merchant=merchant, day=day
        ).first(),
    )
    rel = _release_during_resettle(c, s, now, monkeypatch)
    assert "error" not in rel, rel
    s.refresh_from_db()
    assert s.status == Settlement.Status.PENDING and s.released_at is not None
    settlement.release(s, now=now + ONE_DAY)  # the same day released a second time


def test_one_voucher_at_two_merchants_at_once_is_redeemed_once(
    make_campaign, alice, restaurant, make_merchant, now, monkeypatch
):
    """Two cashiers scan the same code at the same moment: one redemption, one ledger entry."""
    shop = make_merchant("海州超市", "零售", clerk="clerk2")
    c = make_campaign()
    v = claim(alice, c, idempotency_key="k", now=now).voucher
    arrived: list[int] = []
    both_here = threading.Event()
    real_eligible = redemption.merchant_eligible

    def eligible_when_both_tried(merchant, campaign):
        # Called past the voucher's row lock: the first one here waits until the other is seen
        # waiting on that lock (or, were the lock missing, is here too).
        arrived.append(merchant.pk)
        if len(arrived) == 2:
            both_here.set()
        else:
            _blocked_or_done(both_here)
        return real_eligible(merchant, campaign)

    monkeypatch.setattr(redemption, "merchant_eligible", eligible_when_both_tried)

    def at_counter(merchant, key):
        return redeem(merchant, v.code, "300", idempotency_key=key, now=now)

    runs = [_run(at_counter, m, f"idem-{i}") for i, m in enumerate([restaurant, shop])]
    for t, _ in runs:
        t.join(DEADLINE_S)
    results = [out for _, out in runs]
    ok = [r for r in results if "value" in r]
    refused = [r for r in results if isinstance(r.get("error"), RedeemRefused)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert Redemption.objects.filter(voucher=v, refunded=False).count() == 1
    v.refresh_from_db()
    assert v.state == Voucher.State.REDEEMED
    faces = Redemption.objects.filter(voucher=v).values_list("face_value", flat=True)
    assert sum(faces) == Decimal("50.00")


@pytest.fixture
def redeemed(make_campaign, alice, restaurant, now):
    c = make_campaign()
    v = claim(alice, c, idempotency_key="k", now=now).voucher
    r = redeem(restaurant, v.code, "250", idempotency_key="r1", now=now).redemption
    return c, r


def test_refund_first_then_settlement_does_not_count_it(redeemed, restaurant, now, monkeypatch):
    """The refund holds the redemption's row; the settlement, waiting on it, must then find
    it refunded and leave it out (else the voucher is back with its owner and paid for)."""
    c, r = redeemed
    settled_done = threading.Event()
    holding = threading.Event()
    real_blocker = redemption.refund_blocker

    def blocker_then_wait(locked, when):
        holding.set()  # called with the redemption's row locked
        answer = real_blocker(locked, when)
        _blocked_or_done(settled_done)
        return answer

    monkeypatch.setattr(redemption, "refund_blocker", blocker_then_wait)
    refunding, refunded = _run(
        lambda: redemption.refund(r, merchant=restaurant, reason="顾客退货", now=now)
    )
    assert holding.wait(DEADLINE_S)
    settling, settled = _run(lambda: settlement.settle_day(c, now.date(), now=now))
    settling.join(DEADLINE_S)
    settled_done.set()
    refunding.join(DEADLINE_S)
    assert "error" not in refunded and "error" not in settled, (refunded, settled)
    r.refresh_from_db()
    assert r.refunded and r.settlement_id is None
    assert Settlement.objects.filter(campaign=c, face_total__gt=0).count() == 0


def test_settlement_first_then_the_refund_is_refused(redeemed, restaurant, now, monkeypatch):
    c, r = redeemed
    refund_done = threading.Event()
    paused = threading.Event()
    real_split = settlement.split

    def split_then_wait(face_total, campaign):
        paused.set()
        _blocked_or_done(refund_done)
        return real_split(face_total, campaign)

    monkeypatch.setattr(settlement, "split", split_then_wait)
    settling, settled = _run(lambda: settlement.settle_day(c, now.date(), now=now))
    assert paused.wait(DEADLINE_S)

    def refund_and_say():
        try:
            return redemption.refund(r, merchant=restaurant, reason="顾客退货", now=now)
        finally:
            refund_done.set()

    refunding, refunded = _run(refund_and_say)
    refunding.join(DEADLINE_S)
    settling.join(DEADLINE_S)
    assert "error" not in settled, settled
    assert isinstance(refunded.get("error"), RefundRefused), refunded
    r.refresh_from_db()
    assert not r.refunded and r.settlement_id is not None


def test_a_flag_opened_while_another_is_cleared_keeps_the_merchant_held(
    settled_day, restaurant, now, monkeypatch
):
    """A reviewer clears the merchant's only flag while a scan opens a new one: the reviewer
    must not see 'no other flag' and unhold the settlement that the new flag holds."""
    from policyledger.web.vouchers.models import FraudFlag, Merchant
    from policyledger.web.vouchers.services import fraud

    c, s = settled_day
    first = fraud._open_flag(c, FraudFlag.Kind.SPIKE, f"merchant:{restaurant.pk}", {}, restaurant)
    assert Settlement.objects.get(pk=s.pk).status == Settlement.Status.HELD
    reviewed = threading.Event()
    paused = threading.Event()
    real_hold = settlement.hold_merchant

    def hold_then_wait(merchant):
        paused.set()  # the new flag is written and the merchant row updated, not committed
        _blocked_or_done(reviewed)
        return real_hold(merchant)

    monkeypatch.setattr(settlement, "hold_merchant", hold_then_wait)
    scanning, scanned = _run(
        fraud._open_flag,
        c,
        FraudFlag.Kind.NEAR_THRESHOLD,
        f"merchant:{restaurant.pk}",
        {},
        restaurant,
    )
    assert paused.wait(DEADLINE_S)

    def review_and_say():
        try:
            return fraud.review(first, "cleared", note="已核实")
        finally:
            reviewed.set()

    reviewing, review_out = _run(review_and_say)
    reviewing.join(DEADLINE_S)
    scanning.join(DEADLINE_S)
    assert "error" not in scanned and "error" not in review_out, (scanned, review_out)
    assert FraudFlag.objects.filter(merchant=restaurant, status="open").count() == 1
    assert Merchant.objects.get(pk=restaurant.pk).flagged
    held = Settlement.objects.get(pk=s.pk)
    assert held.status == Settlement.Status.HELD
    with pytest.raises(SetupError):
        settlement.release(held, now=now + ONE_DAY)
