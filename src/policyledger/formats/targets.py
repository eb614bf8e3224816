"""Targets as a Chinese reader writes them: 1,000万元, 最高3万元, 不少于50场次, 2022年12月31日."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from policyledger.parsing.model import Target

_WAN = 10_000
_YI = 100_000_000


def _number(value: float | int | Decimal, *, grouping: bool = True) -> str:
    """Shortest exact decimal for ``value``: 10.0 -> 10, 1.5 -> 1.5, 10000 -> 10,000."""
    # Decimal(str(x)) keeps what the float prints (0.1 stays 0.1, not 0.1000000000000000055).
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
        return f"{number:,}" if grouping else f"{number}"
    text = f"{number.normalize():,f}" if grouping else f"{number.normalize():f}"
    return text


def _scaled(yuan: Decimal | float | int) -> tuple[str, str]:
    """Split an amount into (number, unit) with 万 / 亿 where a Chinese document would use them."""
    amount = Decimal(str(yuan))
    magnitude = abs(amount)
    if magnitude >= _YI:
        return _number(amount / _YI), "亿元"
    if magnitude >= _WAN:
        return _number(amount / _WAN), "万元"
    if amount != amount.to_integral_value():
        # Yuan and fen, the way a receipt shows them: 135.5 -> 135.50元.
        return f"{amount.quantize(Decimal('0.01')):,}", "元"
    return _number(amount), "元"


def format_money(yuan: Decimal | float | int) -> str:
    """An amount in yuan as printed in a Chinese policy text.

    >>> format_money(10_000_000), format_money(30_000), format_money(150_000_000), format_money(500)
    ('1,000万元', '3万元', '1.5亿元', '500元')
    >>> format_money(135.5)
    '135.50元'
    >>> format_money(Decimal("12345678.91")), format_money(Decimal("0.1") + Decimal("0.2"))
    ('1,234.567891万元', '0.30元')

    """
    number, unit = _scaled(yuan)
    return number + unit


def format_money_range(low: float | int, high: float | int) -> str:
    """``1-10万元`` rather than ``1万元-10万元`` when both ends share a unit."""
    low_number, low_unit = _scaled(low)
    high_number, high_unit = _scaled(high)
    if low_unit == high_unit:
        return f"{low_number}–{high_number}{high_unit}"
    return f"{low_number}{low_unit}–{high_number}{high_unit}"


def format_date(value: str | date) -> str:
    """``2022-12-31`` -> ``2022年12月31日``; ``2022-07`` -> ``2022年7月``; ``2022`` -> ``2022年``.

    Accepts a ``date`` too. Anything else comes back unchanged (the parser may keep a date it
    could not normalise).
    """
    if isinstance(value, date):
        value = value.isoformat()
    parts = value.split("-")
    if not all(part.isdigit() for part in parts) or not 1 <= len(parts) <= 3:
        return value
    year, *rest = parts
    text = f"{int(year)}年"
    if rest:
        text += f"{int(rest[0])}月"
    if len(rest) == 2:
        text += f"{int(rest[1])}日"
    return text


def _pair(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None


def format_target(target: Target | dict[str, Any]) -> str:
    """One target in words, e.g. ``每人最高3万元``, ``10%``, ``2:1``, ``不少于50场次``, ``2022年12月31日前``."""
    if isinstance(target, dict):
        kind, value = target["kind"], target["value"]
        unit, qualifier, per = target.get("unit"), target.get("qualifier"), target.get("per")
    else:
        kind, value = target.kind, target.value
        unit, qualifier, per = target.unit, target.qualifier, target.per
    pair = _pair(value)

    if kind == "date":
        return format_date(str(value))
    if kind == "ratio":
        if pair:
            return f"{_number(pair[0], grouping=False)}:{_number(pair[1], grouping=False)}"
        return str(value)
    if kind == "money":
        if pair:
            body = format_money_range(*pair)
        elif isinstance(value, int | float):
            body = format_money(value)
        else:
            body = str(value)
    else:
        suffix = "%" if kind == "percent" else (unit or "")
        if pair:
            body = f"{_number(pair[0])}–{_number(pair[1])}{suffix}"
        elif isinstance(value, int | float):
            body = f"{_number(value)}{suffix}"
        else:
            body = f"{value}{suffix}"

    prefix = f"每{per}" if per else ""
    if qualifier == "max":
        prefix += "最高"
    elif qualifier == "min":
        prefix += "不少于" if kind == "count" else "不低于"
    elif qualifier == "total":
        prefix = "总计" + prefix
    return prefix + body
