from decimal import Decimal

import pytest

from policyledger.web.vouchers.models import Campaign, Voucher
from policyledger.web.vouchers.services import codes
from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign, set_status
from policyledger.web.vouchers.services.errors import SetupError


def test_campaign_mints_every_voucher_with_a_signed_code(make_campaign):
    c = make_campaign(batches=((50, 200, 30, 1), (20, 100, 12, 2)))
    b1, b2 = c.batches.order_by("id")
    assert (b1.issued, b2.issued) == (30, 12)
    codes_ = list(Voucher.objects.filter(campaign=c).values_list("code", flat=True))
    assert len(set(codes_)) == 42
    assert all(codes.verify(x) for x in codes_)
    assert Voucher.objects.filter(campaign=c, state="available").count() == 42


def test_forged_or_altered_codes_fail_verification(make_campaign):
    c = make_campaign()
    code = c.vouchers.first().code
    assert codes.verify(codes.display(code).lower())
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert not codes.verify(flipped)
    assert not codes.verify(code[:10])
    assert not codes.verify("")
    # A fresh random serial with a guessed tag does not pass.
    assert not codes.verify("A" * 24)


def test_qr_is_a_data_uri_svg(make_campaign):
    code = make_campaign().vouchers.first().code
    uri = codes.qr_data_uri(code)
    assert uri.startswith("data:image/svg+xml")


@pytest.mark.parametrize(
    "batches, fields, message",
    [
        ([BatchSpec(Decimal(50), Decimal(200), 300000)], {}, "超过预算"),
        ([BatchSpec(Decimal(50), Decimal(30), 10)], {}, "门槛"),
        ([], {}, "至少"),
        ([BatchSpec(Decimal(50), Decimal(200), 10)], {"sectors": ["赌场"]}, "适用行业"),
        ([BatchSpec(Decimal(50), Decimal(200), 10)], {"mode": "lottery"}, "报名截止"),
    ],
)
def test_bad_setups_are_refused_in_chinese(db, now, batches, fields, message):
    base = dict(
        name="坏活动",
        budget=Decimal("1000000"),
        valid_from=now,
        valid_until=now.replace(year=2027),
        release_at=now,
        sectors=["餐饮"],
    )
    base.update(fields)
    with pytest.raises(SetupError, match=message):
        create_campaign(batches, **base)
    assert not Campaign.objects.filter(name="坏活动").exists()


def test_status_moves_by_compare_and_set(make_campaign):
    c = make_campaign(status=Campaign.Status.DRAFT)
    stale = Campaign.objects.get(pk=c.pk)
    set_status(c, Campaign.Status.OPEN)
    with pytest.raises(SetupError):
        set_status(stale, Campaign.Status.OPEN)  # another admin already moved it
    with pytest.raises(SetupError):
        set_status(c, Campaign.Status.REGISTRATION)
    set_status(c, Campaign.Status.CLOSED)
    assert Campaign.objects.get(pk=c.pk).status == Campaign.Status.CLOSED
