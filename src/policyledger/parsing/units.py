"""Responsibility clauses (责任单位) in a measure's text: where they are, who leads, who supports.

Forms found in real documents, all handled by one parser of the clause content:

- ``（责任单位：省商务厅、省发展改革委）`` and the same with half-width or mixed brackets and colons, a
  label broken by a line break (责任单\n位：), or another field after the list (；完成时限：…);
- ``（省发展改革委、省商务厅等按职责分工负责）``: names, then neutral wording that is dropped (等 sets
  ``open_ended``);
- ``（省商务厅、发展改革委、经济和信息化委，各设区市人民政府）``: no label at all; accepted only when every
  name ends like a body (厅/委/局/办/中心/政府/管委会/银行/公司 ..., see ``data/unit_suffixes.txt``), so
  （以下简称…）, （含）, （国办发〔2016〕24号） and （市、区） are never taken;
- roles from the document's own words: ``牵头单位：…；配合单位：…``, ``省商务厅牵头，省财政厅配合``,
  ``市商务局（牵头）、市财政局``, ``省商务厅会同省财政厅负责``; where the document says the first listed
  unit leads (排在第一位的为牵头单位), the first leads and the others support;
- ``责任单位：…`` written after the paragraph without brackets (it ends at 。, a line end, another field
  or the next item's number).

Names are split on 、，,；; (never inside nested brackets: 各县（市、区）人民政府), whitespace inside a name
is removed (PDF line breaks), names glued together by cleaning are split again (市商务局市财政局), a
shared administrative prefix is carried to the bare names that follow it (省商务厅、发展改革委 ->
省发展改革委; 省委宣传部、网信办 -> 省委网信办, but 省委宣传部、商务厅 -> 省商务厅), a shared ending is carried
back to the place names before it (济源示范区、航空港区管委会 -> 济源示范区管委会), a leading 各 is carried
forward (各县区、功能板块 -> 各功能板块), and each name goes through the alias table. With no role word
every unit leads (the gold convention).

All vocabulary lives in ``data/unit_*.txt|tsv`` so users extend it without touching code.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from policyledger.parsing.vocabulary import DATA, data_lines, longest_first

__all__ = [
    "UnitBlock",
    "canonical_unit",
    "find_unit_blocks",
    "load_aliases",
    "read_unit_cell",
    "split_units",
]


@dataclass
class UnitBlock:
    """One responsibility clause: its span in the text searched (brackets included) and its units."""

    span: tuple[int, int]
    lead: list[str]
    support: list[str]
    open_ended: bool
    raw: str


# ---------------------------------------------------------------------------------------------------
# Vocabulary


def _read_alias_file(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in re.split(r"\t+|\s{2,}", line) if p.strip()]
        if len(parts) != 2:
            raise ValueError(f"单位别名表格式错误：{path} 第 {number} 行应为“别名<Tab>规范名称”")
        table[_squeeze(parts[0])] = _squeeze(parts[1])
    return table


@lru_cache(maxsize=1)
def _shipped_aliases() -> dict[str, str]:
    return _read_alias_file(DATA / "unit_aliases.tsv")


def load_aliases(extra: str | Path | None = None) -> dict[str, str]:
    """The shipped alias table (alias -> canonical), extended by a user file of the same format."""
    table = dict(_shipped_aliases())
    if extra is not None:
        path = Path(extra)
        if not path.is_file():
            raise FileNotFoundError(f"找不到单位别名表：{path}")
        table.update(_read_alias_file(path))
    return table


@dataclass(frozen=True)
class _Vocab:
    suffixes: tuple[str, ...]
    standalone_heads: tuple[str, ...]
    standalone_tails: tuple[str, ...]
    lead_labels: tuple[str, ...]
    support_labels: tuple[str, ...]
    lead_verbs: tuple[str, ...]
    support_verbs: tuple[str, ...]
    neutral: tuple[str, ...]
    open_ended: tuple[str, ...]
    shared_suffixes: tuple[str, ...]
    first_leads: re.Pattern[str]
    label_re: re.Pattern[str]
    loose_label_re: re.Pattern[str]
    maybe_units: re.Pattern[str]
    party_organs: tuple[str, ...]
    jointly: re.Pattern[str]
    and_before_local: re.Pattern[str]
    other_labels: tuple[str, ...]


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    roles: dict[str, list[str]] = {}
    for line in data_lines("unit_markers.tsv"):
        role, _, word = line.partition("\t")
        roles.setdefault(role.strip(), []).append(word.strip())
    heads, tails = [], []
    for line in data_lines("unit_standalone.txt"):
        kind, _, word = line.partition("\t")
        (heads if kind.strip() == "head" else tails).append(word.strip())
    labels = longest_first(roles.get("lead_label", []) + roles.get("support_label", []))
    label_alt = "|".join(map(re.escape, labels))
    # A label may be broken by a PDF line break ("责任单\n位："): allow whitespace between its characters.
    loose_alt = "|".join(r"\s*".join(map(re.escape, label)) for label in labels)
    suffixes = longest_first(data_lines("unit_suffixes.txt"))
    # A bracket holding none of these characters cannot hold a unit name or a label.
    telling = {w[-1] for w in suffixes} | {ch for w in labels for ch in w} | {"各"}
    return _Vocab(
        suffixes=suffixes,
        standalone_heads=longest_first(heads),
        standalone_tails=longest_first(tails),
        lead_labels=longest_first(roles.get("lead_label", [])),
        support_labels=longest_first(roles.get("support_label", [])),
        lead_verbs=longest_first(roles.get("lead_verb", [])),
        support_verbs=longest_first(roles.get("support_verb", [])),
        neutral=longest_first(roles.get("neutral", [])),
        open_ended=longest_first(roles.get("open_ended", [])),
        shared_suffixes=longest_first(roles.get("shared_suffix", [])),
        first_leads=re.compile("|".join(f"(?:{p})" for p in roles.get("first_leads", ["(?!)"]))),
        label_re=re.compile(f"({label_alt})[：:]"),
        loose_label_re=re.compile(rf"({loose_alt})\s*[：:]"),
        maybe_units=re.compile("[" + re.escape("".join(sorted(telling))) + "]"),
        party_organs=longest_first(data_lines("unit_party_organs.txt")),
        # Only right after a body's name: 会同县人民政府 is a county, not "together with".
        jointly=re.compile(
            f"(?<=[{re.escape(''.join(sorted({w[-1] for w in suffixes})))}])(?:"
            + "|".join(map(re.escape, longest_first(roles.get("jointly", []))) or ["(?!)"])
            + ")"
        ),
        and_before_local=re.compile(
            "(?:"
            + "|".join(map(re.escape, longest_first(roles.get("and_before_local", []))))
            + ")(?=各)"
        ),
        other_labels=longest_first(roles.get("other_label", [])),
    )


# ---------------------------------------------------------------------------------------------------
# Names

_WS_RE = re.compile(r"\s+")
# The administrative level a name starts with. 市场/区域/县域 are words, not levels ("市场监管局" is bare).
_PREFIX_RE = re.compile(r"^(?:[省市县区州]委|自治区|自治州|省|市(?!场)|县(?!域)|区(?!域)|州|盟|旗)")
# A place inside the name (团市委, 人民银行市中心支行, 济源示范区): such a name never takes a shared prefix.
_EMBEDDED_PLACE_RE = re.compile(r"(?<!城)市(?!场)|[省县州]|区(?!域)")
_PLACE_END_RE = re.compile(r"(?:[区县市州镇乡旗]|园区|新区|开发区|示范区|高新区)$")


def _squeeze(name: str) -> str:
    return _WS_RE.sub("", name)


def canonical_unit(name: str, aliases: Mapping[str, str] | None = None) -> str:
    """A unit name as the alias table wants it: whole name first, then without its level prefix."""
    name = _squeeze(name)
    if aliases is None:
        return _canonical_shipped(name)
    return _canonical(name, aliases)


def _canonical(name: str, table: Mapping[str, str]) -> str:
    if name in table:
        return table[name]
    prefix = _prefix(name)
    if prefix and name[len(prefix) :] in table:
        return prefix + table[name[len(prefix) :]]
    return name


# Unit names repeat across the clauses of a document (and across documents): the per-name facts
# below are cached, which keeps a unit-dense document cheap.
@lru_cache(maxsize=8192)
def _canonical_shipped(name: str) -> str:
    return _canonical(name, _shipped_aliases())


@lru_cache(maxsize=8192)
def _prefix(name: str) -> str:
    match = _PREFIX_RE.match(name)
    return match.group() if match else ""


@lru_cache(maxsize=8192)
def _has_suffix(name: str, shortest: int = 3) -> bool:
    return len(name) >= shortest and name.endswith(_vocab().suffixes)


def _is_local(name: str) -> bool:
    # 各县区人民政府, 各设区市人民政府, 市属各国有企业: the local parties of a list.
    return "各" in name[:3]


def _looks_like_unit(name: str) -> bool:
    return _has_suffix(name) or (_is_local(name) and len(name) >= 2)


def _takes_each(name: str) -> bool:
    # After 各县区: a name that is not a body of its own (功能板块, 乡镇) is one more local party.
    return not _has_suffix(name) or name.endswith("板块")


@lru_cache(maxsize=8192)
def _is_bare(name: str) -> bool:
    """A department name without a level (发展改革委, 网信办) that takes the list's shared prefix."""
    v = _vocab()
    if _prefix(name) or name.startswith(v.standalone_heads):
        return False
    if name.endswith(v.standalone_tails) or _EMBEDDED_PLACE_RE.search(name[1:]):
        return False
    return _has_suffix(name, shortest=2)  # 农委, 侨办: two characters once the prefix is shared


