"""Citations of other documents: by 文号 (国办发〔2016〕24号) and by title in 《》.

A title followed by its 文号 in brackets (《…的意见》（国办发〔2022〕9号）) is one citation whose span covers
both. A 文号 is recognised by its year in brackets (〔〕, [], ［］, 【】 or round ones, in any mix of widths)
followed by a serial number and 号; its issuer code is the run of Chinese characters right before the
bracket, less lead-in words such as 根据/贯彻 (``data/citation_lead_words.txt``). The document's own 文号 is
left out. Titles inside an alias definition (（以下简称《实施意见》）) are not citations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from policyledger.parsing.model import Citation
from policyledger.parsing.vocabulary import data_lines, longest_first

__all__ = ["extract_citations", "normalise_doc_number"]

_YEAR_NO_RE = re.compile(
    r"[〔\[［【(（]\s{0,2}(?:19|20)\d{2}\s{0,2}[〕\]］】)）]\s{0,2}第?\s{0,2}\d{1,5}\s{0,2}号"
)
# A decree number (国务院令第708号, 商务部令2019年第1号): the issuer is read back from 令 as for a 文号.
_DECREE_RE = re.compile(r"令\s{0,2}(?:(?:19|20)\d{2}\s{0,2}年\s{0,2})?第\s{0,2}\d{1,5}\s{0,2}号")
_TITLE_RE = re.compile(r"《([^《》]{1,120})》")
_MAX_ISSUER = 10
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "【": "〔", "(": "〔", "（": "〔",
                           "]": "〕", "］": "〕", "】": "〕", ")": "〕", "）": "〕"})  # fmt: skip


@lru_cache(maxsize=1)
def _lead_words() -> tuple[str, ...]:
    return longest_first(data_lines("citation_lead_words.txt"))


def normalise_doc_number(doc_number: str) -> str:
    """One spelling for comparing 文号: brackets as 〔〕, no whitespace."""
    return re.sub(r"\s+", "", doc_number).translate(_BRACKETS)


def _numbers(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
    numbers: list[tuple[int, int, str]] = []
    previous_end = (
        0  # 国办发〔2016〕24号和国办发〔2015〕72号: an issuer never reaches into the last 文号
    )
    for match in pattern.finditer(text):
        start = _issuer_start(text, match.start(), previous_end)
        previous_end = match.end()
        if start == match.start():
            continue  # a bracketed year (or 令) with no issuer code is not a 文号
        numbers.append((start, match.end(), re.sub(r"\s+", "", text[start : match.end()])))
    return numbers


def _issuer_start(text: str, bracket: int, floor: int) -> int:
    start = bracket
    while start > floor and bracket - start < _MAX_ISSUER and _CJK.match(text[start - 1]):
        start -= 1
    # Drop lead-in words (贯彻国办发〔…〕 -> 国办发〔…〕), repeatedly (根据并贯彻…).
    changed = True
    while changed and start < bracket:
        changed = False
        for word in _lead_words():
            if text.startswith(word, start) and start + len(word) < bracket:
                start += len(word)
                changed = True
                break
    return start


def extract_citations(
    text: str, *, own_doc_number: str | None = None, own_titles: Iterable[str] = ()
) -> list[Citation]:
    """Citations in ``text`` in order; spans relative to ``text``.

    ``own_doc_number`` and ``own_titles`` (the document's own title and the titles of its parts, as the
    metadata stage found them) are left out: a notice that quotes the plan it issues cites nothing.
    """
    own = normalise_doc_number(own_doc_number) if own_doc_number else None
    skip_titles = {_squeeze(t).strip("《》") for t in own_titles if t}
    numbers = _numbers(text, _YEAR_NO_RE) + _numbers(text, _DECREE_RE)
    numbers.sort()

    citations: list[Citation] = []
    used: set[int] = set()
    for match in _TITLE_RE.finditer(text):
        title = _squeeze(match.group(1))
        if _is_alias_definition(text, match.start()):
            skip_titles.add(title)  # later uses of the short name are not citations either
            continue
        if title in skip_titles:
            continue
        start, end = match.span()
        doc_number = None
        follow = re.match(r"\s{0,2}[（(]\s{0,2}", text[end : end + 6])
        if follow:
            at = end + follow.end()
            for i, (n_start, n_end, number) in enumerate(numbers):
                if n_start == at:
                    close = re.match(r"\s{0,2}[）)]", text[n_end : n_end + 4])
                    doc_number = number
                    end = n_end + (close.end() if close else 0)
                    used.add(i)
                    break
        if doc_number and own and normalise_doc_number(doc_number) == own:
            continue
        citations.append(Citation(doc_number=doc_number, title=title, span=(start, end)))
    for i, (n_start, n_end, number) in enumerate(numbers):
        if i in used or (own and normalise_doc_number(number) == own):
            continue
        citations.append(Citation(doc_number=number, title=None, span=(n_start, n_end)))
    citations.sort(key=lambda c: c.span)
    return citations


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _is_alias_definition(text: str, start: int) -> bool:
    # （以下简称《实施意见》和《行动方案》）: the titles name parts of this document, not other documents.
    window = text[max(0, start - 20) : start]
    opened = max(window.rfind("（"), window.rfind("("))
    closed = max(window.rfind("）"), window.rfind(")"))
    return opened > closed and "简称" in window[opened:]
