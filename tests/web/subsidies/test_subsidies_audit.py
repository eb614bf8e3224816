"""`policyledger subsidies audit` sees each bad state, built by direct database writes that
bypass the services (as a bug or a hand edit would)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from click.testing import CliRunner

from policyledger.cli import main
from policyledger.web.subsidies.models import Application, PaymentBatch, Programme, RegionCap
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services import notices, payment
from policyledger.web.subsidies.services.audit import audit

S = Application.Status
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(make_programme, make_applicant, officer):
    programme = make_programme(budget_yuan=1000, max_award_yuan=None, notice_days=1)
    RegionCap.objects.create(programme=programme, region="海州区", cap_fen=60000)
    apps = [
        svc.submit(
            programme,
            make_applicant(f"企业{i}", region="海州区"),
            figures={"price_fen": 200000},
            invoice_code="3207001234",
            invoice_number=f"0000000{i}",
        )
        for i in range(3)
    ]
    svc.approve(officer, apps[0])
    svc.approve(officer, apps[1])
    return programme, apps


def _cli(*args):
    return CliRunner().invoke(main, ["subsidies", "audit", *args])


def test_a_clean_ledger_passes(setup):
    assert audit() == []
    result = _cli()
    assert result.exit_code == 0 and "审计通过" in result.output


def test_over_commitment_is_seen(setup):
    programme, apps = setup
    Application.objects.filter(pk=apps[2].pk).update(status=S.APPROVED, awarded_fen=80000)
    problems = audit()
    assert any("超额承诺" in p and "超过资金总额" in p for p in problems)
    assert any("计数" in p for p in problems)
    result = _cli("--programme", str(programme.pk))
    assert result.exit_code == 1 and "超额承诺" in result.output


def test_region_over_cap_is_seen(setup):
    programme, apps = setup
    Application.objects.filter(pk=apps[2].pk).update(status=S.APPROVED, awarded_fen=40000)
    Programme.objects.filter(pk=programme.pk).update(committed_fen=80000)
    RegionCap.objects.filter(programme=programme).update(committed_fen=80000)
    problems = audit()
    assert any("海州区超额承诺" in p for p in problems), problems


def test_paid_over_approved_and_paid_outside_a_batch(setup):
    programme, apps = setup
    Application.objects.filter(pk=apps[0].pk).update(status=S.PAID)
    Programme.objects.filter(pk=programme.pk).update(paid_fen=90000)
    problems = audit()
    assert any("不在已拨付的批次中" in p for p in problems)
    assert any("已拨付计数" in p for p in problems)
    assert any("未经公示" in p for p in problems)
    assert any("已拨付计数900.00元超过已承诺计数400.00元" in p for p in problems), problems


def test_invoice_used_twice_is_seen(setup):
    programme, apps = setup
    Application.objects.filter(pk=apps[2].pk).update(invoice_held=False)
    Application.objects.filter(pk=apps[2].pk).update(invoice_number=apps[0].invoice_number)
    problems = audit()
    assert any("同时使用" in p and apps[0].number in p and apps[2].number in p for p in problems)
    assert any("发票占用标记丢失" in p for p in problems)


def test_second_award_in_an_exclusion_group_is_refused_by_the_database(
    make_programme, make_applicant, officer
):
    from django.db import IntegrityError

    a = make_programme("甲项目", exclusion_group="家电")
    b = make_programme("乙项目")
    company = make_applicant()
    first = svc.submit(a, company, figures={"price_fen": 10000})
    second = svc.submit(b, company, figures={"price_fen": 10000})
    svc.approve(officer, first)
    svc.approve(officer, second)
    with pytest.raises(IntegrityError):
        Application.objects.filter(pk=second.pk).update(exclusion_key="家电", programme=a)


def test_batch_total_mismatch_is_seen(setup, officer):
    programme, apps = setup
    with time_machine.travel(dt.datetime(2026, 5, 11, 2, tzinfo=dt.UTC), tick=False):
        notices.publish_notice(officer, programme)
    with time_machine.travel(dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC), tick=False):
        batch = payment.create_batch(officer, programme)
    payment.mark_paid(officer, batch.pk, "HD-A")
    assert audit() == []
    PaymentBatch.objects.filter(pk=batch.pk).update(total_fen=1)
    Application.objects.filter(pk=apps[1].pk).update(status=S.NOTICE)
    problems = audit()
    assert any(f"拨付批次{batch.pk}合计" in p for p in problems)
    assert any("所在批次已拨付" in p for p in problems)
