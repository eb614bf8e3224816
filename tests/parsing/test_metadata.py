"""metadata: title, issuer, 文号, dates, region, addressees and the parts of real notices."""

from __future__ import annotations

import pytest
from extractor_fixtures import Case, load_cases

from policyledger.parsing import parse
from policyledger.parsing.cleaning import clean
from policyledger.parsing.metadata import extract, find_addressees, find_parts


@pytest.mark.parametrize("case", load_cases("metadata"))
def test_metadata_fixture(case: Case):
    document = parse(case.text)
    got = {
        "title": document.title,
        "issuer": document.issuer,
        "doc_number": document.doc_number,
        "date": document.date,
        "published": document.published,
        "region": document.region,
        "addressees": document.addressees,
        "parts": [p.title for p in document.parts],
    }
    assert {k: got[k] for k in case.expected} == case.expected


@pytest.mark.parametrize(
    ("line", "addressees"),
    [
        (
            "各市、县（市、区）人民政府，省各委办厅局，省各直属单位：",
            ["各市、县（市、区）人民政府", "省各委办厅局", "省各直属单位"],
        ),
        ("各区人民政府，市政府各委、办、局：", ["各区人民政府", "市政府各委、办、局"]),
        (
            "各县（市、区）人民政府,平凉工业园区管委会：",
            ["各县（市、区）人民政府", "平凉工业园区管委会"],
        ),
    ],
)
def test_addressees_split_on_commas_outside_brackets(line: str, addressees: list[str]):
    assert find_addressees(clean(line + "现将有关事项通知如下。").text)[0] == addressees


def test_a_citation_in_the_body_is_not_the_documents_own_number():
    text = "各区人民政府：\n根据《关于促进消费的意见》（国办发〔2022〕9号），现提出如下措施。"
    assert extract(clean(text).text).doc_number is None


def test_an_impossible_date_is_not_reported():
    assert extract(clean("市商务局\n2022年13月45日").text).date is None


@pytest.mark.parametrize(
    "text",
    [
        "各" * 200_000,
        "日" * 200_000,
        "关于" * 100_000,
        "2022年" * 50_000,
        "办公厅" * 70_000,
        "〔2022〕" * 30_000,
    ],
    ids=["ge", "ri", "guanyu", "years", "issuers", "brackets"],
)
def test_adversarial_strings(text: str):
    cleaned = clean(text).text
    find_parts(cleaned, extract(cleaned))
