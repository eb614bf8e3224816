"""Targets on indicators (path, warning, notification), the 运行分析 page and its .docx."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from docx import Document

from policyledger.web.core.models import Notification
from policyledger.web.monitoring.models import Indicator, IndicatorTarget
from policyledger.web.monitoring.services import analysis, targets
from policyledger.web.monitoring.services.importing import import_release

pytestmark = pytest.mark.django_db


def total():
    return Indicator.objects.get(region="示范市", name="社会消费品零售总额")


def test_growth_target_behind_two_months_is_alert_with_one_notification(market, alice):
    link = targets.link_target(
        alice, indicator=total(), year=2024, kind="growth", value=Decimal("8")
    )
    link.refresh_from_db()
    points = targets.path_of(link)
    assert points[0].path == Decimal("8") and points[9].actual is not None
    assert points[10].actual is None
    assert link.warning == IndicatorTarget.Warning.ALERT
    assert "连续两个月低于目标进度" in link.warning_detail
    notes = Notification.objects.filter(user=alice, text__contains="预警")
    assert notes.count() == 1
    # Running again changes nothing and notifies nobody.
    assert targets.update_warnings() == 0
    assert Notification.objects.filter(user=alice).count() == 1


def test_one_month_behind_is_attention_and_meeting_it_is_normal(market, alice):
    link = targets.link_target(
        alice, indicator=total(), year=2024, kind="growth", value=Decimal("5.8")
    )
    link.refresh_from_db()
    # Cumulative 同比 is 6.0% to August, 5.9% in September, 5.7% in October: one month behind.
    assert link.warning == IndicatorTarget.Warning.ATTENTION
    assert link.warning_detail == "10月5.7低于目标进度5.8"
    levels = targets.level_of(
        [targets.PathPoint(1, Decimal(5), Decimal(6)), targets.PathPoint(2, Decimal(5), Decimal(4))]
    )
    assert levels[0] == IndicatorTarget.Warning.ATTENTION
    levels = targets.level_of(
        [targets.PathPoint(1, Decimal(5), Decimal(4)), targets.PathPoint(2, Decimal(5), Decimal(6))]
    )
    assert levels[0] == IndicatorTarget.Warning.NORMAL
    link = targets.link_target(
        alice, indicator=total(), year=2024, kind="growth", value=Decimal("2")
    )
    link.refresh_from_db()
    assert link.warning == IndicatorTarget.Warning.NORMAL


def test_amount_target_follows_last_years_profile(market, alice):
    link = targets.link_target(
        alice, indicator=total(), year=2024, kind="amount", value=Decimal("600")
    )
    points = targets.path_of(link)
    # Last year's December cumulative is the year; January's share of it sets January's path.
    january_share = Decimal("400.0") / Decimal("5130.0")
    assert points[0].path == (Decimal(600) * january_share).quantize(Decimal("0.01"))
    assert points[11].path == Decimal("600.00")


def test_reviewer_links_document_target_on_the_page(market, published, alice, login):
    from policyledger.web.documents.models import Target

    percent = Target.objects.filter(kind__in=["percent", "money"]).first()
    assert percent is not None
    client = login(alice)
    page = client.get("/monitoring/targets/")
    assert page.status_code == 200 and percent.text in page.content.decode()
    response = client.post(
        "/monitoring/targets/",
        {
            "target": percent.pk,
            "indicator": total().pk,
            "year": 2024,
            "kind": "growth",
            "value": "8",
        },
    )
    assert response.status_code == 302
    link = IndicatorTarget.objects.get()
    assert link.target == percent and link.text == percent.text[:500]
    index = client.get("/monitoring/").content.decode()
    assert 'id="monitoring-targets"' in index and "预警" in index


def test_viewer_reads_reporter_does_not_and_viewer_cannot_import(market, bob, dave, login):
    assert login(dave).get("/monitoring/").status_code == 200
    assert login(dave).get("/monitoring/import/").status_code == 403
    assert login(bob).get("/monitoring/analysis/").status_code == 403


def test_import_page_shows_row_and_column_and_writes_nothing(alice, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(alice)
    bad = "2024年3月\n指标,单位,本月（亿元）\n汽车类,万元,12\n".encode()
    response = client.post(
        "/monitoring/import/",
        {"file": SimpleUploadedFile("bad.csv", bad), "region": "示范市", "tolerance": "0"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "第3行“单位”列：单位“万元”与表头“本月(亿元)”的单位“亿元”不一致" in text
    assert Indicator.objects.count() == 0
    good = bad.replace("万元".encode(), "亿元".encode())
    response = client.post(
        "/monitoring/import/",
        {"file": SimpleUploadedFile("good.csv", good), "region": "示范市", "tolerance": "0"},
    )
    assert response.status_code == 302 and Indicator.objects.count() == 1


def test_analysis_ranks_categories_and_compares_regions(market, alice, login):
    import datetime as dt

    data = analysis.analysis("示范市", dt.date(2024, 10, 1))
    assert [f.indicator.name for f in data.categories] == ["餐饮收入", "汽车类"]
    assert [f.indicator.region for f in data.regions] == ["邻市", "示范市"]
    text = analysis.summary(data)
    assert (
        text.startswith("2024年10月，示范市实现社会消费品零售总额") and "餐饮收入增长最快" in text
    )
    page = login(alice).get("/monitoring/analysis/", {"region": "示范市"})
    body = page.content.decode()
    assert page.status_code == 200 and "2024年10月" in body and 'id="analysis-data"' in body


def test_analysis_docx_structure_and_renders_through_libreoffice(market, alice, login, tmp_path):
    response = login(alice).get(
        "/monitoring/analysis/report.docx", {"region": "示范市", "month": "2024-10"}
    )
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert "2024年10月示范市消费市场运行情况" in texts
    assert any(t.startswith("一、总体情况") for t in texts)
    assert document.tables[0].rows[1].cells[1].text == "餐饮收入"
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice not installed")
    source = tmp_path / "analysis.docx"
    source.write_bytes(response.content)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "analysis.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000
    from pypdf import PdfReader

    from policyledger.web.monitoring import charts

    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2  # masthead, four sections, a table and a chart
    if charts.available():
        assert len(document.inline_shapes) == 1  # categories ranked by growth (no target linked)
        # LibreOffice may list a page's resources on every page: count distinct pictures.
        assert len({im.name for page in reader.pages for im in page.images}) == 1
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True).stdout
        assert "消费市场运行情况" in text.replace(" ", "")


def test_next_import_moves_the_warning(market, alice):
    link = targets.link_target(
        alice, indicator=total(), year=2024, kind="growth", value=Decimal("5.8")
    )
    link.refresh_from_db()
    assert link.warning == IndicatorTarget.Warning.ATTENTION
    # November 2023: 450.0 in the month, 4,675.0 to date; 2024 to October 4,465.2.
    november = (
        "2024年11月\n指标,本月（亿元）,同比增长%,1—11月累计（亿元）,同比增长%\n"
        "社会消费品零售总额,900.0,100.0,5365.2,14.8\n"
    )
    import_release(november.encode(), "nov.csv", user=alice, region="示范市")
    link.refresh_from_db()
    assert link.warning == IndicatorTarget.Warning.NORMAL
    assert Notification.objects.filter(user=alice, text__contains="监测指标").count() == 2


def test_import_page_refuses_a_zip_bomb_and_an_oversized_file(alice, login, settings):
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (settings.MAX_UNCOMPRESSED_BYTES + 1))
    client = login(alice)
    response = client.post(
        "/monitoring/import/", {"file": SimpleUploadedFile("bomb.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 200 and "Excel文件" in response.content.decode()
    settings.MAX_UPLOAD_BYTES = 10
    response = client.post(
        "/monitoring/import/", {"file": SimpleUploadedFile("big.csv", b"x" * 100)}
    )
    assert "policyledger monitoring import" in response.content.decode()
    assert Indicator.objects.count() == 0
