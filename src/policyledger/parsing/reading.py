"""Bytes of a policy document -> its text (the first stage; no file I/O here).

The type is sniffed from the content, never from the name: a .docx renamed .txt still reads, and a
spreadsheet renamed .txt is refused with a message that says what it is. Only ``\\r\\n`` is normalised
to ``\\n``; everything else (widths, spaces, broken lines) is left for the cleaning stage, so offsets
in the parse result point into exactly the text returned here.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

logger = logging.getLogger("policyledger.parsing.reading")

# Above this share of control / replacement / unassigned characters the "text" is binary.
_MAX_BAD_SHARE = 0.02
# A UTF-8 file with a few broken bytes (a truncated download) is still UTF-8, not GB18030 mojibake.
_MAX_UTF8_ERROR_SHARE = 0.01

# What binary read as text turns into: C0/C1 controls (not tab, newlines, form feed), the
# replacement character, private-use and surrogate code points. A regex keeps the check at C speed.
_BAD_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\ud800-\udfff]")

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# Magic numbers of formats people send instead of a policy text, with the name a user knows them by.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文件（.doc / .xls / .ppt）"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"\x7fELF", "可执行文件"),
)

_SUPPORTED = "支持的类型：纯文本（UTF-8 / GB18030 / UTF-16）、Word（.docx）、带文本层的 PDF"


class ReadError(Exception):
    """The bytes are not a readable policy document; ``str(error)`` is a message for the user (Chinese)."""


def decode(
    data: bytes,
    name: str = "",
    *,
    max_pages: int | None = None,
    max_uncompressed: int | None = None,
    max_members: int | None = None,
) -> str:
    """Return the text of a .txt, .docx or .pdf given as bytes; raise ``ReadError`` otherwise.

    ``name`` is only used in log lines; the type is decided by the content. ``max_pages`` caps a
    PDF's pages; ``max_uncompressed`` / ``max_members`` cap what a .docx (a zip) declares, checked
    before python-docx opens it. None is no cap (the CLI on one's own files).
    """
    kind = _sniff(data)
    logger.debug("reading %s as %s (%d bytes)", name or "<bytes>", kind, len(data))
    if kind == "docx":
        if max_uncompressed is not None or max_members is not None:
            from policyledger.archives import ArchiveError, check_zip

            try:
                check_zip(
                    data,
                    max_bytes=max_uncompressed if max_uncompressed is not None else 2**62,
                    max_members=max_members if max_members is not None else 2**62,
                    what="Word 文档",
                )
            except ArchiveError as exc:
                raise ReadError(str(exc)) from exc
        text = _docx_text(data)
    elif kind == "pdf":
        text = _pdf_text(data, max_pages)
    else:
        text = _plain_text(data)
    return text.replace("\r\n", "\n")


def sniff(data: bytes) -> str:
    """The kind of ``data``: "text", "docx" or "pdf" (cheap: nothing is decompressed or parsed);
    ``ReadError`` for a kind that cannot be read."""
    return _sniff(data)


def _sniff(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    # The PDF header may follow a few bytes of junk; readers accept it within the first KiB.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        raise ReadError(f"不支持的文件类型：WebP 图片。{_SUPPORTED}")
    for magic, label in _MAGIC:
        if data.startswith(magic):
            raise ReadError(f"不支持的文件类型：{label}。{_SUPPORTED}")
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError(f"文件是损坏的 ZIP 压缩包（或 Office 文件），无法打开：{exc}") from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        label = "Excel 工作簿（.xlsx）"
    elif "ppt/presentation.xml" in names:
        label = "PowerPoint 演示文稿（.pptx）"
    elif "content.xml" in names and "mimetype" in names:
        label = "OpenDocument 文件（.odt / .ods）"
    else:
        label = "ZIP 压缩包"
    raise ReadError(f"不支持的文件类型：{label}。{_SUPPORTED}")


def _docx_text(data: bytes) -> str:
    import docx  # python-docx; imported here so that reading plain text stays cheap
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for a broken package
        raise ReadError(f"Word 文档（.docx）已损坏，无法读取：{exc}") from exc
    lines: list[str] = []
    # Body order matters: a 责任分工 table sits between the paragraphs it belongs to.
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            # A merged cell comes back once per grid column it spans; keep it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text.strip())
        lines.append("\t".join(cells))
    return lines


def _pdf_text(data: bytes, max_pages: int | None = None) -> str:
    import pypdf
    from pypdf.errors import PdfReadError

    # pypdf warns on every slightly-off PDF that it still reads; that is noise for a user.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError("PDF 文件已加密，需要密码才能读取。")
        if max_pages is not None and len(reader.pages) > max_pages:
            raise ReadError(f"PDF 共{len(reader.pages)}页，超过上限{max_pages}页，请拆分后再导入。")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ReadError(f"PDF 文件已损坏，无法读取：{exc}") from exc
    except Exception as exc:  # pypdf on a malformed file can fail in many other ways
        raise ReadError(f"PDF 文件无法解析：{exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise ReadError(
            "未找到文本层：这个 PDF 可能是扫描件（只有图片）。请先做文字识别（OCR），"
            "或提供 Word / 文本版本。"
        )
    return text


def _plain_text(data: bytes) -> str:
    text = _decode_text(data)
    if _looks_binary(text):
        raise ReadError(
            "无法识别文件编码：内容不像文本（控制字符或乱码过多），可能是二进制文件或不支持的格式。"
            f"{_SUPPORTED}"
        )
    return text


def _decode_text(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"文件声明为 {encoding.upper()} 编码，但内容无法按此编码读取。"
                ) from exc
    # Chinese government text is almost always UTF-8 or GB18030/GBK: try those strictly before guessing.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    errors = lenient.count("\ufffd")
    non_ascii = len(lenient) - len(lenient.encode("ascii", errors="ignore"))
    if non_ascii and errors <= max(1, int(non_ascii * _MAX_UTF8_ERROR_SHARE)):
        # A handful of broken bytes in otherwise valid UTF-8 (GBK read as UTF-8 fails on nearly
        # every character, so this cannot swallow a GBK file).
        return lenient
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    return _guess(data)


def _guess(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError(f"无法识别文件编码：不是 UTF-8、GB18030/GBK 或 UTF-16 文本。{_SUPPORTED}")
    return str(best)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    if "\x00" in text[:4096]:
        return True
    sample = text[:65536]
    bad = len(_BAD_CHARS.findall(sample))
    return bad > max(2, len(sample) * _MAX_BAD_SHARE)
