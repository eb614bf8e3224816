"""Market monitoring in a real browser: a bad release rejected with its row and column, the good one
imported through the upload page, the dashboard's actual-vs-path chart, the 运行分析 page's charts
and its .docx downloaded. Pages are checked for CSP violations and script errors."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from docx import Document

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct-horse-电池-42"
HEAD = "地区,指标,类别,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n"


def test_import_dashboard_analysis_report(transactional_db, alice, open_session, shots, tmp_path):
    from policyledger.web.monitoring import demo
    from policyledger.web.monitoring.models import Indicator, IndicatorValue
    from policyledger.web.monitoring.services.targets import link_target

    today = dt.date(2024, 10, 15)
    good = tmp_path / "release.csv"
    good.write_text(HEAD + demo.release_csv(today), encoding="utf-8")
    lines = good.read_text("utf-8").splitlines()
    fields = lines[20].split(",")  # month 20 of the file: its base year is in it too
    fields[7] = "99.9"  # a 同比 the values cannot give
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:20], ",".join(fields), *lines[21:]]) + "\n", encoding="utf-8")

    admin = open_session("牵头办管理员")
    admin.go("/accounts/login/")
    admin.page.fill("input[name=username]", alice.username)
    admin.page.fill("input[name=password]", PASSWORD)
    admin.page.click("button[type=submit]")
    admin.page.wait_for_url(re.compile(r"/$"))

    admin.go("/monitoring/import/")
    admin.page.set_input_files("input[name=file]", str(bad))
    admin.page.click("form.stack button[type=submit]")
    admin.page.wait_for_selector("#import-problems")
    assert "第21行“本月同比%”列：同比99.9%与数值不符" in admin.page.inner_text("#import-problems")
    assert IndicatorValue.objects.count() == 0
    shots(admin, "import-rejected")

    admin.page.set_input_files("input[name=file]", str(good))
    admin.page.click("form.stack button[type=submit]")
    admin.page.wait_for_url(re.compile(r"/monitoring/$"))
    assert IndicatorValue.objects.count() == 24 * len(demo.SERIES)
    total = Indicator.objects.get(name="社会消费品零售总额")
    link_target(alice, indicator=total, year=2024, kind="growth", value=Decimal("8"))

    admin.go("/monitoring/")
    admin.page.wait_for_selector(f"#chart-target-{total.targets.get().pk} canvas")
    assert "预警" in admin.page.inner_text("#targets")
    shots(admin, "dashboard")

    admin.go("/monitoring/analysis/?region=连云港市&month=2024-10")
    admin.page.wait_for_selector("#chart-categories canvas")
    admin.page.wait_for_selector("#chart-trend canvas")
    assert "2024年10月，连云港市实现社会消费品零售总额" in admin.page.inner_text(
        "#analysis-summary"
    )
    shots(admin, "analysis")
    with admin.page.expect_download() as info:
        admin.page.click("#analysis-docx")
    path = info.value.path()
    texts = [p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs]
    assert "2024年10月连云港市消费市场运行情况" in texts
    admin.check()
