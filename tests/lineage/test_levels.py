"""Level and region from 文号 and issuer."""

from __future__ import annotations

import pytest

from policyledger.lineage.levels import agency_code, place


@pytest.mark.parametrize(
    ("issuer", "number", "expected"),
    [
        ("国务院办公厅", "国办发〔2016〕24号", ("国家", "全国", "文号")),
        ("江苏省人民政府办公厅", "苏政办发〔2022〕50号", ("省", "江苏省", "文号")),
        ("连云港市人民政府办公室", "连政办发〔2022〕61号", ("市", "连云港市", "文号")),
        ("", "鲁商字 [2025] 1号", ("省", "山东省", "文号")),
        ("山东省商务厅", None, ("省", "山东省", "发文机关")),
        ("济南市商务局、济南市财政局", None, ("市", "济南市", "发文机关")),
        ("灌云县人民政府", None, ("县", "灌云县", "发文机关")),
        ("江苏省连云港市海州区人民政府", None, ("县", "海州区", "发文机关")),
        ("上海市商务委员会", None, ("省", "上海市", "发文机关")),
        ("中共中央 国务院", None, ("国家", "全国", "发文机关")),
        ("农业农村部", None, ("国家", "全国", "发文机关")),
        ("某某有限公司", None, (None, None, "")),
    ],
)
def test_place(issuer, number, expected) -> None:
    found = place(issuer, number)
    assert (found.level, found.region, found.basis) == expected


def test_agency_code() -> None:
    assert agency_code("苏政办发〔2024〕12号") == "苏政办发"
    assert agency_code("鲁商字 [2025] 1号") == "鲁商字"
    assert agency_code("无文号") is None
