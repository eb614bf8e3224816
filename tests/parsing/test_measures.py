"""measures: which level holds the measures, units per measure, numbering diagnostics."""

from __future__ import annotations

import pytest
from extractor_fixtures import Case, load_cases

from policyledger.parsing import levels, parse
from policyledger.parsing.measures import format_number


@pytest.mark.parametrize("case", load_cases("measures"))
def test_measures_fixture(case: Case):
    document = parse(case.text)
    got = [[m.number, m.heading, m.section, m.lead_units] for m in document.measures]
    assert got == case.expected["measures"]
    if "codes" in case.expected:
        assert [d.code for d in document.diagnostics] == case.expected["codes"]
    for text in case.expected.get("absent", []):
        assert all(text not in m.text for m in document.measures)
    if "support" in case.expected:
        assert [m.support_units for m in document.measures] == case.expected["support"]
    if "blocks" in case.expected:
        # each measure's unit blocks as printed: the span points at the block in the input
        got_blocks = [
            [case.text[b.span[0] : b.span[1]] for b in m.unit_blocks] for m in document.measures
        ]
        assert got_blocks == case.expected["blocks"]
    if "money" in case.expected:
        money = [
            [v for t in m.targets if t.kind == "money" for v in _ends(t.value)]
            for m in document.measures
        ]
        assert money == case.expected["money"]
    if "deadlines" in case.expected:
        dates = [[t.value for t in m.targets if t.kind == "date"] for m in document.measures]
        assert dates == case.expected["deadlines"]
    if "level" in case.expected:
        message = next(d.message for d in document.diagnostics if d.code == "measure_level")
        for words in case.expected["level"]:
            assert words in message


def _ends(value):
    return list(value) if isinstance(value, list) else [value]


def test_ids_are_unique_and_measures_do_not_overlap():
    text = "一、甲任务。内容。（责任单位：市商务局）\n二、乙任务。内容。（责任单位：市财政局）"
    document = parse(text)
    assert [m.id for m in document.measures] == ["0-1", "0-2"]
    (a1, b1), (a2, b2) = (m.span for m in document.measures)
    assert a1 < b1 <= a2 < b2
    assert text[a1:b1] == "一、甲任务。内容。（责任单位：市商务局）"


def test_missing_number_names_the_numbers_in_the_documents_style():
    text = "（一）甲。内容。（责任单位：市商务局）（二）乙。内容。（责任单位：市财政局）（五）丙。内容。（责任单位：市发改委）"
    message = next(d.message for d in parse(text).diagnostics if d.code == "missing_number")
    assert "（三）" in message and "（四）" in message


@pytest.mark.parametrize(
    ("value", "numeral"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (26, "二十六"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
    ],
)
def test_format_number_writes_chinese_numerals(value: int, numeral: str):
    assert format_number("cn_comma", value) == f"{numeral}、"


def test_format_number():
    assert format_number("cn_paren", 13) == "（十三）"
    assert format_number("ar_dot", 7) == "7."
    assert format_number("circled", 3) == "③"


_THREE_LEVELS = (
    "二、重点任务\n（一）夯实数字基础\n"
    "1.推进千兆光网建设。加快光纤改造。（牵头单位：市通信办；参加单位：市住建局）\n"
    "2.完善算力设施布局。统筹建设算力中心。（责任单位：市发展改革委）\n"
    "（二）深化融合应用\n1.推动制造业数字化改造。支持建设智能工厂。（责任单位：市工信局）\n"
    "三、保障措施\n加强组织领导。（责任单位：市政府办公室）\n"
)


def test_levels_lists_the_numbering_levels_outermost_first():
    found = [(lv.style, lv.example, lv.count) for lv in levels(_THREE_LEVELS)]
    assert found == [("cn_comma", "二、", 2), ("cn_paren", "（一）", 2), ("ar_dot", "1.", 3)]


def test_a_chosen_level_resplits_the_measures_and_keeps_every_unit_inside_them():
    assert [m.number for m in parse(_THREE_LEVELS).measures] == ["1.", "2.", "1.", "三、"]
    document = parse(_THREE_LEVELS, measure_level="cn_paren")
    got = [(m.number, m.section, m.lead_units, m.support_units) for m in document.measures]
    assert got == [
        ("（一）", "二、重点任务", ["市通信办", "市发展改革委"], ["市住建局"]),
        ("（二）", "二、重点任务", ["市工信局"], []),
    ]  # 三、's clause is under no （…） heading: it joins none of them
    message = next(d.message for d in document.diagnostics if d.code == "measure_level")
    assert "审核人指定" in message and "“（一）”一级2条" in message
    coarse = parse(_THREE_LEVELS, measure_level="cn_comma")
    assert [(m.number, len(m.unit_blocks)) for m in coarse.measures] == [("二、", 3), ("三、", 1)]
