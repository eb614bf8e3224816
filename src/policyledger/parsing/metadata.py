"""Document facts from the cleaned text: title, issuer, 文号, dates, region, addressees, sub-documents.

A notice (通知) often carries one or more documents: a title line of their own, then a preamble
(为… / 根据…). Those titles become the ``parts``; the wrapping notice is not a part when it carries
others. All vocabulary (document types, issuer endings, region endings, labels) is in
``data/metadata.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policyledger.parsing.outline import MARKER_AT_START, chinese_to_int
from policyledger.parsing.vocabulary import data_json

_WORDS = data_json("metadata.json")


def _alternation(words: list[str]) -> str:
    # Longest first, so 人民政府办公厅 wins over 办公厅.
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# A document type, optionally followed by （2025—2027年） or （试行）.
_DOC_TYPES = f"(?:{_alternation(_WORDS['doc_types'])})(?:{_WORDS['title_suffix']})?"
_ISSUER_END = _alternation(_WORDS["issuer_suffixes"])
_REGION_END = _alternation(_WORDS["region_suffixes"])
_ADDRESSEE_END = _alternation(_WORDS["addressee_endings"])
_WRAPPER = re.compile(_alternation(_WORDS["wrapper_words"]))
_PREAMBLE = _alternation(_WORDS["preamble_starts"])

_HAN = "\u4e00-\u9fff"
# Arabic or Chinese numerals (二〇二三年三月十五日 in older signatures).
_DATE = (
    r"(\d{4}|[〇○零一二三四五六七八九]{4})年(\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})日"
)
_YEAR_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
DOC_NUMBER = re.compile(rf"[{_HAN}]{{1,10}}[〔\[【（]\d{{4}}[〕\]】）]\d{{1,5}}号")
_DATE_RE = re.compile(_DATE)
_SIGNATURE = re.compile(
    rf"(?:^|(?<=[。！？）]))[ ]*([{_HAN}]{{2,24}}?(?:{_ISSUER_END}))\n?[ ]*{_DATE}",
    re.M,
)
# A date on a line of its own (（2023年2月8日） under a 党委 title, the date line of a PKULaw export),
# and the signing bodies on the lines right above it, one a line (a joint document lists them all).
_DATE_LINE = re.compile(rf"^[ *]*[（]?{_DATE}[）]?[ *。]*$", re.M)
_ISSUER_LINE = re.compile(rf"^[ *]*([{_HAN}“”\"]{{2,40}}?(?:{_ISSUER_END}))[ *。]*$")
_SIGNATURE_LINES = 12
_ISSUER_AT_START = re.compile(rf"([{_HAN}]{{2,24}}?(?:{_ISSUER_END}))(?=印发|转发|关于)")
_REGION = re.compile(rf"^([{_HAN}]{{1,12}}?(?:{_REGION_END}))(?:人民政府|政府|委员会|党委)")
_PUBLISHED = re.compile(
    rf"(?:{_alternation(_WORDS['published_labels'])})[：:]?[ ]*"
    r"(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})日?"
)
_SIGNED = re.compile(
    rf"(?:{_alternation(_WORDS['signed_labels'])})[：:]?[ ]*(\d{{4}})[-年/.](\d{{1,2}})[-月/.](\d{{1,2}})日?"
)
_ADDRESSEE = re.compile(rf"(各[^。：；！？\n]{{1,150}}?(?:{_ADDRESSEE_END}))：")
_ADDRESSEE_LINE = re.compile(rf"^([^。：；！？\n]{{2,150}}?(?:{_ADDRESSEE_END}))：", re.M)
# A title line of its own: short, no sentence punctuation, ends with a document type (checked after).
_SHORT_LINE = re.compile(r"^[ ]*(?:附件\d*[：:][ ]*)?([^\n。，；！？：]{2,80}?)[ ]*$", re.M)
_ENDS_WITH_TYPE = re.compile(f"(?:{_DOC_TYPES})$")
# An annex printed after a line 附件 / 附件2 of its own (no colon: 附件：… lists the annexes in the
# notice): the line after it is the annex's title, whatever it ends with (…考评指标, …项目表).
_ANNEX_TITLE = re.compile(r"^[ ]*附件[ ]*\d{0,2}[ ]*\n[ ]*([^\n。，；！？：]{4,80}?)[ ]*$", re.M)
# Used by the cleaning stage: a line that ends like a document title is a paragraph of its own.
TITLE_END = re.compile(f"(?:{_DOC_TYPES})[ ]*$")
# A title run into the text after a signature date (scraped pages without line breaks).
_TITLE_AFTER_DATE = re.compile(
    rf"(?<=日)([^\n。，；！？：、\d]{{4,60}}?(?:{_DOC_TYPES}))(?=(?:{_PREAMBLE}))"
)
_FIELD_NOISE = re.compile(
    rf"(?:{_alternation(_WORDS['published_labels'] + _WORDS['signed_labels'])})[：:]?[ ]*[\d\-年月日/.]+"
    rf"|{DOC_NUMBER.pattern}|{_DATE}|（此件公开发布）|索引号[：:]?[ ]*[0-9A-Za-z/\-]+"
    r"|字号[：:]?[ ]*\[?[大中小 ]*\]?"
)
# 版头 (masthead) line such as 青岚县人民政府办公室文件: not part of the title.
_MASTHEAD = re.compile(rf"^[{_HAN}]{{2,30}}文件$")
# An official title: [issuer] [印发/转发] 关于 … <document type>, the longest such run.
_TITLE_WITH_GUANYU = re.compile(
    rf"(?:[{_HAN}]{{2,30}}?(?:{_ISSUER_END}))?(?:印发|转发)?关于[^。；，！？：\n\x01]{{2,100}}(?:{_DOC_TYPES})"
)
# A 文号 glued to the end of a title (…的通知北政办发〔2023〕21号): the issuer code starts after it.
_BEFORE_CODE = re.compile(f"^.*(?:{_DOC_TYPES}|的)")
_HEAD_LIMIT = 800
# A single addressee (省商务厅：) is only taken on a line of its own close to the top.
_ONE_ADDRESSEE = 300  # the addressee line comes within the first lines of a document


@dataclass
class PartTitle:
    title: str
    start: int  # cleaned offsets of the title
    end: int


@dataclass
class Metadata:
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    published: str | None = None
    region: str | None = None
    addressees: list[str] = field(default_factory=list)
    addressee_span: tuple[int, int] | None = None


def _number(value: str) -> int:
    if value.isdigit():
        return int(value)
    return chinese_to_int(value)


def _iso(year: str, month: str, day: str) -> str | None:
    y = int(year.translate(_YEAR_DIGITS)) if not year.isdigit() else int(year)
    m, d = _number(month), _number(day)
    if not (1949 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _split_top_level(text: str) -> list[str]:
    """Split on ，/, outside brackets: 各市、县（市、区）人民政府 stays one addressee."""
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "（【〔《":
            depth += 1
        elif char in "）】〕》":
            depth = max(0, depth - 1)
        if char in "，," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def find_addressees(text: str) -> tuple[list[str], tuple[int, int] | None]:
    """The 主送 line (各…：) near the start, split into addressees; its cleaned span."""
    head = text[:_HEAD_LIMIT]
    match = _ADDRESSEE.search(head)
    if match is None:
        match = _ADDRESSEE_LINE.search(head)
        if match is None or (
            "，" not in match.group(1)
            and "、" not in match.group(1)
            and match.start() > _ONE_ADDRESSEE
        ):
            return [], None
    return _split_top_level(match.group(1)), (match.start(1), match.end(1) + 1)


def find_parts(text: str, meta: Metadata | None = None) -> list[PartTitle]:
    """Titles of the documents this text holds, in order; a wrapping 印发 notice is dropped.

    A title line above the addressee line is the document's own title (which may run over several
    lines, so ``meta.title`` is used for it).
    """
    found: dict[str, PartTitle] = {}
    head_end = meta.addressee_span[0] if meta and meta.addressee_span else 0
    if meta and meta.title and head_end:
        found[meta.title] = PartTitle(meta.title, 0, head_end)
    candidates = [
        (m.group(1).strip(), m.start(1), m.end(1))
        for m in _SHORT_LINE.finditer(text)
        if _ENDS_WITH_TYPE.search(m.group(1))
    ] + [(m.group(1), m.start(1), m.end(1)) for m in _TITLE_AFTER_DATE.finditer(text)]
    if "附件" in text:
        candidates += [
            (m.group(1).strip(), m.start(1), m.end(1))
            for m in _ANNEX_TITLE.finditer(text)
            if not MARKER_AT_START.match(m.group(1))
        ]
    candidates.sort(key=lambda c: c[1])
    for title, start, end in candidates:
        if start < head_end or MARKER_AT_START.match(title):
            continue
        squeezed = title.replace(" ", "")
        if squeezed.startswith("附件"):
            squeezed = squeezed.lstrip("附件0123456789")
        if len(squeezed) < 6 or squeezed in found:
            continue
        found[squeezed] = PartTitle(squeezed, start, end)
    parts = list(found.values())
    if len(parts) > 1:
        carried = [p for p in parts if not (_WRAPPER.search(p.title) and p.title.endswith("通知"))]
        if carried:
            parts = carried
    return parts


def extract(text: str) -> Metadata:
    """Title, issuer, 文号, signing and publishing dates, region and addressees of a cleaned text."""
    meta = Metadata()
    meta.addressees, meta.addressee_span = find_addressees(text)
    head_end = meta.addressee_span[0] if meta.addressee_span else 0
    head = text[:head_end]

    own = DOC_NUMBER.search(head) if head else None
    if own is None:
        # No addressee line: a 文号 on a line of its own near the top is still the document's own.
        own = re.search(rf"^[ ]*({DOC_NUMBER.pattern})", text[:_HEAD_LIMIT], re.M)
        if own is not None:
            meta.doc_number = _doc_number(re.match(DOC_NUMBER, own.group(1)))
    else:
        meta.doc_number = _doc_number(own)

    meta.title = _title(head) if head else _title(_top_lines(text))

    signature = _SIGNATURE.search(text)
    if signature is not None:
        meta.issuer = signature.group(1)
        meta.date = _iso(*signature.group(2, 3, 4))
    # Near the signature when there is one (a joint document signs one body a line above it).
    lines_issuer, lines_date = _signature_lines(text, signature.start() if signature else 0)
    if signature is None or (
        lines_date == meta.date and lines_issuer and "、" in lines_issuer
    ):  # a joint document signs one body a line: all of them issue it
        meta.issuer, meta.date = lines_issuer, lines_date
    signed = _SIGNED.search(text[:_HEAD_LIMIT])
    if signed is not None:
        meta.date = _iso(*signed.groups()) or meta.date
    if meta.date is None and own is not None:
        after = _DATE_RE.match(text, own.end())
        if after is not None:
            meta.date = _iso(*after.groups())
    if meta.issuer is None and meta.title:
        at_start = _ISSUER_AT_START.match(meta.title)
        if at_start is not None:
            meta.issuer = at_start.group(1)
    published = _PUBLISHED.search(text[:_HEAD_LIMIT])
    if published is not None:
        meta.published = _iso(*published.groups())
    if meta.issuer:
        region = _REGION.match(meta.issuer)
        if region is not None:
            meta.region = region.group(1)
    return meta


def _signature_lines(text: str, start: int = 0) -> tuple[str | None, str | None]:
    """The first date printed on a line of its own (from ``start``), and the issuer lines above it."""
    for found in _DATE_LINE.finditer(text, start):
        date = _iso(*found.groups())
        if date is None:
            continue
        issuers: list[str] = []
        above = found.start()
        for _ in range(_SIGNATURE_LINES + 1):  # the lines right above it, not the whole text
            above = text.rfind("\n", 0, above - 1) if above > 0 else -1
            if above < 0:
                above = 0
                break
        for line in reversed(text[above : found.start()].split("\n")):
            if not line.strip(" *"):
                continue
            issuer = _ISSUER_LINE.match(line)
            if issuer is None:
                break
            issuers.append(issuer.group(1))
        return ("、".join(reversed(issuers)) or None), date
    return None, None


def _title(head: str) -> str | None:
    # Fields (文号, dates, 索引号 …) become separators; the remaining lines join (a title may break).
    lines = [_FIELD_NOISE.sub(_separator, line).strip() for line in head.split("\n")]
    lines = [line for line in lines if line.strip("\x01 ") and not _MASTHEAD.match(line)]
    if not lines:
        return None
    joined = "".join(lines).replace(" ", "")
    found = _TITLE_WITH_GUANYU.search(joined)
    if found is not None:
        return found.group(0)
    title = joined.replace("\x01", "")
    if len(title) > 120 or "。" in title or not re.search(f"(?:{_DOC_TYPES})$", title):
        return None
    return title


_SENTENCE_MARKS = re.compile("[。，；！？：]")
_TOP_LINES = 6


def _top_lines(text: str) -> str:
    """A document without an addressee line (若干措施 published on their own): the lines above its
    first sentence or numbered heading, where its title stands."""
    lines: list[str] = []
    for line in text[:_HEAD_LIMIT].split("\n")[: _TOP_LINES * 2]:
        if not line.strip():
            continue
        bare = _FIELD_NOISE.sub("", line)
        if _SENTENCE_MARKS.search(bare) or MARKER_AT_START.match(line) or len(lines) >= _TOP_LINES:
            break
        lines.append(line)
    return "\n".join(lines)


def _separator(match: re.Match) -> str:
    found = match.group(0)
    number = DOC_NUMBER.fullmatch(found)
    if number is None:
        return "\x01"
    # Keep what the 文号 pattern took from a title glued before it (…若干措施的通知北政办发〔…）.
    return found[: len(found) - len(_doc_number(number))] + "\x01"


def _doc_number(match: re.Match) -> str:
    number = match.group(0)
    code_end = number.index(next(c for c in number if c in "〔[【（"))
    trimmed = _BEFORE_CODE.sub("", number[:code_end])
    return (trimmed or number[:code_end]) + number[code_end:]
