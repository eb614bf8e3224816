"""Outline nodes + responsibility clauses -> the actionable measures, each once, in numeric order.

Which numbered level holds the measures is decided per document:

* with responsibility clauses, the measures are the headings that carry a clause (the clause lies in
  their text), plus the leaves of the same style whose siblings carry clauses (a measure whose clause
  was lost). A group heading whose items carry the clauses (（一）实施投资带动消费行动 over 1. 2. 3.)
  is not a measure, and a 保障措施 section whose items carry none is skipped by the same rule;
* without any clause, the style with the most leaves under the action sections; introductory and
  safeguard sections (总体要求, 指导思想, 保障措施, … in ``data/sections.json``) are skipped, because
  they state aims and arrangements rather than tasks that someone is assigned.

A scrambled text (headings out of order) is read by number, not by position: a measure is the set of
passages printed after any copy of its heading, and a clause belongs to the measure *before* the
heading that follows it (pages that lose or shuffle headings keep the clause glued to the next one).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import cn2an

from policyledger.parsing.model import Diagnostic
from policyledger.parsing.outline import STYLES, Node
from policyledger.parsing.passages import Passages
from policyledger.parsing.vocabulary import data_json

_SECTIONS = data_json("sections.json")
_NON_ACTION = re.compile("|".join(map(re.escape, _SECTIONS["non_action"])))
# 牵头单位：…／配合单位：…／完成时限：2025年6月底前: a labelled line after the clause is the measure's.
_TAIL_LINE = re.compile(
    r"[ \n]*(?:" + "|".join(map(re.escape, _SECTIONS.get("tail_labels", []))) + r")[ ]*[：:][^\n]*"
)
# A line that ends the body of a document: signature (issuer and date), 抄送, 附件, 此件公开发布.
_DOCUMENT_TAIL = re.compile(
    r"\n(?=抄送|附件[：:\d\n]|（此件|[\u4e00-\u9fff]{2,24}?(?:"
    + "|".join(map(re.escape, _SECTIONS["signature_endings"]))
    + r")\n?\d{4}年\d{1,2}月\d{1,2}日)"
)


# A box (专栏3  工业大数据能力提升工程) printed between the items: no measure's text.
_BOX = re.compile(
    r"(?<=\n)[ ]*(?:" + "|".join(map(re.escape, _SECTIONS.get("box_labels", []))) + r")[ ]*\d{1,3}"
)


_BOX_LABELS = tuple(_SECTIONS.get("box_labels", []))


def box_starts(text: str) -> list[int]:
    """Where the boxes start (a cheap test first: most documents have none)."""
    if not any(label in text for label in _BOX_LABELS):
        return []
    return [m.start() for m in _BOX.finditer(text)]


@dataclass
class Clause:
    """A responsibility clause in cleaned coordinates with its units."""

    start: int
    end: int
    lead: list[str]
    support: list[str]


@dataclass
class Draft:
    """A measure before targets: where its text is (cleaned ranges) and what it carries."""

    part: int
    key: tuple
    node: Node
    number: str
    path: list[str]
    section: str | None
    heading: str | None
    pieces: list[tuple[int, int]]
    lead: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    blocks: list[Clause] = field(default_factory=list)


_FORMATS = {
    "chapter": "第{c}章",
    "article": "第{c}条",
    "article_ar": "第{a}条",
    "cn_comma": "{c}、",
    "cn_paren": "（{c}）",
    "ar_paren": "（{a}）",
    "ar_dot": "{a}.",
    "ar_comma": "{a}、",
    "ar_rparen": "{a}）",
}


_SINGLE_CHARACTER = {
    s["name"]: (s.get("one", "①"), len(s["first"])) for s in STYLES if s["numeral"] == "circled"
}


def format_number(style: str, value: int) -> str:
    single = _SINGLE_CHARACTER.get(style)
    if single is not None:  # ①, ㈠, ⑴, ⒈: one character per number, 20 (㈠: 10) of them
        return chr(ord(single[0]) + value - 1) if 1 <= value <= single[1] else str(value)
    template = _FORMATS.get(style, "{a}")
    return template.format(c=cn2an.an2cn(value, "low"), a=value)


def _label(node: Node) -> str:
    return node.marker.number + (node.heading or "")


def select(
    text: str,
    nodes: list[Node],
    clauses: list[Clause],
    passages: Passages,
    part_starts: list[int],
    to_original,
    level: str | None = None,
) -> tuple[list[Draft], list[Diagnostic]]:
    """The measures of a document (cleaned coordinates) and the diagnostics about their numbers.

    ``level`` (a numbering style name, see ``data/numbering.json``) is a reviewer's choice: every
    heading of that style is a measure, the levels above are sections, and each clause goes to the
    measure it is printed in (or the last one before it).
    """
    diagnostics: list[Diagnostic] = []
    alive = [n for n in nodes if not passages.is_removed(n.start)]
    if not alive:
        return [], diagnostics
    by_index = {n.index: n for n in alive}

    def part_of(position: int) -> int:
        return max(0, bisect.bisect_right(part_starts, position) - 1)

    def parent(node: Node) -> Node | None:
        index = node.parent
        while index is not None and index not in by_index:
            index = nodes[index].parent
        return by_index.get(index) if index is not None else None

    def ancestors(node: Node) -> list[Node]:
        chain = []
        current = parent(node)
        while current is not None:
            chain.append(current)
            current = parent(current)
        return chain[::-1]

    scrambled = any(not n.marker.in_sequence for n in alive)

    keys: dict[int, tuple] = {}

    def key(node: Node) -> tuple:
        known = keys.get(node.index)
        if known is None:
            known = keys[node.index] = _key(node)
        return known

    def _key(node: Node) -> tuple:
        part = part_of(node.start)
        if scrambled:
            return (part, node.marker.style, node.marker.value)
        chain = [*ancestors(node), node]
        # The heading's first characters tell a number printed twice by mistake from a repeat.
        opening = (node.heading or "")[:8]
        return (
            part,
            node.marker.epoch,
            tuple((n.marker.style, n.marker.value) for n in chain),
            opening,
        )

    starts = [n.start for n in alive]

    def container(position: int) -> Node | None:
        index = bisect.bisect_right(starts, position) - 1
        return alive[index] if index >= 0 else None

    live_clauses = [c for c in clauses if not passages.is_removed(c.start)]
    kids: dict[int, list[Node]] = {}
    for node in alive:
        above = parent(node)
        if above is not None:
            kids.setdefault(above.index, []).append(node)
    children = {index: len(nodes_) for index, nodes_ in kids.items()}

    holders: list[tuple[Clause, Node]] = []
    for clause in live_clauses:
        holder = container(clause.start)
        if holder is not None and holder.heading_end <= clause.start:
            holders.append((clause, holder))
    holders = _climb(text, holders, kids, parent)
    carried: dict[tuple, list[Clause]] = {}
    measure_styles: set[str] = set()
    for clause, holder in holders:
        carried.setdefault(key(holder), []).append(clause)
        measure_styles.add(holder.marker.style)

    def group(node: Node) -> tuple:
        if scrambled:
            return (part_of(node.start),)
        above = parent(node)
        return (part_of(node.start), node.marker.epoch, above.index if above else None)

    chosen: list[Node] = []
    if level is not None:
        chosen = [n for n in alive if n.marker.style == level]
        carried = {}
        chosen_at = [n.start for n in chosen]
        ends = _extents(alive, len(text))
        for clause in live_clauses:
            index = bisect.bisect_right(chosen_at, clause.start) - 1
            if index >= 0 and clause.start < ends[chosen[index].index]:
                carried.setdefault(key(chosen[index]), []).append(clause)
    elif carried:
        carrying_groups = {group(n) for n in alive if key(n) in carried}
        for node in alive:
            if node.marker.style not in measure_styles:
                continue
            if key(node) in carried or (
                node.index not in children and group(node) in carrying_groups
            ):
                chosen.append(node)
    else:
        chosen = _without_clauses(text, alive, kids, ancestors, parent)

    if scrambled:
        carried = _reattach(alive, live_clauses, chosen, key)

    # One draft per key, from its first occurrence; later copies add their passages.
    drafts: dict[tuple, Draft] = {}
    occurrences: dict[tuple, list[Node]] = {}
    for node in chosen:
        occurrences.setdefault(key(node), []).append(node)
    chosen_starts = sorted(n.start for n in chosen)
    boxes = box_starts(text)
    for k, copies in occurrences.items():
        first = copies[0]
        heading = next((c.heading for c in copies if c.heading), None)
        chain = ancestors(first)
        section_node = chain[-1] if chain else None
        pieces: list[tuple[int, int]] = []
        for copy in copies:
            end = _region_end(
                text, copy, alive, starts, chosen_starts, part_starts, len(text), scrambled, boxes
            )
            if not scrambled:  # a scrambled page's clauses were placed by number, not position
                own = [c for c in carried.get(k, []) if copy.start <= c.start < end]
                # 1.扩大汽车消费（责任单位：…）then its paragraphs: a clause on the heading runs on.
                closing = [c for c in own if not _on_heading(text, copy, c)]
                if closing:
                    end = _with_tail(text, max(c.end for c in closing), end)
            for a, b in passages.subtract(copy.start, end):
                a, b = _strip(text, a, b)
                if b > a:
                    pieces.append((a, b))
        draft = Draft(
            part=part_of(first.start),
            key=k,
            node=first,
            number=first.marker.number,
            path=[n.marker.number for n in chain] + [first.marker.number],
            section=_label(section_node) if section_node else None,
            heading=heading,
            pieces=pieces,
        )
        for clause in sorted(carried.get(k, []), key=lambda c: c.start):
            _merge(draft.lead, clause.lead)
            _merge(draft.support, clause.support)
            draft.blocks.append(clause)
        drafts[k] = draft

    result = list(drafts.values())
    split = False
    if not scrambled and carried and level is None:
        result, split = _paragraph_measures(text, result, carried, kids)
    if scrambled:
        _infer_sections(result, alive, parent)
        rank = {}
        for node in alive:
            rank.setdefault(node.marker.style, node.marker.rank)
        result.sort(key=lambda d: (d.part, rank[d.node.marker.style], d.node.marker.value))
        diagnostics.extend(_order_diagnostics(alive, chosen, key, to_original))
    # Every number printed in a sequence, measure or not (a 总则 article is not lost, just not a task).
    printed: dict[tuple, set[int]] = {}
    for node in alive:
        marker = node.marker
        if scrambled:
            printed.setdefault((part_of(node.start), marker.style), set()).add(marker.value)
            continue
        base = (part_of(node.start), marker.epoch, marker.style)
        printed.setdefault(base, set()).add(marker.value)
        chain = tuple(n.marker.number for n in ancestors(node))
        printed.setdefault((*base, chain), set()).add(marker.value)
    diagnostics.extend(_missing([d for d in result if d.number], scrambled, printed))
    result = [d for d in result if d.pieces]
    if result:
        diagnostics.append(_level_diagnostic(result, alive, bool(carried), split, level))
    return result, diagnostics


def _extents(alive: list[Node], limit: int) -> dict[int, int]:
    """Where each heading's region ends: at the next heading of its level or above."""
    ends: dict[int, int] = {}
    open_nodes: list[Node] = []
    for node in alive:
        while open_nodes and open_nodes[-1].marker.rank >= node.marker.rank:
            ends[open_nodes.pop().index] = node.start
        open_nodes.append(node)
    for node in open_nodes:
        ends[node.index] = limit
    return ends


