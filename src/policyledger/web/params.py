"""Numbers read from a query string or a form, where anything at all may arrive."""

from __future__ import annotations

from collections.abc import Iterable

# Ids are BigAutoField: a signed 64-bit integer on SQLite and PostgreSQL. A larger number names no
# row, and handing one to SQLite raises OverflowError (a 500) instead of finding nothing.
MAX_INT = 2**63 - 1


def int_or_none(text: str | None) -> int | None:
    """``text`` as a non-negative integer that fits a database column, else None.

    ``str.isdigit`` is not enough: it accepts ``²`` and other digits that ``int`` refuses.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_INT else None


def ints(values: Iterable[str]) -> list[int]:
    """The values that read as integers (``int_or_none``), in order; the others dropped."""
    return [n for n in map(int_or_none, values) if n is not None]
