"""Pair proposals on short texts written for the tests (Documents built directly, no parser)."""

from __future__ import annotations

import json

from lineage_texts import CHILD, PARENT

from policyledger.lineage import propose


def _lineage(documents):
    return propose(documents("parent", PARENT), documents("child", CHILD))


def test_copied_clauses_are_proposed_first_with_high_confidence(documents) -> None:
    lineage = _lineage(documents)
    first, second = lineage.proposals[0], lineage.proposals[1]
    assert first.candidates[0].parent.number == "（一）"
    assert first.candidates[0].confidence == "high"
    assert second.candidates[0].parent.number == "（二）"
    assert second.candidates[0].confidence == "high"


def test_shared_phrases_are_the_longest_runs_printed_in_the_child(documents) -> None:
    lineage = _lineage(documents)
    shared = lineage.proposals[0].candidates[0].shared
    assert "每个街道至少建成1个综合性社区养老服务中心" in shared[0]
    assert shared[0].endswith("到")  # not "到202": a shared run does not end inside a number
    assert all(s in CHILD[0] for s in shared)
    assert all(s in PARENT[0] for s in shared[:1])
    # A phrase starts and ends on content, never on the punctuation around it.
    assert all(s[0] not in "，。、" and s[-1] not in "，。、" for s in shared)


def test_a_paraphrase_finds_its_parent_without_verbatim_reuse(documents) -> None:
    candidates = _lineage(documents).proposals[2].candidates
    assert candidates and candidates[0].parent.number == "（三）"
    assert candidates[0].confidence != "high"  # similarity alone is never high


def test_a_local_measure_has_no_candidate(documents) -> None:
    assert _lineage(documents).proposals[3].candidates == []


def test_scores_are_in_range_and_best_first(documents) -> None:
    for proposal in _lineage(documents).proposals:
        scores = [c.score for c in proposal.candidates]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_json_shape(documents) -> None:
    data = json.loads(json.dumps(_lineage(documents).to_dict(), ensure_ascii=False))
    assert set(data) == {"parent", "child", "proposals"}
    assert data["parent"]["name"] == "parent" and data["child"]["measures"] == 4
    proposal = data["proposals"][0]
    assert set(proposal) == {"child", "candidates"}
    assert set(proposal["child"]) == {"number", "heading", "span"}
    candidate = proposal["candidates"][0]
    assert set(candidate) == {"parent", "score", "confidence", "shared"}
    assert set(candidate["parent"]) == {"number", "heading", "span"}
    assert candidate["confidence"] in {"high", "medium", "low"}


def test_matching_ignores_document_order_and_numbering(documents) -> None:
    # The same child measures in reverse order, renumbered as articles, keep their parents.
    renumbered = [
        "第一条" + CHILD[1][4:],
        "第二条" + CHILD[0][3:],
    ]
    lineage = propose(documents("parent", PARENT), documents("child", renumbered))
    assert lineage.proposals[0].candidates[0].parent.number == "（二）"
    assert lineage.proposals[1].candidates[0].parent.number == "（一）"


def test_documents_without_measures(documents) -> None:
    empty = documents("empty", [])
    assert propose(empty, documents("child", CHILD)).proposals[0].candidates == []
    assert propose(documents("parent", PARENT), empty).proposals == []


def test_shared_amounts_raise_the_score(documents, monkeypatch) -> None:
    from policyledger.lineage.matcher import Evidence

    base = Evidence(0.1, 0.0, 0.0, 0, 0.5, 1.0, [])
    more = Evidence(0.1, 0.0, 0.0, 2, 0.5, 1.0, [])
    assert more.score() > base.score()
