"""Raw text -> normalised text with an offset map back to the original.

Every later stage reads ``Cleaned.text``; every span it reports goes back through ``Cleaned.span``.
Characters are only substituted one for one or deleted, never inserted, so the map is monotonic:
``Cleaned.origin`` indexes like an array of ``len(text) + 1`` ints, stored as its runs.

Conventions of the cleaned text (the extractors rely on them):

* full-width ASCII forms become ASCII (digits, Latin letters, ％ -> %, － -> -, ． -> .), except
  （ ） ： ； ， ！ ？ which stay full-width; half-width ( ) : ; become （ ） ： ；; the ASCII comma
  stays (1,000万元); ﹒ becomes '.';
* U+3000 and other spaces become ' '; a run of spaces next to a non-ASCII character is deleted
  (``200 万元`` -> ``200万元``, ``2022 年 9 月`` -> ``2022年9月``); spaces between ASCII words stay;
* a line break in the middle of a sentence (PDF layout, even inside a unit name ``市发改\\n委``) is
  deleted; a break that ends a paragraph is kept as one ``\\n``: after 。！？；： or a closing bracket,
  before a numbering marker, and after a short stand-alone line (a title, a heading, a signature);
  two ideographic spaces after text (a paragraph indent on a page that lost its breaks) are a break.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from policyledger.parsing.metadata import TITLE_END
from policyledger.parsing.outline import MARKER_AT_START

# A stand-alone line (title, heading, signature, date) is at most this long; PDF text lines that end
# mid-sentence are longer, and a short line that starts a paragraph and has no sentence punctuation
# is not the start of a sentence that runs on.
_SHORT_LINE = 40
# A title line is longer (…三年行动方案（2025—2027年）的通知) but ends with a document type.
_TITLE_LINE = 100

_KEEP_FULL_WIDTH = set("（）：；，！？")


def _translation() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):
        char = chr(code)
        if char not in _KEEP_FULL_WIDTH:
            table[code] = chr(code - 0xFEE0)
    table.update({ord("("): "（", ord(")"): "）", ord(":"): "：", ord(";"): "；"})
    table.update({0xFE52: ".", 0xFF61: "。", 0xFF62: "「", 0xFF63: "」", 0xFF64: "、"})
    for code in (0x3000, 0x00A0, 0x1680, 0x202F, 0x205F, *range(0x2000, 0x200B)):
        table[code] = " "
    for code in (0x0D, 0x0B, 0x0C, 0x85, 0x2028, 0x2029):
        table[code] = "\n"
    # Controls and invisible marks are deleted later; NUL marks them for the deletion pass.
    for code in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, 0x200B, 0x200C, 0x200D, 0x2060):
        table[code] = "\x00"
    table[0xFEFF] = "\x00"
    return table


_TABLE = _translation()
# Most characters map to themselves; substituting only those that change is ten times faster
# than str.translate over a mostly-CJK text.
_CHANGED = re.compile("[" + re.escape("".join(map(chr, _TABLE))) + "]")


def _substitute(match: re.Match) -> str:
    return _TABLE[ord(match.group())]


# Runs of spaces, line breaks and deleted controls, each matched once and whole (a pattern with a
# look-around after a repeated class would rescan a long run from every position: quadratic).
_WHITESPACE_RUN = re.compile(r"[ \t\n\x00]+")
# A page number on a line of its own in PDF text (— 2 —, - 3 -, 4, 第5页): deleted with its line.
_PAGE_NUMBER = re.compile(
    r"^[ \t]*(?:[-—–~]+[ \t]*)?(?:第[ ]*)?\d{1,3}(?:[ ]*页)?(?:[ \t]*[-—–~]+)?[ \t]*$", re.M
)
# A table row flattened from Word keeps its tabs as cell separators.
_TABLE_ROW_TABS = 2
_ENDS_PARAGRAPH = frozenset("。！？；：!?）】」』〕]")
_SENTENCE_PUNCT = re.compile(r"[，。；！？,]")
_CONTINUES = frozenset("，、。；：）》”,.;:")


@dataclass(frozen=True)
class Cleaned:
    """Normalised text; ``origin[i]`` is the original index of cleaned character ``i``."""

    text: str
    origin: OffsetMap  # len(text) + 1 ints; the last one is len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the cleaned text to the original text."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        if end == start:
            return (self.origin[start], self.origin[start])
        return (self.origin[start], self.origin[end - 1] + 1)

    def offset(self, index: int) -> int:
        """Original index of cleaned index ``index`` (clamped to the text)."""
        return self.origin[max(0, min(index, len(self.text)))]


_INDENT = re.compile(r"(?<=[^\s\u3000])\u3000{2,}")


# Markdown marks: a heading's # run at a line start, and the ** of bold text.
_MARKDOWN = re.compile(r"(?m)^[ \t\u3000]*#{1,6}(?=[ \t\u3000])|\*\*")


# An article number with spaces between its digits (第 1 0 条, 第 2 6 条).
_SPACED_ARTICLE = re.compile(r"第[ \u00a0\u3000]*\d(?:[ \u00a0\u3000]+\d)+[ \u00a0\u3000]*[条章款]")


def _unspace(match: re.Match) -> str:
    return re.sub(r"[ \u00a0\u3000]", "\x00", match.group())


def _blank(match: re.Match) -> str:
    return "\x00" * len(match.group())  # deleted with the whitespace around it; offsets hold


def _indent_break(match: re.Match) -> str:
    return "\n" + match.group()[1:]


def clean(text: str) -> Cleaned:
    """Normalise widths, spaces and broken lines; keep a map of every character's origin."""
    if "\u3000\u3000" in text:
        # 首行缩进: two ideographic spaces open a paragraph; a scraped page that lost its line
        # breaks keeps them (…完成时限：2025年底前　　2.推进…). Same length, so offsets hold.
        text = _INDENT.sub(_indent_break, text)
    if "#" in text or "**" in text:
        # Markdown copies: heading marks (## 一、…) and bold (**一、…**) are layout, not text.
        text = _MARKDOWN.sub(_blank, text)
    if "第" in text:
        # 第 1 0 条 from a PDF: the spaces inside the number go (第10条), whatever their width.
        text = _SPACED_ARTICLE.sub(_unspace, text)
    translated = _CHANGED.sub(_substitute, text)
    if "\n" in translated:
        translated = _PAGE_NUMBER.sub(lambda m: "\x00" * len(m.group()), translated)
    n = len(translated)
    row = (-1, -1, False)  # the line last checked for being a table row: (start, end, is_row)
    keep: list[tuple[int, int]] = []  # ranges of translated text kept, in order
    position = 0
    line_start = 0  # in the translated text: where the current (joined) line began
    line_is_paragraph_start = True
    physical_start = 0  # where the current line of the input began (breaks deleted or not)
    for match in _WHITESPACE_RUN.finditer(translated):
        start, end = match.span()
        run = match.group()
        if "\n" not in run:
            before = translated[start - 1] if start else "\n"
            after = translated[end] if end < n else "\n"
            if "\t" in run and start and end < n:
                if not row[0] <= start < row[1]:
                    line_begin = translated.rfind("\n", 0, start) + 1
                    line_end = translated.find("\n", end)
                    line_end = n if line_end < 0 else line_end
                    line = translated[line_begin:line_end]
                    tabs = line.strip(" \t\x00").count("\t")  # between cells, not indents
                    row = (line_begin, line_end, tabs >= _TABLE_ROW_TABS)
                if row[2]:
                    tab = start + run.index("\t")
                    keep.append((position, start))
                    keep.append((tab, tab + 1))  # one tab between two cells
                    position = end
                    continue
            if before > "\x7f" or after > "\x7f" or start == 0 or end == n:
                keep.append((position, start))  # next to Chinese (or at an end): delete it all
                position = end
            elif "\x00" in run:
                space = run.find(" ")
                keep.append((position, start))
                if space >= 0:
                    keep.append((start + space, start + space + 1))
                position = end
            continue
        # A run holding a line break: one paragraph end, or nothing.
        keep.append((position, start))
        position = end
        if start == 0 or end == n:
            line_start = physical_start = end
            continue
        previous = translated[start - 1]
        standalone = False
        if (
            line_is_paragraph_start
            and start - line_start <= _TITLE_LINE
            and translated[end] not in _CONTINUES  # the next line goes on with ，、。…
        ):
            line = translated[line_start:start]
            standalone = (
                _SENTENCE_PUNCT.search(line) is None
                and line.count("（") <= line.count("）")  # not cut inside a bracket
                and (len(line) <= _SHORT_LINE or TITLE_END.search(line) is not None)
            )
        table_row = translated.count("\t", physical_start, start) >= _TABLE_ROW_TABS
        physical_start = end
        if (
            previous in _ENDS_PARAGRAPH
            or standalone
            or table_row
            or MARKER_AT_START.match(translated, end) is not None
        ):
            newline = translated.index("\n", start)
            keep.append((newline, newline + 1))
            line_start = end
            line_is_paragraph_start = True
        else:
            line_is_paragraph_start = False
    keep.append((position, n))

    parts: list[str] = []
    starts = array("q")  # cleaned index where each kept run begins
    sources = array("q")  # and where that run comes from in the original
    length = 0
    last_end = -1
    for a, b in keep:
        if b > a:
            parts.append(translated[a:b])
            if a != last_end:  # runs that touch in the original are one run
                starts.append(length)
                sources.append(a)
            length += b - a
            last_end = b
    return Cleaned("".join(parts), OffsetMap(starts, sources, length, n))


class OffsetMap(Sequence):
    """``origin[i]``: the original index of cleaned index ``i`` (``origin[len(text)]`` is the end).

    Held as the start of each kept run, not one int per character: looking up an index is a
    bisection, and building it costs nothing per character.
    """

    __slots__ = ("_starts", "_sources", "_length", "_end")

    def __init__(self, starts: array, sources: array, length: int, end: int) -> None:
        self._starts = starts
        self._sources = sources
        self._length = length
        self._end = end

    def __len__(self) -> int:
        return self._length + 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += self._length + 1
        if not 0 <= index <= self._length:
            raise IndexError("offset out of range")
        if index == self._length:
            return self._end
        run = bisect.bisect_right(self._starts, index) - 1
        return self._sources[run] + index - self._starts[run]
