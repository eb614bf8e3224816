"""The release reader: layouts recognised by their headers, every problem named by row and column."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from policyledger.releases import ReleaseError, read_release, yoy_consistent

WIDE = """2024年1—10月 示范市社会消费品零售总额主要指标
指标,10月,,1—10月,
,绝对量（亿元）,同比增长（%）,绝对量（亿元）,同比增长（%）
社会消费品零售总额,410.5,4.8,3950.2,3.5
其中：限额以上单位消费品零售额,150.2,3.1,1400.8,2.9
按消费类型分,,,,
餐饮收入,45.1,5.2,420.3,6.1
汽车类,60.3,-2.1,580.1,-1.5
注：数据为模拟
"""

LONG_HEAD = "地区,指标,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n"


def rows(data, name="r.csv", **kwargs):
    return [r for chunk in read_release(data, name, **kwargs) for r in chunk]


def problems(data, name="r.csv", **kwargs) -> list[str]:
    with pytest.raises(ReleaseError) as info:
        rows(data, name, **kwargs)
    return [str(p) for p in info.value.problems]


def long_file(*lines: str) -> bytes:
    return (LONG_HEAD + "\n".join(lines) + "\n").encode()


def test_monthly_release_with_two_row_header_and_title():
    found = rows(WIDE.encode(), region="示范市")
    assert [r.name for r in found] == [
        "社会消费品零售总额",
        "限额以上单位消费品零售额",
        "餐饮收入",
        "汽车类",
    ]
    car = found[-1]
    assert (car.year, car.month, car.unit, car.category) == (2024, 10, "亿元", "汽车")
    assert car.current == Decimal("60.3") and car.cumulative == Decimal("580.1")
    assert car.yoy_current == Decimal("-2.1") and car.yoy_cumulative == Decimal("-1.5")
    assert isinstance(car.current, Decimal)
    assert found[2].category == "餐饮" and found[0].category == ""


def test_one_row_header_lone_yoy_belongs_to_the_column_on_its_left():
    text = "2024年3月\n指标,本月（万元）,1—3月累计（万元）,同比增长%\n通讯器材类,1200,3400,5.5\n"
    (row,) = rows(text.encode(), region="乙县")
    assert row.unit == "万元" and row.yoy_cumulative == Decimal("5.5") and row.yoy_current is None
    assert (row.year, row.month) == (2024, 3)


def test_gbk_csv_and_xlsx_read_alike():
    gbk = rows(WIDE.encode("gbk"), region="示范市")
    book = Workbook()
    sheet = book.active
    for line in WIDE.strip().splitlines():
        sheet.append(
            [float(c) if c.replace(".", "").lstrip("-").isdigit() else c for c in line.split(",")]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = rows(buffer.getvalue(), "r.xlsx", region="示范市")
    assert [(r.name, r.current, r.yoy_current) for r in xlsx] == [
        (r.name, r.current, r.yoy_current) for r in gbk
    ]


def test_period_given_and_title_disagree():
    found = problems(WIDE.encode(), region="示范市", month=9)
    assert any("所选月份9月与文件中的10月不一致" in p for p in found)


def test_yoy_checked_within_rounding():
    # 1100.0 / 1000.0 = +10%; the printed values' rounding allows 9.989% to 10.011%.
    assert yoy_consistent(Decimal("1100.0"), Decimal("1000.0"), Decimal("10.0")) is True
    assert yoy_consistent(Decimal("1100.0"), Decimal("1000.0"), Decimal("10.1")) is False
    assert yoy_consistent(Decimal("1100.0"), Decimal("1000.0"), Decimal("10.1"), Decimal("0.1"))
    # Small values carry a wide error: 11.0 / 10.0 allows 8.96% to 11.06%.
    assert yoy_consistent(Decimal("11.0"), Decimal("10.0"), Decimal("10.9")) is True
    assert yoy_consistent(Decimal("11.0"), Decimal("10.0"), Decimal("11.2")) is False
    assert yoy_consistent(Decimal("1"), Decimal("0"), Decimal("5")) is None


def test_wrong_yoy_names_row_and_column():
    data = long_file(
        "甲市,汽车类,2023-01,亿元,10.0,10.0,,",
        *[f"甲市,汽车类,2023-{m:02d},亿元,10.0,{10 * m}.0,," for m in range(2, 13)],
        "甲市,汽车类,2024-01,亿元,11.0,11.0,10.0,12.5",
    )
    (problem,) = problems(data)
    assert problem.startswith("第14行“累计同比%”列：同比12.5%与数值不符")


def test_missing_month_named():
    data = long_file("甲市,汽车类,2023-01,亿元,10.0,10.0,,", "甲市,汽车类,2023-04,亿元,10.0,40.0,,")
    (problem,) = problems(data)
    assert problem == "第3行“年月”列：“汽车类”（甲市）缺少2023年2月至2023年3月的数据"


def test_unit_mismatch_against_header_and_earlier_months():
    text = "2024年3月\n指标,单位,本月（亿元）,1—3月累计（亿元）\n汽车类,万元,12,34\n"
    (problem,) = problems(text.encode(), region="甲市")
    assert problem == "第3行“单位”列：单位“万元”与表头“本月(亿元)”的单位“亿元”不一致"
    data = long_file("甲市,汽车类,2023-01,亿元,10.0,10.0,,", "甲市,汽车类,2023-02,万元,10.0,20.0,,")
    assert problems(data) == ["第3行“单位”列：“汽车类”（甲市）的单位“万元”与前面各月的“亿元”不一致"]


def test_unit_mismatch_against_registry_and_gap_against_history():
    data = long_file("甲市,汽车类,2024-03,万元,10.0,30.0,,")
    found = problems(data, history=lambda key, period: (None, {}, "亿元"))
    assert found == ["第2行“单位”列：单位“万元”与指标“汽车类”（甲市）登记的单位“亿元”不一致"]
    last_january = 2024 * 12 + 0
    found = problems(
        data.replace(b"\xe4\xb8\x87", "亿".encode()),
        history=lambda k, p: (last_january, {}, "亿元"),
    )
    assert found == [
        "第2行“年月”列：“汽车类”（甲市）缺少2024年2月的数据（已有至2024年1月），请先导入缺少的月份"
    ]


def test_not_a_number_duplicate_and_order():
    data = long_file("甲市,汽车类,2023-01,亿元,abc,10.0,,")
    assert problems(data) == ["第2行“本月”列：“abc”不是数字"]
    data = long_file("甲市,汽车类,2023-02,亿元,1,1,,", "甲市,汽车类,2023-02,亿元,1,1,,")
    assert problems(data) == ["第3行“年月”列：“汽车类”（甲市）2023年2月重复出现"]
    data = long_file("甲市,汽车类,2023-02,亿元,1,1,,", "甲市,汽车类,2023-01,亿元,1,1,,")
    assert "须按先后排列" in problems(data)[0]


def test_missing_columns_and_no_period():
    assert problems("地区,名称\n甲,1\n".encode()) == ["文件中没有数据（找不到含“指标”的表头行）"]
    found = problems("指标,本月（亿元）\n汽车类,1\n".encode(), region="甲市")
    assert "无法确定数据月份" in found[0]
    found = problems("指标,备注\n汽车类,1\n".encode(), region="甲市", year=2024, month=1)
    assert found == ["“本月”列：缺少数值列：表头中应有“本月”或“1—N月累计”"]


def test_problems_are_capped_and_no_chunk_after_a_problem():
    lines = [f"甲市,类{i},2023-01,亿元,abc,1,," for i in range(80)]
    with pytest.raises(ReleaseError) as info:
        rows(long_file(*lines))
    assert len(info.value.problems) == 50 and info.value.truncated
    # A problem late in the file: the chunks before it were yielded, nothing after.
    good = [f"甲市,类{i},2023-01,亿元,1,1,," for i in range(30)]
    seen = []
    with pytest.raises(ReleaseError):
        for chunk in read_release(
            long_file(*good, "甲市,坏,2023-01,亿元,abc,1,,", *good[:3]), "r.csv", chunk_size=10
        ):
            seen.extend(chunk)
    assert len(seen) == 30


def test_cli_check_lists_problems_and_exits_1(tmp_path):
    from click.testing import CliRunner

    from policyledger.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("2024年3月\n指标,单位,本月（亿元）\n汽车类,万元,12\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["release", "check", str(bad), "--region", "甲市"])
    assert result.exit_code == 1
    assert "第3行“单位”列" in result.output
    good = tmp_path / "good.csv"
    good.write_text(WIDE, encoding="utf-8")
    result = CliRunner().invoke(main, ["release", "check", str(good), "--region", "示范市"])
    assert result.exit_code == 0 and "检查通过：4条数值，4个指标" in result.output
