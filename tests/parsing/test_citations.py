"""extract_citations on real sentences (fixture files) and on adversarial input."""

from __future__ import annotations

import pytest
from extractor_fixtures import Case, load_cases

from policyledger.parsing.citations import extract_citations, normalise_doc_number


@pytest.mark.parametrize("case", load_cases("citations"))
def test_citation_fixture(case: Case):
    citations = extract_citations(case.text, **case.options)
    got = [
        {"doc_number": c.doc_number, "title": c.title, "text": case.text[c.span[0] : c.span[1]]}
        for c in citations
    ]
    assert got == case.expected


def test_normalised_doc_numbers_compare_across_bracket_widths():
    assert normalise_doc_number("平政办发[2020]46号") == normalise_doc_number(
        "平政办发〔2020〕46号"
    )
    assert normalise_doc_number("国办发 〔2016〕 24号") == "国办发〔2016〕24号"


@pytest.mark.parametrize(
    "text",
    ["《" * 200_000, "《" + "政" * 200_000, "〔2020〕" * 30_000, "发" * 200_000 + "〔2020〕1号"],
    ids=["open-titles", "long-title", "years", "long-issuer"],
)
def test_adversarial_input_returns(text):
    for c in extract_citations(text):
        assert c.span[0] < c.span[1] <= len(text)
