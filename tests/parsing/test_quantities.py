"""extract_targets on real policy sentences (fixture files) and on adversarial input."""

from __future__ import annotations

import pytest
from extractor_fixtures import Case, load_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from policyledger.parsing.quantities import extract_targets

FIELDS = ("kind", "value", "unit", "qualifier", "per", "text")


@pytest.mark.parametrize("case", load_cases("quantities"))
def test_quantity_fixture(case: Case):
    targets = extract_targets(case.text, **case.options)
    for t in targets:
        assert case.text[t.span[0] : t.span[1]] == t.text
    got = [{f: getattr(t, f) for f in FIELDS} for t in targets]
    assert got == case.expected


def test_targets_are_sorted_by_span_and_do_not_overlap():
    text = "市财政安排 50 万元给予活动组织方 1—3 万元活动补助，不少于20场，10%，2:1，到2025年。" * 5
    targets = extract_targets(text)
    spans = [t.span for t in targets]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert len(targets) == 30


def test_spans_are_relative_to_the_text_given():
    prefix = "（三）"
    (target,) = extract_targets(prefix + "发放500万元消费券")
    assert target.span == (5, 10)
    assert target.value == 5_000_000


def test_money_values_are_exact_integers():
    values = [t.value for t in extract_targets("1.5亿元、0.3万元、2.35万元、1.25元")]
    assert values == [150_000_000, 3000, 23500, 1.25]
    assert all(isinstance(v, int) for v in values[:3])


@pytest.mark.parametrize(
    "text",
    [
        "1" * 200_000,
        "1." * 100_000,
        "万元" * 100_000,
        "1" + " " * 200_000 + "万元",
        "一" * 200_000,
        "一万" * 100_000,
        "百分之" * 60_000,
        "2022年" * 30_000,
        "1-" * 100_000,
        "1:" * 100_000,
        "年底" * 100_000,
        "每" * 200_000,
        "5万元" * 40_000,
        "2022年9月1日—" * 20_000,
        "1万元-" * 50_000,
    ],
    ids=[
        "digits",
        "dotted",
        "wanyuan",
        "spaces",
        "cn-digits",
        "cn-wan",
        "percent-words",
        "years",
        "dashes",
        "colons",
        "year-end",
        "per",
        "amounts",
        "periods",
        "ranges",
    ],
)
def test_adversarial_input_returns(text):
    for t in extract_targets(text, year=2022):
        assert text[t.span[0] : t.span[1]] == t.text


ALPHABET = "0123456789１２.,-—~至到万元亿千百%％:：比个场次年月日底末前起自对每最高不超过低于以上内（）()、，。；\n 一二三十百千分之点第G"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80), st.one_of(st.none(), st.integers(1990, 2030)))
def test_any_text_gives_exact_spans(text, year):
    targets = extract_targets(text, year=year)
    assert [t.span for t in targets] == sorted(t.span for t in targets)
    for t in targets:
        assert text[t.span[0] : t.span[1]] == t.text
        assert t.kind in ("money", "percent", "ratio", "count", "date")
