"""政策兑现 in a real browser: a resident uses the calculator, registers, confirms bank details,
applies with an invoice PDF and sees why; the officer approves and publishes the 公示, which the
public reads with the name masked. Pages are checked for CSP violations and script errors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-subsidy-guide-123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def programme(transactional_db):
    from policyledger.web.subsidies.services import programmes as programme_service

    p = programme_service.create_programme(
        name="绿色节能家电消费补贴",
        kind="rate",
        budget_fen=500_0000_00,
        rate_percent="10",
        max_award_fen=2000_00,
        sectors=["家电"],
        notice_days=5,
    )
    programme_service.install_default_rule(p, effective_from=dt.date(2026, 1, 1))
    return programme_service.open_programme(p)


@pytest.fixture
def officer(transactional_db):
    from policyledger.web.accounts.services import create_user

    return create_user(
        "officer1", PASSWORD, role="admin", full_name="兑现科", email="o@example.org"
    )


def login(session, username: str) -> None:
    session.go("/accounts/login/")
    session.page.fill("input[name=username]", username)
    session.page.fill("input[name=password]", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_load_state("networkidle")


def test_applicant_and_officer_flow(programme, officer, open_session, shots, tmp_path: Path):
    from policyledger.web.subsidies.models import Application

    resident = open_session("居民")
    resident.go("/subsidies/calculator/")
    resident.page.select_option("select[name=applicant_kind]", "person")
    resident.page.fill("input[name=sector]", "家电")
    resident.page.fill("input[name=amount]", "3599")
    resident.page.click("#calc button[type=submit]")
    resident.page.wait_for_selector("#offers .offer")
    assert "359.90元" in resident.page.inner_text("#offers")
    shots(resident, "subsidies-calculator")

    resident.go("/subsidies/register/")
    resident.page.select_option("select[name=kind]", "person")
    resident.page.fill("input[name=name]", "王芳")
    resident.page.fill("input[name=id_number]", "11010519491231002X")
    resident.page.fill("input[name=username]", "wangfang")
    resident.page.fill("input[name=password]", PASSWORD)
    resident.page.click("#register button[type=submit]")
    resident.page.wait_for_url(re.compile(r"/subsidies/mine/"))
    resident.page.fill("#bank input[name=account]", "6222000011112222")
    resident.page.fill("#bank input[name=bank]", "中国工商银行连云港分行")
    resident.page.click("#bank button[type=submit]")
    resident.page.wait_for_selector(".msg-success:has-text('收款信息已确认')")
    shots(resident, "subsidies-mine")

    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(PDF)
    resident.go(f"/subsidies/apply/{programme.pk}/")
    resident.page.fill("input[name=amount]", "3599")
    resident.page.fill("input[name=sector]", "家电")
    resident.page.fill("input[name=invoice_code]", "3207262130")
    resident.page.fill("input[name=invoice_number]", "12345678")
    resident.page.set_input_files("#materials", str(invoice))
    shots(resident, "subsidies-apply")
    resident.page.click("#apply button[type=submit]")
    resident.page.wait_for_selector(".why")
    assert "按开票金额的10%补贴" in resident.page.inner_text(".why")
    shots(resident, "subsidies-why")
    app = Application.objects.get()

    staff = open_session("兑现科")
    login(staff, officer.username)
    staff.go(f"/subsidies/a/{app.number}/")
    staff.page.click("#review button[value=approve]")
    staff.page.wait_for_selector(".msg-success:has-text('审核通过')")
    staff.go(f"/subsidies/manage/{programme.pk}/")
    shots(staff, "subsidies-manage")
    staff.page.click("button[value=notice]")
    staff.page.wait_for_selector(".msg-success:has-text('公示已发布')")
    app.refresh_from_db()
    assert app.status == Application.Status.NOTICE

    public = open_session("公众")
    public.go(f"/subsidies/notices/{app.notice_id}/")
    rows = public.page.inner_text("#notice-rows")
    assert "王*" in rows and "王芳" not in rows and "110105********002X" in rows
    shots(public, "subsidies-notice")
    for s in (resident, staff, public):
        s.check()


def test_officer_whatif_chart_under_strict_csp(programme, officer, open_session):
    """测算 page in a real browser: the scenario's chart is drawn from json_script data by a static
    script (no CSP violation, no script error), baseline and scenario side by side."""
    s = open_session("测算")
    login(s, officer.username)
    s.go(f"/subsidies/manage/{programme.pk}/whatif")
    assert s.page.input_value("input[name=rate_percent]") == "10"
    s.page.fill("input[name=rate_percent]", "20")
    s.page.fill("input[name=size]", "3000")
    s.page.click("#whatif-form button[type=submit]")
    s.page.wait_for_selector("#whatif-chart[data-ready='1']")
    series = s.page.evaluate(
        """() => window.echarts.getInstanceByDom(document.getElementById("whatif-chart"))
              .getOption().series.map((x) => [x.name, x.data.length])"""
    )
    assert [name for name, _ in series] == ["基线（现行）", "方案"] and series[0][1] == 12
    assert "总成本" in s.page.inner_text("#whatif-table")
    # An uploaded district name is data: the chart's tooltip shows it as text.
    evil = "<img src=x onerror=window.__pwned=1>"
    csv = f"开票金额（元）,行业,区县\n1000.00,家电,{evil}\n2000.00,家电,甲区\n"
    s.page.select_option("select[name=source]", "upload")
    s.page.set_input_files(
        "input[name=upload]",
        files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": csv.encode()}],
    )
    s.page.click("#whatif-form button[type=submit]")
    s.page.wait_for_selector("#whatif-chart[data-ready='1']")
    tip = s.page.evaluate(
        """(name) => {
          const el = document.getElementById("whatif-chart");
          const chart = window.echarts.getInstanceByDom(el);
          const index = chart.getOption().xAxis[0].data.indexOf(name);
          chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: index });
          const div = Array.from(el.querySelectorAll("div")).find(
            (d) => d.textContent.includes("基线（现行）") && d.textContent.includes("元"));
          return div ? { text: div.textContent, images: div.querySelectorAll("img").length,
                         index: index } : { index: index };
        }""",
        evil,
    )
    assert tip["index"] >= 0 and evil in tip["text"] and tip["images"] == 0, tip
    assert s.page.evaluate("window.__pwned") is None
    s.check()
