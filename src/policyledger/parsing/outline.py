"""Numbered headings of a cleaned text -> a flat list of outline nodes with parents and levels.

The numbering styles (一、 （一） 1. 1、 （1） ① 第X条 …) are data (``data/numbering.json``); which of
them a document uses, and how they nest, is inferred per document: styles are ranked by first
appearance, and a candidate is only taken as a heading when it continues a sequence of its style
(n+1), starts a new one (1) where a heading can start, or, at the start of a paragraph, re-appears in
a scrambled text. ``3.5吨``, ``1.6升``, ``2022年`` and ``一、二类`` never match: a marker is followed by
text, not by a digit, a unit or another numeral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policyledger.parsing.vocabulary import data_json

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS.update({"七": 7, "八": 8, "九": 9})
_CN_NUMERALS = "一二三四五六七八九十百零〇两"


_CONFIG = data_json("numbering.json")
STYLES: tuple[dict, ...] = tuple(_CONFIG["styles"])
_STRONG_BEFORE = frozenset(_CONFIG["strong_before"])
_NEAR_HEADING = int(_CONFIG["near_heading_chars"])
# A heading printed twice starts with the same characters after its number.
_HEADING_KEY = 8
# How far a re-appearing number may run ahead of the largest one seen (scrambled pages lose a few).
_MAX_JUMP = 5

# After the marker comes text: not a digit, a unit, a percent sign or more punctuation.
_FOLLOWED_BY_TEXT = r"(?=[ ]*[^\s、，。；：）,.\d%])"


def _style_regex(index: int, style: dict) -> str:
    pattern = style["pattern"].replace("(?P<n>", f"(?P<n{index}>")
    guard = {"ar": r"(?<![\d.])", "cn": f"(?<![{_CN_NUMERALS}])"}.get(style["numeral"], "")
    return f"(?P<s{index}>{guard}{pattern}){_FOLLOWED_BY_TEXT}"


_FIRST = "".join(sorted({c for s in STYLES for c in s["first"]}))
# The look-ahead on the first character lets the engine skip most positions at C speed.
_MARKER = re.compile(
    f"(?=[{re.escape(_FIRST)}])(?:"
    + "|".join(_style_regex(i, s) for i, s in enumerate(STYLES))
    + ")"
)
# Used by the cleaning stage: does a numbering marker start here (after a line break)?
MARKER_AT_START = re.compile(r"[ ]*(?:" + _MARKER.pattern + ")")
_LIST_ITEM = frozenset(_CN_NUMERALS + "0123456789")
# 一、二、三级: a Chinese numeral list, not a heading.
_NUMERAL_LIST = re.compile(f"[{_CN_NUMERALS}]+、")


@lru_cache(maxsize=512)
def chinese_to_int(numeral: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 一百零五 -> 105 (what headings use)."""
    total = 0
    current = 0
    for char in numeral:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS.get(char, 0)
    return total + current


def _value(style: dict, text: str) -> int:
    kind = style["numeral"]
    if kind == "ar":
        return int(text)
    if kind == "circled":
        return ord(text) - ord(style.get("one", "①")) + 1
    return chinese_to_int(text)


@dataclass
class Marker:
    """An accepted numbering marker in the cleaned text."""

    start: int
    end: int  # end of the marker itself (the heading text starts here)
    style: str
    value: int
    rank: int  # 0 = outermost style in this document
    number: str  # as printed in the cleaned text, e.g. "（一）", "1."
    strong: bool  # at the start of a paragraph / after a sentence end
    in_sequence: bool  # continues its sequence (n+1) or starts one (1)
    epoch: int = 0  # bumped when numbering restarts at the outermost level (a new sub-document)


@dataclass
class Node:
    """A heading with its place in the outline; ``body`` runs to the next marker of any level."""

    index: int
    marker: Marker
    parent: int | None
    heading: str | None
    heading_end: int
    body_end: int
    children: list[int] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.marker.start


