"""Check a zip container (xlsx, docx) before a library opens it: a small upload may expand to
gigabytes (a "zip bomb") or hold a million members. Only the central directory is read, nothing
is decompressed. No Django import: the CLI may use it too.
"""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO


class ArchiveError(ValueError):
    """A container refused; ``str(error)`` is a message for the user (Chinese)."""


def check_zip(
    source: bytes | BinaryIO, *, max_bytes: int, max_members: int, what: str = "文件"
) -> int:
    """The total uncompressed size of the zip ``source``; ArchiveError when it is not a zip, or
    when it declares more than ``max_members`` members or ``max_bytes`` uncompressed bytes.

    The declared sizes bound what Python's zipfile (so openpyxl and python-docx) will inflate: it
    stops a member at its declared size, so a lying size field cannot expand further."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    position = stream.tell() if hasattr(stream, "tell") else 0
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ArchiveError(f"无法读取{what}：文件已损坏或格式不对") from exc
    finally:
        if hasattr(stream, "seek"):
            stream.seek(position)
    if len(members) > max_members:
        raise ArchiveError(f"{what}内部包含{len(members)}个部件，超过上限{max_members}个")
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise ArchiveError(
            f"{what}解压后约{total / 1048576:.0f} MB，超过上限{max_bytes / 1048576:.0f} MB"
        )
    return total
