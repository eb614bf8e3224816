from __future__ import annotations

import re

import pytest

from policyledger.parsing.model import Document, Measure, Source


def make_document(name: str, texts: list[str], title: str | None = None) -> Document:
    """A Document whose measures are the given texts (numbered as printed), laid end to end."""
    body = (title or name) + "\n"
    measures = []
    for i, text in enumerate(texts):
        start = len(body)
        body += text + "\n"
        number = re.match(r"（[一二三四五六七八九十]+）|第[一二三四五六七八九十]+条", text)
        measures.append(
            Measure(
                id=f"0-{i + 1}",
                part=0,
                number=number.group() if number else str(i + 1),
                path=[],
                section=None,
                heading=text[number.end() if number else 0 :].split("。")[0][:30],
                text=text,
                span=(start, start + len(text)),
            )
        )
    return Document(source=Source(name, "", len(body)), title=title or name, measures=measures)


@pytest.fixture
def documents():
    return make_document
