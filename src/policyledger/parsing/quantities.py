"""Quantified targets in a measure's text: money, percentages, ratios, counts and deadlines.

One fast scan finds where numbers start and the precompiled patterns are tried only there (three
literal-led patterns, for Chinese numerals and 年底, run as ``finditer``). Overlaps are settled by kind
(money > percent > ratio > date > count), so "11万张、100万元" gives a count and an amount.

Conventions (they follow tests/data/gold/README.md):

- money: ``value`` in yuan, ``unit`` always "元". 1-10万元 is a range whose 万 applies to both ends
  (value ``[10000, 100000]``, qualifier "range"). "500 万以上" without 元 is money. Chinese numerals
  before 元 (五千万元) go through cn2an.
- qualifier, one rule for money, percents and counts: "range" for a range; else "max" when a cap
  word applies (最高/不超过/以内 ...; the bound word nearest the number wins); else "min" for a
  floor (不低于/以上 ...); else "per" when the amount is per recipient (每人, 每家企业, 200元/人,
  15元一张); else "total" when a budget verb precedes it (安排/统筹/发放 ...); else null. ``per`` is filled whenever a per-recipient word is found, so
  "每家最高20万元" is qualifier "max" with per "家". The words are in ``data/quantity_markers.tsv``.
- percent: ``value`` the number, ``unit`` "%". "0.5个百分点" is a count, not a percent.
- ratio: ``value`` ``[a, b]`` (2:1, 2：1, 1比1).
- count: Arabic numerals with a measure word from ``data/count_units.txt``; ``value`` as printed
  (10万张 -> 10, unit "万张"); a range "3—5个" keeps the string "3—5". Designations (5G, 4A级,
  110千伏, 24小时便利店, 12315), ordinals (第八届), years, Chinese-numeral counts are not counts.
- date: only deadlines are reported, qualifier "max" (the latest date): 2022年底前 / 2022年年底 ->
  "2022-12-31", 至2022年12月31日 -> "2022-12-31", 2022年6月底 -> "2022-06-30", 到2025年 -> "2025",
  2022年上半年 -> "2022-06-30", and 年底前 without a year -> ``f"{year}-12-31"`` when the document's
  ``year`` is given. Start dates and periods (自2022年起, 2022年1—6月), event years (举办2022年房展会),
  signing dates and dates before the document's year (截至2019年底, a status report) are skipped.
"""

from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import cn2an

from policyledger.parsing.model import Target
from policyledger.parsing.vocabulary import data_lines, longest_first

__all__ = ["extract_targets"]

# Every numeric pattern is tried only where a number starts: one fast scan finds the digit runs, and
# a run that continues a longer token (a decimal, a code like G20 or 7×24, 1,000) is not a start.
_DIGITS = re.compile(r"\d+")
_NOT_BEFORE_NUMBER = frozenset(".．×xX*+/")
_NUM = r"\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,6})?(?!\d)|\d{1,15}(?:\.\d{1,6})?"
_SP = r"[ \t\u00a0\u3000\r\n]{0,3}"
_DASH = r"(?:[-—–~～－]{1,2}|至|到)"
_MULT = r"万亿|千万|百万|亿|万|千|百"
_CN_DIGIT = "零〇一二两三四五六七八九十百千万亿"
_MULTIPLIER = {
    "": 1,
    "百": 100,
    "千": 1000,
    "万": 10_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
    "万亿": 1_000_000_000_000,
}
_BOUNDARY = "。；;！？!?\n，,："
_CLAUSE_TAIL = re.compile(f"[^{_BOUNDARY}]*$")
_SPACES = re.compile(r"[ \t\u00a0\u3000\r]+")