def _level_name(style: str) -> str:
    return "“" + format_number(style, 1) + "”"


def _level_diagnostic(
    drafts: list[Draft], alive: list[Node], clauses: bool, split: bool, chosen: str | None = None
):
    """Which numbered level was read as the measures, and why (``measure_level``)."""
    counts: dict[str, int] = {}
    paragraphs = 0
    for draft in drafts:
        if not draft.number:
            paragraphs += 1
        else:
            counts[draft.node.marker.style] = counts.get(draft.node.marker.style, 0) + 1
    rank = {}
    for node in alive:
        rank.setdefault(node.marker.style, node.marker.rank)
    levels = [
        f"{_level_name(st)}一级{n}条" for st, n in sorted(counts.items(), key=lambda x: rank[x[0]])
    ]
    if paragraphs:
        levels.append(f"不带编号的段落{paragraphs}条")
    measure_styles = set(counts)
    deepest = max((rank[st] for st in measure_styles), default=len(rank))
    above = sorted(
        {st for st, r in rank.items() if st not in measure_styles and r < deepest},
        key=rank.__getitem__,
    )
    if chosen is not None:
        why = "审核人指定的层级"
    elif clauses:
        why = "责任单位标注所在的层级"
        if split:
            why += "（标题下各段末尾各有责任单位，每段为一项措施）"
    else:
        why = "文中没有责任单位标注，取可作为任务分配的最细一级（总体要求等目标性章节除外）"
    sections = "、".join(_level_name(st) for st in above)
    message = f"措施层级：{'，'.join(levels)}——{why}" + (
        f"；其上的{sections}作为章节" if sections else ""
    )
    return Diagnostic("measure_level", message)


