"""The lineage-dev pairs (../shared/lineage-dev, read in place) held at the feature's figures.

Two views, both scored with ``policyledger.lineage.evaluation``:

- matcher: measures cut at the gold offsets, so the figures measure the matcher alone;
- end to end: the parser's own measures, gold measures mapped to them by character offset. A pair
  whose child the parser does not segment at the printed numbers of the gold measures (fewer than
  80 % recognised) is an expected failure of the parser, reported as xfail with the count, and
  turns into a pass by itself when the parser improves.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policyledger.lineage import propose
from policyledger.lineage.evaluation import Score, gold_document, load_pairs, recognised, score_pair
from policyledger.parsing import parse

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "lineage-dev"
RECALL, PRECISION = 0.90, 0.90


@pytest.fixture(scope="module")
def pairs():
    if not DEV.is_dir() or not list(DEV.glob("*.links.json")):
        if os.environ.get("PL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{DEV} (the lineage-dev pairs) is required under make test")
        pytest.skip(f"{DEV} not present: the lineage-dev pairs are read from ../shared")
    return load_pairs(DEV)


def _score(pair, parent, child) -> Score:
    lineage = propose(parent, child)
    answers = [[(c.parent.measure, c.confidence) for c in p.candidates] for p in lineage.proposals]
    return score_pair(pair, parent, child, answers)


def test_matcher_figures_on_the_gold_measures(pairs) -> None:
    total = Score()
    for pair in pairs:
        parent = gold_document(pair.parent_text, pair.gold_parent, "parent")
        child = gold_document(pair.child_text, pair.gold_child, "child")
        total.add(_score(pair, parent, child))
    assert total.linked_children == 39
    assert total.top3_recall >= RECALL, total.misses
    assert total.high >= 10, "high confidence must still be given where clauses are copied"
    assert total.high_precision >= PRECISION, total.wrong_high


@pytest.mark.parametrize(
    "name", ["shandong-jinan-appliance-tradein-2025", "no1-doc-rural-finance-2026"]
)
def test_end_to_end_figures_per_pair(pairs, name) -> None:
    pair = next((p for p in pairs if p.name == name), None)
    if pair is None:
        pytest.skip(f"{name} not in {DEV}")
    parent, child = parse(pair.parent_text), parse(pair.child_text)
    found = recognised(pair.gold_child, child.measures)
    score = _score(pair, parent, child)
    if found < 0.8 * len(pair.gold_child):
        pytest.xfail(
            f"parser segments {found}/{len(pair.gold_child)} gold child measures at their"
            f" printed numbers (top-3 recall {score.top3_recall:.2f} end to end)"
        )
    assert score.top3_recall >= RECALL, score.misses
    assert score.high_precision >= PRECISION, score.wrong_high


def test_gold_offsets_point_at_printed_numbers(pairs) -> None:
    # The mapping by char_offset rests on this: the gold offset is where the number is printed.
    for pair in pairs:
        for side, text in (("parent", pair.parent_text), ("child", pair.child_text)):
            for g in pair.links[f"{side}_measures"]:
                assert text.startswith(g["number"], g["char_offset"]), (pair.name, g["id"])
