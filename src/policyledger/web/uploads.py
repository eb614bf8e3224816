"""Reading an uploaded file without trusting it: its size is checked before a byte is read into
memory, and the read itself stops at the cap (a file object may report a size it does not have)."""

from __future__ import annotations

from typing import Any

CHUNK = 256 * 1024


class TooLarge(ValueError):
    """The upload is over its cap; ``str(error)`` is a message for the user (Chinese)."""


def read_capped(upload: Any, limit: int, label: str | None = None) -> bytes:
    """The bytes of a Django ``UploadedFile`` (or any binary file object), at most ``limit``;
    TooLarge when it holds more. Reads in chunks, so at most ``limit`` + one chunk is in memory."""
    label = label or f"文件“{getattr(upload, 'name', '') or ''}”"
    message = f"{label}过大，上限为 {limit / 1048576:.0f} MB"
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise TooLarge(message)
    parts, total = [], 0
    chunks = (
        upload.chunks(CHUNK) if hasattr(upload, "chunks") else iter(lambda: upload.read(CHUNK), b"")
    )
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise TooLarge(message)
        parts.append(chunk)
    return b"".join(parts)