def _paragraph_measures(
    text: str, drafts: list[Draft], carried: dict[tuple, list[Clause]], kids: dict[int, list[Node]]
) -> tuple[list[Draft], bool]:
    """A heading on a line of its own whose paragraphs each end in a responsibility clause: every
    such paragraph is a measure (unnumbered, ``number`` ""), the heading its section.

    A heading with one such paragraph is split too when a sibling heading holds several (the
    document reads so throughout). Clauses inside a paragraph (…（X负责）巩固…（Y牵头）) stay with it.
    """
    plans: dict[int, list[tuple[int, int, list[Clause]]]] = {}
    for i, draft in enumerate(drafts):
        node = draft.node
        if node.index in kids or not draft.pieces:
            continue
        line_end = text.find("\n", node.marker.end, draft.pieces[-1][1])
        if line_end < 0 or "。" in text[node.marker.end : line_end].rstrip("。 "):
            continue  # 一、举办促消费活动。…: the heading runs into its text
        own = sorted(carried.get(draft.key, []), key=lambda c: c.start)
        found = _clause_paragraphs(text, line_end + 1, draft.pieces[-1][1], own)
        if found:
            plans[i] = found

    def group(draft: Draft) -> tuple:
        return (draft.part, draft.node.parent, draft.node.marker.style)

    several = {group(drafts[i]) for i, found in plans.items() if len(found) >= 2}
    out: list[Draft] = []
    for i, draft in enumerate(drafts):
        found = plans.get(i)
        if not found or (len(found) < 2 and group(draft) not in several):
            out.append(draft)
            continue
        for n, (a, b, own) in enumerate(found, 1):
            stop = _HEADING_STOP.search(text, a, b)
            heading = text[a : stop.start() if stop else b].strip()[:30] or None
            paragraph = Draft(
                part=draft.part,
                key=(*draft.key, n),
                node=draft.node,
                number="",
                path=list(draft.path),
                section=_label(draft.node),
                heading=heading,
                pieces=[(a, b)],
            )
            for clause in own:
                _merge(paragraph.lead, clause.lead)
                _merge(paragraph.support, clause.support)
                paragraph.blocks.append(clause)
            out.append(paragraph)
    return out, len(out) != len(drafts) or any(not d.number for d in out)


