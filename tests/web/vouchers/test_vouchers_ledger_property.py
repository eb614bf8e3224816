"""A hypothesis state machine drives claims, redemptions, refunds, voids and expiry in any
order and checks after every step that the ledger's invariants hold and match a model."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from policyledger.web.vouchers.models import (
    LedgerEntry,
    Merchant,
    Redemption,
    ResidentProfile,
    Settlement,
    Voucher,
)
from policyledger.web.vouchers.services import redemption as redemption_mod
from policyledger.web.vouchers.services import settlement
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import RefundRefused, VoucherError
from policyledger.web.vouchers.services.redemption import expire, redeem, refund, void

START = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
serial = itertools.count()


class Ledger(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        n = next(serial)
        User = get_user_model()
        self.users = [User.objects.create(username=f"p{n}-{i}") for i in range(4)]
        ResidentProfile.objects.bulk_create(
            ResidentProfile(user=u, verified=True) for u in self.users
        )
        self.campaign = create_campaign(
            [
                BatchSpec(Decimal(50), Decimal(200), 4, 2),
                BatchSpec(Decimal(20), Decimal(100), 5, 1),
            ],
            name=f"性质测试{n}",
            budget=Decimal(10000),
            valid_from=START,
            valid_until=START + dt.timedelta(days=3),
            release_at=START,
            per_person_limit=3,
            sectors=["餐饮"],
            status="open",
        )
        self.batches = list(self.campaign.batches.order_by("id"))
        self.ok_shop = Merchant.objects.create(name=f"饭店{n}", sector="餐饮")
        self.bad_shop = Merchant.objects.create(name=f"车行{n}", sector="汽车")
        self.now = START + dt.timedelta(hours=1)
        self.acks: dict[tuple[int, str], int] = {}  # (user, key) -> voucher id
        self.money = Decimal(0)
        self.keys = itertools.count()

    @rule(u=st.integers(0, 3), b=st.integers(0, 1), key=st.sampled_from(["a", "b", "c", "d"]))
    def do_claim(self, u, b, key):
        user = self.users[u]
        try:
            out = claim(
                user, self.campaign, batch=self.batches[b], idempotency_key=key, now=self.now
            )
        except VoucherError:
            return
        if (user.pk, key) in self.acks:
            assert out.replayed and out.voucher.pk == self.acks[(user.pk, key)]
        else:
            assert not out.replayed
            self.acks[(user.pk, key)] = out.voucher.pk

    @rule(data=st.data(), high=st.booleans(), eligible=st.booleans())
    def do_redeem(self, data, high, eligible):
        held = list(
            Voucher.objects.filter(campaign=self.campaign, state="claimed").select_related("batch")
        )
        if not held:
            return
        v = data.draw(st.sampled_from(held))
        bill = v.batch.threshold + (Decimal("0.01") if high else Decimal("-0.01"))
        shop = self.ok_shop if eligible else self.bad_shop
        try:
            redeem(shop, v.code, bill, idempotency_key=f"r{next(self.keys)}", now=self.now)
        except VoucherError:
            assert not (high and eligible and self.now <= self.campaign.valid_until)
            return
        assert high and eligible
        self.money += v.batch.face_value

    @rule(data=st.data())
    def do_refund(self, data):
        live = list(Redemption.objects.filter(campaign=self.campaign, refunded=False))
        if not live:
            return
        r = data.draw(st.sampled_from(live))
        try:
            refund(r, reason="顾客退货", now=self.now)
        except RefundRefused:
            # Only outside the refund window, or once the redemption is in a settlement.
            assert redemption_mod.refund_blocker(r, self.now) is not None
            return
        self.money -= r.face_value

    @rule()
    def do_settle_and_pay(self):
        # Today is settled (a refund is refused from then on); only days that are over are paid.
        today = timezone.localdate(self.now)
        settlement.settle_day(self.campaign, today, now=self.now)
        days = Settlement.objects.filter(campaign=self.campaign, day__lt=today).values("day")
        for day in sorted({row["day"] for row in days}):
            for s in settlement.settle_day(self.campaign, day, now=self.now):
                if s.status == Settlement.Status.PENDING:
                    settlement.release(s, now=self.now)

    @rule(data=st.data())
    def do_void(self, data):
        held = list(Voucher.objects.filter(campaign=self.campaign, state="claimed"))
        if held:
            assert void(data.draw(st.sampled_from(held)), now=self.now)

    @precondition(lambda self: self.now <= self.campaign.valid_until)
    @rule(hours=st.integers(1, 48))
    def advance(self, hours):
        self.now += dt.timedelta(hours=hours)
        expire(self.now)

    @invariant()
    def ledger_holds(self):
        assert audit(self.campaign) == []
        total = sum(
            LedgerEntry.objects.filter(campaign=self.campaign).values_list("amount", flat=True)
        )
        assert total == self.money
        owned = set(
            Voucher.objects.filter(campaign=self.campaign, owner__isnull=False).values_list(
                "id", flat=True
            )
        )
        assert owned == set(self.acks.values())  # every acknowledged claim, and nothing else


@pytest.mark.django_db
def test_ledger_invariants_hold_in_any_order():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
