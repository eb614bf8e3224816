import contextlib
import datetime as dt

import pytest

from policyledger.web.vouchers.models import Batch, Campaign, Claim, Voucher
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import (
    KeyReused,
    LimitReached,
    NotOpen,
    SetupError,
    SoldOut,
)


def test_first_come_claim_takes_an_available_voucher(make_campaign, alice, now):
    c = make_campaign()
    out = claim(alice, c, idempotency_key="k1", now=now, ip="10.0.0.1", device="dev-a")
    v = Voucher.objects.get(pk=out.voucher.pk)
    assert (v.owner_id, v.state, v.code) == (alice.pk, "claimed", out.voucher.code)
    assert Batch.objects.get(campaign=c).claimed == 1
    assert Claim.objects.get(voucher=v).ip == "10.0.0.1"
    assert audit(c) == []


def test_retry_with_the_same_key_returns_the_same_voucher(make_campaign, alice, now):
    c = make_campaign()
    first = claim(alice, c, idempotency_key="same", now=now)
    again = claim(alice, c, idempotency_key="same", now=now)
    assert again.replayed and again.voucher.pk == first.voucher.pk
    assert Voucher.objects.filter(owner=alice).count() == 1
    other = make_campaign()
    with pytest.raises(KeyReused):
        claim(alice, other, idempotency_key="same", now=now)


def test_per_batch_and_per_campaign_limits(make_campaign, alice, now):
    c = make_campaign(batches=((50, 200, 10, 1), (20, 100, 10, 3)), per_person=2)
    b1, b2 = c.batches.order_by("id")
    claim(alice, c, batch=b1, idempotency_key="a", now=now)
    with pytest.raises(LimitReached):
        claim(alice, c, batch=b1, idempotency_key="b", now=now)
    claim(alice, c, batch=b2, idempotency_key="c", now=now)
    with pytest.raises(LimitReached):  # batch allows 3 but the campaign only 2
        claim(alice, c, batch=b2, idempotency_key="d", now=now)
    assert Voucher.objects.filter(owner=alice).count() == 2


def test_never_beyond_stock(make_campaign, make_user, now):
    c = make_campaign(batches=((50, 200, 3, 1),))
    users = [make_user(f"u{i}") for i in range(5)]
    got = []
    for u in users:
        with contextlib.suppress(SoldOut):
            got.append(claim(u, c, idempotency_key="k", now=now))
    assert len(got) == 3
    assert Batch.objects.get(campaign=c).claimed == 3
    assert audit(c) == []


def test_not_open_before_release_or_when_closed(make_campaign, alice, now):
    c = make_campaign(release_at=now + dt.timedelta(hours=2))
    with pytest.raises(NotOpen):
        claim(alice, c, idempotency_key="k", now=now)
    claim(alice, c, idempotency_key="k", now=now + dt.timedelta(hours=3))
    closed = make_campaign(status=Campaign.Status.CLOSED)
    with pytest.raises(NotOpen):
        claim(alice, closed, idempotency_key="k2", now=now)


def test_missing_key_or_foreign_batch_is_a_clear_error(make_campaign, alice, now):
    c = make_campaign(batches=((50, 200, 3, 1), (20, 100, 3, 1)))
    with pytest.raises(SetupError, match="幂等键"):
        claim(alice, c, idempotency_key="", now=now)
    with pytest.raises(SetupError, match="券批次"):
        claim(alice, c, idempotency_key="k", now=now)  # two batches: must say which
    other = make_campaign()
    with pytest.raises(SetupError, match="不属于"):
        claim(alice, c, batch=other.batches.first(), idempotency_key="k", now=now)