_HEADING_STOP = re.compile(r"[。！？；\n]")


def _clause_paragraphs(text: str, start: int, end: int, clauses: list[Clause]):
    """Paragraphs of [start, end) grouped so that each ends with a clause (a paragraph without one
    opens the next group); None when no paragraph ends with a clause."""
    groups: list[tuple[int, int, list[Clause]]] = []
    opened: int | None = None
    position = start
    while position < end:
        line_end = text.find("\n", position, end)
        line_end = end if line_end < 0 else line_end
        a, b = _strip(text, position, line_end)
        position = line_end + 1
        if b <= a:
            continue
        if opened is None:
            opened = a
        closing = [c for c in clauses if a <= c.start < b]
        if closing and not text[closing[-1].end : b].strip(" 。；;"):
            inside = [c for c in clauses if opened <= c.start < b]
            groups.append((opened, b, inside))
            opened = None
    if not groups:
        return None
    if opened is not None:  # text after the last clause stays with the last paragraph
        a, _, own = groups[-1]
        groups[-1] = (a, _strip(text, opened, end)[1], own)
    if sum(len(g[2]) for g in groups) < len(clauses):
        return None  # a clause outside the paragraphs (on the heading line): not this shape
    return groups


def _climb(text: str, holders: list, kids: dict[int, list[Node]], parent) -> list:
    """A clause after the last sub-point of a measure closes the measure, not the sub-point.

    （一）促进汽车消费。具体措施：1.落实…；2.开展…。（责任单位：…） falls, by position, in 2.'s text.
    It belongs to （一） when no other sub-point of （一） carries a clause and （一） has text of its
    own before its first sub-point (a group heading such as （一）实施投资带动消费行动 has none), and
    either other headings of （一）'s style carry clauses directly or every clause is placed so.
    """
    holding = {h.index for _, h in holders}
    direct_styles = {h.marker.style for _, h in holders}
    moves: list[Node | None] = []
    for _clause, holder in holders:
        above = parent(holder)
        target = None
        siblings = kids.get(above.index, []) if above is not None else []
        if siblings and siblings[-1] is holder:
            own = text[above.heading_end : siblings[0].start].strip(" \n。：:；")
            if own and not any(s.index in holding for s in siblings[:-1]):
                target = above
        moves.append(target)
    everywhere = all(m is not None for m in moves)
    result = []
    for (clause, holder), target in zip(holders, moves, strict=True):
        if target is not None and (everywhere or target.marker.style in direct_styles):
            holder = target
        result.append((clause, holder))
    return result


