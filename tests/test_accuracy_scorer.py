"""bench/accuracy.py scores what it should: the gold against itself is perfect, and each kind of
mistake in a parse costs precision or recall in the field it belongs to."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest

from policyledger.parsing.model import Citation, Document, Measure, Part, Source, Target

BENCH = Path(__file__).resolve().parent.parent / "bench" / "accuracy.py"
_spec = importlib.util.spec_from_file_location("bench_accuracy", BENCH)
accuracy = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = accuracy  # dataclasses look their module up while the file executes
_spec.loader.exec_module(accuracy)

GOLD = {gold["file"][:3]: gold for _, gold in accuracy.load_gold()}


def _document_from_gold(gold: dict) -> Document:
    """What a perfect parser would return, built from the annotations."""
    subdocs = gold.get("sub_documents") or [None]
    measures = []
    for item in gold["measures"]:
        if item.get("heading_in_text") is False:
            continue
        part = subdocs.index(item["sub_document"]) if item.get("sub_document") else 0
        targets = (
            [Target("money", v, "元", None, None, "", (0, 0)) for v in item["money_yuan"]]
            + [Target("percent", v, None, None, None, "", (0, 0)) for v in item["percents"]]
            + [Target("count", v, u, None, None, "", (0, 0)) for v, u in item["counts"]]
            + [Target("date", v, None, None, None, "", (0, 0)) for v in item["deadlines"]]
        )
        measures.append(
            Measure(
                id=str(len(measures)),
                part=part,
                number=item["number"],
                path=[],
                section=item["section"],
                heading=item["heading"],
                text="",
                span=(0, 0),
                lead_units=list(item["lead_units"]),
                support_units=list(item["support_units"]),
                targets=targets,
            )
        )
    meta = {k: gold["document"].get(k) for k in ("title", "issuer", "doc_number", "date", "region")}
    return Document(
        source=Source(gold["file"], "0" * 64, 0),
        parts=[Part(title or "", (0, 0)) for title in subdocs],
        measures=measures,
        citations=[Citation(number, None, (0, 0)) for number in gold["citations"]],
        **meta,
    )


@pytest.mark.parametrize("sample", ["000", "002", "003", "004"])
def test_gold_against_itself_is_perfect(sample: str) -> None:
    scores = accuracy.evaluate(_document_from_gold(GOLD[sample]), GOLD[sample])
    for name, score in scores.items():
        assert score.tp == score.pred == score.gold, name


def test_scrambled_sample_counts_values_of_unprinted_measures() -> None:
    # 001's (十四) has no printed heading but its 50个 is in the text: a parser that cannot
    # key the measure still has to find the count somewhere.
    scores = accuracy.evaluate(_document_from_gold(GOLD["001"]), GOLD["001"])
    assert scores["counts"].gold == scores["counts"].tp + 1
    assert scores["measures"].tp == scores["measures"].gold == 20


def test_mistakes_cost_the_right_field() -> None:
    gold = GOLD["004"]
    perfect = _document_from_gold(gold)
    wrong = copy.deepcopy(perfect)
    wrong.measures[0].targets[0].value = 1  # one wrong amount
    wrong.measures[1].lead_units.pop()  # one unit missed
    wrong.measures[2].number = "九十九、"  # one measure misnumbered
    wrong.doc_number = None
    scores = accuracy.evaluate(wrong, gold)
    # The wrong amount, and the amounts of the misnumbered measure (keyed by its number), miss.
    lost = 1 + len(gold["measures"][2]["money_yuan"])
    assert scores["money"].tp == scores["money"].gold - lost
    assert scores["money"].pred == scores["money"].gold
    assert scores["lead_units"].pred == scores["lead_units"].gold - 1
    assert scores["measures"].tp == scores["measures"].gold - 1
    # Everything keyed by the misnumbered measure is lost with it.
    assert scores["headings"].tp == scores["headings"].gold - 1
    assert scores["doc_number"].recall == 0
    assert scores["title"].recall == 1


def test_numbers_compare_across_widths_and_styles() -> None:
    assert accuracy.norm_number("1﹒") == accuracy.norm_number("1.") == accuracy.norm_number("1. ")
    assert accuracy.norm_number("（一）") == accuracy.norm_number("(一)")
    assert accuracy.norm_number("一、") != accuracy.norm_number("(一)")
