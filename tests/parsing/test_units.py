"""find_unit_blocks, split_units, canonical_unit and load_aliases on real clauses (fixture files)."""

from __future__ import annotations

import pytest
from extractor_fixtures import Case, load_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from policyledger.parsing.units import (
    canonical_unit,
    find_unit_blocks,
    load_aliases,
    split_units,
)


@pytest.mark.parametrize("case", load_cases("units"))
def test_unit_fixture(case: Case):
    blocks = find_unit_blocks(case.text, **case.options)
    for block in blocks:
        start, end = block.span
        assert case.text[start:end] == block.raw
    got = []
    for block, want in zip(blocks, case.expected, strict=False):
        item = {"lead": block.lead, "support": block.support}
        if "open_ended" in want:
            item["open_ended"] = block.open_ended
        if "raw" in want:
            item["raw"] = block.raw
        got.append(item)
    assert len(blocks) == len(case.expected), [b.raw for b in blocks]
    assert got == case.expected


def test_spans_are_relative_to_the_text_given():
    text = "（一）发放消费券。" * 3 + "（责任单位：市商务局）"
    (block,) = find_unit_blocks(text)
    assert block.span == (27, 38)
    assert text[27:38] == "（责任单位：市商务局）"


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ("省商务厅、发展改革委", ["省商务厅", "省发展改革委"]),
        ("省委宣传部、网信办", ["省委宣传部", "省委网信办"]),
        ("济源示范区、航空港区管委会", ["济源示范区管委会", "航空港区管委会"]),
        ("各县区、功能板块", ["各县区", "各功能板块"]),
        ("市商务局、团市委、市直机关工委", ["市商务局", "团市委", "市直机关工委"]),
        ("市 住建局、中\n国电信连云港分公司", ["市住建局", "中国电信连云港分公司"]),
    ],
)
def test_split_units_expands_shared_parts(listed, expected):
    assert split_units(listed) == expected


def test_alias_table_maps_formal_names_and_keeps_printed_variants():
    assert canonical_unit("省发展和改革委员会") == "省发展改革委"
    assert canonical_unit("市场监督管理局") == "市场监管局"
    # Variants as printed are not merged by the shipped table (gold convention).
    assert canonical_unit("市发改委") == "市发改委"
    assert canonical_unit("中石油平凉销售公司") == "中石油平凉销售公司"


def test_user_alias_file_extends_the_table(tmp_path):
    extra = tmp_path / "aliases.tsv"
    extra.write_text("# 本地简称\n发改委\t发展改革委\n文旅局\t文化和旅游局\n", encoding="utf-8")
    aliases = load_aliases(extra)
    assert aliases["发展和改革委员会"] == "发展改革委"  # shipped entries stay
    assert canonical_unit("市发改委", aliases) == "市发展改革委"
    (block,) = find_unit_blocks("（责任单位：市发改委、市文旅局）", aliases=aliases)
    assert block.lead == ["市发展改革委", "市文化和旅游局"]


def test_bad_alias_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="找不到单位别名表"):
        load_aliases(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("只有一列\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 1 行"):
        load_aliases(bad)


def test_units_are_deduplicated_in_order():
    (block,) = find_unit_blocks("（责任单位：市商务局、市财政局、市商务局）")
    assert block.lead == ["市商务局", "市财政局"]


@pytest.mark.parametrize(
    "text",
    [
        "（" * 100_000,
        "）" * 100_000,
        "、" * 100_000,
        "（" + "、" * 200_000 + "）",
        "（责任单位：" + "市商务局、" * 40_000,
        "责任单位：" * 40_000,
        "（省商务厅" * 40_000,
        "1" * 200_000,
        "（（（）" * 50_000,
        "局、" * 100_000,
        "（局、" * 60_000,
        "（各市、县（市、区）" * 30_000,
        "（责任单位：" + "完成时限：" * 40_000 + "）",
        "责任单位：市商务局（牵头）" * 20_000,
        "【" * 100_000 + "】",
    ],
    ids=[
        "open",
        "close",
        "dun",
        "long-paren",
        "label-no-close",
        "labels",
        "nested-open",
        "digits",
        "mix",
        "suffixes",
        "open-suffixes",
        "nested-places",
        "other-labels",
        "role-brackets",
        "black-brackets",
    ],
)
def test_adversarial_input_returns(text):
    blocks = find_unit_blocks(text)
    for block in blocks:
        assert text[block.span[0] : block.span[1]] == block.raw


ALPHABET = "（）()【】：:、，,；;。\n 省市县区委各等牵头配合参与责任单位按职责分工负责商务局厅发展改革财政人民政府管委会银行（市、区）会同和及"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_any_text_gives_blocks_with_exact_spans(text):
    blocks = find_unit_blocks(text)
    assert [b.span for b in blocks] == sorted(b.span for b in blocks)
    for block in blocks:
        assert text[block.span[0] : block.span[1]] == block.raw
        assert all(
            name and not any(ch.isspace() for ch in name) for name in block.lead + block.support
        )
        assert not set(block.lead) & set(block.support)
