"""Numbers as the releases print them, and the 同比 check "within rounding"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Amount units a release prints, and how many yuan (or items) each stands for.
AMOUNT_UNITS = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}
OTHER_UNITS = {
    "%",
    "万人次",
    "人次",
    "辆",
    "台",
    "万辆",
    "万台",
    "个",
    "家",
    "万件",
    "件",
    "吨",
    "万吨",
}
UNITS = set(AMOUNT_UNITS) | OTHER_UNITS

_BLANK = {"", "-", "—", "--", "——", "…", "...", "／", "/", "—　", "x", "X"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
HUNDRED = Decimal(100)


def parse_number(text: str) -> Decimal | None:
    """``"1,234.5"`` -> Decimal("1234.5"); blanks and dashes -> None; anything else ValueError."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace(" ", "").replace("\u3000", "")
    if cleaned in _BLANK:
        return None
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if not _NUMBER.match(cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(text) from exc


_HALVES = {places: Decimal(5).scaleb(-places - 1) for places in range(12)}


def half_unit(value: Decimal) -> Decimal:
    """Half of the last printed digit: 12.3 -> 0.05, 1200 -> 0.5 (the value's rounding error)."""
    text = str(value)
    if "E" not in text:
        dot = text.find(".")
        half = _HALVES.get(len(text) - dot - 1 if dot >= 0 else 0)
        if half is not None:
            return half
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(5).scaleb(exponent - 1)


# Half of the last printed digit as a float, by the number of decimals printed.
HALF_FLOATS = tuple(5 * 10.0 ** (-places - 1) for places in range(30))


def places_of(text: str) -> int:
    """Decimals printed in a plain number's text: ``"12.50"`` -> 2, ``"12"`` -> 0."""
    dot = text.find(".")
    return len(text) - dot - 1 if dot >= 0 else 0


def half_float(text: str) -> float:
    """Half of the last printed digit of a plain number's text, as a float (0.0 past 29
    decimals: no quick check can pass then without a tolerance)."""
    places = places_of(text)
    return HALF_FLOATS[places] if places < len(HALF_FLOATS) else 0.0


def yoy_surely_consistent(current: float, previous: float, yoy: float, half: float) -> bool:
    """A quick check in floating point that is only ever True where ``yoy_consistent`` is True:
    the exact rate lies within the 同比's own rounding ``half`` (plus tolerance) with a margin
    far above any float error. False means "not sure": ask ``yoy_consistent``."""
    if previous <= 0.0:
        return False
    rate = current / previous * 100.0 - 100.0
    gap = rate - yoy
    if gap < 0.0:
        gap = -gap
    # Each float here is within 1e-15 of its decimal (relative); 1e-12 is a wide margin.
    return gap + (abs(rate) + abs(yoy) + 200.0 + half) * 1e-12 < half


def yoy_bounds(current: Decimal, previous: Decimal) -> tuple[Decimal, Decimal] | None:
    """The range of 同比 % that the printed ``current`` and ``previous`` allow, or None when the
    base is not positive (no growth rate can be checked). A base read back from the database has
    lost its printed precision (100.0 comes back as 100.0000): it is taken to have been printed
    like ``current``, as a series is."""
    hc = half_unit(current)
    hp = max(half_unit(previous), hc)
    low_base, high_base = previous - hp, previous + hp
    if low_base <= 0:
        return None
    low = ((current - hc) / high_base - 1) * HUNDRED
    high = ((current + hc) / low_base - 1) * HUNDRED
    return low, high


def yoy_consistent(
    current: Decimal, previous: Decimal, yoy: Decimal, tolerance: Decimal = Decimal(0)
) -> bool | None:
    """Whether the printed 同比 ``yoy`` (percent) can come from ``current`` and ``previous`` once
    every figure's rounding is allowed for, plus ``tolerance`` percentage points (for releases
    computed on a comparable basis, 可比口径). None when it cannot be checked."""
    if previous <= 0:
        return None
    hy = half_unit(yoy) + tolerance
    # Most figures agree outright: the exact rate lies within the 同比's own rounding.
    if abs((current / previous - 1) * HUNDRED - yoy) <= hy:
        return True
    bounds = yoy_bounds(current, previous)
    if bounds is None:
        return None
    low, high = bounds
    return yoy + hy >= low and yoy - hy <= high


def yoy_from(current: Decimal, previous: Decimal) -> Decimal | None:
    if previous <= 0:
        return None
    return ((current / previous - 1) * HUNDRED).quantize(Decimal("0.01"))


def unit_in(label: str) -> str:
    """The unit a header names in brackets: ``本月（亿元）`` -> ``亿元``; "" when none."""
    for match in re.finditer(r"[（(]([^（）()]+)[）)]", label):
        unit = match.group(1).strip()
        if unit in UNITS:
            return unit
    return ""