_SENTENCE_STOP = re.compile(r"[。！？；\n]")


def _on_heading(text: str, node: Node, clause: Clause) -> bool:
    """The clause labels the heading (no sentence ends between them) and text follows it."""
    if _SENTENCE_STOP.search(text, node.marker.end, clause.start) is not None:
        return False
    rest = text[clause.end : clause.end + 2].lstrip("。；; ")
    return rest.startswith("\n") and len(text) > clause.end + 2


def _with_tail(text: str, end: int, limit: int) -> int:
    """Where a measure ends that closes with its clause: past the labelled lines right after it."""
    while (found := _TAIL_LINE.match(text, end, limit)) is not None and found.end() > end:
        end = found.end()
    return end


def _merge(target: list[str], names: list[str]) -> None:
    for name in names:
        if name not in target:
            target.append(name)


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in " \n":
        a += 1
    while b > a and text[b - 1] in " \n":
        b -= 1
    return a, b


def _region_end(
    text: str,
    node: Node,
    alive: list[Node],
    starts: list[int],
    chosen_starts: list[int],
    part_starts: list[int],
    limit: int,
    scrambled: bool,
    boxes: list[int] | tuple[int, ...] = (),
) -> int:
    """Where a measure's text ends: at the next heading of its level or above (children inside)."""
    end = node.body_end
    if not scrambled:
        position = bisect.bisect_right(starts, node.start)
        end = limit
        for index in range(position, len(alive)):
            if alive[index].marker.rank <= node.marker.rank:
                end = alive[index].start
                break
    following = bisect.bisect_right(chosen_starts, node.start)
    if following < len(chosen_starts):
        end = min(end, chosen_starts[following])
    next_part = bisect.bisect_right(part_starts, node.start)
    if next_part < len(part_starts):
        end = min(end, part_starts[next_part])
    # The signature, 抄送 or 附件 line after the last item closes it.
    tail = _DOCUMENT_TAIL.search(text, node.heading_end, end)
    if tail is not None:
        end = tail.start()
    box = bisect.bisect_left(boxes, node.heading_end)  # 专栏1 …: a box printed after the item
    if box < len(boxes) and boxes[box] < end:
        end = boxes[box]
    return max(end, node.start)


# An amount or a share in a passage: what a section that is itself a measure carries (一、财政支持。设立…1亿元).
_QUANTITY = re.compile(r"\d[\d.,]*[ ]?(?:[万亿千百]{1,2})?[ ]?元|\d[\d.]*[ ]?%")


def _without_clauses(text: str, alive: list[Node], kids: dict[int, list[Node]], ancestors, parent):
    """No responsibility clause anywhere: the level a person would hand out as tasks.

    That is the style with the most leaves under the action sections (aims such as 总体要求 are not
    tasks). In a mixed-depth outline, a heading of that style whose own items are numbered hands out
    the items instead ((一) over 1. 2. 3.; never an article, 第X条, the unit of a 办法 or 细则), and a section above with no items of its own is a task
    when it carries an amount or a share (一、财政支持 next to 二、支持范围 (一)…).
    """

    def action(node: Node) -> bool:
        return not any(_NON_ACTION.search(n.heading or "") for n in [*ancestors(node), node])

    leaves = [n for n in alive if n.index not in kids and action(n)]
    if not leaves:
        return []
    counts: dict[str, int] = {}
    for node in leaves:
        counts[node.marker.style] = counts.get(node.marker.style, 0) + 1
    style = max(counts, key=counts.__getitem__)
    chosen: list[Node] = []
    for node in alive:
        if node.marker.style != style or not action(node):
            continue
        items = kids.get(node.index, [])
        # An article (第X条) is the unit of a 办法/细则 whatever it holds: its items stay inside.
        article = node.marker.style.startswith("article")
        if items and not article and all(i.index not in kids for i in items) and len(items) >= 2:
            chosen.extend(items)  # (一) with 1. 2. 3. 4.: the items are the tasks
        else:
            chosen.append(node)
    holding = {a.index for n in chosen for a in ancestors(n)}
    rank = min(n.marker.rank for n in chosen)
    roots = [n for n in alive if parent(n) is None]
    roots_hold = any(n.index in holding for n in roots)
    for position, node in enumerate(alive):
        if node.index in kids or node.marker.rank >= rank or not action(node):
            continue
        above = parent(node)
        if above is None:
            if not roots_hold:
                continue
        elif not any(s.index in holding for s in kids.get(above.index, [])):
            continue
        end = alive[position + 1].start if position + 1 < len(alive) else len(text)
        if _QUANTITY.search(text, node.heading_end, end):
            chosen.append(node)
    chosen.sort(key=lambda n: n.start)
    return chosen


