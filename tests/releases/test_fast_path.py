"""The reader's fast path (value texts, a float 同比 check) against its exact, cell-by-cell path:
the same rows and the same problems, good files and bad."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyledger.releases import ReleaseError, read_release, read_release_values, reader
from policyledger.releases.checks import half_float, yoy_consistent, yoy_surely_consistent

HEAD = "地区,指标,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n"


def _tenths(v: int) -> str:
    return f"{'-' if v < 0 else ''}{abs(v) // 10}.{abs(v) % 10}"


def series(name: str = "汽车类", months: int = 26, **replace: str) -> list[str]:
    lines, previous = [], {}
    for i in range(months):
        year, month = 2022 + i // 12, i % 12 + 1
        current = 1000 + 37 * i
        cumulative = sum(1000 + 37 * j for j in range(i - month + 1, i + 1))
        yoy = yoy_c = ""
        if (year - 1, month) in previous:
            pc, pk = previous[(year - 1, month)]
            yoy = _tenths((2000 * current + pc) // (2 * pc) - 1000)
            yoy_c = _tenths((2000 * cumulative + pk) // (2 * pk) - 1000)
        previous[(year, month)] = (current, cumulative)
        line = f"甲市,{name},{year}-{month:02d},亿元,{_tenths(current)},{_tenths(cumulative)},{yoy},{yoy_c}"
        lines.append(replace.get(f"{year}-{month:02d}", line))
    return lines


GOOD = HEAD + "\n".join(series() + series("餐饮收入")) + "\n"
ROW = "甲市,汽车类,2023-03,亿元,"  # the 15th row of the first series (line 16)


def variant(cells: str, month: str = "2023-03") -> str:
    return HEAD + "\n".join(series(**{month: f"甲市,汽车类,{month},亿元,{cells}"})) + "\n"


# 2023-03 of the first series as generated: 151.8, 444.3, 41.3, 42.8.
FILES = {
    "good": GOOD,
    "thousands separators and percent": variant('"0,151.8",444.3,41.3%,42.8'),
    "dot at the ends": variant("151.8,444.3,41.3,42.8").replace(
        "2023-04,亿元,155.5", "2023-04,亿元,155.50"
    ),
    "trailing dot": variant("152.,444.3,41.3,42.8"),
    "leading dot": variant("151.8,444.3,.5,42.8"),
    "minus zero": variant("-0,444.3,,42.8"),
    "negative": variant("-151.8,444.3,41.3,42.8"),
    "not a number": variant("abc,444.3,41.3,42.8"),
    "exponent": variant("1e3,444.3,41.3,42.8"),
    "lone minus and dots": variant("-,444.3,..,1-2"),
    "wrong yoy": variant("151.8,444.3,41.6,42.8"),
    "yoy at the rounding edge": variant("151.8,444.3,41.34,42.8"),
    "many decimals": variant("151.800000000000000000000000000000001,444.3,41.3,42.8"),
    "blank figures": variant(",,,"),
    # More than the platform's columns hold (20 digits, 4 places; 12 for 同比): a 500 on import.
    "too large": variant("9999999999999999.99995,444.3,41.3,42.8"),
    "too large yoy": variant("151.8,444.3,100000000,42.8"),
    "duplicate month": HEAD + "\n".join(series() + series()[-1:]) + "\n",
    "gap": HEAD + "\n".join(series()[:5] + series()[7:]) + "\n",
    "unit": GOOD.replace("2023-04,亿元", "2023-04,万元", 1),
}


def outcome(text: str, *, slow: bool, monkeypatch) -> tuple:
    if slow:
        monkeypatch.setattr(reader, "_PLAIN_CHARS", "")  # no row takes the fast path
    try:
        return "rows", [r for chunk in read_release(text.encode(), "r.csv") for r in chunk]
    except ReleaseError as error:
        return "problems", [str(p) for p in error.problems]
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("name", FILES)
def test_fast_and_exact_paths_agree(name, monkeypatch):
    fast = outcome(FILES[name], slow=False, monkeypatch=monkeypatch)
    slow = outcome(FILES[name], slow=True, monkeypatch=monkeypatch)
    assert fast == slow
    if name == "good":
        assert fast[0] == "rows" and len(fast[1]) == 52
    if name in ("good", "thousands separators and percent", "trailing dot", "many decimals"):
        assert fast[0] == "rows"
    if name in ("wrong yoy", "not a number", "negative", "unit", "gap", "exponent"):
        assert fast[0] == "problems"
    if name in ("too large", "too large yoy"):
        assert fast[0] == "problems" and "第16行" in fast[1][0] and "过大" in fast[1][0]


def test_value_texts_read_as_the_decimals():
    rows = [r for chunk in read_release(GOOD.encode(), "r.csv") for r in chunk]
    values = [v for chunk in read_release_values(GOOD.encode(), "r.csv") for v in chunk]
    assert [tuple(None if t is None else Decimal(t) for t in v[6:]) for v in values] == [
        (r.current, r.cumulative, r.yoy_current, r.yoy_cumulative) for r in rows
    ]
    assert [v[5] for v in values] == [r.period for r in rows]


def _text(digits: int, places: int) -> str:
    return str(Decimal(digits).scaleb(-places))


figures = st.builds(_text, st.integers(1, 10**9), st.integers(0, 4))
rates = st.builds(_text, st.integers(-2000, 5000), st.integers(0, 2))


@settings(max_examples=1500, deadline=None)
@given(
    current=figures,
    previous=figures,
    yoy=rates,
    nudge=st.sampled_from([None, -1, 0, 1]),
    tolerance=st.sampled_from(["0", "0.1"]),
)
def test_quick_yoy_check_never_passes_what_the_exact_check_refuses(
    current, previous, yoy, nudge, tolerance
):
    if nudge is not None:
        # A 同比 on (or next to) the very edge of its rounding: the hardest cases.
        exact = (Decimal(current) / Decimal(previous) - 1) * 100
        places = len(yoy.partition(".")[2])
        half = Decimal(5).scaleb(-places - 1)
        yoy = str((exact + nudge * half).quantize(Decimal(1).scaleb(-places)))
    quick = yoy_surely_consistent(
        float(current), float(previous), float(yoy), half_float(yoy) + float(tolerance)
    )
    if quick:
        assert yoy_consistent(Decimal(current), Decimal(previous), Decimal(yoy), Decimal(tolerance))


def _workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cells(line: str) -> list:
    out: list = []
    for cell in line.split(","):
        try:
            out.append(int(cell) if cell.lstrip("-").isdigit() else float(cell))
        except ValueError:
            out.append(cell or None)
    return out


LONG = [_cells(line) for line in GOOD.splitlines()]
WORKBOOKS = {
    "long table": LONG,
    "wide release with title": [
        ["2024年1—10月 示范市社会消费品零售总额主要指标"],
        ["指标", "10月", None, "1—10月", None],
        [None, "绝对量（亿元）", "同比增长（%）", "绝对量（亿元）", "同比增长（%）"],
        ["社会消费品零售总额", 410.5, 4.8, 3950.2, 3.5],
        ["汽车类", 60.3, -2.1, 1e15, 3.5],  # a large float: its text alike
        [None, None, None, None, None],
        ["注：数据为模拟"],
    ],
    "blank rows and columns before the table": [[], [], *[[None, None, *row] for row in LONG[:14]]],
    "bad cells": [
        *LONG[:5],
        ["甲市", "汽车类", dt.datetime(2022, 5, 1), "亿元", 1.5, 2.5, None, None],
        ["甲市", "汽车类", "2022-06", "亿元", "abc", True, "7.4%", None],
        ["甲市", "汽车类", "2022-07", "公斤", 1, 2, None, None],
    ],
    "no header": [["x", 1], [2, 3]],
}


def _read(data: bytes, rows_of) -> tuple:
    original = reader._xlsx_rows
    reader._xlsx_rows = rows_of
    try:
        raw = list(reader.read_rows(data, "r.xlsx"))
        try:
            found = [r for chunk in read_release(data, "r.xlsx", region="示范市") for r in chunk]
            return raw, "rows", found
        except ReleaseError as error:
            return raw, "problems", [str(p) for p in error.problems]
    finally:
        reader._xlsx_rows = original


@pytest.mark.parametrize("name", WORKBOOKS)
def test_calamine_and_openpyxl_readers_agree(name):
    data = _workbook(WORKBOOKS[name])
    fast = _read(data, reader._xlsx_rows)
    reference = _read(data, reader._openpyxl_rows)
    # The same cells (up to trailing blanks, which neither path reads) and the same outcome.
    assert [_trim(r) for r in fast[0]] == [_trim(r) for r in reference[0]]
    assert fast[1:] == reference[1:]
    if name in ("long table", "wide release with title"):
        assert fast[1] == "rows"


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def test_a_file_that_is_not_a_workbook_is_refused_alike():
    for rows_of in (reader._xlsx_rows, reader._openpyxl_rows):
        with pytest.raises(ReleaseError, match="无法读取该 xlsx 文件"):
            list(rows_of(b"PK\x03\x04 not really a zip"))
