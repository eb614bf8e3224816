"""Attack races on PostgreSQL (real threads, a barrier, deadlines): the per-person cap under
simultaneous approvals (with its control), approve against reject, and one invoice spelt two
ways submitted at once."""

from __future__ import annotations

import pytest
from test_subsidies_attack2 import _person_capped_programme, apply
from test_subsidies_concurrency import run_together

from policyledger.web.subsidies.models import Applicant, Application
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services.audit import audit
from policyledger.web.subsidies.services.errors import SubsidyError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = Application.Status


@pytest.fixture
def on_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: runs with DATABASE_URL=$PL_PG_URL")


def _two_capped_applications(make_programme, make_applicant):
    p = _person_capped_programme(make_programme)
    person = make_applicant("甲公司")
    apps = [apply(p, person, "3207001234", f"0000020{i}", price_yuan=30000) for i in range(1, 5)]
    return person, apps


def _held(person) -> int:
    held = Application.objects.filter(applicant=person, status__in=Application.COMMITTED)
    return sum(held.values_list("awarded_fen", flat=True))


def test_simultaneous_approvals_keep_the_per_person_cap(
    on_postgres, make_programme, make_applicant, officer
):
    person, apps = _two_capped_applications(make_programme, make_applicant)
    results = run_together([lambda pk=a.pk: svc.approve(officer, pk) for a in apps])
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, SubsidyError)]
    assert _held(person) == 300_000  # 3000元: the cap, once
    assert audit() == []


def test_control_without_the_applicant_lock_pays_the_cap_several_times(
    on_postgres, make_programme, make_applicant, officer, monkeypatch
):
    """The lock matters: without it the approvers all read 'nothing held' and all pass."""
    from django.db.models import QuerySet

    person, apps = _two_capped_applications(make_programme, make_applicant)
    real = QuerySet.select_for_update

    def no_applicant_lock(self, *args, **kwargs):
        return self if self.model is Applicant else real(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", no_applicant_lock)
    # Every approver reads what the person holds after all of them have started.
    real_rule_inputs = svc.rule_inputs
    import threading

    gate = threading.Barrier(len(apps), timeout=30)

    def rule_inputs_after_all_read(*args, **kwargs):
        data = real_rule_inputs(*args, **kwargs)
        if kwargs.get("exclude_pk"):
            gate.wait()
        return data

    monkeypatch.setattr(svc, "rule_inputs", rule_inputs_after_all_read)
    run_together([lambda pk=a.pk: svc.approve(officer, pk) for a in apps])
    assert _held(person) > 300_000


def test_approve_and_reject_at_once_leave_one_outcome(
    on_postgres, make_programme, make_applicant, officer
):
    p = make_programme()
    for round_ in range(5):
        app = apply(p, make_applicant(f"企业{round_}"), "3207001234", f"1000{round_:04d}")
        results = run_together(
            [
                lambda pk=app.pk: svc.approve(officer, pk),
                lambda pk=app.pk: svc.reject(officer, pk, "不符合"),
            ]
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1
        app.refresh_from_db()
        p.refresh_from_db()
        approved = Application.objects.filter(programme=p, status=S.APPROVED)
        assert p.committed_fen == sum(approved.values_list("awarded_fen", flat=True))
        assert app.status in (S.APPROVED, S.REJECTED)
        assert app.invoice_held == (app.status == S.APPROVED)
    assert audit() == []


def test_one_invoice_in_two_spellings_at_once_is_taken_once(
    on_postgres, make_programme, make_applicant
):
    a, b = make_programme("家电以旧换新"), make_programme("节能家电补贴")
    one, two = make_applicant("甲公司"), make_applicant("乙公司")
    results = run_together(
        [
            lambda: apply(a, one, "3207001234", "00000777"),
            lambda: apply(b, two, "３２０７００１２３４", "０００ ００７７７"),
        ]
    )
    assert sum(isinstance(r, Application) for r in results) == 1
    assert Application.objects.filter(invoice_number="00000777").count() == 1
