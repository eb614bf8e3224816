"""Scoring proposals against hand-checked links (the ``lineage-dev`` format; see its README).

Gold measures are mapped to the parser's measures by character offset: the gold ``char_offset`` is
the first character of a measure's printed number in the file, and the parsed measure whose span
contains that offset is its counterpart; failing that, the parsed measure that overlaps the gold
measure's extent (from its offset to the next gold measure's offset) the most. A gold measure with
no counterpart counts as missed. ``gold_document`` instead cuts the text at the gold offsets, so the
matcher can be scored apart from the parser's segmentation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyledger.parsing import parse
from policyledger.parsing.model import Document, Measure, Source

_HEADING_LINE = re.compile(
    r"\n\s*(?:#+\s|\*\*|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+章)[^\n]*\s*$"
)


@dataclass
class Pair:
    name: str
    parent_text: str
    child_text: str
    links: dict[str, Any]

    @property
    def gold_parent(self) -> list[dict[str, Any]]:
        return self.links["parent_measures"]

    @property
    def gold_child(self) -> list[dict[str, Any]]:
        return self.links["child_measures"]

    def true_parents(self) -> dict[str, set[str]]:
        truth: dict[str, set[str]] = {}
        for link in self.links["links"]:
            truth.setdefault(link["child"], set()).add(link["parent"])
        return truth

    def strength(self) -> dict[tuple[str, str], str]:
        return {(link["child"], link["parent"]): link["strength"] for link in self.links["links"]}


def load_pairs(folder: Path) -> list[Pair]:
    pairs = []
    for links_file in sorted(folder.glob("*.links.json")):
        name = links_file.name[: -len(".links.json")]
        links = json.loads(links_file.read_text(encoding="utf-8"))
        pairs.append(
            Pair(
                name=name,
                parent_text=(folder / links["parent"]["file"]).read_text(encoding="utf-8"),
                child_text=(folder / links["child"]["file"]).read_text(encoding="utf-8"),
                links=links,
            )
        )
    return pairs


def extents(gold: list[dict[str, Any]], text: str) -> list[tuple[int, int]]:
    """Each gold measure's extent: its offset up to the next one's (the last runs to the end)."""
    starts = [g["char_offset"] for g in gold]
    ends = starts[1:] + [len(text)]
    out = []
    for start, end in zip(starts, ends, strict=True):
        chunk = text[start:end]
        # A section heading printed before the next measure is not part of this one.
        while True:
            match = _HEADING_LINE.search(chunk)
            if not match:
                break
            chunk = chunk[: match.start()]
        out.append((start, start + len(chunk.rstrip())))
    return out


def gold_document(text: str, gold: list[dict[str, Any]], name: str) -> Document:
    """A Document whose measures are the gold measures, cut from the text at their offsets."""
    document = parse(text, name=name)
    measures = []
    for g, (start, end) in zip(gold, extents(gold, text), strict=True):
        measures.append(
            Measure(
                id=g["id"],
                part=0,
                number=g["number"],
                path=[g["number"]],
                section=g.get("section"),
                heading=g.get("heading"),
                text=text[start:end],
                span=(start, end),
            )
        )
    document.measures = measures
    document.source = Source(name=name, sha256=document.source.sha256, chars=len(text))
    return document


def map_gold(gold: list[dict[str, Any]], text: str, measures: list[Measure]) -> dict[str, set[int]]:
    """Gold id -> indexes of the parsed measures that stand for it.

    A parsed measure stands for a gold measure when its span holds the gold measure's printed
    number (the parser cut coarser, or the same), or when at least half of the parsed measure lies
    inside the gold measure's extent (the parser cut finer, e.g. sub-items of an article).
    """
    mapping: dict[str, set[int]] = {}
    for g, (start, end) in zip(gold, extents(gold, text), strict=True):
        offset = g["char_offset"]
        found: set[int] = set()
        for i, m in enumerate(measures):
            length = max(1, m.span[1] - m.span[0])
            overlap = min(end, m.span[1]) - max(start, m.span[0])
            if m.span[0] <= offset < m.span[1] or overlap * 2 >= length:
                found.add(i)
        if found:
            mapping[g["id"]] = found
    return mapping


def recognised(gold: list[dict[str, Any]], measures: list[Measure], slack: int = 2) -> int:
    """How many gold measures the parser starts where the gold's printed number is."""
    starts = [m.span[0] for m in measures]
    return sum(1 for g in gold if any(abs(s - g["char_offset"]) <= slack for s in starts))