_MONEY_RE = re.compile(
    rf"(?P<a>{_NUM}){_SP}(?P<am>{_MULT})?{_SP}(?:元{_SP})?{_DASH}{_SP}"
    rf"(?P<b>{_NUM}){_SP}(?P<bm>{_MULT})?{_SP}元"
    rf"|(?P<n>{_NUM}){_SP}(?:余|多)?(?P<nm>{_MULT})?{_SP}元"
    rf"|(?P<w>{_NUM}){_SP}(?P<wm>千万|百万|万|亿)(?={_SP}(?:以上|以下|以内|左右))"
)
# Chinese numerals only with a magnitude (三百元, 五千万元): 一元化 and 三元里 are words.
_MONEY_CN_RE = re.compile(rf"(?P<c>[一二两三四五六七八九十][{_CN_DIGIT}]{{0,10}})元")
_PERCENT_RE = re.compile(
    rf"(?P<a>{_NUM}){_SP}(?:[%％]{_SP})?{_DASH}{_SP}(?P<b>{_NUM}){_SP}[%％]"
    rf"|(?P<n>{_NUM}){_SP}[%％]"
)
_PERCENT_CN_RE = re.compile(r"百分之(?P<c>[零〇一二两三四五六七八九十百点]{1,8})")
_RATIO_RE = re.compile(
    rf"(?P<a>\d{{1,4}}(?:\.\d{{1,3}})?){_SP}(?:[:：∶]|比){_SP}"
    rf"(?P<b>\d{{1,4}}(?:\.\d{{1,3}})?)(?![\d.:：∶])"
)
_DATE_RE = re.compile(
    r"(?P<y>\d{4})[ \t\u00a0\u3000]{0,2}年[ \t\u00a0\u3000]{0,2}(?:"
    r"(?P<m>\d{1,2})[ \t\u00a0\u3000]{0,2}月[ \t\u00a0\u3000]{0,2}(?:"
    r"(?P<d>\d{1,2})[ \t\u00a0\u3000]{0,2}[日号]|(?P<mend>底|末)|(?P<month>)(?![ \t\u00a0\u3000]{0,2}\d))"
    r"|(?P<yend>年?(?:底|末))"
    r"|(?P<part>上半年|下半年|前三季度|第?[一二三四1-4]季度)"
    r"|(?P<bare>)(?![ \t\u00a0\u3000]{0,2}(?:\d|度|代)))"
)
# 年底 with no year (今年年底, 年底前); 每年年底, 去年底, 2022年底 are not this.
_PART_END = {
    "上半年": "06-30",
    "下半年": "12-31",
    "前三季度": "09-30",
    "一季度": "03-31",
    "1季度": "03-31",
    "二季度": "06-30",
    "2季度": "06-30",
    "三季度": "09-30",
    "3季度": "09-30",
    "四季度": "12-31",
    "4季度": "12-31",
}
_DASHES = ("-", "—", "–", "~", "～", "－")
_YEAR_END_RE = re.compile(r"年[底末]")
_THIS_YEAR = ("今年", "本年", "当年")
_NOT_BEFORE_YEAR_END = frozenset("0123456789年每去前上明后")


def _number_starts(text: str) -> list[int]:
    starts = []
    for match in _DIGITS.finditer(text):
        s = match.start()
        if s:
            prev = text[s - 1]
            if prev in _NOT_BEFORE_NUMBER or (prev.isascii() and prev.isalpha()):
                continue
            if prev == "," and s > 1 and text[s - 2].isdigit():
                continue
        starts.append(s)
    return starts


def _scan(
    text: str, starts: list[int], pattern: re.Pattern[str], other: re.Pattern[str] | None = None
) -> list[re.Match[str]]:
    """``pattern`` anchored at each number start, merged with ``other``'s matches; no overlaps."""
    found = [m for s in starts if (m := pattern.match(text, s))]
    if other is not None:
        found.extend(other.finditer(text))
        found.sort(key=lambda m: m.start())
    out: list[re.Match[str]] = []
    last = 0
    for m in found:
        if m.start() >= last:
            out.append(m)
            last = m.end()
    return out


@dataclass(frozen=True)
class _Markers:
    max_before: tuple[str, ...]
    max_after: tuple[str, ...]
    min_before: tuple[str, ...]
    min_after: tuple[str, ...]
    min_adjacent: tuple[str, ...]
    total_before: tuple[str, ...]
    deadline_before: tuple[str, ...]
    year_deadline_before: tuple[str, ...]
    deadline_after: tuple[str, ...]
    start_before: tuple[str, ...]
    start_after: tuple[str, ...]
    year_target_after: tuple[str, ...]
    bound_before: re.Pattern[str]
    total_re: re.Pattern[str]
    bound_role: dict[str, str]
    per_before: re.Pattern[str]
    per_after: re.Pattern[str]
    count_re: re.Pattern[str]
    deadline_label: re.Pattern[str]


