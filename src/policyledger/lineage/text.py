"""Normalised measure text for matching: the characters that carry content, with a map back.

Matching works on a folded copy of a measure's text: Unicode NFKC (full-width digits and Latin to
half-width), Markdown and LaTeX markup dropped (``**``, ``#``, ``$15\\%$``, image links), whitespace
removed (page-break line splits and the spaces a PDF conversion scatters through Chinese text), and
the measure's own printed number at its start removed (numbering is structure, not content). Every
kept character remembers its offset in the original measure text, so a shared run found in the
folded text maps back to a phrase that can be highlighted in the original.

Nothing here knows any policy vocabulary: the rules are about characters and markup only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Markdown image links and bare URLs carry no policy content.
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|https?://\S+")
# A leading printed number: （一） (一) 一、 1. 1、 (1) ① 第一条 第一章 第1条, with spaces around.
_LEADING_NUMBER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[条章节款项]|[（(][一二三四五六七八九十百零〇\d]+[）)]"
    r"|[一二三四五六七八九十百零〇]+[、.．]|\d+[、.．](?!\d)|[①-⑳])\s*"
)
_DROP = set(" \t\r\n\u3000\u00a0#*$\\`>|_~")
# Variant punctuation folded to one form (after NFKC): brackets of 文号, quotes, dashes.
_FOLD = str.maketrans(
    {
        "〔": "[",
        "〕": "]",
        "【": "[",
        "】": "]",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "〈": "<",
        "〉": ">",
        "《": "<",
        "》": ">",
        "—": "-",
        "–": "-",
        "、": ",",
        "；": ";",
        "。": ".",
    }
)
_PUNCT_CATEGORIES = ("P", "S", "Z", "C")


@dataclass(frozen=True)
class Folded:
    """A folded text and, for each of its characters, the offset of its source character."""

    text: str
    offsets: tuple[int, ...]
    source: str

    def original(self, start: int, end: int) -> str:
        """The original text behind folded ``[start, end)`` (punctuation and spaces included)."""
        if start >= end:
            return ""
        return self.source[self.offsets[start] : self.offsets[end - 1] + 1].strip()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return (self.offsets[start], self.offsets[end - 1] + 1)


def fold(text: str, *, drop_number: bool = True) -> Folded:
    """Fold ``text`` for matching (see the module docstring)."""
    blanked = _MARKUP.sub(lambda m: " " * len(m.group()), text)
    start = 0
    if drop_number:
        match = _LEADING_NUMBER.match(blanked)
        if match:
            start = match.end()
    chars: list[str] = []
    offsets: list[int] = []
    cache = _FOLD_CACHE
    for index in range(start, len(blanked)):
        ch = blanked[index]
        folded = cache.get(ch)
        if folded is None:
            folded = cache[ch] = _fold_char(ch)
        if not folded:
            continue
        if len(folded) == 1:
            chars.append(folded)
            offsets.append(index)
        else:
            chars.extend(folded)
            offsets.extend([index] * len(folded))
    return Folded("".join(chars), tuple(offsets), text)


_FOLD_CACHE: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    folded = unicodedata.normalize("NFKC", ch).translate(_FOLD).lower()
    return "".join(p for p in folded if p not in _DROP and not p.isspace())


def is_content(ch: str) -> bool:
    """A character that carries content (letters, CJK, digits), not punctuation or a symbol."""
    if ch == "%":
        return True
    return not unicodedata.category(ch).startswith(_PUNCT_CATEGORIES)


def segments(folded: str) -> list[str]:
    """The runs of content characters between punctuation: n-grams never straddle a comma."""
    out: list[str] = []
    current: list[str] = []
    for ch in folded:
        if is_content(ch):
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def char_ngrams(folded: str, sizes: tuple[int, ...] = (2, 3)) -> list[str]:
    """Character n-grams of the content segments of a folded text (no n-gram spans punctuation)."""
    grams: list[str] = []
    for segment in segments(folded):
        for n in sizes:
            grams.extend(segment[i : i + n] for i in range(len(segment) - n + 1))
    return grams


def shingles(folded: str, size: int = 5) -> set[str]:
    """Distinct character ``size``-grams of the content text (punctuation removed) for MinHash."""
    content = "".join(segments(folded))
    return {content[i : i + size] for i in range(len(content) - size + 1)}


# Quantities: a number with its unit or a percent sign. Years, ordinals and bare small integers
# are left out: they say when or which, not how much.
_QUANTITY = re.compile(
    r"(\d+(?:\.\d+)?)\s*(%|‰|万亿元|亿元|万元|千元|元|万户|万人|万亩|亿亩|万吨|万辆|户|人|亩|吨|辆|件|台|套|个|家|类|项|次|天|日|小时|个月|年)"
)


def quantities(folded: str) -> set[str]:
    """Quantities printed in a folded text, as ``number+unit`` strings (``15%``, ``2000元``)."""
    found: set[str] = set()
    for match in _QUANTITY.finditer(folded):
        number, unit = match.groups()
        if unit == "年" and len(number) == 4:
            continue  # a year, not a duration
        value = float(number)
        if value in (0.0, 1.0) and unit not in ("%", "‰"):
            continue
        found.add(f"{number}{unit}")
    return found
