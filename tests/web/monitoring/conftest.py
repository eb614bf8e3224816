"""A region with two years of monthly figures whose 同比 agree with the values."""

from __future__ import annotations

import pytest

HEAD = "地区,指标,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n"


def tenths(v: int) -> str:
    return f"{'-' if v < 0 else ''}{abs(v) // 10}.{abs(v) % 10}"


def series_csv(
    region: str, name: str, monthly: list[int], start: int = 2023, unit: str = "亿元"
) -> str:
    """``monthly``: values in tenths of ``unit``, from January of ``start``."""
    lines, seen = [], {}
    for i, current in enumerate(monthly):
        year, month = start + i // 12, i % 12 + 1
        cumulative = sum(monthly[i - month + 1 : i + 1])
        yoy = yoy_c = ""
        if (year - 1, month) in seen:
            pc, pk = seen[(year - 1, month)]
            yoy = tenths((2000 * current + pc) // (2 * pc) - 1000)
            yoy_c = tenths((2000 * cumulative + pk) // (2 * pk) - 1000)
        seen[(year, month)] = (current, cumulative)
        lines.append(
            f"{region},{name},{year}-{month:02d},{unit},{tenths(current)},{tenths(cumulative)},{yoy},{yoy_c}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def market(alice):
    """示范市 2023-01..2024-10: the total grows about 6% (behind an 8% target in Sep and Oct),
    two categories, and a second region."""
    from policyledger.web.monitoring.services.importing import import_release

    base = [4000 + 50 * m for m in range(12)]
    total = base + [b * 106 // 100 for b in base[:8]] + [base[8] * 105 // 100, base[9] * 104 // 100]
    cars = [800] * 12 + [760] * 10
    food = [500] * 12 + [560] * 10
    other = [3000] * 12 + [3300] * 10
    data = (
        HEAD
        + series_csv("示范市", "社会消费品零售总额", total)
        + series_csv("示范市", "汽车类", cars)
        + series_csv("示范市", "餐饮收入", food)
        + series_csv("邻市", "社会消费品零售总额", other)
    )
    import_release(data.encode(), "market.csv", user=alice)
