"""JSON and JSON Lines views round-trip to ``Document.to_dict()``."""

from __future__ import annotations

import io
import json

import pytest

from policyledger.formats.json_lines import dumps, schema_errors, write


def test_single_document_is_one_indented_object(document) -> None:
    out = io.StringIO()
    write([document], out, lines=False)
    assert json.loads(out.getvalue()) == document.to_dict()
    assert "\n  " in out.getvalue()
    assert "举办促消费活动" in out.getvalue()  # Chinese stays readable, not \\u escapes


def test_json_lines_one_compact_object_per_line(document) -> None:
    out = io.StringIO()
    write([document, document], out, lines=True)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [document.to_dict()] * 2


def test_single_object_needs_exactly_one_document(document) -> None:
    with pytest.raises(ValueError):
        write([document, document], io.StringIO(), lines=False)


def test_hand_built_document_follows_the_schema(document) -> None:
    assert schema_errors(json.loads(dumps(document))) == []
