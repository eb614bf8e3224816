"""Shared phrases highlighted in a measure's text, whatever the punctuation and spacing on that side."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from policyledger.lineage.text import is_content

_GAP = r"[^\w%]{0,3}"  # punctuation, spaces or a line break between two content characters


def _pattern(phrase: str) -> str | None:
    chars = [re.escape(c) for c in phrase if is_content(c) and not c.isspace()]
    return _GAP.join(chars) if len(chars) >= 2 else None


def mark_phrases(text: str, phrases: list[str]) -> SafeString:
    """``text`` escaped, with every occurrence of each phrase wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for phrase in phrases:
        pattern = _pattern(phrase)
        if pattern is None:
            continue
        for match in re.finditer(pattern, text):
            if not any(a < match.end() and match.start() < b for a, b in spans):
                spans.append(match.span())
    spans.sort()
    out, i = [], 0
    for a, b in spans:
        out.append(escape(text[i:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        i = b
    out.append(escape(text[i:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped
