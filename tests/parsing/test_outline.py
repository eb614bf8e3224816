"""outline.find_markers / build: numbering styles, levels inferred per document, sequence rules."""

from __future__ import annotations

import time

import pytest
from extractor_fixtures import Case, load_cases

from policyledger.parsing.cleaning import clean
from policyledger.parsing.outline import build, chinese_to_int, find_markers


def _outline(text: str) -> list[list]:
    cleaned = clean(text).text
    nodes = build(cleaned, find_markers(cleaned))
    return [[n.marker.number, n.marker.rank, n.heading] for n in nodes]


@pytest.mark.parametrize("case", load_cases("outline"))
def test_outline_fixture(case: Case):
    assert _outline(case.text) == case.expected


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十六", 26),
        ("九十九", 99),
        ("一百零五", 105),
    ],
)
def test_chinese_numerals(numeral: str, value: int):
    assert chinese_to_int(numeral) == value


def test_numbering_restarts_at_a_sub_document_boundary():
    text = "一、总体要求\n二、主要任务\n关于某某的行动方案\n一、指导思想\n二、目标任务\n"
    cleaned = clean(text).text
    boundary = cleaned.index("关于")
    markers = find_markers(cleaned, (boundary,))
    assert [m.number for m in markers] == ["一、", "二、", "一、", "二、"]
    assert all(m.in_sequence for m in markers)
    assert markers[2].epoch > markers[1].epoch


def test_scrambled_headings_are_kept_but_flagged():
    text = (
        "（一）实施财税支持政策。内容。（三）降低企业经营成本。内容。（二）加大信贷扶持力度。内容。"
    )
    markers = find_markers(clean(text).text)
    assert [(m.number, m.in_sequence) for m in markers] == [
        ("（一）", True),
        ("（三）", True),  # a gap runs forward (a lost heading)
        ("（二）", False),  # going back: a scrambled page
    ]


def test_body_extends_to_the_next_marker_and_parents_follow_rank():
    cleaned = clean("一、甲\n（一）乙。正文。\n（二）丙。正文。\n二、丁").text
    nodes = build(cleaned, find_markers(cleaned))
    assert [n.parent for n in nodes] == [None, 0, 0, None]
    assert nodes[0].children == [1, 2]
    assert cleaned[nodes[1].start : nodes[1].body_end] == "（一）乙。正文。\n"


@pytest.mark.parametrize(
    "text",
    [
        "（" * 200_000,
        "一、" * 100_000,
        "1" * 200_000,
        "1." * 100_000,
        "（一）" * 70_000,
        "第" * 200_000,
        "十" * 200_000,
        "1 " * 100_000,
    ],
    ids=["brackets", "cn-comma", "digits", "dots", "cn-paren", "di", "shi", "digit-space"],
)
def test_adversarial_strings_stay_linear(text: str):
    start = time.process_time()
    cleaned = clean(text).text
    build(cleaned, find_markers(cleaned))
    # Generous bound: linear work is well under a second; a backtracking pattern takes minutes.
    assert time.process_time() - start < 10
