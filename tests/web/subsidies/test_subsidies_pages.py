"""Pages and API: public calculator and 公示 (no login), applicant flow with materials and WHY,
officer review, rights (applicants see only their own; staff pages closed to them)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from subsidy_ids import id_number

from policyledger.web.documents.models import Measure
from policyledger.web.subsidies.models import Application, Material, Programme
from policyledger.web.subsidies.services import applications as svc
from policyledger.web.subsidies.services import notices
from policyledger.web.subsidies.services import programmes as programme_service

S = Application.Status
pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def car_programme(published):
    """From the sample's measure 二 (对购车给予最高不超过3000元补贴): 上限 prefilled."""
    measure = Measure.objects.get(document=published, number="二、")
    programme = programme_service.create_programme(
        measure=measure,
        kind=Programme.Kind.RATE,
        budget_fen=100_000_00,
        rate_percent="10",
        sectors=["汽车"],
    )
    assert programme.max_award_fen == 3000_00  # from “最高不超过3000元”
    assert programme.prefill["sources"]["max_award_fen"]["text"] == "最高不超过3000元"
    programme_service.install_default_rule(programme, effective_from=dt.date(2022, 1, 1))
    return programme_service.open_programme(programme)


@pytest.fixture
def resident(db):
    from policyledger.web.subsidies.services.applicants import register

    return register(
        "wangfang", "pw-wangfang-123", kind="person", name="王芳", id_number=id_number(5)
    )