@dataclass
class Score:
    linked_children: int = 0
    hits: int = 0  # linked child measures with a true parent among their top-3 candidates
    mapped_children: int = 0
    high: int = 0  # high-confidence candidates
    high_right: int = 0
    unlinked_children: int = 0
    unlinked_empty: int = 0  # unlinked child measures with no candidate at all
    link_hits: int = 0  # true links whose parent is in the child's top 3
    links: int = 0
    misses: list[str] = field(default_factory=list)
    wrong_high: list[str] = field(default_factory=list)

    @property
    def top3_recall(self) -> float:
        return self.hits / self.linked_children if self.linked_children else 0.0

    @property
    def high_precision(self) -> float:
        return self.high_right / self.high if self.high else 1.0

    @property
    def link_recall(self) -> float:
        return self.link_hits / self.links if self.links else 0.0

    def add(self, other: Score) -> None:
        for name in [
            "linked_children",
            "hits",
            "mapped_children",
            "high",
            "high_right",
            "unlinked_children",
            "unlinked_empty",
            "link_hits",
            "links",
        ]:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses
        self.wrong_high += other.wrong_high


def score_pair(
    pair: Pair, parent: Document, child: Document, proposals: list[list[tuple[int, str]]]
) -> Score:
    """Score proposals: for each parsed child measure, (parsed parent index, confidence) best first.

    A linked gold child measure is found when one of the parsed measures standing for it (see
    ``map_gold``) has, among its first three candidates, a parsed parent measure standing for one of
    its true parents. A high-confidence candidate is right when its parent stands for a true parent
    of a gold child measure the parsed child measure stands for.
    """
    parent_of = map_gold(pair.gold_parent, pair.parent_text, parent.measures)
    child_of = map_gold(pair.gold_child, pair.child_text, child.measures)
    gold_in_parent: dict[int, set[str]] = {}
    for gid, indexes in parent_of.items():
        for index in indexes:
            gold_in_parent.setdefault(index, set()).add(gid)
    gold_in_child: dict[int, set[str]] = {}
    for gid, indexes in child_of.items():
        for index in indexes:
            gold_in_child.setdefault(index, set()).add(gid)
    truth = pair.true_parents()
    score = Score()
    for g in pair.gold_child:
        gid = g["id"]
        parents = truth.get(gid, set())
        indexes = child_of.get(gid, set())
        if indexes:
            score.mapped_children += 1
        if not parents:
            score.unlinked_children += 1
            if indexes and not any(proposals[i] for i in indexes):
                score.unlinked_empty += 1
            continue
        score.linked_children += 1
        score.links += len(parents)
        top3: set[str] = set()
        for index in indexes:
            for parent_index, _conf in proposals[index][:3]:
                top3 |= gold_in_parent.get(parent_index, set())
        if parents & top3:
            score.hits += 1
        else:
            score.misses.append(f"{pair.name} {gid}")
        score.link_hits += len(parents & top3)
    for index, candidates in enumerate(proposals):
        golds = gold_in_child.get(index, set())
        allowed = set().union(*(truth.get(gid, set()) for gid in golds)) if golds else set()
        for parent_index, conf in candidates:
            if conf != "high":
                continue
            score.high += 1
            if gold_in_parent.get(parent_index, set()) & allowed:
                score.high_right += 1
            else:
                score.wrong_high.append(f"{pair.name} child#{index}->parent#{parent_index}")
    return score
