"""The shipped JSON Schema: real parse output follows it, and it rejects wrong shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from policyledger.formats.json_lines import load_schema, schema_errors
from policyledger.parsing import parse
from policyledger.parsing.model import SCHEMA_VERSION

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "corpus").glob("*.txt"))
ISSUE_KEYS = {
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
}


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == ISSUE_KEYS == set(schema["required"])
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda p: p.name[:3])
def sample_dict(request) -> dict:
    path: Path = request.param
    return parse(path.read_text(encoding="utf-8"), name=path.name).to_dict()


def test_every_sample_follows_the_schema(sample_dict: dict) -> None:
    assert schema_errors(sample_dict) == []
    assert sample_dict["measures"], "a sample with no measures says nothing about the schema"


@pytest.mark.parametrize(
    "text", ["", "   \n\n", "没有编号的一段话。", "一、\n（一）\n1.\n①", "1000万元" * 50]
)
def test_odd_inputs_follow_the_schema(text: str) -> None:
    assert schema_errors(parse(text, name="odd.txt").to_dict()) == []


def _first_measure(data: dict) -> dict:
    return data["measures"][0]


# Each case breaks one rule of the issue's JSON shape; the schema must say so.
BREAKAGES = {
    "extra top-level key": lambda d: d.update(extra=1),
    "missing key": lambda d: d.pop("region"),
    "wrong schema_version": lambda d: d.update(schema_version=2),
    "date not ISO": lambda d: d.update(date="2022年9月5日"),
    "sha256 not hex": lambda d: d["source"].update(sha256="xyz"),
    "extra measure key": lambda d: _first_measure(d).update(confidence=0.9),
    "span of three": lambda d: _first_measure(d).update(span=[1, 2, 3]),
    "span of floats": lambda d: _first_measure(d).update(span=[1.5, 2]),
    "span as object": lambda d: _first_measure(d).update(span={"start": 0, "end": 1}),
    "units not strings": lambda d: _first_measure(d).update(lead_units=[1]),
    "unknown target kind": lambda d: _first_measure(d)["targets"][0].update(kind="area"),
    "unknown qualifier": lambda d: _first_measure(d)["targets"][0].update(qualifier="about"),
    "target missing per": lambda d: _first_measure(d)["targets"][0].pop("per"),
    "ratio as number": lambda d: _first_measure(d)["targets"].append(
        {
            "kind": "ratio",
            "value": 2,
            "unit": None,
            "qualifier": None,
            "per": None,
            "text": "2:1",
            "span": [0, 3],
        }
    ),
    "date target not a date": lambda d: _first_measure(d)["targets"].append(
        {
            "kind": "date",
            "value": "年底前",
            "unit": None,
            "qualifier": None,
            "per": None,
            "text": "年底前",
            "span": [0, 3],
        }
    ),
    "diagnostic without span key": lambda d: d["diagnostics"].append({"code": "x", "message": "y"}),
    "citation with extra key": lambda d: d["citations"].append(
        {"doc_number": None, "title": "《x》", "span": [0, 1], "year": 2020}
    ),
    "part index negative": lambda d: _first_measure(d).update(part=-1),
}


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_schema_rejects_wrong_shapes(name: str, document_dict: dict) -> None:
    assert schema_errors(document_dict) == []
    broken = copy.deepcopy(document_dict)
    BREAKAGES[name](broken)
    assert schema_errors(broken), name


@pytest.fixture
def document_dict() -> dict:
    # Real parser output with a money target, so that every breakage has something to break.
    path = next(p for p in SAMPLES if p.name.startswith("004"))
    data = parse(path.read_text(encoding="utf-8"), name=path.name).to_dict()
    data["measures"] = [m for m in data["measures"] if m["targets"]][:1]
    assert data["measures"], "004 has money targets"
    return json.loads(json.dumps(data))