def signed_in(username, password):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_calculator_page_and_api_need_no_login(car_programme, make_programme):
    make_programme("节能家电补贴", sectors=["家电"])
    page = Client().get(
        "/subsidies/calculator/", {"applicant_kind": "person", "sector": "汽车", "amount": "150000"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert car_programme.name in text and "3,000元" in text and "节能家电补贴" not in text
    assert "最高不超过3000元" in text  # the clause
    api = Client().post(
        "/api/v1/subsidies/calculator",
        {"applicant_kind": "person", "sector": "家电", "purchase_yuan": "3599"},
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    body = api.json()
    assert [o["name"] for o in body["offers"]] == ["节能家电补贴"]
    assert body["offers"][0]["amount_fen"] == 35990 and body["total_fen"] == 35990
    bad = Client().post(
        "/api/v1/subsidies/calculator",
        {"applicant_kind": "person", "purchase_yuan": "三千"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json() == {
        "detail": "购买金额应为数字，如 3599.00 或 600万",
        "code": "invalid_input",
    }


def test_applicant_applies_with_materials_and_sees_why(car_programme, resident, settings):
    client = signed_in("wangfang", "pw-wangfang-123")
    settings.SUBSIDIES_MAX_MATERIAL_BYTES = 1024
    too_big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)
    r = client.post(
        f"/subsidies/apply/{car_programme.pk}/",
        {"amount": "150000", "sector": "汽车", "materials": too_big},
    )
    assert "超过" in r.content.decode() and Application.objects.count() == 0
    not_pdf = SimpleUploadedFile("x.pdf", b"<html>")
    r = client.post(
        f"/subsidies/apply/{car_programme.pk}/",
        {"amount": "150000", "sector": "汽车", "materials": not_pdf},
    )
    assert "不是PDF" in r.content.decode()
    r = client.post(
        f"/subsidies/apply/{car_programme.pk}/",
        {
            "amount": "150000",
            "sector": "汽车",
            "invoice_code": "3207001234",
            "invoice_number": "55555555",
            "materials": SimpleUploadedFile("发票.pdf", PDF),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    app = Application.objects.get()
    assert app.status == S.MANUAL  # 15000元 × 10% = 1.5万 > 3000 cap
    assert Material.objects.filter(application=app).count() == 1
    page = client.get(f"/subsidies/a/{app.number}/").content.decode()
    assert "3,000元" in page and "封顶" in page and "第1行" in page
    assert '<mark class="hl-target hl-used"' in page and "最高不超过3000元</mark>" in page
    # Another applicant's application is 404, and staff pages are closed.
    from policyledger.web.subsidies.services.applicants import register

    register("lisi", "pw-lisi-12345", kind="person", name="李四", id_number=id_number(6))
    other = signed_in("lisi", "pw-lisi-12345")
    assert other.get(f"/subsidies/a/{app.number}/").status_code == 404
    assert other.get(f"/subsidies/material/{app.materials.get().pk}").status_code == 404
    assert other.get("/subsidies/manage/").status_code == 403
    assert other.post(f"/subsidies/a/{app.number}/review", {"action": "approve"}).status_code == 403
    assert other.get("/api/v1/subsidies/programmes").status_code == 403


def test_officer_reviews_on_the_page_and_by_api(car_programme, resident, login, alice):
    app = svc.submit(car_programme, resident, figures={"price_fen": 1_000_000}, sector="汽车")
    officer = login(alice)
    r = officer.post(
        f"/subsidies/a/{app.number}/review", {"action": "reject", "reason": ""}, follow=True
    )
    assert "须说明原因" in r.content.decode()
    r = officer.post(f"/subsidies/a/{app.number}/review", {"action": "approve"}, follow=True)
    assert "审核通过" in r.content.decode()
    app.refresh_from_db()
    assert app.status == S.APPROVED and app.awarded_fen == 100000
    from policyledger.web.accounts.services import issue_token

    _, key = issue_token(alice)
    api = Client().post(
        f"/api/v1/subsidies/applications/{app.number}/review",
        {"action": "approve"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert api.status_code == 409 and api.json()["code"] == "not_allowed"
    assert "当前为“审核通过”" in api.json()["detail"]
    got = Client().get(
        f"/api/v1/subsidies/applications/{app.number}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert got.json()["matched"][0]["row"] == 1 and got.json()["rule_version"] == 1
    detail = officer.get(f"/subsidies/manage/{car_programme.pk}/").content.decode()
    assert "1,000元" in detail and app.number in detail
    money = officer.get(f"/api/v1/subsidies/measures/{car_programme.measure_id}/money").json()
    assert money["committed_fen"] == 100000 and money["programmes"][0]["id"] == car_programme.pk


def test_public_notice_masks_and_takes_objections(car_programme, resident, alice, make_applicant):
    company = make_applicant("港城汽车销售有限公司", sector="汽车")
    a1 = svc.submit(car_programme, resident, figures={"price_fen": 1_000_000}, sector="汽车")
    a2 = svc.submit(car_programme, company, figures={"price_fen": 2_000_000}, sector="汽车")
    svc.approve(alice, a1)
    svc.approve(alice, a2)
    with time_machine.travel(dt.datetime(2026, 5, 11, 2, tzinfo=dt.UTC), tick=False):
        notice = notices.publish_notice(alice, car_programme)
        page = Client().get(f"/subsidies/notices/{notice.pk}/").content.decode()
        assert "王*" in page and "王芳" not in page
        assert id_number(5) not in page and "320705********" in page
        assert "港城汽车销售有限公司" in page and company.credit_code not in page
        r = Client().post(
            f"/subsidies/notices/{notice.pk}/",
            {"number": a1.number, "name": "张三", "contact": "138", "text": "不是本人购车"},
        )
        assert r.status_code == 302
        api = Client().get(f"/api/v1/subsidies/notices/{notice.pk}").json()
        assert {row["name"] for row in api["rows"]} == {"王*", "港城汽车销售有限公司"}
    assert a1.objections.count() == 1
    with time_machine.travel(dt.datetime(2026, 6, 30, 2, tzinfo=dt.UTC), tick=False):
        r = Client().post(
            f"/subsidies/notices/{notice.pk}/",
            {"number": a1.number, "name": "张三", "contact": "138", "text": "再次"},
        )
        assert "不在公示期" in r.content.decode() or r.status_code == 200
    assert a1.objections.count() == 1


def test_register_checks_the_id_number(db):
    r = Client().post(
        "/subsidies/register/",
        {
            "kind": "person",
            "name": "王芳",
            "id_number": "110105194912310021",
            "username": "wf",
            "password": "pw-1234567890",
        },
    )
    assert "校验位不正确" in r.content.decode()
    r = Client().post(
        "/subsidies/register/",
        {
            "kind": "enterprise",
            "name": "港城商贸",
            "id_number": "91350100M000100Y43",
            "username": "gc",
            "password": "pw-1234567890",
        },
    )
    assert r.status_code == 302


def test_officer_opens_an_account_for_an_entitlement_holder(
    car_programme, make_applicant, login, alice
):
    from policyledger.web.subsidies.models import Applicant

    company = make_applicant("港城汽车销售有限公司", sector="汽车")
    app = svc.submit(car_programme, company, figures={"price_fen": 1_000_000}, sector="汽车")
    officer = login(alice)
    page = officer.get(f"/subsidies/a/{app.number}/").content.decode()
    assert "为申请人开通账号" in page
    r = officer.post(
        f"/subsidies/manage/applicant/{company.pk}/account",
        {"username": "gangcheng", "password": "pw-gangcheng-1", "number": app.number},
        follow=True,
    )
    assert "已为港城汽车销售有限公司开通账号" in r.content.decode()
    assert Applicant.objects.get(pk=company.pk).user.username == "gangcheng"
    mine = signed_in("gangcheng", "")
    assert mine.get(f"/subsidies/a/{app.number}/").status_code == 200


def test_officer_edits_the_decision_table_in_the_browser_form(make_programme, login, alice):
    """No code: change the rate cell and the cap cell, save as a new draft version; its cases run,
    a broken cell is refused with the node named."""
    from policyledger.web.subsidies.models import RuleVersion

    programme = make_programme(sectors=["家电"], max_award_yuan=2000)
    v1 = programme.rules.get()
    officer = login(alice)
    page = officer.get(f"/subsidies/manage/{programme.pk}/").content.decode()
    assert 'name="cell|rates|0|out_rate"' in page
    r = officer.post(
        f"/subsidies/manage/{programme.pk}/action",
        {
            "action": "edit_rule",
            "version": v1.pk,
            "cell|rates|0|out_rate": "0.15",
            "effective_from": "2026-07-01",
        },
        follow=True,
    )
    text = r.content.decode()
    assert "规则版本v2已保存" in text and "测试用例未通过" in text  # 15% no longer gives 10%
    v2 = RuleVersion.objects.get(programme=programme, number=2)
    assert v2.jdm["nodes"][1]["content"]["rules"][0]["out_rate"] == "0.15"
    assert v1.jdm == RuleVersion.objects.get(pk=v1.pk).jdm  # the published version is untouched
    r = officer.post(
        f"/subsidies/manage/{programme.pk}/action",
        {
            "action": "edit_rule",
            "version": v1.pk,
            "cell|rates|0|in_sector": '"家电',
            "effective_from": "2026-07-01",
        },
        follow=True,
    )
    assert "节点 rates" in r.content.decode()
    assert RuleVersion.objects.filter(programme=programme).count() == 2


def test_money_rolls_up_to_the_task_page(published, tasks, resident, login, alice):
    """Measure 一 (1000万元 target) funds a programme: the task page shows committed and paid."""
    measure = Measure.objects.get(document=published, number="一、")
    programme = programme_service.create_programme(
        measure=measure, kind=Programme.Kind.RATE, rate_percent="10", max_award_fen=None
    )
    assert programme.budget_fen == 1000_0000_00  # prefilled from 1000万元
    programme_service.install_default_rule(programme, effective_from=dt.date(2022, 1, 1))
    programme_service.open_programme(programme)
    svc.approve(alice, svc.submit(programme, resident, figures={"price_fen": 1_000_000_00}))
    task = tasks[("一、", "市商务局")]
    page = login(alice).get(f"/tracking/tasks/{task.pk}/").content.decode()
    assert (
        "资金兑现" in page
        and "10,000,000.00" in page
        and "已承诺 <strong>10,000,000.00" not in page
    )
    assert "已承诺 <strong>100,000.00</strong> 元（1.0%）" in page
    other = tasks[("二、", "市发展改革委")]
    assert "资金兑现" not in login(alice).get(f"/tracking/tasks/{other.pk}/").content.decode()
