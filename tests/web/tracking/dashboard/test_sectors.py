"""Sector classification of money targets, from the cases in data/sector_cases.tsv."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyledger.web.tracking.services.sectors import (
    OTHER,
    sector_names,
    sector_of_target,
    sentence_around,
)

CASES = Path(__file__).with_name("data") / "sector_cases.tsv"


def _cases():
    for line in CASES.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            target, heading, text, expected = line.split("\t")
            yield pytest.param(target, heading, text, expected, id=f"{heading}-{expected}")


@pytest.mark.parametrize("target, heading, text, expected", list(_cases()))
def test_sector_of_target(target, heading, text, expected):
    assert sector_of_target(target, heading, text) == expected


def test_sentence_around():
    text = "组织活动不少于50场次。市区发放1000万元餐饮零售消费券。支持银联开展活动。"
    assert sentence_around(text, "1000万元") == "市区发放1000万元餐饮零售消费券。"
    assert sentence_around(text, "不在这里") == ""


def test_every_sector_named_once_and_other_last():
    names = sector_names()
    assert len(names) == len(set(names)) and names[-1] == OTHER
    assert {"汽车", "餐饮", "文旅", "家电", "住房"} <= set(names)
