"""`policyledger vouchers audit`: passes on a sound ledger, fails in Chinese on a broken one."""

import pytest
from click.testing import CliRunner
from django.db.models import F

from policyledger.cli import main
from policyledger.web.vouchers.models import Batch, Claim, LedgerEntry, Voucher
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.redemption import redeem


@pytest.fixture
def spent(make_campaign, make_user, restaurant, now):
    c = make_campaign(batches=((50, 200, 5, 1),), per_person=1)
    for i in range(3):
        v = claim(make_user(f"a{i}"), c, idempotency_key="k", now=now).voucher
        if i == 0:
            redeem(restaurant, v.code, "300", idempotency_key="r", now=now)
    return c


def run(*args):
    return CliRunner().invoke(main, ["vouchers", "audit", *args])


def test_sound_ledger_passes(spent):
    result = run("--campaign", str(spent.pk))
    assert result.exit_code == 0, result.output
    assert "审计通过" in result.output
    assert run().exit_code == 0


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (lambda c: Batch.objects.filter(campaign=c).update(claimed=F("claimed") + 1), "已领取计数"),
        (lambda c: Batch.objects.filter(campaign=c).update(issued=F("issued") - 1), "已生成计数"),
        (
            lambda c: Voucher.objects.filter(campaign=c, state="available").update(state="claimed"),
            "没有持有人",
        ),
        (lambda c: LedgerEntry.objects.filter(campaign=c).update(amount=49), "账本合计"),
        (
            lambda c: Voucher.objects.filter(campaign=c, state="redeemed").update(state="claimed"),
            "有效核销记录",
        ),
        (
            lambda c: (
                Voucher.objects.filter(campaign=c, state="available")
                .order_by("id")
                .filter(
                    pk__in=Voucher.objects.filter(campaign=c, state="available").order_by("id")[:1]
                )
                .update(state="claimed", owner=Claim.objects.filter(campaign=c).first().user)
            ),
            "超过",
        ),
        (
            lambda c: Claim.objects.create(
                user=Claim.objects.filter(campaign=c).last().user,
                idempotency_key="dup",
                campaign=c,
                batch=c.batches.get(),
                voucher=Claim.objects.filter(campaign=c).first().voucher,
            ),
            "重复发放",
        ),
    ],
    ids=[
        "claimed-counter",
        "issued-counter",
        "ownerless",
        "money",
        "redeemed-count",
        "limit",
        "double",
    ],
)
def test_broken_ledger_fails_with_a_chinese_report(spent, break_it, expected):
    break_it(spent)
    result = run("--campaign", str(spent.pk))
    assert result.exit_code == 1
    assert "审计未通过" in result.output and expected in result.output


def test_unknown_campaign_is_a_clear_error(db):
    result = run("--campaign", "9999")
    assert result.exit_code != 0 and "活动9999不存在" in result.output