@lru_cache(maxsize=8192)
def _shared_suffix(name: str) -> str:
    v = _vocab()
    return next((s for s in v.shared_suffixes if name.endswith(s) and len(name) > len(s)), "")


_SEPARATORS = re.compile(r"[、，,；;]")
# An item of a clause that is a deadline, not a name: 2024年底前完成, 6月底前, 年内完成, 长期坚持.
_TIME_ITEM = re.compile(
    r"^\s*(?:(?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:年?底|年内|月底|[上下]半年)?(?:前|止|以前)?"
    r"(?:完成|落实|到位|建成|实现)?|长期坚持|持续推进|长期推进|持续实施|常态化推进)\s*$"
)


def _split_top(content: str) -> list[str]:
    """Split on 、，,；; outside nested brackets."""
    if "（" not in content and "(" not in content:
        return _SEPARATORS.split(content)
    items, depth, start = [], 0, 0
    for i, ch in enumerate(content):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "、，,；;":
            items.append(content[start:i])
            start = i + 1
    items.append(content[start:])
    return items


def split_units(content: str, aliases: Mapping[str, str] | None = None) -> list[str]:
    """Names of a plain list (no labels, no roles), expanded and canonical: for callers and tests."""
    return _expand([_squeeze(p) for p in _split_top(content) if _squeeze(p)], aliases)


