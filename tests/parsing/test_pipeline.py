"""pipeline: parse / parse_bytes / parse_file end to end, spans into the original, odd input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyledger.formats.json_lines import schema_errors
from policyledger.parsing import ReadError, parse, parse_bytes, parse_file

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "corpus"
SAMPLE_004 = next(SAMPLES.glob("004_*.txt"))


@pytest.fixture(scope="module")
def doc004():
    return parse_file(SAMPLE_004)


def test_parse_file_names_the_source_and_hashes_the_text(doc004):
    text = SAMPLE_004.read_text(encoding="utf-8")
    assert doc004.source.name == SAMPLE_004.name
    assert doc004.source.chars == len(text)
    assert len(doc004.source.sha256) == 64


def test_the_same_text_in_gb18030_and_with_a_bom_parses_the_same(doc004):
    text = SAMPLE_004.read_text(encoding="utf-8")
    for data in (text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        other = parse_bytes(data, name="004.txt")
        assert [m.number for m in other.measures] == [m.number for m in doc004.measures]
        assert other.measures[0].lead_units == doc004.measures[0].lead_units


def test_binary_garbage_is_a_read_error_not_a_traceback():
    with pytest.raises(ReadError):
        parse_bytes(bytes(range(256)) * 40, name="garbage.txt")


def test_target_spans_point_into_the_original_text(doc004):
    text = SAMPLE_004.read_text(encoding="utf-8")
    money = [t for m in doc004.measures for t in m.targets if t.kind == "money"]
    assert money
    for target in money:
        start, end = target.span
        assert "万" in text[start:end] or "元" in text[start:end]
    # "安排 200 万元" is printed with spaces: the span covers them.
    spaced = [t for t in money if " " in text[t.span[0] : t.span[1]]]
    assert spaced


def test_citation_spans_point_into_the_original_text(doc004):
    text = SAMPLE_004.read_text(encoding="utf-8")
    numbers = [c for c in doc004.citations if c.doc_number]
    assert {c.doc_number for c in numbers} == {"国办发〔2022〕9号", "苏政办发〔2022〕50号"}
    for citation in numbers:
        assert citation.doc_number in text[citation.span[0] : citation.span[1]]


def test_json_has_the_fixed_keys_and_follows_the_schema(doc004):
    data = doc004.to_dict()
    assert list(data) == [
        "schema_version",
        "source",
        "title",
        "issuer",
        "doc_number",
        "date",
        "published",
        "region",
        "addressees",
        "parts",
        "measures",
        "citations",
        "diagnostics",
    ]
    assert schema_errors(json.loads(json.dumps(data, ensure_ascii=False))) == []
    measure = data["measures"][0]
    assert measure["id"] == "0-1" and measure["part"] == 0 and measure["path"] == ["一、"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_text"),
        ("   \n\n\u3000 ", "empty_text"),
        ("加强消费市场监测，及时发布消费提示。", "no_measures"),
    ],
    ids=["empty", "blank", "no-numbering"],
)
def test_odd_input_gives_a_document_with_a_diagnostic(text: str, code: str):
    document = parse(text)
    assert [d.code for d in document.diagnostics] == [code]
    assert document.measures == []
    assert schema_errors(document.to_dict()) == []


def test_targets_use_the_document_year_for_year_end_deadlines():
    text = (
        "某某市人民政府办公室\n2022年9月5日\n"
        "一、举办促消费活动。年底前发放1000万元消费券。（责任单位：市商务局）\n"
        "二、推动文旅消费。举办推广活动。（责任单位：市文广旅局）"
    )
    document = parse(text)
    dates = [t.value for t in document.measures[0].targets if t.kind == "date"]
    assert "2022-12-31" in dates
