"""Issue 11: the campaigns' 资金兑现 (tracking.hooks money source) as of a past moment stays the
same when residents claim or settlements are released later."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policyledger.web.tracking import hooks
from policyledger.web.vouchers import money
from policyledger.web.vouchers.models import Campaign
from policyledger.web.vouchers.services import settlement
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(db):
    from policyledger.web.documents.models import Measure, PolicyDocument, Target

    document = PolicyDocument.objects.create(source_name="券.txt", original_text="发放消费券")
    m = Measure.objects.create(document=document, number="一、", heading="发放消费券")
    Target.objects.create(measure=m, kind="money", qualifier="total", value=1000, text="1000元")
    return m


def _figures(measure, as_of):
    row = money.measure_money(measure.pk, as_of)
    return row["committed_fen"], row["paid_fen"]


def test_a_past_moment_keeps_its_figures_after_later_claims_and_releases(
    make_campaign, make_user, restaurant, measure, now
):
    campaign = make_campaign(batches=((30, 100, 10, 1),), gov_ratio=2, merchant_ratio=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        measure=measure, created_at=now - dt.timedelta(days=1)
    )
    campaign.refresh_from_db()
    day1 = now
    users = [make_user(f"r{i}") for i in range(3)]
    v0 = claim(users[0], campaign, idempotency_key="k0", now=day1).voucher
    redeem(restaurant, v0.code, "100", idempotency_key="p0", now=day1)
    month_end = dt.datetime(2026, 5, 2, 0, 0, tzinfo=dt.UTC)  # the moment a past month is read at
    before = _figures(measure, month_end)
    assert before == (2000, 0)  # 30元 face, the government's 2/3 = 20元
    # Later: more claims, the day settled and released.
    later = now + dt.timedelta(days=3)
    for i, u in enumerate(users[1:], start=1):
        claim(u, campaign, idempotency_key=f"k{i}", now=later)
    row = settlement.settle_day(campaign, day1.date(), now=later)[0]
    settlement.release(row, now=later)
    assert _figures(measure, month_end) == before
    assert _figures(measure, later + dt.timedelta(seconds=1)) == (6000, 2000)
    # Registered with tracking's hook: the dashboard and the 通报 read it with as_of.
    rows = hooks.money_for_measure(measure.pk, as_of=month_end)
    assert [(r["committed_fen"], r["paid_fen"]) for r in rows] == [before]
    assert rows[0]["committed_percent"] == 2.0  # 20元 of the 1000元 target


def test_control_without_the_dates_a_past_moment_changes(
    make_campaign, make_user, restaurant, measure, now, monkeypatch
):
    """The guard matters: counting every claim and release (today's state) rewrites the past."""
    from django.db.models import Sum

    from policyledger.web.vouchers.models import Settlement, Voucher

    campaign = make_campaign(batches=((30, 100, 10, 1),), gov_ratio=2, merchant_ratio=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        measure=measure, created_at=now - dt.timedelta(days=1)
    )
    campaign.refresh_from_db()
    month_end = dt.datetime(2026, 5, 2, 0, 0, tzinfo=dt.UTC)
    claim(make_user("r0"), campaign, idempotency_key="k0", now=now)
    before = _figures(measure, month_end)
    claim(make_user("r1"), campaign, idempotency_key="k1", now=now + dt.timedelta(days=3))

    def todays(campaign, as_of):
        face = Voucher.objects.filter(campaign=campaign, owner__isnull=False).aggregate(
            f=Sum("batch__face_value")
        )["f"] or Decimal(0)
        paid = Settlement.objects.filter(campaign=campaign, status="released").aggregate(
            g=Sum("gov_share")
        )["g"] or Decimal(0)
        return (face * campaign.gov_fraction).quantize(Decimal("0.01")), paid

    monkeypatch.setattr(money, "campaign_money", todays)
    assert _figures(measure, month_end) != before
    monkeypatch.undo()
    assert _figures(measure, month_end) == before


def test_now_matches_the_evaluations_campaign_results(
    make_campaign, make_user, restaurant, measure, now
):
    from policyledger.web.vouchers.programmes import campaign_results

    campaign = make_campaign(batches=((30, 100, 10, 1),), gov_ratio=2, merchant_ratio=1)
    Campaign.objects.filter(pk=campaign.pk).update(measure=measure)
    for i in range(2):
        v = claim(make_user(f"n{i}"), campaign, idempotency_key=f"k{i}", now=now).voucher
        redeem(restaurant, v.code, "100", idempotency_key=f"p{i}", now=now)
    row = settlement.settle_day(campaign, now.date(), now=now)[0]
    settlement.release(row, now=now + dt.timedelta(days=1))
    result = next(r for r in campaign_results() if r.key == f"vouchers:{campaign.pk}")
    committed, paid = _figures(measure, None)
    assert (Decimal(committed) / 100, Decimal(paid) / 100) == (result.committed, result.paid)
