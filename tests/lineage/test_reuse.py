"""Shared runs (greedy string tiling) between two texts."""

from __future__ import annotations

from policyledger.lineage.reuse import shared_runs


def _texts(child: str, parent: str) -> list[str]:
    return [child[r.child : r.child + r.length] for r in shared_runs(child, parent)]


def test_finds_the_clause_copied_word_for_word() -> None:
    parent = "各地要完善养老服务体系，每个街道至少建成一个综合性服务中心。"
    child = "我区将每个街道至少建成一个综合性服务中心，并配备专职人员。"
    assert _texts(child, parent) == ["每个街道至少建成一个综合性服务中心"]


def test_runs_are_longest_first_and_never_reuse_a_character() -> None:
    parent = "甲乙丙丁戊己庚辛壬癸，子丑寅卯辰巳午未。"
    child = "子丑寅卯辰巳午未，甲乙丙丁戊己庚辛壬癸，甲乙丙丁戊己庚辛壬癸。"
    runs = shared_runs(child, parent)
    assert [r.length for r in runs] == sorted((r.length for r in runs), reverse=True)
    covered = [i for r in runs for i in range(r.parent, r.parent + r.length)]
    assert len(covered) == len(set(covered))  # the parent's clause is matched once only


def test_short_coincidences_are_not_reuse() -> None:
    assert shared_runs("加强组织领导工作", "切实加强组织保障") == []


def test_empty_and_tiny_texts() -> None:
    assert shared_runs("", "甲乙丙丁戊己") == []
    assert shared_runs("甲乙", "甲乙") == []
