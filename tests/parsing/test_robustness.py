"""Any text gives a Document: property tests on the whole pipeline, and long adversarial inputs.

Properties: no exception; every span is inside the original text and shows something; measure spans
do not overlap and, unless the text was found scrambled, come in document order; ids are unique.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyledger.parsing import parse

# Pieces real documents are made of, so the generator reaches the interesting paths (headings,
# clauses, repeats, broken lines), mixed with arbitrary text.
FRAGMENTS = [
    "一、",
    "二、",
    "三、",
    "十一、",
    "（一）",
    "（二）",
    "(三) ",
    "1.",
    "2﹒",
    "20. ",
    "1、",
    "（1）",
    "①",
    "第一条",
    "总体要求",
    "保障措施",
    "加强组织领导。",
    "发放1000万元消费券，",
    "不低于10%。",
    "1-10万元",
    "3.5吨",
    "（责任单位：市商务局、财政局）",
    "（省发展改革委、省商务厅按职责分工负责）",
    "(责任单位:市住建局按照职责分工",
    "负责)",
    "各县、区人民政府，市各委办局：",
    "连政办发〔2022〕61号",
    "2022年9月5日",
    "江苏省人民政府办公厅",
    "关于进一步促进消费的实施意见",
    "《关于促进消费的意见》（国办发〔2022〕9号）",
    "\n",
    "\n\n",
    " ",
    "\u3000",
    "。",
    "，",
    "：",
    "）",
    "（",
    "\ufeff",
    "\x00",
    "\r\n",
    "发布日期:2022-07-15",
    "年底前",
    "2:1",
]

documents = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=60).map(
    "".join
)


def _check(text: str) -> None:
    document = parse(text)
    # The pipeline turns a failing stage into a diagnostic; none should fail in the first place.
    assert not any(d.code == "stage_error" for d in document.diagnostics)
    n = len(text)
    spans = [m.span for m in document.measures]
    for start, end in spans:
        assert 0 <= start < end <= n
        assert text[start:end].strip()
    for measure in document.measures:
        assert measure.text.strip()
        for target in measure.targets:
            assert 0 <= target.span[0] < target.span[1] <= n
    for citation in document.citations:
        assert 0 <= citation.span[0] < citation.span[1] <= n
    for part in document.parts:
        assert 0 <= part.span[0] <= part.span[1] <= n
    for diagnostic in document.diagnostics:
        if diagnostic.span is not None:
            assert 0 <= diagnostic.span[0] <= diagnostic.span[1] <= n
    ordered = sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:], strict=False))
    if not any(d.code == "out_of_order" for d in document.diagnostics):
        by_part: dict[int, list] = {}
        for measure in document.measures:
            by_part.setdefault(measure.part, []).append(measure.span)
        for part_spans in by_part.values():
            assert part_spans == sorted(part_spans) or any(
                d.code == "duplicate_passage" for d in document.diagnostics
            )
    assert len({m.id for m in document.measures}) == len(document.measures)
    assert all(0 <= m.part < max(1, len(document.parts)) for m in document.measures)
    document.to_dict()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_like_text_parses(text: str):
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_unicode_text_parses(text: str):
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "（" * 200_000,
        "一、" * 100_000,
        "1" * 200_000,
        "1." * 100_000,
        "（一）" * 70_000,
        "（责任单位：" * 40_000,
        "2022年" * 50_000,
        "\n" * 200_000 + "一、甲",
        "各" * 200_000 + "：",
        "关于" * 100_000 + "的通知",
        "".join(f"{i}、内容。" for i in range(1, 20_000)),
    ],
    ids=[
        "brackets",
        "cn-comma",
        "digits",
        "dots",
        "cn-paren",
        "clause-open",
        "years",
        "newlines",
        "addressee",
        "title",
        "long-sequence",
    ],
)
def test_adversarial_strings_finish(text: str):
    start = time.process_time()
    _check(text)
    # Linear work takes about a second at most here; catastrophic backtracking takes minutes.
    assert time.process_time() - start < 30


def test_five_megabytes_on_one_line():
    sentence = "为促进消费，各地要加大投入力度，发放消费券不低于1000万元。"
    text = sentence * (5_000_000 // len(sentence.encode("utf-8")))
    start = time.process_time()
    document = parse(text)
    assert time.process_time() - start < 60
    assert any(d.code == "no_measures" for d in document.diagnostics)
