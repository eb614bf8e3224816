"""Issue 11: a measure's 资金兑现 from its subsidy programmes as of a past moment (the end of a
month) stays the same after later approvals, revocations and payments."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from policyledger.web.subsidies import rollup
from policyledger.web.subsidies.models import Programme
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services import notices, payment
from policyledger.web.subsidies.services.audit import audit
from policyledger.web.tracking import hooks

pytestmark = pytest.mark.django_db

APRIL_END = dt.datetime(2026, 5, 1, 0, 0, tzinfo=dt.UTC)  # a 通报 of 2026年4月 reads this moment


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), tick=False
    )


@pytest.fixture
def measure(db):
    from policyledger.web.documents.models import Measure, PolicyDocument, Target

    document = PolicyDocument.objects.create(source_name="补贴.txt", original_text="家电补贴")
    m = Measure.objects.create(document=document, number="二、", heading="家电补贴")
    Target.objects.create(measure=m, kind="money", qualifier="total", value=100, text="100元")
    return m


def _apply(programme, applicant, price_yuan):
    return svc.submit(programme, applicant, figures={"price_fen": price_yuan * 100})


@pytest.fixture
def april(make_programme, make_applicant, officer, measure):
    """Two awards approved in April (100元 + 200元), none paid by April's end."""
    with at(dt.date(2026, 4, 10)):
        programme = make_programme(notice_days=5)
        Programme.objects.filter(pk=programme.pk).update(measure=measure)
        apps = [_apply(programme, make_applicant(f"企业{i}"), 1000 * (i + 1)) for i in range(2)]
    with at(dt.date(2026, 4, 20)):
        for a in apps:
            svc.approve(officer, a)
    return programme, apps


def _figures(measure, as_of):
    row = rollup.for_task_page(measure.pk, as_of)
    return row["committed_fen"], row["paid_fen"]


def _may(programme, apps, officer):
    """In May: 公示, an objection upheld against the second award (revoked), the first paid."""
    a1, a2 = apps
    with at(dt.date(2026, 5, 11)):
        notice = notices.publish_notice(officer, programme)
        objection = notices.object_to(notice, a2.number, name="张三", contact="1", text="虚开")
        notices.decide_objection(officer, objection.pk, upheld=True, note="发票作废")
    with at(notice.ends_on + dt.timedelta(days=1)):
        batch = payment.create_batch(officer, programme)
        payment.mark_paid(officer, batch.pk, "HD-ASOF-1")


def test_april_figures_stay_after_mays_revocation_and_payment(april, measure, officer):
    programme, apps = april
    before = _figures(measure, APRIL_END)
    assert before == (30000, 0)
    _may(programme, apps, officer)
    assert _figures(measure, APRIL_END) == before
    june = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert _figures(measure, june) == (10000, 10000)
    # Now, from the dated rows, equals the guarded counters (and the audit agrees).
    programme.refresh_from_db()
    assert _figures(measure, june) == (programme.committed_fen, programme.paid_fen)
    assert _figures(measure, None) == (programme.committed_fen, programme.paid_fen)
    assert audit() == []
    # Through tracking's hook, as the dashboard and the 通报 read it.
    rows = hooks.money_for_measure(measure.pk, as_of=APRIL_END)
    assert [(r["committed_fen"], r["paid_fen"]) for r in rows] == [before]


def test_a_programme_created_after_the_moment_is_left_out(april, measure):
    assert rollup.for_task_page(measure.pk, dt.datetime(2026, 4, 1, tzinfo=dt.UTC)) is None


def test_control_reading_the_counters_rewrites_april(april, measure, officer, monkeypatch):
    """The guard matters: today's counters (the old source) give April May's figures."""
    programme, apps = april
    before = _figures(measure, APRIL_END)
    _may(programme, apps, officer)

    def counters(programme_ids, as_of):
        return {
            p.pk: (p.committed_fen, p.paid_fen)
            for p in Programme.objects.filter(pk__in=programme_ids)
        }

    monkeypatch.setattr(rollup, "programme_money_as_of", counters)
    assert _figures(measure, APRIL_END) != before