@lru_cache(maxsize=1)
def _markers() -> _Markers:
    roles: dict[str, list[str]] = {}
    for line in data_lines("quantity_markers.tsv"):
        role, _, word = line.partition("\t")
        roles.setdefault(role.strip(), []).append(word.strip())
    per_alt = "|".join(map(re.escape, longest_first(roles.get("per_word", []))))
    units_alt = "|".join(map(re.escape, longest_first(data_lines("count_units.txt"))))
    count_re = re.compile(
        rf"(?P<a>{_NUM})(?:{_SP}(?P<dash>[-—–~～－]{{1,2}}|至){_SP}(?P<b>{_NUM}))?"
        rf"{_SP}(?:余|多)?{_SP}(?P<unit>(?:万|亿)?(?:{units_alt}))"
    )

    def get(role: str) -> tuple[str, ...]:
        return longest_first(roles.get(role, []))

    return _Markers(
        max_before=get("max_before"),
        max_after=get("max_after"),
        min_before=get("min_before"),
        min_after=get("min_after"),
        min_adjacent=get("min_adjacent"),
        total_before=get("total_before"),
        deadline_before=get("deadline_before"),
        year_deadline_before=get("year_deadline_before"),
        deadline_after=get("deadline_after"),
        start_before=get("start_before"),
        start_after=get("start_after"),
        year_target_after=get("year_target_after"),
        # 每家企业, 每个项目: an optional classifier between 每 and the recipient.
        bound_before=re.compile(
            "|".join(
                map(
                    re.escape,
                    longest_first(roles.get("max_before", []) + roles.get("min_before", [])),
                )
            )
            or "(?!)"
        ),
        total_re=re.compile("|".join(map(re.escape, get("total_before"))) or "(?!)"),
        bound_role={
            **{w: "min" for w in get("min_before")},
            **{w: "max" for w in get("max_before")},
        },
        # 每家企业, 每个项目, 单车, 人均: an optional classifier between 每 and the recipient.
        per_before=re.compile(rf"每(?:个|位|名)?({per_alt})|单(车|笔|台|户|家|次|场|项)|(人|户)均"),
        per_after=re.compile(rf"^{_SP}(?:/|／|每|一)({per_alt})"),
        count_re=count_re,
        deadline_label=re.compile(
            "(?:" + "|".join(map(re.escape, get("deadline_label"))) + r")[：:][ \t\u3000]*$"
            if roles.get("deadline_label")
            else "(?!)"
        ),
    )


# ---------------------------------------------------------------------------------------------------
# Helpers


def _number(raw: str) -> int | float:
    value = Decimal(re.sub(r"[,\s]", "", raw))
    return _tidy(value)


