"""The 通报 prints as it is: rendered by LibreOffice to PDF and to page images, it has its pages,
its text, CJK fonts embedded, and nothing runs into the right or left margin.

The page images are kept under tests/artifacts/briefing/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from policyledger.web.tracking.briefings.data import collect_briefing
from policyledger.web.tracking.briefings.docx import render_docx
from policyledger.web.tracking.services.periods import parse_period

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "briefing"
DPI = 60
LONG_UNIT = "市文化广电和旅游局（市文物局、市体育局）"
pytestmark = pytest.mark.slow


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return path


@pytest.fixture
def crowded(programme, published, clock, now, people, report):
    """The programme plus 24 more units with tasks, one with a long name, so the unit table runs
    onto a second page and the overdue list is long."""
    from policyledger.web.accounts.models import Unit
    from policyledger.web.tracking.models import Task

    measures = list(published.measures.order_by("order"))
    with clock(now):
        _add_units(measures, Unit, Task)
    from policyledger.web.tracking.services.reports import accept_report

    night = programme[("三、", "市商务局")]
    with clock(now + dt.timedelta(days=120)):
        filed = report(
            people["bob"], night, parse_period("2023年1月", "monthly"), status="in_progress",
            percent=60, narrative="春节期间举办夜市和灯会活动18场，吸引客流约35万人次。",
        )  # fmt: skip
        accept_report(people["alice"], filed.pk)
    return programme


def _add_units(measures, Unit, Task) -> None:
    for i in range(24):
        name = LONG_UNIT if i == 0 else f"第{i + 1}区人民政府"
        unit = Unit.objects.create(name=name, level=Unit.Level.COUNTY)
        for measure in measures:
            Task.objects.create(measure=measure, lead_unit=unit, deadline=dt.date(2022, 12, 31))


def _render(tmp_path: Path, data: bytes) -> Path:
    soffice = _tool("soffice")
    source = tmp_path / "briefing.docx"
    source.write_bytes(data)
    # A private profile: LibreOffice refuses to start twice on one profile (parallel test runs).
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "briefing.pdf"
    assert pdf.exists(), "LibreOffice produced no PDF"
    return pdf


def _gray_pages(pdf: Path, tmp_path: Path) -> list[tuple[int, int, bytes]]:
    """Each page as (width, height, 8-bit grey pixels), read from pdftoppm's PGM output."""
    subprocess.run(
        [_tool("pdftoppm"), "-gray", "-r", str(DPI), str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = []
    for path in sorted(tmp_path.glob("page*.pgm")):
        data = path.read_bytes()
        fields, rest = [], data
        while len(fields) < 4:  # P5, width, height, maxval; whitespace-separated
            rest = rest.lstrip()
            token, _, rest = rest.partition(b"\n") if len(fields) == 3 else _token(rest)
            fields.append(token)
        assert fields[0] == b"P5" and int(fields[3]) == 255
        width, height = int(fields[1]), int(fields[2])
        pages.append((width, height, rest[: width * height]))
    return pages


def _token(data: bytes) -> tuple[bytes, bytes, bytes]:
    for i, byte in enumerate(data):
        if chr(byte).isspace():
            return data[:i], b"", data[i + 1 :]
    return data, b"", b""


def _ink_columns(width: int, height: int, pixels: bytes) -> tuple[int, int]:
    """The leftmost and rightmost pixel columns holding anything darker than near-white."""
    left, right = width, -1
    for y in range(height):
        row = pixels[y * width : (y + 1) * width]
        dark = [x for x, value in enumerate(row) if value < 200]
        if dark:
            left, right = min(left, dark[0]), max(right, dark[-1])
    return left, right


def test_briefing_renders_printable(crowded, tmp_path):
    briefing = collect_briefing(parse_period("2023年1月", "monthly"), today=dt.date(2023, 1, 20))
    assert len(briefing.units) == 27 and len(briefing.overdue) > 20
    pdf = _render(tmp_path, render_docx(briefing))

    text = subprocess.run(
        [_tool("pdftotext"), str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    squashed = "".join(text.split())
    for expected in [
        "关于2023年1月政策落实情况的通报",
        "落实办通报〔2023〕1号",
        "各单位推进情况",
        "逾期任务",
        "工作亮点",
        "责任单位",
        "未报送",
        "完成率",
        "市商务局",
        "市发展改革委",
        "第24区人民政府",
        "2022年12月31日",
        "春节期间举办夜市和灯会活动18场",
        "资金目标合计1,000万元",
    ]:
        assert expected in squashed, expected
    # The long unit name wraps inside its cell rather than being cut.
    assert "".join(LONG_UNIT.split()) in squashed

    fonts = subprocess.run(
        [_tool("pdffonts"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout
    assert "CJK" in fonts, fonts  # Chinese drawn with the installed Noto CJK fonts, not boxes

    pages = _gray_pages(pdf, tmp_path)
    assert len(pages) >= 2
    assert "—2—" in squashed  # the page number field prints on the second page
    mm = DPI / 25.4
    for number, (width, height, pixels) in enumerate(pages, start=1):
        # A4 at the rendering resolution.
        assert abs(width - 210 * mm) < 3 and abs(height - 297 * mm) < 3
        left, right = _ink_columns(width, height, pixels)
        assert right > left, f"page {number} is blank"
        # Margins are 28 mm and 26 mm: nothing may come closer than 20 mm to either edge.
        assert left >= 20 * mm, f"page {number}: ink {left / mm:.0f} mm from the left edge"
        assert right <= width - 20 * mm, (
            f"page {number}: ink {(width - right) / mm:.0f} mm from the right edge"
        )

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("briefing-*.png"):
        old.unlink()
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "80", str(pdf), str(ARTIFACTS / "briefing")],
        check=True,
        timeout=120,
    )
    assert len(list(ARTIFACTS.glob("briefing-*.png"))) == len(pages)


def test_docx_structure(programme):
    briefing = collect_briefing(parse_period("2022年9月", "monthly"), today=dt.date(2022, 9, 25))
    document = Document(io.BytesIO(render_docx(briefing)))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 2.8 and round(section.top_margin.cm, 1) == 3.7
    body = document.element.body.xml
    # East Asian fonts named explicitly, simplified-Chinese language for the glyph forms.
    assert 'w:eastAsia="SimSun"' in body and 'w:eastAsia="SimHei"' in body
    defaults = etree.tostring(document.styles.element.find(qn("w:docDefaults")), encoding=str)
    assert 'w:eastAsia="zh-CN"' in defaults and "eastAsiaTheme" not in defaults
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "序号", "责任单位", "任务数", "已完成", "推进中", "逾期", "未报送", "完成率",
    ]  # fmt: skip
    assert "w:tblBorders" in table._tbl.xml and "w:tblHeader" in table._tbl.xml
    rows = {r.cells[1].text: [c.text for c in r.cells[2:]] for r in table.rows[1:]}
    assert rows["市商务局"] == ["2", "0", "1", "0", "1", "0.0%"]
    texts = [p.text for p in document.paragraphs]
    assert texts[1] == "落实办通报〔2022〕9号"
    assert "关于2022年9月政策落实情况的通报" in texts
    assert any("截至2022年9月25日" in t for t in texts)
    assert "本期无逾期未完成任务。" in texts