@lru_cache(maxsize=8192)
def _split_glued(name: str) -> tuple[str, ...]:
    """Names printed with only a space between them, which cleaning removes (市商务局市财政局).

    Split only where the first part is a whole prefixed body and the rest starts another (市…, 人民银行…,
    团市委) and ends like one, so 人民银行市中心支行 and 市人大常委会办公室 stay whole.
    """
    if len(name) < 6:
        return (name,)
    for i in range(3, len(name) - 2):
        head, tail = name[:i], name[i:]
        starts_body = _prefix(tail) or tail.startswith(_vocab().standalone_heads)
        if starts_body and _prefix(head) and _has_suffix(head) and _has_suffix(tail):
            return (head, *_split_glued(tail))
    return (name,)


# 县（市、区）: only levels before a shared ending, so 各 carries to it (市经开区管委会 is one body).
_LEVELS_ONLY = re.compile(r"[市县区乡镇（）()、]+")


def _expand(names: list[str], aliases: Mapping[str, str] | None) -> list[str]:
    names = [part for name in names for part in _split_glued(name)]
    # Shared ending, carried back: 济源示范区、航空港区管委会 -> 济源示范区管委会.
    carry = ""
    for i in range(len(names) - 1, -1, -1):
        name = names[i]
        shared = _shared_suffix(name)
        if shared:
            carry = shared
        elif carry and not _has_suffix(name) and _PLACE_END_RE.search(name):
            names[i] = name + carry
        else:
            carry = ""
    # Shared 各, carried forward: 各县区、功能板块 -> 各功能板块.
    carry_each = False
    for i, name in enumerate(names):
        if name.startswith("各"):
            carry_each = True
        elif carry_each and not _prefix(name) and _takes_each(name):
            names[i] = "各" + name
        elif carry_each and _LEVELS_ONLY.fullmatch(name[: -len(_shared_suffix(name)) or None]):
            names[i] = "各" + name  # 各市、县（市、区）人民政府 -> 各县（市、区）人民政府
        else:
            carry_each = False
    # Shared level prefix from the nearest preceding prefixed name: 省委宣传部、网信办 -> 省委网信办.
    prefix = ""
    for i, name in enumerate(names):
        own = _prefix(name)
        if own:
            prefix = own
        elif prefix and _is_bare(name):
            if prefix.endswith("委") and not name.endswith(_vocab().party_organs):
                names[i] = prefix[:-1] + name  # 省委宣传部、商务厅 -> 省商务厅, not 省委商务厅
            else:
                names[i] = prefix + name
    if aliases is None:
        return [_canonical_shipped(n) for n in names]
    return [_canonical(n, aliases) for n in names]


