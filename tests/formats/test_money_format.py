"""Chinese conventions for amounts and dates, from a table of cases."""

from __future__ import annotations

import pytest

from policyledger.formats import format_date, format_money, format_target

MONEY = [
    (10_000_000, "1,000万元"),
    (30_000, "3万元"),
    (10_000, "1万元"),
    (150_000_000, "1.5亿元"),
    (100_000_000, "1亿元"),
    (2_000_000_000_000, "20,000亿元"),
    (500, "500元"),
    (0, "0元"),
    (1_500_000.0, "150万元"),
    (12_345, "1.2345万元"),
    (1234.5, "1,234.50元"),
    (5_000_000, "500万元"),
]


@pytest.mark.parametrize(("yuan", "printed"), MONEY)
def test_format_money(yuan: float, printed: str) -> None:
    assert format_money(yuan) == printed


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("2022-12-31", "2022年12月31日"),
        ("2022-07-01", "2022年7月1日"),
        ("2025", "2025年"),
        ("2022-07", "2022年7月"),
        ("年内", "年内"),
    ],
)
def test_format_date(value: str, printed: str) -> None:
    assert format_date(value) == printed


def _t(kind, value, unit=None, qualifier=None, per=None) -> dict:
    return {"kind": kind, "value": value, "unit": unit, "qualifier": qualifier, "per": per}


@pytest.mark.parametrize(
    ("target", "printed"),
    [
        (_t("money", 30_000, "元", "max", "人"), "每人最高3万元"),
        (_t("money", 10_000_000, "元", "total"), "总计1,000万元"),
        (_t("money", 5_000_000, "元", "min"), "不低于500万元"),
        (_t("money", [10_000, 100_000], "元", "range"), "1–10万元"),
        (_t("money", [5_000, 100_000], "元", "range"), "5,000元–10万元"),
        (_t("percent", 10), "10%"),
        (_t("percent", 0.5), "0.5%"),
        (_t("percent", [3, 5], None, "range"), "3–5%"),
        (_t("ratio", [2, 1]), "2:1"),
        (_t("count", 50, "场次", "min"), "不少于50场次"),
        (_t("count", "3—5", "个"), "3—5个"),
        (_t("count", 45.0, "万吨"), "45万吨"),
        (_t("date", "2022-12-31"), "2022年12月31日"),
    ],
)
def test_format_target(target: dict, printed: str) -> None:
    assert format_target(target) == printed


def test_format_date_takes_a_date_without_leading_zeros() -> None:
    import datetime as dt

    assert format_date(dt.date(2022, 9, 5)) == "2022年9月5日"
