"""Issue 11: the dashboard's 资金兑现 panel (and its JSON, and the 通报's money) for a past month
reads the money sources as of that month's end: later claims and releases do not change it.

The money comes from a real voucher campaign funding measure 一、 (registered through
tracking.hooks by the vouchers app)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policyledger.web.tracking.briefings.data import collect_briefing
from policyledger.web.tracking.services.periods import parse_period

DATA = "/tracking/dashboard/data.json"
PAGE = "/tracking/dashboard/"
OCTOBER = parse_period("2022年10月", "monthly")


def _at(now, month: int, day: int) -> dt.datetime:
    return dt.datetime(2022, month, day, 9, 0, tzinfo=now.tzinfo)


@pytest.fixture
def campaign(accepted, tasks, clock, now):
    from policyledger.web.vouchers.models import Campaign
    from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign

    measure = tasks[("一、", "市商务局")].measure
    with clock(_at(now, 10, 1)):
        return create_campaign(
            [BatchSpec(face_value=Decimal(30), threshold=Decimal(100), quantity=10)],
            name="金秋消费券",
            city="连云港市",
            budget=Decimal(3000),
            valid_from=_at(now, 10, 1),
            valid_until=_at(now, 12, 31),
            release_at=_at(now, 10, 1),
            per_person_limit=1,
            sectors=["餐饮"],
            status=Campaign.Status.OPEN,
            measure=measure,
        )


def _resident(name):
    from django.contrib.auth import get_user_model

    from policyledger.web.vouchers.models import ResidentProfile

    user = get_user_model().objects.create_user(username=name, password="pw-" + name + "-123")
    ResidentProfile.objects.create(user=user, verified=True)
    return user


@pytest.fixture
def october_spending(campaign, now):
    """One voucher claimed and spent on 10月10日; nothing released by October's end."""
    from policyledger.web.vouchers.models import Merchant
    from policyledger.web.vouchers.services.claims import claim
    from policyledger.web.vouchers.services.redemption import redeem

    merchant = Merchant.objects.create(name="海州饭店", sector="餐饮")
    day = _at(now, 10, 10)
    voucher = claim(_resident("r0"), campaign, idempotency_key="k0", now=day).voucher
    redeem(merchant, voucher.code, "120", idempotency_key="p0", now=day)
    return day


def _november_work(campaign, day, now):
    from policyledger.web.vouchers.services import settlement
    from policyledger.web.vouchers.services.claims import claim

    later = _at(now, 11, 5)
    for i in range(1, 3):
        claim(_resident(f"r{i}"), campaign, idempotency_key=f"k{i}", now=later)
    row = settlement.settle_day(campaign, day.date(), now=later)[0]
    settlement.release(row, now=later)


def _money(client) -> dict:
    response = client.get(DATA, {"period": "2022-10"})
    assert response.status_code == 200
    return response.json()["money"]


def test_a_past_months_money_stays_after_later_claims_and_releases(
    campaign, october_spending, people, login, clock, now
):
    client = login(people["dave"])
    with clock(_at(now, 11, 3)):
        before = _money(client)
        briefing = collect_briefing(OCTOBER)
        page = client.get(PAGE, {"period": "2022-10"}).content.decode()
    assert (before["committed_fen"], before["paid_fen"]) == (2000, 0)
    assert [r["source"] for r in before["rows"]] == ["资金兑现（消费券活动）"]
    assert (briefing.money_committed_fen, briefing.money_paid_fen) == (2000, 0)
    # The panel is shown for a past month, with its figures.
    assert 'id="dashboard-money"' in page and "截至2022年10月末" in page and "20.00" in page
    _november_work(campaign, october_spending, now)
    with clock(_at(now, 12, 3)):
        assert _money(client) == before
        again = collect_briefing(OCTOBER)
        november = client.get(DATA, {"period": "2022-11"}).json()["money"]
        today = client.get(DATA).json()["money"]
    assert (again.money_committed_fen, again.money_paid_fen) == (2000, 0)
    assert (november["committed_fen"], november["paid_fen"]) == (6000, 2000)
    assert today["committed_fen"] == 6000


def test_control_todays_money_rewrites_a_past_month(
    campaign, october_spending, people, login, clock, now, monkeypatch
):
    """The guard matters: a source that ignores ``as_of`` (today's state, the old panel) gives
    October November's claims and releases."""
    from policyledger.web.vouchers import money

    client = login(people["dave"])
    with clock(_at(now, 11, 3)):
        before = _money(client)
    _november_work(campaign, october_spending, now)
    real = money.campaign_money
    monkeypatch.setattr(money, "campaign_money", lambda c, as_of: real(c, _at(now, 12, 31)))
    with clock(_at(now, 12, 3)):
        assert _money(client) != before
        assert collect_briefing(OCTOBER).money_committed_fen == 6000