def _tidy(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(raw: str) -> Decimal:
    return Decimal(re.sub(r"[,\s]", "", raw))


def _before(text: str, start: int, floor: int, width: int = 14) -> str:
    """The words right before a number, back to the previous number or clause boundary."""
    lo = max(floor, start - 2 * width, 0)
    tail = _CLAUSE_TAIL.search(text, lo, start).group()
    # Spaces (raw text: "专项资金 500 万元") do not count against the window.
    return _SPACES.sub("", tail)[-width:]


_INCLUSIVE = re.compile(r"^[ \t\u00a0\u3000]*[（(]含[）)]")


def _after(text: str, end: int, width: int = 6) -> str:
    after = text[end : end + width + 3]
    found = _INCLUSIVE.match(after)  # 500万元（含）以上
    if found:
        after = after[found.end() :]
    return after[:width].lstrip(" \t\u00a0\u3000")


def _qualifier(
    before: str, after: str, *, is_range: bool, per: str | None, money: bool
) -> str | None:
    m = _markers()
    if is_range:
        return "range"
    if after.startswith(m.max_after):
        return "max"
    if after.startswith(m.min_after) or before.endswith(m.min_adjacent):
        return "min"
    # The bound word nearest the number wins, the longest at a place (不低于 over 低于).
    bound = None
    for found in m.bound_before.finditer(before):
        bound = m.bound_role[found.group()]
    if bound:
        return bound
    if per:
        return "per"
    if money and m.total_re.search(before):
        return "total"
    return None


def _per(before: str, after: str) -> str | None:
    m = _markers()
    found = m.per_after.match(after)
    if found:
        return found.group(1)
    hits = list(m.per_before.finditer(before))
    return next(g for g in hits[-1].groups() if g) if hits else None


@dataclass
class _Candidate:
    priority: int
    target: Target


# ---------------------------------------------------------------------------------------------------
# One pass per kind


def _money(text: str, starts: list[int]) -> list[_Candidate]:
    out: list[_Candidate] = []
    floor = 0
    for match in _scan(text, starts, _MONEY_RE, _MONEY_CN_RE):
        start, end = match.span()
        g = match.groupdict()
        try:
            if g.get("c") is None and g["a"] is not None:
                mult_b = _MULTIPLIER[g["bm"] or ""]
                mult_a = _MULTIPLIER[g["am"]] if g["am"] else mult_b
                value: int | float | list[int | float] = [
                    _tidy(_decimal(g["a"]) * mult_a),
                    _tidy(_decimal(g["b"]) * mult_b),
                ]
            elif g.get("c") is None and g["n"] is not None:
                value = _tidy(_decimal(g["n"]) * _MULTIPLIER[g["nm"] or ""])
            elif g.get("c") is None and g["w"] is not None:
                value = _tidy(_decimal(g["w"]) * _MULTIPLIER[g["wm"]])
            else:
                if not any(ch in g["c"] for ch in "十百千万亿"):
                    continue
                if start and (text[start - 1] in _CN_DIGIT or text[start - 1].isdigit()):
                    continue
                value = _tidy(Decimal(str(cn2an.cn2an(g["c"], "normal"))))
        except (ValueError, InvalidOperation, KeyError):
            continue
        before, after = _before(text, start, floor), _after(text, end)
        per = _per(before, after)
        qualifier = _qualifier(before, after, is_range=isinstance(value, list), per=per, money=True)
        out.append(
            _Candidate(
                0, Target("money", value, "元", qualifier, per, text[start:end], (start, end))
            )
        )
        floor = end
    return out


def _percent(text: str, starts: list[int]) -> list[_Candidate]:
    out: list[_Candidate] = []
    floor = 0
    for match in _scan(text, starts, _PERCENT_RE, _PERCENT_CN_RE):
        start, end = match.span()
        g = match.groupdict()
        try:
            if g.get("c") is None and g["a"] is not None:
                value: int | float | list[int | float] = [_number(g["a"]), _number(g["b"])]
            elif g.get("c") is None and g["n"] is not None:
                value = _number(g["n"])
            else:
                value = _tidy(Decimal(str(cn2an.cn2an(g["c"], "normal"))))
        except (ValueError, InvalidOperation):
            continue
        before, after = _before(text, start, floor), _after(text, end)
        qualifier = _qualifier(
            before, after, is_range=isinstance(value, list), per=None, money=False
        )
        out.append(
            _Candidate(
                1, Target("percent", value, "%", qualifier, None, text[start:end], (start, end))
            )
        )
        floor = end
    return out


def _ratio(text: str, starts: list[int]) -> list[_Candidate]:
    out: list[_Candidate] = []
    for match in _scan(text, starts, _RATIO_RE):
        a, b = match.group("a"), match.group("b")
        after = _after(text, match.end(), 4)
        # 8:30 and 22:00 are times of day, not ratios.
        looks_like_time = len(b) == 2 and b[0] in "012345" and _decimal(a) <= 24
        if looks_like_time and "比例" not in after and "配套" not in after:
            continue
        start, end = match.span()
        if start > 1 and text[start - 1] in ":：∶" and text[start - 2].isdigit():
            continue  # the tail of 5:3:2, which is not a pair
        value = [_number(a), _number(b)]
        out.append(
            _Candidate(2, Target("ratio", value, None, None, None, text[start:end], (start, end)))
        )
    return out


@lru_cache(maxsize=1)
def _descriptor_words() -> dict[str, tuple[str, ...]]:
    roles: dict[str, list[str]] = {}
    for line in data_lines("descriptor_markers.tsv"):
        role, _, word = line.partition("\t")
        roles.setdefault(role.strip(), []).append(word.strip())
    return {role: longest_first(words) for role, words in roles.items()}


def _is_descriptor(text: str, end: int, unit: str) -> bool:
    """A count that names a kind of thing (3.5吨及以下货车), per ``data/descriptor_markers.tsv``."""
    words = _descriptor_words()
    after = _SPACES.sub("", text[end : end + 12])
    if after.startswith(words.get("kind", ())):
        return True
    bounds = words.get("bound_any", ())
    if unit.lstrip("万亿") in words.get("size_unit", ()):
        bounds = longest_first([*bounds, *words.get("bound_size", ())])
    word = next((w for w in bounds if after.startswith(w)), None)
    rest = after[len(word) :] if word else ""
    return bool(rest) and rest[0] not in _BOUNDARY and rest[0] not in "）)"


def _counts(text: str, starts: list[int]) -> list[_Candidate]:
    m = _markers()
    out: list[_Candidate] = []
    floor = 0
    for match in _scan(text, starts, m.count_re):
        start, end = match.span()
        a, b, unit = match.group("a"), match.group("b"), match.group("unit")
        lead = text[max(0, start - 3) : start].rstrip(" \t\u00a0\u3000")
        if lead.endswith("第"):
            continue  # ordinals: 第11次, 第八届
        if unit.startswith("年") and _is_year(a) and (b is None or _is_year(b)):
            continue  # a year (or 2024—2026年, a period), not a count of years
        if (
            unit.startswith("年")
            and len(a) == 4
            and (a[0] == "0" or text.startswith(("底", "末"), end))
        ):
            continue  # a garbled year (0402年底前): no count starts with 0 or ends in 年底
        if b is not None:
            value: int | float | str = re.sub(r"\s", "", text[match.start("a") : match.end("b")])
        else:
            value = _number(a)
        before, after = _before(text, start, floor), _after(text, end)
        if _is_descriptor(text, end, unit):
            continue  # 3.5吨及以下货车 names a kind of lorry; it is not a target
        qualifier = _qualifier(before, after, is_range=b is not None, per=None, money=False)
        out.append(
            _Candidate(
                4,
                Target(
                    "count",
                    value,
                    re.sub(r"\s", "", unit),
                    qualifier,
                    None,
                    text[start:end],
                    (start, end),
                ),
            )
        )
        floor = end
    return out


def _is_year(digits: str) -> bool:
    # int() reads full-width digits too (２０２２) in text the cleaning stage has not seen.
    return len(digits) == 4 and 1900 <= int(digits) <= 2099


# Years a deadline can have; outside them a year is a scraping error (0402年底前 for 2022年底前).
FIRST_YEAR, LAST_YEAR = 1949, 2100


def _dates(
    text: str, starts: list[int], year: int | None, due: bool, dropped: list | None = None
) -> list[_Candidate]:
    m = _markers()
    out: list[_Candidate] = []
    if year is not None:
        for match in _YEAR_END_RE.finditer(text):
            start, end = match.span()
            if text[max(0, start - 2) : start] in _THIS_YEAR:
                start -= 2  # 今年年底
            elif start and (text[start - 1] in _NOT_BEFORE_YEAR_END or text[start - 1].isdigit()):
                continue  # 2022年底 (read below), 每年年底, 去年底
            end = _absorb_after(text, end, m.deadline_after)
            out.append(_date_candidate(text, start, end, f"{year}-12-31"))
    for match in _scan(text, starts, _DATE_RE):
        start, end = match.span()
        before = _before(text, start, 0, width=8)
        y = int(match.group("y"))
        if not FIRST_YEAR <= y <= LAST_YEAR:
            if dropped is not None and (
                match.group("bare") is None
                or _after(text, match.end(), 4).startswith(m.deadline_after)
            ):
                dropped.append(
                    (y, match.start(), _absorb_after(text, match.end(), m.deadline_after))
                )
            continue
        if year is not None and y < year:
            continue  # 截至2019年底…: a date before the document's year reports, it sets no deadline
        tail = _after(text, end, 4)
        if before.endswith(m.start_before) or tail.startswith(m.start_after):
            continue  # 自2022年起: a start, not a deadline
        # 完成时限：2024年12月, or a table's deadline column: every date there is due.
        due_here = due or m.deadline_label.search(text, max(0, start - 12), start) is not None
        if match.group("d") is not None:
            month, day = int(match.group("m")), int(match.group("d"))
            if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(y, month)[1]):
                continue
            if not (
                due_here
                or before.endswith(m.deadline_before + _DASHES)
                or tail.startswith(m.deadline_after)
            ):
                continue  # a signing or event date; the end of a period (9月1日—12月31日) is kept
            value = f"{y:04d}-{month:02d}-{day:02d}"
        elif match.group("mend") is not None:
            month = int(match.group("m"))
            if not 1 <= month <= 12:
                continue
            value = f"{y:04d}-{month:02d}-{calendar.monthrange(y, month)[1]:02d}"
        elif match.group("month") is not None:
            month = int(match.group("m"))
            if not 1 <= month <= 12 or not (
                due_here
                or before.endswith(m.deadline_before + m.year_deadline_before)
                or tail.startswith(m.deadline_after)
            ):
                continue  # 2024年3月印发, 2024年6月至12月: not a deadline
            value = f"{y:04d}-{month:02d}-{calendar.monthrange(y, month)[1]:02d}"
        elif match.group("yend") is not None:
            value = f"{y:04d}-12-31"
        elif match.group("part") is not None:
            if tail.startswith("的"):
                continue  # 2022年上半年的数据: a period referred to, not a deadline
            value = f"{y:04d}-{_PART_END[match.group('part').lstrip('第')]}"
        else:
            # A bare year: a deadline after 到/力争/于 or before 前, or a target year opening a clause.
            if not (
                due_here
                or before.endswith(m.deadline_before + m.year_deadline_before)
                or tail.startswith(m.deadline_after)
                or (before == "" and tail.startswith(m.year_target_after))
            ):
                continue
            value = f"{y:04d}"
        end = _absorb_after(text, end, m.deadline_after)
        out.append(_date_candidate(text, start, end, value))
    return out


