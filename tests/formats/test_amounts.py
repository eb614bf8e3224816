"""Money typed the way people write it (issue 11): 600万 is accepted wherever money is entered."""

from decimal import Decimal

import pytest

from policyledger.formats.amounts import parse_amount, parse_number


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
        ("1,000,000.50元", "1000000.50"),
        ("１，０００万", "10000000"),
        ("1 000", "1000"),
    ],
)
def test_parse_amount(text, yuan):
    assert parse_amount(text) == Decimal(yuan)


# Commas only between thousands: "1,5亿" (a decimal comma?) was read as 15亿, "10,00" as 1000.
@pytest.mark.parametrize(
    "text",
    ["", "六百万", "600万美元", "1e9", "万", "9" * 20, "1,5亿", "1,2,3", "10,00", ",100", "100,",
     "1,,000", "12345,678", "NaN万", "600万万", "1e3万"],
)  # fmt: skip
def test_bad_amounts_are_a_chinese_error(text):
    with pytest.raises(ValueError, match="金额"):
        parse_amount(text)


def test_one_helper_shows_money_on_pages_and_exports():
    """Issue 11: 1,000万元 and 135.50元 from the one helper the pages' filter also uses."""
    from policyledger.formats import format_money
    from policyledger.web.tracking.templatetags.tracking_tags import money

    assert format_money(10_000_000) == money(10_000_000) == "1,000万元"
    assert format_money(135.5) == money("135.5") == "135.50元"
    assert format_money(parse_amount("600万")) == "600万元"


def test_parse_number_reads_thousands_and_refuses_misplaced_commas():
    assert parse_number("1,500") == Decimal(1500)
    assert parse_number("１２.５") == Decimal("12.5")
    for bad in ("1,5", "1,2,3", "NaN", "Infinity", "1e400", "", "12 3"):
        with pytest.raises(ValueError, match="不是数字"):
            parse_number(bad)
