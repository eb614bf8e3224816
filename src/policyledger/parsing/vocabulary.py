"""The parser's vocabulary, kept as data files in ``parsing/data/`` so a rule is an edit to a list.

Every stage reads its words here: ``data_lines`` for one entry a line (``#`` starts a comment),
``data_json`` for structured settings, ``longest_first`` to order words for a regex alternation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def data_lines(name: str) -> list[str]:
    """The stripped, non-empty, non-comment lines of ``data/<name>``."""
    lines = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def data_json(name: str) -> Any:
    with (DATA / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def longest_first(words: Iterable[str]) -> tuple[str, ...]:
    """Distinct words, longest first, so a regex alternation prefers 发展改革委 over 发展."""
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))