def find_markers(
    text: str, boundaries: tuple[int, ...] = (), boxes: tuple[int, ...] = ()
) -> list[Marker]:
    """Accepted numbering markers in document order; ``boundaries`` restart numbering (parts).

    ``boxes`` are where boxes start (专栏2  重点工程): the numbers printed inside a box are not
    headings. A box runs to a heading of a higher level than the item before it, or to the next
    number of that item (2﹒ after 1﹒) where that does not just continue the box's own list.
    """
    box_index = 0
    in_box: list | None = None  # [the heading before the box, the last number of the box's list]
    ranks: dict[str, int] = {}
    accepted: list[Marker] = []
    stack: list[Marker] = []
    last_value: dict[str, int] = {}
    max_value: dict[str, int] = {}
    cuts = sorted(b for b in boundaries if b > 0)
    cut_index = 0
    last_end = -(10**9)
    epoch = 0
    headings: dict[tuple[str, int], str] = {}  # (style, value) -> the first characters after it
    part_markers = 0
    for match in _MARKER.finditer(text):
        start = match.start()
        while cut_index < len(cuts) and start >= cuts[cut_index]:
            # A new sub-document: its numbering starts afresh, its styles keep their ranks.
            stack.clear()
            last_value.clear()
            max_value.clear()
            headings.clear()
            part_markers = 0
            cut_index += 1
            epoch += 1
        index = int(match.lastgroup[1:])
        style = STYLES[index]
        name = style["name"]
        end = match.end()
        if style["numeral"] == "cn" and _NUMERAL_LIST.match(text, end):
            continue
        value = _value(style, match.group(f"n{index}"))
        if value <= 0:
            continue
        while box_index < len(boxes) and boxes[box_index] <= start:
            in_box = [accepted[-1] if accepted else None, 0]
            box_index += 1
        if in_box is not None and in_box[0] is not None:
            before = in_box[0]
            higher = name in ranks and ranks[name] < before.rank
            resumes = name == before.style and value == before.value + 1 != in_box[1] + 1
            if not (higher or resumes):
                if name == before.style:
                    in_box[1] = value
                continue  # an item of the box
            in_box = None
        strong = start == 0 or text[start - 1] in _STRONG_BEFORE
        if not strong and text[start - 1] == "、" and text[start - 2 : start - 1] in _LIST_ITEM:
            continue  # 一、二、三产业: the second item of an inline list
        if not strong and text[start - 1] == "第":
            continue  # 第（一）项, 第1.款: a reference to an item, not the item
        near_heading = (
            0 <= start - last_end <= _NEAR_HEADING and text.find("。", last_end, start) == -1
        )
        open_at = next((i for i, m in enumerate(stack) if m.style == name), None)
        previous = last_value.get(name)
        biggest = max_value.get(name, 0)
        opening = text[end : end + _HEADING_KEY]
        repeated = headings.get((name, value)) == opening
        in_sequence = True
        if not (strong or near_heading):
            continue  # a heading starts a paragraph, or follows its parent's heading
        if previous is not None and value == previous + 1 and not repeated:
            pass  # continues its sequence (also across parents: 000 numbers 1﹒…25﹒ throughout)
        elif repeated:
            in_sequence = False  # the same heading printed again (a repeated passage)
        elif value == 1 and open_at is None:
            pass  # a new level, or a level restarting under a new parent
        elif value == 2 and strong and name not in max_value and open_at is None:
            pass  # a new level whose first item lost its number (the 1. was never printed)
        elif value == 1 and strong and open_at == 0:
            epoch += 1  # the outermost level restarting: a sub-document without a title line
        elif previous is not None and value == previous and strong:
            pass  # the same number printed twice by mistake, with another heading: a new item
        elif not part_markers and strong and value <= _MAX_JUMP * 4:
            pass  # the text starts part-way through its numbering (an excerpt, a cut page)
        elif previous is not None and value <= biggest + _MAX_JUMP:
            # A gap (a lost heading) still runs forward; going back means a scrambled page.
            in_sequence = value > biggest
        else:
            continue
        if name not in ranks:
            ranks[name] = len(ranks)
        rank = ranks[name]
        while stack and stack[-1].rank >= rank:
            stack.pop()
        marker = Marker(
            start, end, name, value, rank, match.group(0).strip(), strong, in_sequence, epoch
        )
        stack.append(marker)
        accepted.append(marker)
        last_value[name] = value
        max_value[name] = max(value, biggest)
        headings.setdefault((name, value), opening)
        part_markers += 1
        last_end = end
    return accepted


_HEADING_STOP = re.compile(r"[。！？；\n]")
_HEADING_MAX = 30


def build(text: str, markers: list[Marker], stops: list[int] | None = None) -> list[Node]:
    """Nodes with parents (by rank), heading text and body extent.

    ``stops`` are extra positions where a heading ends (the start of a responsibility block).
    """
    nodes: list[Node] = []
    stack: list[Node] = []
    stop_points = sorted(stops or [])
    stop_index = 0
    for i, marker in enumerate(markers):
        body_end = markers[i + 1].start if i + 1 < len(markers) else len(text)
        while stack and stack[-1].marker.rank >= marker.rank:
            stack.pop()
        parent = stack[-1].index if stack else None
        limit = body_end
        while stop_index < len(stop_points) and stop_points[stop_index] < marker.end:
            stop_index += 1
        if stop_index < len(stop_points) and stop_points[stop_index] < limit:
            limit = stop_points[stop_index]
        found = _HEADING_STOP.search(text, marker.end, limit)
        heading_end = found.start() if found else limit
        heading = text[marker.end : heading_end].strip()
        if len(heading) > _HEADING_MAX:
            heading = heading[:_HEADING_MAX]
        node = Node(len(nodes), marker, parent, heading or None, heading_end, body_end)
        if parent is not None:
            nodes[parent].children.append(node.index)
        nodes.append(node)
        stack.append(node)
    return nodes
