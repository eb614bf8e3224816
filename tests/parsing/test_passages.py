"""passages: repeated text is removed once and reported; scrambled pages are read by number."""

from __future__ import annotations

import time

import pytest
from extractor_fixtures import Case, load_cases

from policyledger.parsing import parse
from policyledger.parsing.cleaning import clean
from policyledger.parsing.passages import find_duplicates


@pytest.mark.parametrize("case", load_cases("passages"))
def test_passages_fixture(case: Case):
    document = parse(case.text)
    assert [[m.number, m.lead_units] for m in document.measures] == case.expected["measures"]
    codes = []
    for diagnostic in document.diagnostics:
        if diagnostic.code == "measure_level":
            continue  # which level holds the measures: tests/parsing/fixtures/measures
        if diagnostic.code not in codes:
            codes.append(diagnostic.code)
    assert codes == case.expected["codes"]
    for fragment in case.expected.get("text_of_first", []):
        assert fragment in document.measures[0].text


def test_removed_ranges_are_reported_with_original_spans():
    paragraph = "鼓励各地以发放消费券、现金补贴、免费开放场馆设施等方式，引导消费需求释放。"
    text = paragraph + "\n\n" + paragraph
    cleaned = clean(text)
    result = find_duplicates(cleaned.text, [], [], cleaned.span)
    assert len(result.removed) == 1
    (start, end) = result.diagnostics[0].span
    assert text[start:end] == paragraph
    assert result.subtract(0, len(cleaned.text)) == [(0, len(paragraph) + 1)]


def test_short_repeats_are_kept():
    # 一句“加强组织领导。” or a signature may recur legitimately; only real passages are removed.
    cleaned = clean(
        "连云港市人民政府办公室\n2022年9月5日\n加强组织领导。\n连云港市人民政府办公室\n2022年9月5日印发"
    )
    assert find_duplicates(cleaned.text, [], [], cleaned.span).removed == []


@pytest.mark.parametrize("factor", [1, 4, 16])
def test_detection_is_linear(factor: int):
    sentences = "".join(f"第{i}项工作要求全面落实到位并按期完成。" for i in range(2000 * factor))
    cleaned = clean(sentences + sentences)
    start = time.process_time()
    result = find_duplicates(cleaned.text, [], [], cleaned.span)
    assert len(result.removed) == 1
    # 16x the input in well under a second of CPU; a quadratic pass would take minutes. CPU time
    # of this process, not wall time: other processes on a shared machine do not count.
    assert time.process_time() - start < 5
