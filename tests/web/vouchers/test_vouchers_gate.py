"""The Redis gate against a real Redis: crashes between the gate and the database commit,
a Redis restart, and the reconciliation job. Runs on SQLite and on PostgreSQL."""

import time

import pytest
from click.testing import CliRunner

from policyledger.cli import main
from policyledger.web.vouchers.models import Campaign, Claim, Voucher
from policyledger.web.vouchers.services import gate as gate_mod
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import LimitReached, SoldOut

pytestmark = pytest.mark.redis


@pytest.fixture
def gate(redis_url, settings):
    settings.REDIS_URL = redis_url
    g = gate_mod.get_gate(redis_url)
    g.redis.flushdb()
    return g


def test_gate_answers_sold_out_and_limits_without_the_database(
    gate, make_campaign, make_user, now, django_assert_max_num_queries, django_assert_num_queries
):
    c = make_campaign(batches=((50, 200, 2, 1),), per_person=1)
    batch = c.batches.get()
    a, b, d = make_user("ga"), make_user("gb"), make_user("gd")
    claim(a, c, idempotency_key="1", now=now)
    c = Campaign.objects.prefetch_related("batches").get(pk=c.pk)  # as the API holds it
    # A person at the limit: the replay lookup, then (no claim with this key) the person's
    # committed count, which tells "over the limit" from "a claim still in flight" (409).
    with django_assert_max_num_queries(2), pytest.raises(LimitReached):
        claim(a, c, idempotency_key="2", now=now)
    claim(b, c, idempotency_key="1", now=now)
    assert gate.stock(c.pk, batch.pk) == 0
    # Sold out to someone who holds nothing here: there is no earlier claim to replay.
    with django_assert_num_queries(0), pytest.raises(SoldOut):
        claim(d, c, idempotency_key="1", now=now)
    with django_assert_max_num_queries(2), pytest.raises(SoldOut):  # a holder: as above
        claim(b, c, idempotency_key="2", now=now)
    assert audit(c) == []


def test_worker_killed_before_commit_loses_nothing(gate, make_campaign, make_user, now):
    """Reserve in Redis, then die before the database write: reconcile gives the stock back."""
    c = make_campaign(batches=((50, 200, 3, 1),))
    batch = c.batches.get()
    gate.load(c)
    dead = gate.reserve(c, batch, make_user("dead").pk)  # the worker dies here
    assert gate.stock(c.pk, batch.pk) == 2 and gate.pending_count(c.pk) == 1
    report = gate.reconcile(c, now_ms=dead.deadline_ms - 1)
    assert report["released"] == 0  # not yet expired: it might still commit
    report = gate.reconcile(c, now_ms=dead.deadline_ms + 1)
    assert report["released"] == 1 and report["drift"] == {}
    assert gate.stock(c.pk, batch.pk) == 3 and gate.pending_count(c.pk) == 0
    assert gate.reconcile(c, now_ms=dead.deadline_ms + 2)["released"] == 0  # only once


def test_worker_killed_after_commit_issues_nothing_twice(
    gate, make_campaign, make_user, now, monkeypatch
):
    """The database committed but the confirm never reached Redis: reconcile confirms it."""
    c = make_campaign(batches=((50, 200, 3, 1),))
    batch = c.batches.get()
    monkeypatch.setattr(gate_mod.Gate, "confirm", lambda self, resv: None)  # the kill
    out = claim(make_user("late"), c, idempotency_key="k", now=now)
    assert gate.pending_count(c.pk) == 1
    report = gate.reconcile(c, now_ms=int(time.time() * 1000) + 60_000)
    assert report["confirmed"] == 1 and report["released"] == 0 and report["drift"] == {}
    assert gate.stock(c.pk, batch.pk) == 2
    assert Claim.objects.get(voucher=out.voucher).reservation


def test_redis_restart_reloads_counters_from_the_database(gate, make_campaign, make_user, now):
    c = make_campaign(batches=((50, 200, 3, 1),), per_person=1)
    batch = c.batches.get()
    alice = make_user("ra")
    claim(alice, c, idempotency_key="k", now=now)
    gate.redis.flushdb()  # Redis restarted without persistence
    with pytest.raises(LimitReached):  # alice's count came back from the database
        claim(alice, c, idempotency_key="k2", now=now)
    assert gate.stock(c.pk, batch.pk) == 2
    for i in range(2):
        claim(make_user(f"rb{i}"), c, idempotency_key="k", now=now)
    with pytest.raises(SoldOut):
        claim(make_user("rc"), c, idempotency_key="k", now=now)
    assert Voucher.objects.filter(campaign=c, state="claimed").count() == 3
    assert audit(c) == []


def test_gate_drift_is_repaired_from_the_database(gate, make_campaign, make_user, now):
    c = make_campaign(batches=((50, 200, 5, 1),))
    batch = c.batches.get()
    claim(make_user("d1"), c, idempotency_key="k", now=now)
    gate.redis.set(gate_mod.stock_key(c.pk, batch.pk), 99)  # corrupted
    assert gate.reconcile(c)["drift"] == {batch.pk: {"redis": 99, "database": 4}}
    gate.load(c, force=True)
    assert gate.reconcile(c)["drift"] == {}


def test_reconcile_command(gate, make_campaign, make_user, now):
    c = make_campaign(batches=((50, 200, 5, 1),))
    gate.redis.flushdb()
    result = CliRunner().invoke(main, ["vouchers", "reconcile", "--campaign", str(c.pk)])
    assert result.exit_code == 0, result.output
    assert '"reloaded": true' in result.output
    assert gate.stock(c.pk, c.batches.get().pk) == 5


def test_redis_down_falls_back_to_the_database(settings, make_campaign, make_user, now):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    c = make_campaign(batches=((50, 200, 1, 1),))
    out = claim(make_user("fb"), c, idempotency_key="k", now=now)
    # The claim records the reservation the failed gate call may have left (a lost reply), so
    # that the reconciler would confirm it rather than hand its stock back.
    assert out.voucher.pk and len(Claim.objects.get().reservation) == 32
    with pytest.raises(SoldOut):
        claim(make_user("fb2"), c, idempotency_key="k", now=now)
