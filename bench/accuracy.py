"""Precision and recall of ``parse()`` per field against the hand-checked gold annotations.

    .venv/bin/python bench/accuracy.py [--verbose]

Conventions follow tests/data/gold/README.md:
- measures are aligned by (sub-document, number); numbers compare after NFKC (``1﹒`` = ``1.``,
  ``（一）`` = ``(一)``) with ``、`` read as ``.``;
- every per-measure field is a multiset of (measure key, value) items, so a value on the wrong
  measure is both a false positive and a false negative;
- 001 is scrambled and its headings (十一) (十三) (十四) (十五) (二十一) (二十三) are not printed: the
  measures scored are those whose heading is in the text (what the parser can find), and its numeric
  lists (money, percents, counts, deadlines) are compared as document-level multisets;
- headings and sections compare without their numbering marker, whitespace-free, first 30 characters;
  where the gold leaves a section open (001 （十三）-（十八）: "二或三（边界不明…）") it is not scored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "gold"
SAMPLES = ROOT / "samples" / "corpus"

FIELDS = (
    "title",
    "issuer",
    "doc_number",
    "date",
    "region",
    "measures",
    "headings",
    "sections",
    "lead_units",
    "support_units",
    "money",
    "percents",
    "counts",
    "deadlines",
    "citations",
)
NUMERIC = ("money", "percents", "counts", "deadlines")

# A numbering marker at the start of a heading or section: 一、 （一） (1) 1. 1、 ① 第一条.
_MARKER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[条章节部分]|[(（][一二三四五六七八九十百零〇\d]+[)）]"
    r"|[一二三四五六七八九十百零〇]+[、.．]|\d+[、.．﹒]|[①-⑳])\s*"
)
_SPACE = re.compile(r"\s+")


@dataclass
class Score:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold

    @property
    def precision(self) -> float | None:
        return self.tp / self.pred if self.pred else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gold if self.gold else None


def compare(predicted: Iterable, gold: Iterable) -> Score:
    p, g = Counter(predicted), Counter(gold)
    return Score(sum((p & g).values()), sum(p.values()), sum(g.values()))


def norm_text(value: str | None) -> str | None:
    if value is None:
        return None
    return _SPACE.sub("", unicodedata.normalize("NFKC", value)) or None


def norm_number(value: str) -> str:
    return norm_text(value).replace("、", ".").rstrip(".") + "."


def norm_title(value: str | None, limit: int = 30) -> str | None:
    text = norm_text(value)
    if text is None:
        return None
    text = _MARKER.sub("", unicodedata.normalize("NFKC", text)).rstrip("。；;")
    return text[:limit] or None


def norm_quantity(value) -> str:
    if isinstance(value, list | tuple):
        return "—".join(norm_quantity(v) for v in value)
    if isinstance(value, str):
        return re.sub(r"[-–~～至]", "—", value)
    return f"{round(float(value), 4):g}"


def _ends(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass
class Extract:
    """One side (gold or predicted) reduced to comparable items per field."""

    items: dict[str, list] = field(default_factory=lambda: {name: [] for name in FIELDS})
    # Measures whose section the gold itself leaves open (001: "二或三（边界不明…）").
    unscored_sections: set = field(default_factory=set)


def _ambiguous(section: str | None) -> bool:
    return bool(section) and "不明" in section


def gold_items(gold: dict) -> Extract:
    out = Extract()
    doc = gold["document"]
    for name in ("title", "issuer", "doc_number", "date", "region"):
        value = norm_text(doc.get(name))
        if value:
            out.items[name].append(value)
    subdocs = gold.get("sub_documents") or [None]
    scrambled = bool(gold.get("scrambled_order"))
    for measure in gold["measures"]:
        part = subdocs.index(measure["sub_document"]) if measure.get("sub_document") else 0
        key = (part, norm_number(measure["number"]))
        numeric_key = None if scrambled else key
        for money in measure["money_yuan"]:
            out.items["money"].append((numeric_key, norm_quantity(money)))
        for percent in measure["percents"]:
            out.items["percents"].append((numeric_key, norm_quantity(percent)))
        for value, unit in measure["counts"]:
            out.items["counts"].append((numeric_key, norm_quantity(value), unit))
        for deadline in measure["deadlines"]:
            out.items["deadlines"].append((numeric_key, deadline))
        if measure.get("heading_in_text") is False:
            continue  # not printed: nothing a parser could find to key it by
        out.items["measures"].append(key)
        if measure.get("heading"):
            out.items["headings"].append((key, norm_title(measure["heading"])))
        if _ambiguous(measure.get("section")):
            out.unscored_sections.add(key)
        elif measure.get("section"):
            out.items["sections"].append((key, norm_title(measure["section"])))
        out.items["lead_units"].extend((key, norm_text(u)) for u in measure["lead_units"])
        out.items["support_units"].extend((key, norm_text(u)) for u in measure["support_units"])
    out.items["citations"] = [norm_text(c) for c in gold["citations"]]
    return out


def _part_map(document, gold: dict) -> dict[int, int]:
    """Parsed part index -> gold sub-document index, by title similarity."""
    subdocs = gold.get("sub_documents") or [None]
    if len(subdocs) == 1:
        return {i: 0 for i in range(max(1, len(document.parts)))}
    mapping = {}
    for index, part in enumerate(document.parts):
        title = norm_text(part.title) or ""
        scores = [
            SequenceMatcher(None, title, norm_text(sub) or "").ratio() if sub else 0
            for sub in subdocs
        ]
        mapping[index] = max(range(len(subdocs)), key=scores.__getitem__)
    return mapping


def predicted_items(document, gold: dict) -> Extract:
    out = Extract()
    for name in ("title", "issuer", "doc_number", "date", "region"):
        value = norm_text(getattr(document, name))
        if value:
            out.items[name].append(value)
    scrambled = bool(gold.get("scrambled_order"))
    parts = _part_map(document, gold)
    for measure in document.measures:
        key = (parts.get(measure.part, measure.part), norm_number(measure.number))
        numeric_key = None if scrambled else key
        out.items["measures"].append(key)
        if measure.heading:
            out.items["headings"].append((key, norm_title(measure.heading)))
        if measure.section:
            out.items["sections"].append((key, norm_title(measure.section)))
        out.items["lead_units"].extend((key, norm_text(u)) for u in measure.lead_units)
        out.items["support_units"].extend((key, norm_text(u)) for u in measure.support_units)
        for target in measure.targets:
            if target.kind == "money":
                out.items["money"].extend(
                    (numeric_key, norm_quantity(v)) for v in _ends(target.value)
                )
            elif target.kind == "percent":
                out.items["percents"].extend(
                    (numeric_key, norm_quantity(v)) for v in _ends(target.value)
                )
            elif target.kind == "count":
                out.items["counts"].append((numeric_key, norm_quantity(target.value), target.unit))
            elif target.kind == "date":
                out.items["deadlines"].append((numeric_key, str(target.value)))
    out.items["citations"] = [norm_text(c.doc_number) for c in document.citations if c.doc_number]
    return out


def sides(document, gold: dict) -> tuple[Extract, Extract]:
    """(predicted, expected) items, with what the gold leaves open removed from both."""
    predicted, expected = predicted_items(document, gold), gold_items(gold)
    predicted.items["sections"] = [
        item for item in predicted.items["sections"] if item[0] not in expected.unscored_sections
    ]
    return predicted, expected


def evaluate(document, gold: dict) -> dict[str, Score]:
    predicted, expected = sides(document, gold)
    return {name: compare(predicted.items[name], expected.items[name]) for name in FIELDS}


def load_gold() -> list[tuple[Path, dict]]:
    pairs = []
    for path in sorted(GOLD.glob("*.gold.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        pairs.append((SAMPLES / gold["file"], gold))
    return pairs


def _fmt(value: float | None) -> str:
    return "  –  " if value is None else f"{value:5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list misses and extras per field")
    args = parser.parse_args()

    from policyledger.parsing import parse

    pairs = load_gold()
    missing = [str(path) for path, _ in pairs if not path.exists()]
    if not pairs or missing:
        print(f"bench FAILED: gold or sample texts missing: {missing or GOLD}", file=sys.stderr)
        return 2
    totals = {name: Score() for name in FIELDS}
    per_sample: list[tuple[str, dict[str, Score], int, int]] = []
    for path, gold in pairs:
        document = parse(path.read_text(encoding="utf-8"), name=path.name)
        scores = evaluate(document, gold)
        expected = len(gold_items(gold).items["measures"])
        per_sample.append((path.name[:3], scores, len(document.measures), expected))
        for name in FIELDS:
            totals[name].add(scores[name])
        if args.verbose:
            _explain(path.name, document, gold)

    header = (
        f"{'field':<14}" + "".join(f"{name:>14}" for name, *_ in per_sample) + f"{'overall':>22}"
    )
    print("precision / recall per field (tp/pred/gold overall)")
    print(header)
    for name in FIELDS:
        row = f"{name:<14}"
        for _, scores, *_ in per_sample:
            s = scores[name]
            row += f"  {_fmt(s.precision)}/{_fmt(s.recall)}" if s.pred or s.gold else f"{'':>12}--"
        total = totals[name]
        row += f"   {_fmt(total.precision)}/{_fmt(total.recall)} ({total.tp}/{total.pred}/{total.gold})"
        print(row)
    print()
    print("measure counts (parsed / gold scored):")
    for sample, _, found, expected in per_sample:
        print(f"  {sample}: {found} / {expected}")
    micro = Score()
    for name in FIELDS:
        micro.add(totals[name])
    print(f"all fields pooled: precision {_fmt(micro.precision)}, recall {_fmt(micro.recall)}")
    print()
    print(f"samples: {len(per_sample)}")
    print(f"pooled_precision: {_fmt(micro.precision).strip()}")
    print(f"pooled_recall: {_fmt(micro.recall).strip()}")
    for name in FIELDS:
        print(f"{name}_recall: {_fmt(totals[name].recall).strip()}")


def _explain(name: str, document, gold: dict) -> None:
    predicted, expected = sides(document, gold)
    print(f"== {name}")
    for field_name in FIELDS:
        p, g = Counter(predicted.items[field_name]), Counter(expected.items[field_name])
        missing, extra = list((g - p).elements()), list((p - g).elements())
        if missing or extra:
            print(f"  {field_name}: missing {missing[:12]}{' …' if len(missing) > 12 else ''}")
            print(
                f"  {' ' * len(field_name)}  extra   {extra[:12]}{' …' if len(extra) > 12 else ''}"
            )


if __name__ == "__main__":
    sys.exit(main())
