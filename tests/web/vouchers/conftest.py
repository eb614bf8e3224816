"""Named people (alice, bob, carol), merchants and campaigns for the voucher tests."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from policyledger.web.vouchers.models import Campaign, Merchant, ResidentProfile
from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign

NOW = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Test databases reuse primary keys after a rollback: never serve a cached campaign.
    settings.VOUCHERS_CAMPAIGN_CACHE_S = 0
    # No gate unless a test asks for one with the redis_url fixture.
    settings.REDIS_URL = ""
    from policyledger.web.vouchers import web_common

    web_common._cache.clear()


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def make_user(db):
    User = get_user_model()

    def make(name: str, *, verified: bool | None = True, **extra):
        """A user who is, by default, a verified resident (实名) and so may claim; `verified=False`
        gives an unverified resident profile, `verified=None` none at all."""
        user = User.objects.create_user(username=name, password="pw-" + name + "-123", **extra)
        if verified is not None:
            ResidentProfile.objects.create(user=user, verified=verified)
        return user

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def staff(make_user):
    return make_user("admin1", is_staff=True)


@pytest.fixture
def make_merchant(db, make_user):
    def make(
        name: str = "海州饭店", sector: str = "餐饮", clerk: str | None = None, district: str = ""
    ):
        m = Merchant.objects.create(name=name, sector=sector, district=district)
        if clerk:
            m.users.add(make_user(clerk))
        return m

    return make


@pytest.fixture
def restaurant(make_merchant):
    return make_merchant("海州饭店", "餐饮", clerk="clerk1")


@pytest.fixture
def make_campaign(db):
    def make(
        batches=((50, 200, 10, 1),),
        *,
        mode=Campaign.Mode.FIRST_COME,
        status=Campaign.Status.OPEN,
        per_person=2,
        start=NOW - dt.timedelta(hours=1),
        days=30,
        **fields,
    ) -> Campaign:
        specs = [
            BatchSpec(face_value=Decimal(f), threshold=Decimal(t), quantity=q, per_person_limit=lim)
            for f, t, q, lim in batches
        ]
        defaults = dict(
            name="测试消费券",
            city="连云港市",
            budget=Decimal("10000000"),
            valid_from=start,
            valid_until=start + dt.timedelta(days=days),
            release_at=start,
            mode=mode,
            per_person_limit=per_person,
            sectors=["餐饮", "零售", "汽车", "文旅", "家电"],
            status=status,
        )
        if mode == Campaign.Mode.LOTTERY:
            defaults["registration_closes_at"] = start + dt.timedelta(days=1)
        defaults.update(fields)
        return create_campaign(specs, **defaults)

    return make


def at(when):
    """Time travel helper for code that reads timezone.now()."""
    return timezone.localtime(when)


@pytest.fixture
def fresh_rate_window():
    """Rate limits count in fixed one-minute windows (and Retry-After is the rest of the window):
    the clock stands still five seconds into the next minute for the whole test, so no window
    boundary falls in the middle of it and every entry computes the same Retry-After (55).
    Only the wall clock is moved (time-machine); monotonic clocks, hence timeouts, run on."""
    import time_machine

    start = (int(time.time()) // 60 + 1) * 60 + 5
    with time_machine.travel(start, tick=False):
        yield 55
