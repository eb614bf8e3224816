"""cleaning.clean: widths, spaces and broken lines, and the offset map back to the original."""

from __future__ import annotations

import pytest
from extractor_fixtures import Case, load_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from policyledger.parsing.cleaning import clean


@pytest.mark.parametrize("case", load_cases("cleaning"))
def test_cleaning_fixture(case: Case):
    cleaned = clean(case.text)
    assert cleaned.text == case.expected["text"]


@pytest.mark.parametrize("case", load_cases("cleaning"))
def test_every_cleaned_character_comes_from_its_origin(case: Case):
    cleaned = clean(case.text)
    assert len(cleaned.origin) == len(cleaned.text) + 1
    assert cleaned.origin[-1] == len(case.text)
    for index, char in enumerate(cleaned.text):
        source = case.text[cleaned.origin[index]]
        # Substituted one for one: the same character or its normalised form, never an insertion.
        assert source == char or clean(source).text in ("", char) or char in "\n（）：；.- "


def test_span_maps_a_cleaned_word_to_the_original():
    text = "市财政安排 200 万元，\n\n（责任单位:市发改\n\n委）"
    cleaned = clean(text)
    start = cleaned.text.index("200万元")
    a, b = cleaned.span(start, start + len("200万元"))
    assert text[a:b] == "200 万元"
    start = cleaned.text.index("市发改委")
    a, b = cleaned.span(start, start + 4)
    assert text[a:b] == "市发改\n\n委"


def test_empty_span_and_clamping():
    cleaned = clean("一、总体要求")
    assert cleaned.span(3, 3) == (3, 3)
    assert cleaned.span(-5, 100) == (0, 6)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("一、（）()1.﹒ \n\u3000。，：:市发改委ａ１％\x00\r")),
        max_size=80,
    )
)
def test_offsets_are_monotonic_and_in_bounds(text: str):
    cleaned = clean(text)
    origin = list(cleaned.origin)
    assert len(origin) == len(cleaned.text) + 1
    assert all(0 <= o <= len(text) for o in origin)
    assert origin == sorted(origin) and len(set(origin)) == len(origin)
    assert "\n\n" not in cleaned.text


@pytest.mark.parametrize(
    "text",
    [
        "\n" * 200_000,
        " " * 200_000,
        "（" * 200_000,
        "一\n" * 100_000,
        "a \n" * 70_000,
        "\x00" * 200_000,
    ],
    ids=["newlines", "spaces", "brackets", "short-lines", "ascii-lines", "nul"],
)
def test_adversarial_input_is_linear(text: str):
    # A backtracking or quadratic pass would take minutes here; linear work takes well under a second.
    cleaned = clean(text)
    assert len(cleaned.text) <= len(text)