# ---------------------------------------------------------------------------------------------------
# Clauses

# A bracketed group, one level of nesting allowed inside (各县（市、区）人民政府). Bounded and possessive,
# and the two alternatives start with disjoint characters: a failed attempt never backtracks.
_BRACKET_RE = re.compile(
    r"[（(]((?:[^（）()]{1,600}+|[（(][^（）()]{0,16}+[）)]){1,8}+)[）)]"
    r"|【([^【】]{1,600}+)】"  # 【责任单位：…】 in some documents
)
# Where a clause written without brackets ends: a full stop, a line end, a bracket other than a role
# marker (市商务局（牵头）), or the number of the next item when lines were joined (…市财政局2.加强…).
_UNBRACKETED_END = re.compile(
    r"(?P<role>[（(](?:牵头|配合|参与|协助|协同|主责)(?:单位|部门)?[）)])"
    r"|(?P<place>[（(][市县区旗州盟、]{1,8}[）)])"  # 各县（市、区）人民政府: part of a name
    r"|[。\n（）()【】\]］]|(?<![\d.])\d{1,2}[.、](?!\d)|[一二三四五六七八九十]{1,3}、"
    r"|(?<=[；;，,。])(?P<label>[\u4e00-\u9fff]{2,6}[：:])"
)
# A role written in brackets after a name: 市商务局（牵头）.
_BRACKETED_ROLE = re.compile(r"[（(]((?:牵头|配合|参与|协助|协同)(?:单位|部门)?)[）)]")


@dataclass
class _Parsed:
    lead: list[str]
    support: list[str]
    open_ended: bool
    labelled: bool
    marked: (
        bool  # role or neutral wording (按职责分工负责): the text says these are responsible bodies
    )
    roles_given: (
        bool  # the document itself said who leads (牵头/配合 words, 牵头单位/配合单位 labels)
    )


def _strip_end(item: str, words: tuple[str, ...]) -> tuple[str, str]:
    if not item.endswith(words):
        return item, ""
    for w in words:
        if item.endswith(w) and len(item) > len(w):
            return item[: -len(w)], w
    return item, ""


@lru_cache(maxsize=8192)
def _read_item(raw: str) -> tuple[str, str, str | None, bool]:
    """One listed item: (name, the neutral wording it had or "", role from a verb, ended with 等)."""
    v = _vocab()
    item = raw.strip()
    if item.startswith("由"):
        item = item[1:]
    verb_role = None
    neutral = ""
    open_ended = False
    # Trailing words come in any order (牵头负责, 配合落实, 等按职责分工负责): strip until none is left.
    for _ in range(4):
        item, word = _strip_end(item, v.lead_verbs)
        if word:
            verb_role = verb_role or "lead"
            continue
        item, word = _strip_end(item, v.support_verbs)
        if word:
            verb_role = verb_role or "support"
            continue
        item, word = _strip_end(item, v.neutral)
        if word:
            neutral = neutral or word
            continue
        item, word = _strip_end(item, v.open_ended)
        if word:
            open_ended = True
            continue
        break
    return item, neutral, verb_role, open_ended


