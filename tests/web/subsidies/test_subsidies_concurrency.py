"""50 simultaneous approvers on one programme, on a real PostgreSQL.

Each thread has its own database connection (Django gives every thread one); all wait on a
barrier and then act at once, with a deadline on every wait. The control test switches the budget
guard off (SUBSIDIES_BUDGET_GUARD=False: read, check in Python, write) and shows that the same
load then over-commits, so the main test is known to be able to fail.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from policyledger.web.subsidies.models import Application, RegionCap
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services.audit import audit
from policyledger.web.subsidies.services.errors import (
    BudgetExceeded,
    InvoiceTaken,
    NotAllowed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
S = Application.Status
DEADLINE_S = 60
APPROVERS = 50


@pytest.fixture
def on_postgres(request):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: runs with DATABASE_URL=$PL_PG_URL")
    return request.getfixturevalue("postgres_db")


def run_together(jobs):
    """Run the callables at once (barrier), each in its own thread and connection; returns
    each one's result or exception, in order."""
    barrier = threading.Barrier(len(jobs), timeout=DEADLINE_S)
    out: list[object] = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            out[i] = job()
        except Exception as exc:  # collected and checked by the caller
            out[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE_S)
    assert not any(t.is_alive() for t in threads), "an approver did not finish before the deadline"
    return out


def _programme_with_applications(make_programme, make_applicant, n=40, round_=0):
    # 100元 each (10% of 1000元); the pool holds 10 of them, 海州区 at most 5, and 连云区 has only 5
    # applications, so exactly 5 + 5 can be approved and both guards are tested in every run.
    programme = make_programme(budget_yuan=1000, max_award_yuan=None)
    RegionCap.objects.create(programme=programme, region="海州区", cap_fen=50000)
    apps = []
    for i in range(n):
        # 35 in 海州区 (cap: 5 awards) and 5 in 连云区: both limits bind whatever the order.
        region = "连云区" if i % 8 == 0 else "海州区"
        applicant = make_applicant(f"并发企业{round_}-{i}", region=region)
        apps.append(
            svc.submit(
                programme,
                applicant,
                figures={"price_fen": 100000},
                invoice_code="3207001234",
                invoice_number=f"{round_:02d}{i:06d}",
            )
        )
    return programme, apps


def test_fifty_approvers_never_over_commit(on_postgres, make_programme, make_applicant, officer):
    programme, apps = _programme_with_applications(make_programme, make_applicant)
    # 50 approvers: every application once, ten of them twice.
    targets = [apps[i % len(apps)].pk for i in range(APPROVERS)]
    results = run_together([lambda pk=pk: svc.approve(officer, pk) for pk in targets])
    unexpected = [
        r
        for r in results
        if isinstance(r, Exception) and not isinstance(r, BudgetExceeded | NotAllowed)
    ]
    assert unexpected == []
    approved = Application.objects.filter(programme=programme, status=S.APPROVED)
    total = approved.aggregate(s=Sum("awarded_fen"))["s"]
    programme.refresh_from_db()
    assert approved.count() == 10 and total == programme.budget_fen
    assert programme.committed_fen == total  # 0 over-commitment, counter exact
    haizhou = approved.filter(region="海州区").aggregate(s=Sum("awarded_fen"))["s"]
    assert haizhou == RegionCap.objects.get(programme=programme).committed_fen == 50000
    assert sum(isinstance(r, Application) for r in results) == 10
    assert audit() == []


def test_one_invoice_claimed_by_fifty_at_once_is_taken_once(
    on_postgres, make_programme, make_applicant
):
    first = make_programme("节能家电补贴")
    second = make_programme("以旧换新补贴")
    applicants = [make_applicant(f"抢发票{i}") for i in range(APPROVERS)]

    def claim(i):
        return svc.submit(
            first if i % 2 else second,
            applicants[i],
            figures={"price_fen": 100000},
            invoice_code="3207009999",
            invoice_number="88888888",
        )

    results = run_together([lambda i=i: claim(i) for i in range(APPROVERS)])
    wins = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, InvoiceTaken)]
    assert len(wins) == 1 and len(refused) == APPROVERS - 1
    assert all(wins[0].number in r.message for r in refused)
    assert Application.objects.filter(invoice_number="88888888").count() == 1
    assert audit() == []


def test_control_without_the_guard_over_commits(
    on_postgres, make_programme, make_applicant, officer, settings
):
    """The naive read-check-write commitment under the same load must lose."""
    settings.SUBSIDIES_BUDGET_GUARD = False
    seen = []
    for round_ in range(5):
        programme, apps = _programme_with_applications(
            make_programme, make_applicant, round_=round_
        )
        RegionCap.objects.filter(programme=programme).delete()
        results = run_together([lambda pk=a.pk: svc.approve(officer, pk) for a in apps])
        assert not [
            r for r in results if isinstance(r, Exception) and not isinstance(r, BudgetExceeded)
        ]
        total = (
            Application.objects.filter(programme=programme, status=S.APPROVED).aggregate(
                s=Sum("awarded_fen")
            )["s"]
            or 0
        )
        seen.append(total)
        if total > programme.budget_fen:
            problems = audit(programme)
            assert any("超额承诺" in p for p in problems), problems
            return
    pytest.fail(f"the unguarded path never over-committed in 5 rounds: {seen}")


def test_simultaneous_batches_and_payments_pay_each_award_once(
    on_postgres, make_programme, make_applicant, officer
):
    import datetime as dt

    import time_machine

    from policyledger.web.subsidies.models import PaymentBatch
    from policyledger.web.subsidies.services import notices, payment
    from policyledger.web.subsidies.services.errors import PaymentRefused

    programme, apps = _programme_with_applications(make_programme, make_applicant, n=10)
    RegionCap.objects.filter(programme=programme).delete()
    for a in apps:
        svc.approve(officer, a.pk)
    with time_machine.travel(dt.datetime(2026, 5, 11, 2, tzinfo=dt.UTC), tick=False):
        notices.publish_notice(officer, programme)
    with time_machine.travel(dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC), tick=False):
        made = run_together([lambda: payment.create_batch(officer, programme) for _ in range(10)])
    batches = [b for b in made if isinstance(b, PaymentBatch)]
    assert batches and all(isinstance(b, PaymentBatch | PaymentRefused) for b in made)
    in_batches = Application.objects.filter(programme=programme, batch__isnull=False)
    assert (
        in_batches.count()
        == Application.objects.filter(programme=programme, status=S.NOTICE).count()
    )
    batch = batches[0]
    paid = run_together(
        [lambda i=i: payment.mark_paid(officer, batch.pk, f"HD-{i}") for i in range(APPROVERS)]
    )
    assert sum(isinstance(p, PaymentBatch) for p in paid) == 1
    assert all(isinstance(p, PaymentBatch | PaymentRefused) for p in paid)
    programme.refresh_from_db()
    assert programme.paid_fen == batch.total_fen <= programme.committed_fen
    assert audit() == []
