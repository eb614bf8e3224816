"""The demo's market figures (模拟数据), its lagging target, and the voucher campaign's evaluation."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from docx import Document

from policyledger.web.monitoring import demo
from policyledger.web.monitoring.models import Indicator, IndicatorTarget, IndicatorValue
from policyledger.web.monitoring.services import evaluation
from policyledger.web.tracking import hooks as tracking_hooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(alice):
    from django.contrib.auth import get_user_model

    from policyledger.web.accounts.services import create_user
    from policyledger.web.vouchers import demo as vouchers_demo

    if not get_user_model().objects.filter(username="admin").exists():
        create_user("admin", "demo-admin-pass-2026", role="admin")
    campaign = vouchers_demo.seed(quantity_scale=0.001, stdout=lambda *_: None)
    demo.seed(stdout=lambda *_: None)
    return campaign


def test_demo_has_24_simulated_months_and_a_warning(seeded):
    total = Indicator.objects.get(region=demo.REGION, name="社会消费品零售总额")
    assert total.simulated
    assert IndicatorValue.objects.filter(indicator=total).count() == 24
    link = IndicatorTarget.objects.get(indicator=total)
    assert link.warning in (IndicatorTarget.Warning.ALERT, IndicatorTarget.Warning.ATTENTION)
    assert "演示设定" in link.text
    # Seeding twice changes nothing.
    demo.seed(stdout=lambda *_: None)
    assert IndicatorValue.objects.filter(indicator=total).count() == 24


def test_campaign_evaluation_prints_method_with_its_estimate(seeded, login, alice, tmp_path):
    key = f"vouchers:{seeded.pk}"
    result = tracking_hooks.programme(key)
    assert result is not None and result.redeemed == 4
    # Bills 268 + 308 + 135.50 * 2 = 847; government money 2/3 of (50 + 50 + 20 + 20).
    assert result.bills == Decimal("847.00")
    assert result.government_redeemed == Decimal("93.33")
    assert result.leverage == Decimal("9.08")
    found = evaluation.evaluate(key)
    assert found.effect.estimate is not None, found.effect.reason
    assert found.effect.estimate > 0  # the demo lifts the voucher sectors in the campaign's month
    assert "餐饮收入" in found.effect.treated and "通讯器材类" in found.effect.control
    client = login(alice)
    page = client.get(f"/monitoring/evaluation/{key}/").content.decode()
    assert "双重差分" in page and "平行趋势" in page and "个百分点" in page
    response = client.get(f"/monitoring/evaluation/{key}/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "方法：双重差分" in text and "前提假设：平行趋势" in text and "估计效果" in text
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice not installed")
    source = tmp_path / "evaluation.docx"
    source.write_bytes(response.content)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    assert (tmp_path / "evaluation.pdf").stat().st_size > 10_000
    from pypdf import PdfReader

    from policyledger.web.monitoring import charts

    reader = PdfReader(tmp_path / "evaluation.pdf")
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "分区县情况" in text and "前提假设" in text
    if charts.available():
        pictures = {im.name for page in reader.pages for im in page.images}
        assert len(pictures) == 1  # money by sector


def test_no_estimate_without_data_says_why(seeded):
    found = evaluation.evaluate(f"vouchers:{seeded.pk}", region="无数据县")
    assert found.effect.estimate is None and "没有与活动行业" in found.effect.reason


def test_months_between():
    assert evaluation.months_between(dt.date(2024, 11, 20), dt.date(2025, 1, 5)) == [
        dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1),
    ]  # fmt: skip


def test_simulated_figures_are_labelled_everywhere(seeded, login, alice):
    client = login(alice)
    assert "含模拟数据" in client.get("/monitoring/").content.decode()
    page = client.get("/monitoring/analysis/", {"region": demo.REGION}).content.decode()
    assert "模拟数据：本页数据由演示程序生成" in page
    response = client.get("/monitoring/analysis/report.docx", {"region": demo.REGION})
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "演示用模拟数据" in text
    page = client.get(f"/monitoring/evaluation/vouchers:{seeded.pk}/").content.decode()
    assert "模拟数据（演示生成）" in page


def test_year_end_report_lists_programmes_targets_and_method(seeded, login, alice):
    client = login(alice)
    year = dt.date.today().year
    assert (
        f"/monitoring/evaluation/year/{year}.docx"
        in client.get("/monitoring/evaluation/").content.decode()
    )
    response = client.get(f"/monitoring/evaluation/year/{year}.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{year}年度政策落实绩效评价报告" in text
    assert "效果估计的方法：双重差分" in text and "前提假设：平行趋势" in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert seeded.name in cells
    assert any("社会消费品零售总额" in c for c in cells)


def test_demo_weekly_figures_and_districts(seeded, login, alice):
    from policyledger.web.monitoring.models import IndicatorWeekValue

    weekly = Indicator.objects.filter(region=demo.REGION, frequency=Indicator.Frequency.WEEKLY)
    assert weekly.count() == len(demo.WEEKLY) and all(i.simulated for i in weekly)
    assert IndicatorWeekValue.objects.filter(indicator__in=weekly).count() == 26 * len(demo.WEEKLY)
    key = f"vouchers:{seeded.pk}"
    found = evaluation.evaluate(key)
    # The demo campaign has only just begun: one week is too few, so the months are used, and
    # the page says so.
    assert found.effect.basis == "monthly" and "周数太少" in found.effect.basis_note
    assert found.effect.estimate is not None
    assert [(d.district, d.redeemed) for d in found.result.districts] == [("海州区", 4)]
    page = login(alice).get(f"/monitoring/evaluation/{key}/").content.decode()
    assert "周数太少" in page and 'id="by-district"' in page and "海州区" in page


def test_demo_weekly_series_give_the_lift_once_the_campaign_has_run(seeded):
    """The same generator, run as if the campaign had started eight weeks ago, gives about +10%."""
    from policyledger.web.monitoring.models import IndicatorWeekValue

    IndicatorWeekValue.objects.all().delete()
    today = dt.date.today()
    demo.seed_weekly(today, campaign_start=today - dt.timedelta(weeks=8))
    result = tracking_hooks.programme(f"vouchers:{seeded.pk}")
    result.start = today - dt.timedelta(weeks=8)
    effect = evaluation.weekly_effect(result, demo.REGION)
    assert effect.estimate is not None, effect.reason
    assert abs(effect.estimate - 10) <= 2