def _parse_content(content: str, aliases: Mapping[str, str] | None) -> _Parsed | None:
    v = _vocab()
    content = _squeeze(content).replace(":", "：")
    if "（" in content or "(" in content:
        content = _BRACKETED_ROLE.sub(
            lambda m: m.group(1).removesuffix("单位").removesuffix("部门"), content
        )
    jointly = v.jointly.search(content) is not None
    content = v.jointly.sub("牵头，", content)  # X会同Y: X leads, Y supports
    content = v.and_before_local.sub("、", _before_other_label(content))
    segments: list[tuple[str | None, str]] = []  # (role from the label, text)
    labelled = False
    pos, role = 0, None
    for m in v.label_re.finditer(content):
        if content[pos : m.start()].strip("；;，,、"):
            segments.append((role, content[pos : m.start()]))
        if m.group(1) in v.lead_labels:
            # 牵头单位 names the lead outright; 责任单位 may be followed by its own 牵头 marker.
            if "牵头" in m.group(1) or "主责" in m.group(1):
                role = "explicit-lead"
            elif any(r == "explicit-lead" for r, _ in segments) or role == "explicit-lead":
                role = "support"  # 牵头单位：X；责任单位：Y — Y are the others who carry it out
            else:
                role = "lead"
        else:
            role = "support"
        labelled = True
        pos = m.end()
    segments.append((role, content[pos:]))

    lead: list[str] = []
    support: list[str] = []
    roles_given = any(role in ("support", "explicit-lead") for role, _ in segments)
    open_ended = marked = False
    lead_seen = False
    for index, (seg_role, text) in enumerate(segments):
        pending: list[str] = []
        for raw_item in _split_top(text):
            if _TIME_ITEM.match(raw_item):
                continue  # （市商务局负责，2024年底前完成）: the deadline stays in the measure's text
            if labelled and index == 0 and seg_role is None and not _looks_like_unit(raw_item):
                continue  # （5月底取得成效并持续推进，牵头考核单位：…）: a schedule before the label
            item, neutral, verb_role, more = _read_item(raw_item)
            marked = marked or bool(neutral)
            open_ended = open_ended or more
            if item:
                pending.append(item)
            if lead_seen and not verb_role and neutral.endswith("负责") and not jointly:
                # X牵头，Y按职责分工负责: Y are said to be responsible, so they lead too (配合 supports).
                lead.extend(_expand(pending, aliases))
                pending = []
                continue
            if verb_role:
                marked = roles_given = True
                names = _expand(pending, aliases)
                (lead if verb_role == "lead" else support).extend(names)
                lead_seen = lead_seen or verb_role == "lead"
                pending = []
        if pending:
            names = _expand(pending, aliases)
            if seg_role == "support" or (lead_seen and seg_role != "explicit-lead"):
                target = "support"  # 市商务局（牵头）、市财政局: the others support
            else:
                target = "lead"
            (lead if target == "lead" else support).extend(names)
    if not lead and not support:
        return None
    lead = _dedupe(lead)
    support = [n for n in _dedupe(support) if n not in lead]
    return _Parsed(lead, support, open_ended, labelled, marked, roles_given)


# "完成时限：…", "目标：…": a label of another field ends the list of units.
_ANY_LABEL = re.compile(r"[\u4e00-\u9fff]{2,6}：")


