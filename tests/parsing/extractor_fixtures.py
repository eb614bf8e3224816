"""Fixture files for the extractor tests: real policy sentences next to the JSON they must give.

A file holds cases, each introduced by a line ``=== name``; the input text follows, then a line
``---`` (optionally followed by a JSON object of keyword arguments for the extractor), then the
expected JSON up to the next ``===``. Lines before the first case are comments. The input keeps its
inner line breaks; the line break before ``---`` is not part of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Case:
    name: str
    text: str
    options: dict
    expected: object


def load_cases(kind: str) -> list:
    """One ``pytest.param`` per case in ``fixtures/<kind>/*.txt``, with an id ``file:name``."""
    params = []
    for path in sorted((FIXTURES / kind).glob("*.txt")):
        for case in _parse(path):
            params.append(pytest.param(case, id=f"{path.stem}:{case.name}"))
    return params


def _parse(path: Path) -> list[Case]:
    cases: list[Case] = []
    chunks = path.read_text(encoding="utf-8").split("\n=== ")
    for chunk in chunks[1:]:
        header, _, body = chunk.partition("\n")
        text, sep, rest = body.partition("\n---")
        if not sep:
            raise ValueError(f"{path.name}: case {header!r} has no '---' line")
        option_line, _, expected = rest.partition("\n")
        try:
            options = json.loads(option_line) if option_line.strip() else {}
            value = json.loads(expected)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}: case {header!r}: {exc}") from exc
        cases.append(Case(header.strip(), text, options, value))
    if not cases:
        raise ValueError(f"{path.name}: no cases")
    return cases
