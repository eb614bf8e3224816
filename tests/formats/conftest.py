"""A hand-built Document with every kind of target, two parts and diagnostics."""

from __future__ import annotations

import hashlib

import pytest

from policyledger.parsing.model import Diagnostic, Document, Measure, Part, Source, Target

TEXT = (
    "关于促进消费的若干措施\n"
    "一、举办促消费活动。发放消费券1000万元，每人最高3万元，单笔补贴1-10万元。"
    "（责任单位：市商务局、市财政局）\n"
    "二、激活夜间经济。年底前建成不少于50场次活动，市县按2:1配套，增长10%。"
    "（责任单位：市发改委|测试）\n"
)


def _span(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return (start, start + len(needle))


def _target(kind, value, unit, qualifier, per, needle) -> Target:
    return Target(kind, value, unit, qualifier, per, needle, _span(needle))


@pytest.fixture
def document() -> Document:
    first = Measure(
        id="p0-m1",
        part=0,
        number="一、",
        path=["一、"],
        section=None,
        heading="举办促消费活动",
        text=TEXT[_span("一、")[0] : _span("市财政局）")[1]],
        span=(_span("一、")[0], _span("市财政局）")[1]),
        lead_units=["市商务局", "市财政局"],
        support_units=[],
        targets=[
            _target("money", 10_000_000, "元", "total", None, "1000万元"),
            _target("money", 30_000, "元", "max", "人", "每人最高3万元"),
            _target("money", [10_000, 100_000], "元", "range", None, "1-10万元"),
        ],
    )
    second = Measure(
        id="p1-m1",
        part=1,
        number="二、",
        path=["三、保障措施", "二、"],
        section="三、保障措施",
        heading="激活夜间经济",
        text=TEXT[_span("二、")[0] : len(TEXT) - 1],
        span=(_span("二、")[0], len(TEXT) - 1),
        lead_units=["市发改委|测试"],
        support_units=["各县区"],
        targets=[
            _target("date", "2022-12-31", None, None, None, "年底前"),
            _target("count", 50, "场次", "min", None, "不少于50场次"),
            _target("ratio", [2, 1], None, None, None, "2:1"),
            _target("percent", 10, None, None, None, "10%"),
        ],
    )
    return Document(
        source=Source("措施.txt", hashlib.sha256(TEXT.encode()).hexdigest(), len(TEXT)),
        title="关于促进消费的若干措施",
        issuer="某市人民政府办公室",
        doc_number="某政办发〔2022〕1号",
        date="2022-09-05",
        region="某市",
        addressees=["各县区人民政府"],
        parts=[Part("关于促进消费的若干措施", (0, 60)), Part("行动方案", (60, len(TEXT)))],
        measures=[first, second],
        diagnostics=[Diagnostic("missing_number", "未找到编号（三）", None)],
    )
