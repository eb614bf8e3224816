"""The application flow and its money guards (SQLite; the race itself is on PostgreSQL in
test_subsidies_concurrency.py): submit → approve/return/reject → 公示 → paid."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from policyledger.web.subsidies.models import Application, Programme, RegionCap
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services import notices, payment
from policyledger.web.subsidies.services.audit import audit
from policyledger.web.subsidies.services.errors import (
    BudgetExceeded,
    Excluded,
    InvalidInput,
    InvoiceTaken,
    NotAllowed,
    PaymentRefused,
)

S = Application.Status
pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), tick=False
    )


def apply(programme, applicant, price_yuan=3599, invoice=None, **kw):
    code, number = invoice or ("", "")
    return svc.submit(
        programme,
        applicant,
        figures={"price_fen": price_yuan * 100},
        invoice_code=code,
        invoice_number=number,
        **kw,
    )


def test_rate_rule_decides_with_reason_trace_and_version(make_programme, make_applicant):
    programme = make_programme(sectors=["家电"])
    app = apply(programme, make_applicant(), 3599, ("3207001234", "00000001"))
    assert app.status == S.SUBMITTED
    assert app.amount_fen == 35990  # 10% of 3599元
    assert app.rule.number == 1
    assert "10%" in app.reason
    matched = [s for s in app.trace if s.get("matched")]
    assert matched and matched[0]["matched"][0]["row"] == 1


def test_over_the_cap_goes_to_manual_review(make_programme, make_applicant):
    programme = make_programme(max_award_yuan=2000)
    app = apply(programme, make_applicant(), 30000)  # 10% = 3000元 > 2000元
    assert app.amount_fen == 200000
    assert app.status == S.MANUAL
    assert "上限" in app.manual_reason and app.cap_applied


def test_not_eligible_is_refused_with_the_rule_reason(make_programme, make_applicant):
    programme = make_programme(sectors=["家电"])
    with pytest.raises(NotAllowed, match="不符合.*不属于本项目补贴的行业"):
        apply(programme, make_applicant(sector="餐饮"))
    assert Application.objects.count() == 0


def test_one_invoice_once_across_programmes_names_the_earlier_application(
    make_programme, make_applicant
):
    first = make_programme("节能家电补贴")
    second = make_programme("以旧换新补贴")
    a = make_applicant("甲公司")
    earlier = apply(first, a, 3599, ("3207001234", "12345678"))
    with pytest.raises(InvoiceTaken) as exc:
        apply(second, make_applicant("乙公司"), 3599, (" 3207001234", "12345678 "))
    assert earlier.number in exc.value.message and "节能家电补贴" in exc.value.message
    # The database refuses it too, whatever the service checks.
    dup = Application.objects.get(pk=earlier.pk)
    dup.pk, dup.number, dup.programme = None, "DUP1", second
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()
    # Once the first is finally refused, the invoice is free again.
    svc.reject(None, earlier, "材料不实")
    assert apply(second, make_applicant("乙公司"), 3599, ("3207001234", "12345678")).invoice_held


def test_bad_invoice_numbers_are_refused_in_chinese(make_programme, make_applicant):
    programme = make_programme()
    with pytest.raises(InvalidInput, match="发票号码"):
        apply(programme, make_applicant(), 3599, ("3207001234", "12AB"))


def test_exclusive_programmes_refuse_a_second_award(make_programme, make_applicant, officer):
    a = make_programme("家电以旧换新", exclusion_group="家电")
    b = make_programme("节能家电补贴", exclusion_group="家电")
    company = make_applicant()
    first = apply(a, company)
    svc.approve(officer, first)
    with pytest.raises(Excluded) as exc:
        apply(b, company)
    assert first.number in exc.value.message and "家电以旧换新" in exc.value.message
    # A programme outside the group is fine.
    c = make_programme("其他补贴")
    assert apply(c, company).status == S.SUBMITTED


def test_budget_refuses_with_the_figures(make_programme, make_applicant, officer):
    programme = make_programme(budget_yuan=1000, max_award_yuan=600)
    a1 = apply(programme, make_applicant("甲"), 5000)  # 500元
    a2 = apply(programme, make_applicant("乙"), 5000)
    a3 = apply(programme, make_applicant("丙"), 1000)  # 100元
    svc.approve(officer, a1)
    svc.approve(officer, a2)
    with pytest.raises(BudgetExceeded, match="剩余0.00元，本笔100.00元"):
        svc.approve(officer, a3)
    with pytest.raises(BudgetExceeded, match="资金余额不足"):
        svc.approve(officer, a3)
    programme.refresh_from_db()
    assert programme.committed_fen == programme.budget_fen == 100000
    a3.refresh_from_db()
    assert a3.status == S.SUBMITTED
    assert audit() == []


def test_region_cap_refuses_and_leaves_the_pool_untouched(make_programme, make_applicant, officer):
    programme = make_programme(budget_yuan=10000)
    RegionCap.objects.create(programme=programme, region="海州区", cap_fen=50000)
    a1 = apply(programme, make_applicant("甲"), 4000, region="海州区")
    a2 = apply(programme, make_applicant("乙"), 2000, region="海州区")
    a3 = apply(programme, make_applicant("丙"), 2000, region="连云区")
    svc.approve(officer, a1)
    with pytest.raises(BudgetExceeded, match="海州区的额度不足"):
        svc.approve(officer, a2)
    svc.approve(officer, a3)
    programme.refresh_from_db()
    assert programme.committed_fen == 40000 + 20000
    assert audit() == []


def test_queue_mode_keeps_the_recorded_order(make_programme, make_applicant, officer):
    programme = make_programme(budget_yuan=500, overflow=Programme.Overflow.QUEUE)
    base = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    apps = [
        apply(
            programme,
            make_applicant(f"申请人{i}"),
            3000,
            submitted_at=base + dt.timedelta(minutes=i),
        )
        for i in range(4)
    ]  # 300元 each
    for app in reversed(apps):  # approved in the wrong order on purpose
        svc.approve(officer, app)
    states = [Application.objects.get(pk=a.pk).status for a in apps]
    assert states.count(S.APPROVED) == 1 and states.count(S.QUEUED) == 3
    programme.refresh_from_db()
    programme_service_set_budget(programme, 1000)  # room for two more
    assert svc.advance_queue(officer, programme) == 2
    states = [Application.objects.get(pk=a.pk).status for a in apps]
    # The two admitted from the queue are the earliest submitted, not the latest approved.
    assert states == [S.APPROVED, S.APPROVED, S.QUEUED, S.APPROVED]
    assert audit() == []


def programme_service_set_budget(programme, yuan):
    from policyledger.web.subsidies.services.programmes import set_budget

    set_budget(programme, yuan * 100)


def test_return_and_resubmit_redecides(make_programme, make_applicant, officer):
    programme = make_programme()
    app = apply(programme, make_applicant(), 3599)
    with pytest.raises(InvalidInput, match="原因"):
        svc.return_for_changes(officer, app, "")
    svc.return_for_changes(officer, app, "请补充发票")
    app = svc.resubmit(None, app, figures={"price_fen": 200000})
    assert app.status == S.SUBMITTED and app.amount_fen == 20000


@pytest.mark.parametrize("cap", [None, 2000])
def test_officer_cannot_award_more_than_the_rule(make_programme, make_applicant, officer, cap):
    programme = make_programme(max_award_yuan=cap)
    app = apply(programme, make_applicant(), 1000)  # 100元, under the 2000元 cap
    with pytest.raises(InvalidInput, match="不能超过测算金额"):
        svc.approve(officer, app, amount_fen=app.amount_fen + 1)
    assert svc.approve(officer, app, amount_fen=5000).awarded_fen == 5000  # less is allowed


def test_a_range_award_is_set_by_the_officer_within_the_range(
    make_programme, make_applicant, officer
):
    programme = make_programme(
        "活动组织补贴",
        kind=Programme.Kind.FIXED,
        rate=None,
        min_award_yuan=10000,
        max_award_yuan=100000,
    )
    app = svc.submit(programme, make_applicant(), figures={"participants": 35})
    assert app.amount_fen == 30000_00  # the 30-merchant tier
    with pytest.raises(InvalidInput, match="不能超过单笔上限"):
        svc.approve(officer, app, amount_fen=100000_01)
    assert svc.approve(officer, app, amount_fen=40000_00).awarded_fen == 40000_00


def test_approve_twice_is_refused(make_programme, make_applicant, officer):
    programme = make_programme()
    app = apply(programme, make_applicant(), 1000)
    svc.approve(officer, app)
    with pytest.raises(NotAllowed, match="审核通过"):
        svc.approve(officer, app)
    programme.refresh_from_db()
    assert programme.committed_fen == 10000


def _approved_on_notice(make_programme, make_applicant, officer, today, n=2):
    programme = make_programme(notice_days=5)
    apps = [apply(programme, make_applicant(f"企业{i}"), 1000 * (i + 1)) for i in range(n)]
    for a in apps:
        svc.approve(officer, a)
    with at(today):
        notice = notices.publish_notice(officer, programme)
    return programme, apps, notice


def test_notice_period_skips_weekends_and_holidays(
    make_programme, make_applicant, officer, today, settings
):
    settings.SUBSIDIES_HOLIDAYS = ["2026-05-13"]
    programme, apps, notice = _approved_on_notice(make_programme, make_applicant, officer, today)
    # Monday 11 May + 5 working days, skipping Wednesday 13 (holiday) and the weekend.
    assert notice.starts_on == dt.date(2026, 5, 11)
    assert notice.ends_on == dt.date(2026, 5, 18)


def test_pay_only_after_the_notice_without_upheld_objection(
    make_programme, make_applicant, officer, today
):
    programme, (a1, a2), notice = _approved_on_notice(
        make_programme, make_applicant, officer, today
    )
    with at(notice.ends_on), pytest.raises(PaymentRefused, match="没有可拨付"):
        payment.create_batch(officer, programme)
    with at(notice.ends_on), pytest.raises(PaymentRefused, match="期满后才能拨付"):
        payment.create_batch(officer, programme, [a1.pk])
    with at(dt.date(2026, 5, 12)):
        objection = notices.object_to(
            notice, a2.number, name="张三", contact="13800000000", text="虚开发票"
        )
    after = notice.ends_on + dt.timedelta(days=1)
    with at(after):
        with pytest.raises(PaymentRefused, match="异议"):
            payment.create_batch(officer, programme, [a2.pk])
        batch = payment.create_batch(officer, programme)
    assert list(batch.applications.values_list("pk", flat=True)) == [a1.pk]
    notices.decide_objection(officer, objection.pk, upheld=True, note="经核查发票作废")
    a2.refresh_from_db()
    assert a2.status == S.REVOKED and not a2.invoice_held
    programme.refresh_from_db()
    a1.refresh_from_db()
    assert programme.committed_fen == a1.awarded_fen == 10000
    with at(after), pytest.raises(PaymentRefused):
        payment.create_batch(officer, programme, [a2.pk])
    assert audit() == []


def test_objection_outside_the_period_is_refused(make_programme, make_applicant, officer, today):
    programme, (a1, _), notice = _approved_on_notice(make_programme, make_applicant, officer, today)
    with at(notice.ends_on + dt.timedelta(days=1)), pytest.raises(NotAllowed, match="不在公示期"):
        notices.object_to(notice, a1.number, name="李四", contact="1", text="x")


def test_paying_twice_is_refused(make_programme, make_applicant, officer, today):
    programme, apps, notice = _approved_on_notice(make_programme, make_applicant, officer, today)
    with at(notice.ends_on + dt.timedelta(days=1)):
        batch = payment.create_batch(officer, programme)
        with pytest.raises(PaymentRefused, match="没有可拨付"):
            payment.create_batch(officer, programme)
    payment.mark_paid(officer, batch.pk, "HD20260520001")
    with pytest.raises(PaymentRefused, match="不能重复拨付"):
        payment.mark_paid(officer, batch.pk, "HD20260520002")
    programme.refresh_from_db()
    paid = sum(Application.objects.get(pk=a.pk).awarded_fen for a in apps)
    assert programme.paid_fen == paid == programme.committed_fen == 30000
    assert set(Application.objects.values_list("status", flat=True)) == {S.PAID}
    assert audit() == []


def test_a_receipt_is_used_once(make_programme, make_applicant, officer, today):
    programme, (a1, a2), notice = _approved_on_notice(
        make_programme, make_applicant, officer, today
    )
    with at(notice.ends_on + dt.timedelta(days=1)):
        b1 = payment.create_batch(officer, programme, [a1.pk])
        b2 = payment.create_batch(officer, programme, [a2.pk])
    payment.mark_paid(officer, b1.pk, "HD1")
    with pytest.raises(PaymentRefused, match="回单HD1已用于"):
        payment.mark_paid(officer, b2.pk, "HD1")


def test_bank_xlsx_writes_text_as_text(make_programme, make_applicant, officer, today):
    import io

    from openpyxl import load_workbook

    programme, apps, notice = _approved_on_notice(make_programme, make_applicant, officer, today)
    with at(notice.ends_on + dt.timedelta(days=1)):
        batch = payment.create_batch(officer, programme)
    sheet = load_workbook(io.BytesIO(payment.export_xlsx(batch))).active
    assert [c.value for c in sheet[2]][:5] == ["序号", "户名", "账号", "开户行", "金额（元）"]
    account = sheet.cell(row=3, column=3)
    assert isinstance(account.value, str) and account.value == apps[0].applicant.bank_account
    assert account.data_type == "s" and account.number_format == "@"
    assert sheet.cell(row=3, column=5).value == 100  # 10% of 1000元, in yuan


def test_rule_versions_by_date_and_failing_cases_block_publishing(make_programme, make_applicant):
    from policyledger.web.subsidies.services import programmes as ps
    from policyledger.web.subsidies.services import rules as rs
    from policyledger.web.subsidies.services.errors import RuleProblem

    programme = make_programme(effective_from=dt.date(2026, 1, 1))
    Programme.objects.filter(pk=programme.pk).update(rate_percent=20)
    programme.refresh_from_db()
    jdm, cases = ps.default_rule(programme)
    bad = rs.add_version(
        programme, jdm, dt.date(2026, 6, 1), cases=[{**cases[0], "expected": {"amount_fen": 1}}]
    )
    with pytest.raises(RuleProblem, match="测试用例未通过"):
        rs.publish(bad)
    with pytest.raises(RuleProblem, match="节点"):
        rs.add_version(
            programme,
            {"nodes": [{"id": "x", "type": "functionNode"}], "edges": []},
            dt.date(2026, 6, 1),
        )
    good = rs.publish(rs.add_version(programme, jdm, dt.date(2026, 6, 1), cases=cases))
    first = programme.rules.get(number=1)
    assert first.effective_to == dt.date(2026, 5, 31)
    company = make_applicant()
    may = apply(programme, company, 1000, on=dt.date(2026, 5, 31))
    june = apply(programme, make_applicant("乙"), 1000, on=dt.date(2026, 6, 1))
    assert (may.rule.number, may.amount_fen) == (1, 10000)
    assert (june.rule_id, june.amount_fen) == (good.pk, 20000)
    with pytest.raises(RuleProblem, match="重叠"):
        rs.publish(rs.add_version(programme, jdm, dt.date(2026, 6, 1), cases=cases))


def test_money_goes_only_to_the_applicants_own_account(
    make_programme, make_applicant, officer, today
):
    from policyledger.web.subsidies.models import Applicant
    from policyledger.web.subsidies.services.applicants import confirm_bank

    programme, (a1, a2), notice = _approved_on_notice(
        make_programme, make_applicant, officer, today
    )
    with pytest.raises(InvalidInput, match="户名须与申请人名称一致"):
        confirm_bank(a1.applicant, holder="张三", account="6222000011112222", bank="工商银行")
    # A third party's account written straight into the database is still refused at payment.
    Applicant.objects.filter(pk=a1.applicant_id).update(bank_holder="张三")
    with at(notice.ends_on + dt.timedelta(days=1)):
        with pytest.raises(PaymentRefused, match="户名与申请人不一致"):
            payment.create_batch(officer, programme, [a1.pk])
        batch = payment.create_batch(officer, programme)
    assert list(batch.applications.values_list("pk", flat=True)) == [a2.pk]


def test_a_record_with_entitlements_cannot_be_claimed_by_registering(
    make_programme, make_applicant
):
    from subsidy_ids import uscc

    from policyledger.web.subsidies.services.applicants import register

    make_applicant("连云港惠民家电有限公司")  # serial 1: the code uscc(1), bank details on file
    with pytest.raises(NotAllowed, match="经办窗口核验"):
        register("thief", "pw-thief-12345", kind="enterprise", name="随便", id_number=uscc(1))


def test_bank_sheet_does_not_turn_names_into_formulas(
    make_programme, make_applicant, officer, today
):
    import io

    from openpyxl import load_workbook

    programme = make_programme(notice_days=1)
    app = apply(programme, make_applicant('=HYPERLINK("http://x","领取")'), 1000)
    svc.approve(officer, app)
    with at(today):
        notices.publish_notice(officer, programme)
    with at(today + dt.timedelta(days=3)):
        batch = payment.create_batch(officer, programme)
    cell = load_workbook(io.BytesIO(payment.export_xlsx(batch))).active.cell(row=3, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
