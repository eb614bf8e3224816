"""Charts inside the docx reports: PNG pictures of a fixed size, the same bytes for the same data,
drawn with a CJK font (or left out with a note when none is installed), and rendered by
LibreOffice into the PDF's pages."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import struct
import subprocess
from decimal import Decimal

import pytest
from docx import Document

from policyledger.web.monitoring import charts
from policyledger.web.monitoring.models import Indicator
from policyledger.web.monitoring.services import targets
from policyledger.web.tracking import hooks as tracking_hooks
from policyledger.web.tracking.hooks import DistrictResult, ProgrammeResult, SectorResult

pytestmark = pytest.mark.django_db

needs_font = pytest.mark.skipif(not charts.available(), reason="no CJK font (fonts-noto-cjk)")


def png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert blob[12:16] == b"IHDR"
    return struct.unpack(">II", blob[16:24])


def pictures(content: bytes) -> tuple[Document, list[bytes]]:
    document = Document(io.BytesIO(content))
    blobs = [
        shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        for shape in document.inline_shapes
    ]
    return document, [document.part.related_parts[rid].blob for rid in blobs]


@pytest.fixture
def programme():
    def provider() -> list[ProgrammeResult]:
        return [
            ProgrammeResult(
                key="charts:1", kind="消费券活动", name="图表测试活动", region="示范市",
                start=dt.date(2024, 9, 1), end=dt.date(2024, 10, 31), sectors=["餐饮"],
                planned=Decimal(100000), committed=Decimal(60000), paid=Decimal(40000),
                redeemed=3, bills=Decimal("900.00"), government_redeemed=Decimal("90.00"),
                by_sector=[SectorResult("餐饮", 2, Decimal(60), Decimal(600), 1),
                           SectorResult("零售", 1, Decimal(30), Decimal(300), 1)],
                districts=[DistrictResult("海州区", 3, Decimal(900), Decimal(90), 2, 3)],
            )
        ]  # fmt: skip

    tracking_hooks.add_programme_source(provider)
    yield "charts:1"
    tracking_hooks._programme_sources.remove(provider)


def link(alice):
    total = Indicator.objects.get(region="示范市", name="社会消费品零售总额")
    return targets.link_target(alice, indicator=total, year=2024, kind="growth", value=Decimal(8))


@needs_font
def test_analysis_docx_has_growth_and_target_charts(market, alice, login):
    link(alice)
    client = login(alice)
    params = {"region": "示范市", "month": "2024-10"}
    first = client.get("/monitoring/analysis/report.docx", params).content
    document, blobs = pictures(first)
    assert len(document.inline_shapes) == 2  # categories ranked by growth, actual vs path
    assert all(png_size(b) == charts.SIZE_PX == (960, 510) for b in blobs)
    texts = [p.text for p in document.paragraphs]
    assert "图：各类别按本月同比增速排序" in texts
    assert any(t.startswith("图：社会消费品零售总额实际与目标路径") for t in texts)
    # The same data give the same pictures (no timestamps, fixed size and dpi).
    _, again = pictures(client.get("/monitoring/analysis/report.docx", params).content)
    assert again == blobs
    assert b"Software" not in blobs[0] and b"Creation Time" not in blobs[0]
    # The picture's paragraph is not held to the body's exact line height (that clips it).
    from docx.enum.text import WD_LINE_SPACING

    holders = [p for p in document.paragraphs if p._p.xpath(".//pic:pic")]
    assert len(holders) == 2
    assert all(p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE for p in holders)


@needs_font
def test_evaluation_and_year_end_docx_have_charts(market, alice, login, programme):
    link(alice)
    client = login(alice)
    document, blobs = pictures(
        client.get(f"/monitoring/evaluation/{programme}/report.docx").content
    )
    assert len(blobs) == 1 and png_size(blobs[0]) == charts.SIZE_PX  # money by sector
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "海州区" in cells  # the district table
    document, blobs = pictures(client.get("/monitoring/evaluation/year/2024.docx").content)
    # Actual vs path of the linked target, and the programmes' money.
    assert len(blobs) == 2 and all(png_size(b) == charts.SIZE_PX for b in blobs)
    texts = [p.text for p in document.paragraphs]
    assert "图：各项目计划、已承诺与已拨付资金" in texts


def test_without_a_cjk_font_the_charts_are_left_out_with_a_note(market, alice, login, monkeypatch):
    link(alice)
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    content = (
        login(alice)
        .get("/monitoring/analysis/report.docx", {"region": "示范市", "month": "2024-10"})
        .content
    )
    document, blobs = pictures(content)
    assert blobs == []
    texts = [p.text for p in document.paragraphs]
    assert texts.count(charts.MISSING_FONT) == 1
    with pytest.raises(charts.ChartError, match="fonts-noto-cjk"):
        charts.ranked_growth("x", ["a"], [Decimal(1)])


@needs_font
def test_charts_render_into_the_pdf_pages(market, alice, login, tmp_path):
    from pypdf import PdfReader

    link(alice)
    content = (
        login(alice)
        .get("/monitoring/analysis/report.docx", {"region": "示范市", "month": "2024-10"})
        .content
    )
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice not installed")
    source = tmp_path / "analysis.docx"
    source.write_bytes(content)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    reader = PdfReader(tmp_path / "analysis.pdf")
    assert len(reader.pages) >= 2  # masthead, tables and two charts do not fit on one A4 page
    # Distinct pictures (LibreOffice may list shared resources on every page).
    images = {(im.name, im.image.size) for page in reader.pages for im in page.images}
    assert len(images) == 2 and {size for _, size in images} == {charts.SIZE_PX}
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "消费市场运行情况" in text and "目标路径" in text


def test_year_end_docx_with_a_published_document(published, alice, login):
    """The per-document table fits the text block (it overflowed by a float's rounding before)."""
    response = login(alice).get(f"/monitoring/evaluation/year/{dt.date.today().year}.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert published.title in cells
