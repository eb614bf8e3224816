"""The reading stage on real files: encodings, .docx built with python-docx, PDFs made by LibreOffice."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from policyledger.parsing.reading import ReadError, decode

# Starts of files the sniffer treats specially: zip, PDF, BOMs, OLE2, images.
MAGIC_PREFIXES = [
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"%PDF-1.4\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xff\xfe\x00\x00",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\x89PNG\r\n\x1a\n",
]
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "corpus").glob("*.txt"))


def _sample_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "gb18030", "gbk", "utf-32"]
)
def test_sample_round_trips_through_every_encoding(path: Path, encoding: str) -> None:
    text = _sample_text(path)
    if encoding == "gbk":
        # GBK has no NO-BREAK SPACE and a few other characters: a GBK file simply lacks them.
        text = text.encode("gbk", errors="ignore").decode("gbk")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # with its BOM, as Windows Notepad writes it
    assert decode(data, path.name) == text.replace("\r\n", "\n")


def test_short_gbk_text_is_not_mistaken_for_another_encoding() -> None:
    text = "关于进一步促进消费的若干措施\n一、举办促消费活动。（责任单位：市商务局）\n"
    assert decode(text.encode("gbk")) == text


def test_gb18030_only_characters() -> None:
    # 𠀀 and € are outside GBK: only GB18030 four-byte sequences carry them.
    text = "𠀀字与€符号出现在政策文本中。" * 3
    assert decode(text.encode("gb18030")) == text


def test_utf8_with_a_broken_tail_stays_utf8() -> None:
    text = "促进消费加快恢复。" * 50
    data = text.encode("utf-8")[:-1]  # a download cut off inside the last character
    decoded = decode(data)
    assert decoded.startswith(text[:-2])
    assert "锟" not in decoded and "\u951f" not in decoded


def test_only_crlf_is_normalised() -> None:
    data = "第一行\r\n第二行\r\n\u3000\u3000（一）全角\t空白 保留".encode()
    assert decode(data) == "第一行\n第二行\n\u3000\u3000（一）全角\t空白 保留"


def test_empty_input_is_empty_text() -> None:
    assert decode(b"") == ""


@pytest.mark.parametrize("size", [64, 4096, 200_000])
def test_random_bytes_are_refused(size: int) -> None:
    data = random.Random(size).randbytes(size)
    with pytest.raises(ReadError) as error:
        decode(data, "garbage.txt")
    assert "编码" in str(error.value) or "类型" in str(error.value)


def test_text_with_many_control_characters_is_refused() -> None:
    data = ("政策" + "\x01\x02\x03\x04") * 200
    with pytest.raises(ReadError, match="无法识别文件编码"):
        decode(data.encode("utf-8"))


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("关于进一步促进消费的若干措施")
    document.add_paragraph("一、举办促消费活动。发放消费券1000万元。")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "序号"
    table.cell(0, 1).text = "任务"
    table.cell(0, 2).text = "责任单位"
    table.cell(1, 0).text = "1"
    table.cell(1, 1).text = "发放消费券"
    table.cell(1, 2).text = "市商务局"
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 2)).text = "合并单元格"
    document.add_paragraph("二、激活夜间经济。（责任单位：市发改委）")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_in_body_order() -> None:
    text = decode(_docx_bytes(), "措施.docx")
    assert text.splitlines() == [
        "关于进一步促进消费的若干措施",
        "一、举办促消费活动。发放消费券1000万元。",
        "序号\t任务\t责任单位",
        "1\t发放消费券\t市商务局",
        "合并单元格",
        "二、激活夜间经济。（责任单位：市发改委）",
    ]


def test_docx_renamed_txt_is_read_as_docx() -> None:
    assert decode(_docx_bytes(), "措施.txt").startswith("关于进一步促进消费的若干措施\n")


def _zip_with(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_xlsx_is_refused_by_name() -> None:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(ReadError, match="Excel"):
        decode(buffer.getvalue(), "表格.txt")


def test_plain_zip_is_refused() -> None:
    with pytest.raises(ReadError, match="ZIP 压缩包"):
        decode(_zip_with(["a.txt", "b/c.txt"]), "文件.docx")


def test_broken_docx_is_refused() -> None:
    with pytest.raises(ReadError, match="Word"):
        decode(_zip_with(["word/document.xml", "[Content_Types].xml"]), "坏.docx")


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "JPEG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "旧版 Office"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(32), "WebP"),
    ],
)
def test_other_types_are_named(data: bytes, label: str) -> None:
    with pytest.raises(ReadError, match=label):
        decode(data, "通知.txt")


@pytest.fixture(scope="module")
def libreoffice_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real PDF with a text layer: LibreOffice converts a .docx we build."""
    if not Path(SOFFICE).exists():
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("pdf")
    (folder / "措施.docx").write_bytes(_docx_bytes())
    profile = folder / "profile"
    # A private profile: a user's running LibreOffice would otherwise take the job or block it.
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(folder / "措施.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
    )
    return (folder / "措施.pdf").read_bytes()


def test_pdf_text_layer(libreoffice_pdf: bytes) -> None:
    text = decode(libreoffice_pdf, "措施.pdf")
    compact = "".join(text.split())
    assert "关于进一步促进消费的若干措施" in compact
    assert "发放消费券1000万元" in compact
    assert "（责任单位：市发改委）" in compact


def test_pdf_renamed_txt_is_read_as_pdf(libreoffice_pdf: bytes) -> None:
    assert "若干措施" in decode(libreoffice_pdf, "措施.txt")


def _image_only_pdf(width: int = 40, height: int = 20) -> bytes:
    """A PDF whose only page content is an image, as a scanner makes it."""
    pixels = bytes((x * 6) % 256 for x in range(width * height * 3))
    image = zlib.compress(pixels)
    content = f"q {width * 10} 0 0 {height * 10} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
        f"/Length {len(image)} >>\nstream\n".encode()
        + image
        + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def test_image_only_pdf_says_there_is_no_text_layer() -> None:
    with pytest.raises(ReadError, match="^未找到文本层"):
        decode(_image_only_pdf(), "扫描件.pdf")


def test_truncated_pdf_is_a_read_error(libreoffice_pdf: bytes) -> None:
    with pytest.raises(ReadError, match="PDF"):
        decode(libreoffice_pdf[: len(libreoffice_pdf) // 3], "坏.pdf")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(MAGIC_PREFIXES), st.binary()),
        st.text(max_size=500).map(lambda t: t.encode("utf-8")),
    )
)
def test_any_bytes_give_text_or_a_read_error(data: bytes) -> None:
    try:
        text = decode(data)
    except ReadError as error:
        assert str(error)  # a message a user can read, never empty
    else:
        assert isinstance(text, str)
        assert "\r\n" not in text