def read_unit_cell(
    content: str, *, support: bool = False, aliases: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """The units of a table cell (牵头单位 / 配合单位 / 责任单位 column): (lead, support).

    A 配合单位 cell (``support``) supports whatever it says; a lead or 责任单位 cell follows its own
    markers (市商务局（牵头）、市财政局), and with none every unit in it leads.
    """
    parsed = _parse_content(content, aliases)
    if parsed is None:
        return [], []
    if support:
        return [], _dedupe(parsed.lead + parsed.support)
    return parsed.lead, parsed.support


def _before_other_label(content: str) -> str:
    v = _vocab()
    labels = v.lead_labels + v.support_labels
    for m in _ANY_LABEL.finditer(content):
        word = m.group()[:-1]
        if not word.endswith(labels):
            # A known label glued to the last name (…人民政府完成时限：) ends the list where it starts.
            other = next((w for w in v.other_labels if word.endswith(w)), None)
            return content[: m.end() - 1 - len(other)] if other else content[: m.start()]
    return content


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


def _is_unit_label(word: str) -> bool:
    v = _vocab()
    return word.rstrip("：:").endswith(v.lead_labels + v.support_labels)


def _mostly_units(parsed: _Parsed) -> bool:
    # A label without brackets may open prose (责任单位：要高度重视…): most names must read as units.
    names = parsed.lead + parsed.support
    return sum(map(_looks_like_unit, names)) * 2 >= len(names)


def _accept(parsed: _Parsed) -> bool:
    if parsed.labelled:
        return True
    names = parsed.lead + parsed.support
    if not all(_looks_like_unit(n) for n in names):
        return False
    if parsed.marked:
        return True
    # A lone unlabelled name in brackets is usually a gloss (（敬老院）); take it only with a level prefix.
    return len(names) >= 2 or bool(_PREFIX_RE.match(names[0])) or _is_local(names[0])


def find_unit_blocks(
    text: str,
    *,
    aliases: Mapping[str, str] | None = None,
    first_leads: bool | None = None,
) -> list[UnitBlock]:
    """Every responsibility clause in ``text``, in order; spans are relative to ``text``.

    ``first_leads``: the first listed unit leads and the others support, for clauses with no role
    marker of their own. ``None`` decides from the text (a sentence such as 排在第一位的为牵头单位).
    """
    v = _vocab()
    if first_leads is None:
        first_leads = bool(v.first_leads.search(text))
    blocks: list[UnitBlock] = []
    taken: list[tuple[int, int]] = []
    for m in _BRACKET_RE.finditer(text):
        content = m.group(1) if m.group(1) is not None else m.group(2)
        if m.end() - m.start() < 5 or not v.maybe_units.search(content):
            continue  # （一）, （含）, （2020）: nothing that could end a unit name or start a label
        parsed = _parse_content(content, aliases)
        if parsed is None or not _accept(parsed):
            continue
        blocks.append(_block(text, m.start(), m.end(), parsed, first_leads))
        taken.append((m.start(), m.end()))
    bracket_spans = list(taken)
    scanned = 0  # labels before here belong to a clause already read (牵头单位：…；配合单位：…)
    for m in v.loose_label_re.finditer(text):
        start = m.start()
        if start < scanned or _inside(bracket_spans, start):
            continue
        if start and (text[start - 1].isalnum() or text[start - 1] in "（(【"):
            continue  # 明确责任单位：… is prose; （责任单位：… was read with its brackets
        limit = min(len(text), m.end() + 400)
        end, at = limit, m.end()
        while stop := _UNBRACKETED_END.search(text, at, limit):
            label = stop.group("label")
            skip = stop.group("role") or stop.group("place")
            if stop.group() == "\n" and (next_label := v.label_re.match(text, stop.end())):
                # 牵头单位：X / 责任单位：Y on the next line: one clause, so Y is read as support
                skip = next_label.group()
            elif stop.group() == "\n" and _wrapped(text, m.end(), stop.start()):
                skip = "\n"  # a PDF line break inside the list (…县税务\n局、县财政局)
            if skip is None and not (label and _is_unit_label(label)):
                end = stop.start()
                break
            at = stop.end()
        scanned = end
        parsed = _parse_content(text[start:end], aliases)
        if parsed is None or not _mostly_units(parsed):
            continue
        while end > start and (text[end - 1].isspace() or text[end - 1] in "；;，,、"):
            end -= 1
        if end < len(text) and text[end] == "。":
            end += 1
        blocks.append(_block(text, start, end, parsed, first_leads))
    blocks.sort(key=lambda b: b.span)
    return blocks


_ITEM_END = re.compile(r"[、，,；;（(。\n]")


def _wrapped(text: str, start: int, newline: int) -> bool:
    """Does the unit list running from ``start`` go on after the line break at ``newline``?

    Yes when the break falls at a separator, or inside a name: the last item is no unit yet and,
    with the first item of the next line, it is one (国家金融监督管理总局西江监 / 管分局).
    """
    after = newline + 1
    if after >= len(text) or newline <= start:
        return False
    if text[newline - 1] in "、，," or text[after] in "、，,":
        return True
    last = re.split(r"[、，,；;：:]", text[start:newline])[-1]
    found = _ITEM_END.search(text, after, after + 40)
    following = text[after : found.start() if found else after + 40]
    if not last or not following or _looks_like_unit(_read_item(last)[0]):
        return False
    return _looks_like_unit(_read_item(last + following)[0])


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    # spans are sorted and disjoint (finditer order)
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _block(text: str, start: int, end: int, parsed: _Parsed, first_leads: bool) -> UnitBlock:
    lead, support = parsed.lead, parsed.support
    if first_leads and not parsed.roles_given and len(lead) > 1:
        lead, support = lead[:1], lead[1:]
    return UnitBlock(
        span=(start, end),
        lead=lead,
        support=support,
        open_ended=parsed.open_ended,
        raw=text[start:end],
    )