def _reattach(alive, clauses, chosen, key) -> dict[tuple, list[Clause]]:
    """Scrambled text: a clause belongs to the measure numbered one below the heading after it."""
    styles = {n.marker.style for n in chosen}
    keys = {key(n) for n in chosen}
    starts = [n.start for n in alive]
    result: dict[tuple, list[Clause]] = {}
    for clause in clauses:
        position = bisect.bisect_left(starts, clause.end)
        target = None
        for index in range(position, len(alive)):
            node = alive[index]
            if node.marker.style in styles:
                k = key(node)
                if node.marker.value > 1:
                    target = (k[0], k[1], node.marker.value - 1)
                break
        if target is None:
            index = bisect.bisect_right(starts, clause.start) - 1
            if index < 0:
                continue
            target = key(alive[index])
        if target in keys:
            result.setdefault(target, []).append(clause)
    return result


def _infer_sections(drafts: list[Draft], alive: list[Node], parent) -> None:
    """Scrambled text: a section starts at the measure printed right after its heading."""
    styles = {d.node.marker.style for d in drafts}
    # First measure value of each section -> the section heading (the first printing wins).
    starts: dict[int, Node] = {}
    for i, node in enumerate(alive):
        if node.marker.style in styles or i + 1 >= len(alive):
            continue
        following = alive[i + 1]
        if following.marker.style in styles and parent(following) is node:
            starts.setdefault(following.marker.value, node)
    values = sorted(starts)
    for draft in drafts:
        index = bisect.bisect_right(values, draft.node.marker.value) - 1
        if index >= 0:
            section = starts[values[index]]
            draft.section = _label(section)
            draft.path = [section.marker.number, draft.number]
        else:
            draft.path = [draft.number]


def _order_diagnostics(alive, chosen, key, to_original) -> list[Diagnostic]:
    diagnostics = []
    seen: set[tuple] = set()
    chosen_ids = {n.index for n in chosen}
    for node in alive:
        if node.index not in chosen_ids:
            continue
        k = key(node)
        span = to_original(node.marker.start, node.heading_end)
        if k in seen:
            diagnostics.append(
                Diagnostic(
                    "duplicate_passage",
                    f"标题{node.marker.number}{node.heading or ''}重复出现；其后的内容已并入该措施",
                    span,
                )
            )
            continue
        seen.add(k)
        if not node.marker.in_sequence:
            diagnostics.append(
                Diagnostic(
                    "out_of_order",
                    f"措施{node.marker.number}{node.heading or ''}出现的位置不合编号顺序，已按编号移到正确位置",
                    span,
                )
            )
    return diagnostics


def _missing(drafts: list[Draft], scrambled: bool, printed: dict[tuple, set[int]]) -> list:
    groups: dict[tuple, list[int]] = {}
    for draft in drafts:
        marker = draft.node.marker
        if scrambled:
            group = (draft.part, marker.style)
        else:
            group = (draft.part, marker.epoch, marker.style, tuple(draft.path[:-1]))
        groups.setdefault(group, []).append(marker.value)
    # Numbering that runs on across sections (000: 1﹒…25﹒ under 二、…七、) is one sequence.
    merged: dict[tuple, list[int]] = {}
    for group, values in groups.items():
        whole = group[:2] if scrambled else group[:3]
        merged.setdefault(whole, []).extend(values)
    diagnostics = []
    for whole, values in merged.items():
        style = whole[-1]
        if len(set(values)) == len(values):
            checks = [(values, printed.get(whole, set(values)))]
        else:
            checks = [
                (v, printed.get(g, set(v))) for g, v in groups.items() if g[: len(whole)] == whole
            ]
        lost: set[int] = set()
        for sequence, present in checks:
            lost.update(v for v in range(1, max(sequence) + 1) if v not in present)
        if lost:
            names = "、".join(format_number(style, v) for v in sorted(lost))
            diagnostics.append(
                Diagnostic("missing_number", f"未找到编号为{names}的措施（原文可能缺失这些标题）")
            )
    return diagnostics
