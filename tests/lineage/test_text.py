"""Folding, n-grams and quantities: the character-level pieces of the matcher."""

from __future__ import annotations

from policyledger.lineage import features
from policyledger.lineage.text import fold, quantities, segments, shingles


def test_fold_drops_markup_spaces_and_the_leading_number() -> None:
    folded = fold("（三）补贴标准为 $15\\%$ ，**每件**不超过２０００元。\n![](images/a.jpg)")
    assert folded.text == "补贴标准为15%,每件不超过2000元."


def test_fold_maps_back_to_the_original_text() -> None:
    source = "第二条  对个人消费者\n购买产品，给予补贴。"
    folded = fold(source)
    start = folded.text.index("个人消费者购买")
    end = start + len("个人消费者购买")
    # The page-break line split inside the phrase is kept in the original slice.
    assert folded.original(start, end) == "个人消费者\n购买"
    assert source[slice(*folded.original_span(start, end))] == "个人消费者\n购买"


def test_fold_keeps_numbers_that_are_not_a_measure_number() -> None:
    assert fold("2025年起实施").text == "2025年起实施"
    assert fold("（一）2025年起实施", drop_number=False).text.startswith("(一)")


def test_segments_split_at_punctuation() -> None:
    assert segments("甲乙丙,丁戊.己") == ["甲乙丙", "丁戊", "己"]


def test_ngrams_never_straddle_punctuation() -> None:
    with_comma = features.ngram_ids("甲乙,丙丁", (2,))
    assert len(with_comma) == 2  # 甲乙 and 丙丁, never 乙丙
    assert set(with_comma) == set(features.ngram_ids("甲乙", (2,))) | set(
        features.ngram_ids("丙丁", (2,))
    )


def test_ngram_hashes_are_stable_across_processes() -> None:
    # No dependence on Python's per-process hash seed: the same text gives the same ids.
    import subprocess
    import sys

    code = (
        "from policyledger.lineage import features; print(list(features.ngram_ids('养老服务中心')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(list(features.ngram_ids("养老服务中心")))


def test_shingles_ignore_punctuation() -> None:
    assert shingles("甲乙丙,丁戊", 5) == {"甲乙丙丁戊"}


def test_quantities_keep_amounts_and_shares_not_years_or_ones() -> None:
    found = quantities(
        fold("2025年起，每件补贴不超过2000元，比例15%，每类1件，最多3件，期限3年").text
    )
    assert found == {"2000元", "15%", "3件", "3年"}
