"""Amounts of money as people type them: 600万, 600万元, 1,000万元, 1.5亿, 135.50元, 3000.

``parse_amount`` returns yuan as a ``Decimal`` (exact; never float) or raises ``ValueError`` with a
Chinese message. Display goes the other way through ``formats.targets.format_money``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SCALE = {"": 1, "千": 1_000, "万": 10_000, "十万": 100_000, "百万": 1_000_000, "千万": 10_000_000,
          "亿": 100_000_000}  # fmt: skip
# Commas (or spaces) only between groups of three digits: "1,000万" is read, but "1,5亿" (a
# decimal comma?) or "1,2,3" is refused rather than silently read as 15亿 or 123.
_NUMBER = r"[+-]?(?:\d{1,3}(?:[,\s]\d{3})+|\d+)(?:\.\d+)?"
_AMOUNT = re.compile(rf"^({_NUMBER})\s*(千万|百万|十万|千|万|亿)?\s*(?:元|块)?\Z")
_PLAIN = re.compile(rf"^{_NUMBER}\Z")
_SEPARATORS = re.compile(r"[,\s]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
MAX_YUAN = Decimal(10) ** 15


def parse_amount(text: str) -> Decimal:
    """``"600万"`` -> ``Decimal("6000000")``; commas, spaces and full-width digits are allowed."""
    raw = (text or "").translate(_FULL_WIDTH).replace("人民币", "").strip()
    match = _AMOUNT.match(raw)
    if not match:
        raise ValueError(f"金额“{text}”无法识别，请填写数字，可带万、亿，如 600万 或 135.50")
    try:
        value = Decimal(_SEPARATORS.sub("", match.group(1))) * _SCALE[match.group(2) or ""]
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"金额“{text}”无法识别") from exc
    if abs(value) >= MAX_YUAN:
        raise ValueError(f"金额“{text}”过大")
    return value


def parse_number(text: str) -> Decimal:
    """A plain number as people type it (full-width digits, thousands commas: ``"1,200.5"``) as
    a ``Decimal``; ``ValueError`` for anything else, misplaced commas included (``"1,5"``)."""
    raw = (text or "").translate(_FULL_WIDTH).strip()
    if not _PLAIN.match(raw):
        raise ValueError(f"“{text}”不是数字")
    return Decimal(_SEPARATORS.sub("", raw))


def half_width(text: str) -> str:
    """Full-width digits, point and comma (１，０００．５) as ASCII (1,000.5); the rest unchanged."""
    return text.translate(_FULL_WIDTH)
