"""Money typed the way people write it (issue 11): 600万 is accepted wherever money is entered."""

from decimal import Decimal

import pytest

from policyledger.formats.amounts import parse_amount


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("600万", "6000000"),
        ("600万元", "6000000"),
        ("1,000万元", "10000000"),
        ("1.5亿", "150000000"),
        ("135.50元", "135.50"),
        ("３０００", "3000"),
        (" 2.5 万 ", "25000"),
    ],
)
def test_parse_amount(text, yuan):
    assert parse_amount(text) == Decimal(yuan)


@pytest.mark.parametrize("text", ["", "六百万", "600万美元", "1e9", "万", "9" * 20])
def test_bad_amounts_are_a_chinese_error(text):
    with pytest.raises(ValueError, match="金额"):
        parse_amount(text)