def _absorb_after(text: str, end: int, words: tuple[str, ...]) -> int:
    for w in words:
        if text.startswith(w, end):
            return end + len(w)
    return end


def _date_candidate(text: str, start: int, end: int, value: str) -> _Candidate:
    return _Candidate(3, Target("date", value, None, "max", None, text[start:end], (start, end)))


# ---------------------------------------------------------------------------------------------------


def extract_targets(
    text: str, *, year: int | None = None, due: bool = False, dropped: list | None = None
) -> list[Target]:
    """All quantified targets in ``text``, sorted by span (spans relative to ``text``).

    ``due``: the text is a deadline field (a table's 完成时限 cell), so every date in it is one.
    ``dropped``: where given, a deadline whose year lies outside 1949–2100 (a scraper's garbled
    digits, 0402年底前) is appended to it as ``(year, start, end)`` instead of being reported.
    """
    starts = _number_starts(text)
    candidates = (
        _money(text, starts)
        + _percent(text, starts)
        + _ratio(text, starts)
        + _dates(text, starts, year, due, dropped)
        + _counts(text, starts)
    )
    candidates.sort(key=lambda c: (c.priority, c.target.span))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Target] = []
    for cand in candidates:
        s, e = cand.target.span
        i = bisect.bisect_left(starts, s)
        if i > 0 and ends[i - 1] > s:
            continue
        if i < len(starts) and starts[i] < e:
            continue
        starts.insert(i, s)
        ends.insert(i, e)
        kept.insert(i, cand.target)
    return kept
