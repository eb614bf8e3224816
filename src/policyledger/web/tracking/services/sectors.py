"""Which sector (汽车, 餐饮, 文旅, ...) a money target belongs to, by keywords kept in data/sectors.tsv.

A target is judged by the sentence it sits in first ("发放1000万元餐饮消费券" is 餐饮 even inside a
measure headed 促消费活动), then by its measure's heading, then by the measure's whole text. Within
one piece of text the keyword that appears first wins.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

OTHER = "其他"
_SENTENCE_END = re.compile(r"[。；！？\n]")


@lru_cache(maxsize=1)
def keywords() -> tuple[tuple[str, str], ...]:
    """(keyword, sector) pairs in file order."""
    text = (
        resources.files("policyledger.web.tracking").joinpath("data/sectors.tsv").read_text("utf-8")
    )
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sector, _, keyword = line.partition("\t")
        if sector.strip() and keyword.strip():
            pairs.append((keyword.strip(), sector.strip()))
    return tuple(pairs)


def sector_names() -> list[str]:
    seen: dict[str, None] = {}
    for _, sector in keywords():
        seen.setdefault(sector, None)
    return [*seen, OTHER]


def sector_of_text(text: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for order, (keyword, sector) in enumerate(keywords()):
        at = text.find(keyword)
        if at >= 0 and (best is None or (at, order) < best[:2]):
            best = (at, order, sector)
    return best[2] if best else None


def sentence_around(text: str, fragment: str) -> str:
    """The sentence of ``text`` that holds ``fragment`` ('' when it is not there)."""
    at = text.find(fragment) if fragment else -1
    if at < 0:
        return ""
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = starts[-1] if starts else 0
    end_match = _SENTENCE_END.search(text, at + len(fragment))
    return text[start : end_match.end() if end_match else len(text)]


def sector_of_target(target_text: str, heading: str, measure_text: str) -> str:
    for piece in (sentence_around(measure_text, target_text), heading, measure_text):
        sector = sector_of_text(piece or "")
        if sector:
            return sector
    return OTHER
